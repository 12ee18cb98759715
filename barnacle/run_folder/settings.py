"""runs/<RUN>/settings.json: the settings every task of a run shares, written once at its start.

`make run` writes it (`barnacle run-info RUN_DIR --start --set NAME=VALUE ...`, one --set per
Makefile variable of the same name), validated by RunSettings, the model the worker's own
options extend (barnacle.worker.options.WorkerOptions). Every task of the run, `make -j` here or
a SLURM array task, reads its options from it: the Makefile passes only the run folder and the
manifest. A setting is therefore named in two places: its Makefile variable (NAME, upper case)
and its field here (name, lower case), whose description is its help text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from barnacle import defaults
from barnacle.atomic import atomic_write_text
from barnacle.first_error import first_error


class RunSettings(BaseModel):
    """What every task of a run is asked to do: the worker's options shared by all its
    manifests, and where its array tasks run (a container)."""

    model_config = ConfigDict(protected_namespaces=(), extra="forbid")

    model: str | None = Field(
        default=None,
        description="kraken recognition model: a path or an installed DOI "
        "(empty: BARNACLE_MODEL, else the bundled demo model)",
    )
    cache_dir: Path = Field(
        default=Path(defaults.CACHE_DIR), description="shared cache of manifests and images"
    )
    max_pages: int | None = Field(default=None, ge=1, description="only the first N pages")
    size: str = Field(default=defaults.IMAGE_SIZE, description="IIIF Image API size")
    device: str = Field(default=defaults.DEVICE, description="cpu, cuda or cuda:N")
    threads: int = Field(
        default=defaults.THREADS, ge=1, description="torch threads per page process"
    )
    page_processes: int | None = Field(
        default=None,
        ge=1,
        description="page processes per manifest (empty: the CPUs of the task, shared by JOBS)",
    )
    jobs: int = Field(default=1, ge=1, description="manifests OCRed at once on this machine")
    offline: bool = Field(
        default=False, description="read manifests and images from the cache only"
    )
    precision: str = Field(default=defaults.PRECISION, description="kraken precision")
    batch_size: int = Field(
        default=defaults.BATCH_SIZE, ge=1, description="lines recognised at once"
    )
    container: str | None = Field(default=None, description="image or .sif the SLURM tasks run in")
    container_runtime: str = Field(
        default="none", description="none, apptainer, singularity, podman or docker"
    )

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        from barnacle.iiif import IIIFError, check_size

        try:
            return check_size(value)
        except IIIFError as err:
            raise ValueError(str(err)) from err

    @classmethod
    def from_make_variables(cls, values: dict[str, str]) -> RunSettings:
        """The settings from Makefile variables (NAME -> text; empty: the default; names
        that are not settings are left out). CACHE_DIR, and MODEL when it names a file here,
        are made absolute: array tasks run in the repository folder, not where make ran."""
        names = set(cls.model_fields)
        fields: dict[str, Any] = {
            name.lower(): text
            for name, text in values.items()
            if text != "" and name.lower() in names
        }
        if "offline" in fields:
            fields["offline"] = fields["offline"] == "1"
        if "cache_dir" in fields:
            fields["cache_dir"] = Path(fields["cache_dir"]).expanduser().resolve()
        model = Path(fields.get("model") or "").expanduser()
        if fields.get("model") and model.is_file():
            fields["model"] = str(model.resolve())
        return cls.model_validate(fields)


# Settings of a run's tasks that `barnacle ocr` (one manifest, no run) has no option for.
RUN_ONLY_FIELDS = ("jobs", "container", "container_runtime")


def make_variables() -> list[str]:
    """The Makefile variables behind the settings, in field order (SIZE, DEVICE, ...)."""
    return [name.upper() for name in RunSettings.model_fields]


class SettingsError(ValueError):
    pass


def write_settings(path: Path, settings: RunSettings) -> None:
    atomic_write_text(path, settings.model_dump_json(indent=2) + "\n")


def read_settings(path: Path) -> RunSettings:
    """The settings of a run; SettingsError naming the fix when missing or invalid."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(
            f"{path} not found: start the run with make run (it writes the run's settings)"
        ) from None
    except ValueError as err:
        raise SettingsError(f"{path} is not JSON ({err}): rerun make run to rewrite it") from None
    try:
        return RunSettings.model_validate(data)
    except ValidationError as err:
        raise SettingsError(f"{path}: {first_error(err)}: rerun make run to rewrite it") from None
