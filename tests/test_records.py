"""The record contract: exported JSON Schema in sync with the models."""

from __future__ import annotations

from barnacle.records.schema import SCHEMAS, schema_text

from support.paths import REPO


def test_committed_schemas_match_the_models() -> None:
    for name, model in SCHEMAS.items():
        committed = (REPO / "data" / "schema" / name).read_text()
        assert committed == schema_text(model), f"run scripts/export-schema to refresh {name}"
