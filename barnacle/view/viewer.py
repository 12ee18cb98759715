"""The viewer page of one manifest: Mirador opened on the derived manifest (at one canvas when
asked), with the annotations panel open and the OCR lines drawn over the image.

Mirador is the npm package `mirador` at MIRADOR_VERSION, fetched by `make mirador` into
build/mirador/ (its browser bundle, dist/mirador.min.js, is served at /mirador/). Mirador
lists only some motivations by default; `supplementing` (the OCR line annotations) is added.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from barnacle.view.html_json import json_in_html
from barnacle.view.overlay import OVERLAY_PATCH
from barnacle.view.report import page

MIRADOR_VERSION = "4.0.0"  # keep in step with the Makefile's MIRADOR_VERSION
REPO = Path(__file__).resolve().parents[2]


def mirador_dir() -> Path:
    """Where the Mirador bundle is: $BARNACLE_MIRADOR_DIR, else build/mirador/package/dist."""
    folder = os.environ.get("BARNACLE_MIRADOR_DIR")
    return Path(folder) if folder else REPO / "build" / "mirador" / "package" / "dist"


def mirador_config(manifest: str, canvas: str | None) -> dict[str, object]:
    window: dict[str, object] = {
        "manifestId": manifest,
        "sideBarOpen": True,
        "sideBarPanel": "annotations",
        "highlightAllAnnotations": True,
    }
    if canvas:
        window["canvasId"] = canvas
    return {
        "id": "viewer",
        "windows": [window],
        "window": {
            "allowClose": False,
            "allowMaximize": False,
            "sideBarOpenByDefault": True,
            "defaultSideBarPanel": "annotations",
        },
        "workspaceControlPanel": {"enabled": False},
        "annotations": {
            "filteredMotivations": [
                "oa:commenting",
                "oa:tagging",
                "sc:painting",
                "commenting",
                "tagging",
                "supplementing",
            ]
        },
    }


def viewer_page(sha1: str, manifest: str, canvas: str | None, mirador: bool) -> str:
    links = (
        f"<p><a href='{escape(manifest)}'>derived manifest</a> · "
        f"<a href='/iiif/{sha1}/search?q='>search service</a> · <a href='/'>report</a></p>"
    )
    if not mirador:
        return page(
            "viewer",
            "<h1>Viewer</h1><p class=note id=no-mirador>Mirador is not installed here: run "
            "<code>make mirador</code> (npm pack of mirador into build/mirador/), then reload."
            f"</p>{links}",
        )
    config = json_in_html(mirador_config(manifest, canvas))
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>viewer</title>"
        "<style>body{margin:0;font-family:sans-serif}#top{height:2em;padding:.3em 1em}"
        "#top p{margin:0}#viewer{position:absolute;top:2.6em;bottom:0;left:0;right:0}</style>"
        f"</head><body><div id=top>{links}</div><div id=viewer></div>"
        "<noscript>The viewer needs JavaScript; the derived manifest is linked above."
        "</noscript><script src='/mirador/mirador.min.js'></script>"
        f"<script>{OVERLAY_PATCH}</script>"
        f"<script>window.miradorInstance = Mirador.viewer({config});</script></body></html>"
    )
