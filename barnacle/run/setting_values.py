"""The values of `make run`'s settings, checked at its start (run-info --start) with the same
checks as the `barnacle` options they become, so a bad SIZE, MEM or CONTAINER is refused in one
line before anything is fetched or submitted, not in every page or array task."""

from __future__ import annotations

from collections.abc import Mapping

from barnacle.run_folder.settings import RunSettings


def setting_problem(settings: Mapping[str, str]) -> str | None:
    """The first problem among the make variables `settings` (name -> value), or None."""
    from barnacle.iiif import IIIFError, check_size
    from barnacle.job_arrays.container import container_problem
    from barnacle.job_arrays.sbatch import check_memory

    try:
        if settings.get("SIZE"):
            check_size(settings["SIZE"])
        if settings.get("MEM"):
            check_memory(settings["MEM"])
    except (IIIFError, ValueError) as err:
        return str(err)
    runtime = settings.get("CONTAINER_RUNTIME") or "none"
    return container_problem(runtime, settings.get("CONTAINER") or None)


def run_settings(settings: Mapping[str, str]) -> RunSettings | str:
    """The run's settings (settings.json) from make's variables, or the first problem with
    them in one line naming the variable: `THREADS=0: must be 1 or more`."""
    from pydantic import ValidationError

    try:
        return RunSettings.from_make_variables(dict(settings))
    except ValidationError as err:
        first = err.errors()[0]
        name = ".".join(str(part) for part in first["loc"]).upper()
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "greater_than_equal":
            message = f"must be {first['ctx']['ge']} or more"
        return f"{name}={settings.get(name, '')}: {message}"
