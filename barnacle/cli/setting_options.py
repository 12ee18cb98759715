"""The options of `barnacle ocr` made from the run settings' fields (RunSettings): a field
`name` becomes `--name` (underscores as dashes), its description the help, its type the
option's. So a worker option is named in two places only: its Makefile variable and its field.
"""

from __future__ import annotations

import argparse
import types
import typing
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo

from barnacle.run_folder.settings import RUN_ONLY_FIELDS, RunSettings


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _kinds(annotation: Any) -> set[Any]:
    """The types a field's annotation allows (`int | None` -> {int, NoneType})."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return set(typing.get_args(annotation))
    return {annotation}


def _checked(name: str, kind: type) -> typing.Callable[[str], Any]:
    """argparse type of `--name`: the value checked by the field's own rules (IIIF size
    syntax, 1 or more, ...) before anything runs."""

    def check(text: str) -> Any:
        try:
            value = kind(text)
            RunSettings.model_validate({name: value})
        except ValueError as err:
            errors = err.errors() if isinstance(err, ValidationError) else None
            raise argparse.ArgumentTypeError(
                _problem(errors[0]) if errors else f"{text!r} is not a number"
            ) from None
        return value

    return check


def _problem(error: Any) -> str:
    """One pydantic error as a line: `must be 1 or more`, `bad size 'x': ...`."""
    if error["type"] == "greater_than_equal":
        return f"must be {error['ctx']['ge']} or more"
    return str(error["msg"]).removeprefix("Value error, ")


def _add_field(group: argparse._ArgumentGroup, name: str, field: FieldInfo) -> None:
    kinds = _kinds(field.annotation)
    help_text = field.description or ""
    if bool in kinds:
        group.add_argument(_flag(name), action="store_true", default=None, help=help_text)
        return
    if field.default is not None:
        help_text += f" (default: {field.default})"
    group.add_argument(
        _flag(name),
        type=_checked(name, int if int in kinds else str),
        default=None,
        metavar=name.upper(),
        help=help_text.replace("%", "%%"),
    )


def add_setting_options(parser: argparse.ArgumentParser) -> None:
    """One option per setting of a run's tasks that also applies to a lone manifest."""
    group = parser.add_argument_group("settings (in a run: runs/<RUN>/settings.json)")
    for name, field in RunSettings.model_fields.items():
        if name not in RUN_ONLY_FIELDS:
            _add_field(group, name, field)


def given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line (field name -> value); unset ones left out."""
    given = vars(args)
    return {
        name: given[name]
        for name in RunSettings.model_fields
        if name not in RUN_ONLY_FIELDS and given.get(name) is not None
    }


def validation_message(err: ValidationError) -> str:
    """The first problem of a ValidationError, named by its option: `--threads: ...`."""
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{_flag(where)}: {_problem(first)}"
