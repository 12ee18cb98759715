"""What an installed model record says about itself: its name and licence, read offline from
the files the repository holds next to the weights (a v1 record's README.md model card with
YAML front matter, or a v0 record's metadata.json), or a fine-tuned model's model-card.json
(name and base model)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from pydantic import BaseModel

_FRONT_MATTER = re.compile(r"^\s*(?:---|\+\+\+)(.*?)(?:---|\+\+\+)", re.S)


class ModelCard(BaseModel):
    name: str | None = None
    licence: str | None = None
    finetuned_from: str | None = None


def _from_readme(path: Path) -> ModelCard | None:
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8", errors="replace"))
    if match is None:
        return None
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    licence = data.get("license_name") or data.get("license")
    return ModelCard(
        name=str(data["summary"]) if data.get("summary") else None,
        licence=str(licence) if licence else None,
    )


def _from_metadata_json(path: Path) -> ModelCard | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    name = data.get("summary") or data.get("name")
    return ModelCard(
        name=str(name) if name else None,
        licence=str(data["license"]) if data.get("license") else None,
    )


def _from_finetune_card(path: Path) -> ModelCard | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("base"), dict):
        return None
    return ModelCard(name=str(data.get("name") or ""), finetuned_from=str(data["base"]["ref"]))


def read_card(folder: Path) -> ModelCard:
    """The record's name and licence, as far as its files give them (else empty)."""
    readers = (
        ("model-card.json", _from_finetune_card),
        ("README.md", _from_readme),
        ("metadata.json", _from_metadata_json),
    )
    for name, reader in readers:
        path = folder / name
        if path.is_file():
            card = reader(path)
            if card is not None:
                return card
    return ModelCard()
