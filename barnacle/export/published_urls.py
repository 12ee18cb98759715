"""The URLs a run's exports are published under (where they lie in the run folder:
barnacle.run_folder).

`PUBLISH_URL` is where the run's `iiif/` folder is served; the run's `alto/` and `text/`
folders are expected beside it (`PUBLISH_URL../alto/...`), so publishing the run folder with
`iiif/` at PUBLISH_URL makes every link work.
"""

from __future__ import annotations

from urllib.parse import urljoin

from barnacle.defaults import PUBLISH_URL

DEFAULT_PUBLISH_URL = PUBLISH_URL


def page_name(canvas_index: int) -> str:
    """NNNN: the canvas index, 4 digits (more when a manifest has 10,000 canvases or more)."""
    return f"{canvas_index:04d}"


def normalise_publish_url(url: str | None) -> str:
    """The publish URL with exactly one trailing slash (the default when None or empty)."""
    url = (url or DEFAULT_PUBLISH_URL).strip()
    return url.rstrip("/") + "/"


class PublishedUrls:
    """The URLs of one manifest's published exports under `publish_url`."""

    def __init__(self, publish_url: str | None, sha1: str) -> None:
        self.base = normalise_publish_url(publish_url)
        self.sha1 = sha1

    @property
    def manifest(self) -> str:
        return f"{self.base}{self.sha1}/manifest.json"

    @property
    def search(self) -> str:
        return f"{self.base}{self.sha1}/search"

    def annotation_page(self, canvas_index: int) -> str:
        return f"{self.base}{self.sha1}/annotations/{page_name(canvas_index)}.json"

    def derived(self, path: str) -> str:
        """An id for a resource made up for the derived manifest (no file behind it)."""
        return f"{self.base}{self.sha1}/{path}"

    def alto(self, canvas_index: int) -> str:
        return urljoin(self.base, f"../alto/{self.sha1}/{page_name(canvas_index)}.xml")

    @property
    def text(self) -> str:
        return urljoin(self.base, f"../text/{self.sha1}.txt")
