"""ALTO, PAGE and hOCR come from Barnacle's own templates (barnacle/export/templates/), not
from kraken's templates edited after rendering, and still write the bytes they wrote before."""

from __future__ import annotations

from pathlib import Path

import pytest

import barnacle.export
from barnacle.export.kraken_page import template

from support.export_cases import REFERENCE, exports

TEMPLATES = Path(barnacle.export.__file__).parent / "templates"
CASES = exports()


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_writes_the_reference_bytes(name: str) -> None:
    assert CASES[name]() == (REFERENCE / name).read_bytes()


@pytest.mark.parametrize("name", ["alto.xml.j2", "pagexml.xml.j2", "hocr.html.j2"])
def test_templates_are_ours(name: str) -> None:
    assert Path(template(name).filename or "").resolve() == (TEMPLATES / name).resolve()


def test_no_export_code_renders_kraken_templates_or_edits_their_text() -> None:
    package = Path(barnacle.export.__file__).parent.parent
    for module in package.rglob("*.py"):
        source = module.read_text()
        assert 'PackageLoader("kraken"' not in source, module
    for name in ("alto.py", "pagexml.py", "hocr.py", "kraken_page.py"):
        source = (package / "export" / name).read_text()
        assert "import re\n" not in source, name
