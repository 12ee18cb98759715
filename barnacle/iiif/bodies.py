"""Painting bodies: which are images (pages), which are not (sound, video, PDF, streams), and
for an image, its service, its own URL, its size and the part of it a selector picks.

Works on the JSON as it is (v2 `resource` or v3 `body`), tolerantly: one odd canvas must not
reject its book, so what is unambiguous is accepted and the rest is said in words.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel

from barnacle.iiif.image_api import ImageService
from barnacle.iiif.request_plan import Region

_IMAGE_TYPES = {"image", "stillimage"}
_NOT_IMAGE_TYPES = {
    "sound": "Sound",
    "audio": "Sound",
    "video": "Video",
    "movingimage": "Video",
    "text": "Text",
    "dataset": "Dataset",
    "model": "Model",
    "physicalobject": "Model",
}
_NOT_IMAGE_FORMATS = {
    "application/pdf": "a PDF",
    "application/dash+xml": "a DASH stream",
    "application/vnd.apple.mpegurl": "an HLS stream",
    "application/x-mpegurl": "an HLS stream",
}
_NOT_IMAGE_SUFFIXES = {
    ".pdf": "a PDF",
    ".mpd": "a DASH stream",
    ".m3u8": "an HLS stream",
    ".mp3": "Sound",
    ".mp4": "Video",
    ".webm": "Video",
    ".wav": "Sound",
}
_XYWH = re.compile(r"^(?:xywh=)?(?:pixel:)?\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+)\s*$")


class ImageBody(BaseModel):
    """A painting body that is an image."""

    service: ImageService | None = None
    url: str | None = None
    width: int | None = None
    height: int | None = None
    region: Region | None = None
    rotation: int = 0
    notes: list[str] = []


class Bodies(BaseModel):
    """What a canvas paints: its images, what is not an image, and what could not be read."""

    images: list[ImageBody] = []
    not_images: list[str] = []  # e.g. "Sound (audio/mp4)"
    problems: list[str] = []


def _type_word(value: Any) -> str:
    """`dctypes:Image` -> `image`; the last word of a type, lower-cased."""
    text = value if isinstance(value, str) else ""
    return text.rsplit(":", 1)[-1].rsplit("/", 1)[-1].strip().lower()


def _ident(data: dict[str, Any]) -> str | None:
    ident = data.get("@id") or data.get("id")
    return ident.strip() if isinstance(ident, str) and ident.strip() else None


def dimension(value: Any) -> tuple[int | None, str | None]:
    """A width or height as an int, and a note when it had to be read generously
    (`1234.5` is rounded; `"800"` is read as a number). (None, note) when unusable."""
    if isinstance(value, bool) or value is None:
        return None, None if value is None else f"dimension {value!r} ignored"
    if isinstance(value, int):
        return (value, None) if value > 0 else (None, f"dimension {value} ignored")
    if isinstance(value, float) and math.isfinite(value) and value > 0:
        return max(1, round(value)), f"dimension {value} rounded to {max(1, round(value))}"
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return int(value), f"dimension {value!r} read as {int(value)}"
    return None, f"dimension {value!r} ignored"


def _not_image(data: dict[str, Any]) -> str | None:
    """Why a body is not an image, or None when it is (or may be) one."""
    word = _type_word(data.get("@type") or data.get("type"))
    fmt = data.get("format")
    fmt = fmt.strip().lower() if isinstance(fmt, str) else ""
    shown = f" ({fmt})" if fmt else ""
    if word in _NOT_IMAGE_TYPES:
        return f"{_NOT_IMAGE_TYPES[word]}{shown}"
    if fmt in _NOT_IMAGE_FORMATS:
        return f"{_NOT_IMAGE_FORMATS[fmt]}{shown}"
    if fmt.startswith(("audio/", "video/")):
        return f"{fmt.split('/')[0].title()}{shown}"
    if word in _IMAGE_TYPES or fmt.startswith("image/"):
        return None
    if word:
        return f"{data.get('@type') or data.get('type')}{shown}"
    url = (_ident(data) or "").split("?")[0].lower()
    for suffix, what in _NOT_IMAGE_SUFFIXES.items():
        if url.endswith(suffix):
            return what
    return None


def _selector_parts(selector: Any) -> tuple[Region | None, int, list[str]]:
    """The region and rotation a selector (or list of selectors) asks for, and notes."""
    selectors = selector if isinstance(selector, list) else [selector]
    region: Region | None = None
    rotation = 0
    notes: list[str] = []
    for item in selectors:
        if not isinstance(item, dict):
            continue
        text = item.get("region") if "region" in item else item.get("value")
        if isinstance(text, str) and text.strip() and text.strip() != "full":
            match = _XYWH.match(text.strip())
            if match:
                x, y, w, h = (int(g) for g in match.groups())
                if w > 0 and h > 0:
                    region = Region(x=x, y=y, w=w, h=h)
            else:
                notes.append(f"selector region {text!r} not understood: whole image used")
        turn = item.get("rotation")
        if turn is not None:
            try:
                degrees = float(str(turn).strip().lstrip("!"))
            except ValueError:
                notes.append(f"selector rotation {turn!r} not understood: not applied")
            else:
                if degrees.is_integer():
                    rotation = int(degrees) % 360
                else:
                    notes.append(f"selector rotation {turn!r} is not whole degrees: not applied")
    return region, rotation, notes


def _image(data: dict[str, Any]) -> ImageBody:
    width, note_w = dimension(data.get("width"))
    height, note_h = dimension(data.get("height"))
    return ImageBody(
        service=ImageService.from_json(data.get("service")),
        url=_ident(data),
        width=width,
        height=height,
        notes=[note for note in (note_w, note_h) if note],
    )


def read_body(data: Any, into: Bodies) -> None:
    """Sort one painting body (v2 `resource` or v3 `body`; a list, a Choice or a
    SpecificResource included) into `into`."""
    if isinstance(data, list):
        for item in data:
            read_body(item, into)
        return
    if isinstance(data, str) and data.strip():
        data = {"id": data}  # a bare URL: judged by its ending
    if not isinstance(data, dict):
        into.problems.append(f"painting body is {type(data).__name__}, not an object")
        return
    word = _type_word(data.get("@type") or data.get("type"))
    if word == "choice":
        options = [data.get("default")] if data.get("default") else []
        options += data.get("item") or data.get("items") or []
        choice = Bodies()
        read_body([option for option in options if option], choice)
        into.images += choice.images[:1]  # the default (first) option, as viewers show
        if not choice.images:
            into.not_images += choice.not_images
            into.problems += choice.problems
        return
    if word == "specificresource":
        source = data.get("source") or data.get("full")
        if isinstance(source, str):
            source = {"id": source}
        if not isinstance(source, dict):
            into.problems.append("SpecificResource body has no source")
            return
        why = _not_image(source)
        if why:
            into.not_images.append(why)
            return
        image = _image(source)
        region, rotation, notes = _selector_parts(data.get("selector"))
        into.images.append(
            image.model_copy(
                update={"region": region, "rotation": rotation, "notes": image.notes + notes}
            )
        )
        return
    why = _not_image(data)
    if why:
        into.not_images.append(why)
        return
    into.images.append(_image(data))


def is_painting(motivation: Any) -> bool:
    """A missing motivation counts as painting; a list counts when it holds painting."""
    if motivation is None:
        return True
    values = motivation if isinstance(motivation, list) else [motivation]
    return any(isinstance(v, str) and v.rsplit(":", 1)[-1] == "painting" for v in values)
