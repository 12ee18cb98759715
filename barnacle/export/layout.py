"""Where exports go in a run folder, and the URLs they are published under.

| format | path |
|---|---|
| alto | runs/<RUN>/alto/<sha1>/<NNNN>.xml (NNNN = canvas_index, 4 digits) |
| page | runs/<RUN>/page/<sha1>/<NNNN>.xml |
| hocr | runs/<RUN>/hocr/<sha1>.html |
| text | runs/<RUN>/text/<sha1>.txt |
| iiif | runs/<RUN>/iiif/<sha1>/manifest.json, runs/<RUN>/iiif/<sha1>/annotations/<NNNN>.json |

`PUBLISH_URL` is where the run's `iiif/` folder is served; the run's `alto/` and `text/`
folders are expected beside it (`PUBLISH_URL../alto/...`), so publishing the run folder with
`iiif/` at PUBLISH_URL makes every link work.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

from barnacle.defaults import PUBLISH_URL

FORMATS: tuple[str, ...] = ("alto", "hocr", "page", "text", "iiif")
DEFAULT_PUBLISH_URL = PUBLISH_URL
ERRORS_SUFFIX = ".errors.jsonl"


def page_name(canvas_index: int) -> str:
    """NNNN: the canvas index, 4 digits (more when a manifest has 10,000 canvases or more)."""
    return f"{canvas_index:04d}"


def finished_jsonl(run_dir: Path) -> list[Path]:
    """Every finished `ocr/<sha1>.jsonl` of the run (not `.part`, not `.errors.jsonl`), sorted."""
    folder = run_dir / "ocr"
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.glob("*.jsonl")
        if not path.name.endswith(ERRORS_SUFFIX) and path.is_file()
    )


def per_page_file(run_dir: Path, fmt: str, sha1: str, canvas_index: int) -> Path:
    """`<fmt>/<sha1>/<NNNN>.xml`: one page's ALTO (fmt "alto") or PAGE XML (fmt "page")."""
    return run_dir / fmt / sha1 / f"{page_name(canvas_index)}.xml"


def hocr_file(run_dir: Path, sha1: str) -> Path:
    return run_dir / "hocr" / f"{sha1}.html"


def text_file(run_dir: Path, sha1: str) -> Path:
    return run_dir / "text" / f"{sha1}.txt"


def iiif_dir(run_dir: Path, sha1: str) -> Path:
    return run_dir / "iiif" / sha1


def iiif_manifest_file(run_dir: Path, sha1: str) -> Path:
    return iiif_dir(run_dir, sha1) / "manifest.json"


def annotation_file(run_dir: Path, sha1: str, canvas_index: int) -> Path:
    return iiif_dir(run_dir, sha1) / "annotations" / f"{page_name(canvas_index)}.json"


def target(run_dir: Path, fmt: str, sha1: str) -> Path:
    """The make target of one manifest's export in `fmt`: the file (hocr, text, the derived
    manifest, written last) or the per-manifest folder (alto, page; touched when complete)."""
    targets = {
        "alto": run_dir / "alto" / sha1,
        "page": run_dir / "page" / sha1,
        "hocr": hocr_file(run_dir, sha1),
        "text": text_file(run_dir, sha1),
        "iiif": iiif_manifest_file(run_dir, sha1),
    }
    return targets[fmt]


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
