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
# Bodies with no type are judged by these too: a format's family, a format, a file ending.
_NOT_IMAGE_FAMILIES = {"text": "Text", "model": "Model", "font": "a font"}
_UNTYPED_NOT_IMAGE_FORMATS = {
    "application/xml": "XML",
    "application/json": "JSON",
    "application/ld+json": "JSON",
    "application/xhtml+xml": "HTML",
    "application/epub+zip": "an EPUB",
    "application/zip": "a ZIP archive",
    "application/msword": "a Word document",
    "application/rtf": "Text",
    "application/x-subrip": "Text",
}
_NOT_IMAGE_SUFFIXES = {
    ".pdf": "a PDF",
    ".mpd": "a DASH stream",
    ".m3u8": "an HLS stream",
    ".mp3": "Sound",
    ".wav": "Sound",
    ".ogg": "Sound",
    ".oga": "Sound",
    ".flac": "Sound",
    ".m4a": "Sound",
    ".mp4": "Video",
    ".webm": "Video",
    ".ogv": "Video",
    ".mov": "Video",
    ".vtt": "Text",
    ".srt": "Text",
    ".txt": "Text",
    ".md": "Text",
    ".html": "HTML",
    ".htm": "HTML",
    ".xml": "XML",
    ".tei": "XML",
    ".json": "JSON",
    ".jsonld": "JSON",
    ".csv": "a table",
    ".tsv": "a table",
    ".epub": "an EPUB",
    ".zip": "a ZIP archive",
    ".doc": "a Word document",
    ".docx": "a Word document",
    ".glb": "Model",
    ".gltf": "Model",
    ".obj": "Model",
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


def _url_suffix(data: dict[str, Any]) -> str:
    """The file ending of a body's id (`.vtt`), query and fragment left out; "" for none."""
    path = (_ident(data) or "").split("?")[0].split("#")[0].lower()
    last = path.rsplit("/", 1)[-1]
    return "." + last.rsplit(".", 1)[-1] if "." in last else ""


def _untyped_not_image(data: dict[str, Any], fmt: str) -> str | None:
    """Why a body with no type is not an image, judged by its format, then by its file
    ending; None when neither says so (or it has an image service: then it is an image)."""
    if ImageService.from_json(data.get("service")) is not None:
        return None
    family = fmt.split("/")[0]
    what = _UNTYPED_NOT_IMAGE_FORMATS.get(fmt) or _NOT_IMAGE_FAMILIES.get(family)
    if what is None and fmt.startswith("application/") and fmt.endswith(("+xml", "+json")):
        what = "XML" if fmt.endswith("+xml") else "JSON"
    if what:
        return f"{what} ({fmt}; no type given, judged by its format)"
    if fmt.startswith("image/"):
        return None
    suffix = _url_suffix(data)
    if suffix in _NOT_IMAGE_SUFFIXES:
        return f"{_NOT_IMAGE_SUFFIXES[suffix]} ({suffix}; no type given, judged by its file ending)"
    return None


def _not_image(data: dict[str, Any]) -> str | None:
    """Why a body is not an image, or None when it is (or may be) one."""
    word = _type_word(data.get("@type") or data.get("type"))
    fmt = data.get("format")
    fmt = fmt.split(";")[0].strip().lower() if isinstance(fmt, str) else ""  # no `; charset=`
    shown = f" ({fmt})" if fmt else ""
    if word in _NOT_IMAGE_TYPES:
        return f"{_NOT_IMAGE_TYPES[word]}{shown}"
    if fmt in _NOT_IMAGE_FORMATS:
        return f"{_NOT_IMAGE_FORMATS[fmt]}{shown}"
    if fmt.startswith(("audio/", "video/")):
        return f"{fmt.split('/')[0].title()}{shown}"
    if word in _IMAGE_TYPES:
        return None
    if word:
        return f"{data.get('@type') or data.get('type')}{shown}"
    return _untyped_not_image(data, fmt)


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


def motivation_kind(motivation: Any) -> str:
    """`painting` when the motivation is (or a list holds) painting; `unstated` when it is
    missing or empty (`""`, `[]`); `other` for any other motivation (commenting, ...)."""
    values = motivation if isinstance(motivation, list) else [motivation]
    words: list[str] = []
    for value in values:
        if isinstance(value, dict):
            value = value.get("@id") or value.get("id")
        if isinstance(value, str) and value.strip():
            words.append(value.strip().rsplit(":", 1)[-1].rsplit("/", 1)[-1].lower())
    if "painting" in words:
        return "painting"
    return "other" if words else "unstated"
