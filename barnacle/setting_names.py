"""The names of a run's settings (the fields of barnacle.run_folder.settings.RunSettings), read
from that module's source with the standard library only.

build/defaults.mk is written by the system Python (`python3 -m barnacle.defaults`) before
.venv exists, so it cannot import pydantic: it reads the field names of the class instead, and
prints them as the Makefile's SETTING_VARIABLES (NAME = the field name upper-cased).
tests/test_settings_json.py holds this list to RunSettings.model_fields.
"""

from __future__ import annotations

import ast
from pathlib import Path

SETTINGS_SOURCE = Path(__file__).resolve().parent / "run_folder" / "settings.py"
SETTINGS_CLASS = "RunSettings"


def setting_fields(source: Path = SETTINGS_SOURCE) -> list[str]:
    """The annotated fields of class RunSettings in `source`, in their order."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == SETTINGS_CLASS:
            return [
                item.target.id
                for item in node.body
                if isinstance(item, ast.AnnAssign)
                and isinstance(item.target, ast.Name)
                and not item.target.id.startswith("model_")
            ]
    raise LookupError(f"no class {SETTINGS_CLASS} in {source}")


def setting_variables() -> list[str]:
    """The Makefile variables of the settings: MODEL CACHE_DIR MAX_PAGES SIZE ..."""
    return [name.upper() for name in setting_fields()]
