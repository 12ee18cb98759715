"""JSON Schema of the record files, exported to data/schema/ for users of the JSONL."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from barnacle.atomic import atomic_write_text
from barnacle.records.page_record import PageError, PageRecord

SCHEMAS: dict[str, type[BaseModel]] = {
    "page-record.schema.json": PageRecord,
    "page-error.schema.json": PageError,
}


def schema_text(model: type[BaseModel]) -> str:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def export_schemas(folder: Path) -> list[Path]:
    written = []
    for name, model in SCHEMAS.items():
        path = folder / name
        atomic_write_text(path, schema_text(model))
        written.append(path)
    return written
