"""Every path under runs/<RUN>/, in one place.

    runs/<RUN>/
      collection.json          the snapshot of COLLECTION            (make fetch-collection)
      manifests.tsv            one row per manifest                  (make list-manifests)
      outputs.mk               the outputs as make targets           (make run)
      settings.json            the run's settings, written at start  (make run)
      metadata.json            provenance: start, end, SLURM arrays  (make run)
      .metadata.json.lock      serialises its read-modify-writes
      ocr/<sha1>.jsonl         a finished manifest's page records
      ocr/<sha1>.jsonl.part    the records of an unfinished one (resumed from)
      ocr/<sha1>.jsonl.errors.jsonl  its failed pages
      ocr/<sha1>.jsonl.lock    the lock of the worker at work on it
      ocr/<sha1>.stats.json    the page figures of a finished one    (make summary)
      slurm/tasks-<stamp>.txt  the sha1s an array's tasks take, one a line
      logs/<job>_<task>.out    each array task's output
      alto/<sha1>/<NNNN>.xml          the exports (make export; NNNN: the canvas index)
      page/<sha1>/<NNNN>.xml
      hocr/<sha1>.html
      text/<sha1>.txt
      iiif/<sha1>/manifest.json, iiif/<sha1>/annotations/<NNNN>.json
      summary.json progress.png       make summary
      failed-manifests.txt            make summary: manifests with errors, not complete
      evaluation.json                 make evaluate
      groundtruth/                    make groundtruth
      search.sqlite                   make view's full-text index
      .view-cache/progress.png        make view's progress chart
      page-counts.tsv                 make plan's page counts
      .summary-page-figures/          make summary's figures of older finished manifests

A manifest's output may also be written outside a run (`barnacle ocr --out FILE`): the files
beside an output are named from its path by `part_of`, `errors_of`, `lock_of` and `stats_of`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from barnacle.hashing import manifest_sha1
from barnacle.run_folder.manifest_rows import read_table

EXPORT_FORMATS: tuple[str, ...] = ("alto", "hocr", "page", "text", "iiif")


def part_of(out: Path) -> Path:
    """`<out>.part`: the records of an unfinished manifest."""
    return out.with_name(out.name + ".part")


def errors_of(out: Path) -> Path:
    """`<out>.errors.jsonl`: the pages that failed in the last run of the manifest."""
    return out.with_name(out.name + ".errors.jsonl")


def lock_of(out: Path) -> Path:
    """`<out>.lock`: held by the one worker at work on the manifest."""
    return out.with_name(out.name + ".lock")


def stats_of(out: Path) -> Path:
    """`<sha1>.stats.json` beside the output `<sha1>.jsonl`."""
    return out.with_name(out.name.removesuffix(".jsonl") + ".stats.json")


def is_part(path: Path) -> bool:
    """`<out>.part`: an unfinished manifest's records (else a finished output, or another file
    beside it)."""
    return path.name.endswith(".part")


def sha1_of(out: Path) -> str:
    """The manifest sha1 naming an output (`<sha1>.jsonl`, `.part`, `.errors.jsonl`, ...)."""
    return out.name.split(".", 1)[0]


@dataclass(frozen=True)
class RunFolder:
    """runs/<RUN>/ and every file in it."""

    root: Path

    @property
    def name(self) -> str:
        return self.root.name

    # The run's own files
    @property
    def collection_json(self) -> Path:
        return self.root / "collection.json"

    @property
    def manifests_tsv(self) -> Path:
        return self.root / "manifests.tsv"

    @property
    def outputs_mk(self) -> Path:
        return self.root / "outputs.mk"

    @property
    def settings_json(self) -> Path:
        return self.root / "settings.json"

    @property
    def metadata_json(self) -> Path:
        return self.root / "metadata.json"

    @property
    def metadata_lock(self) -> Path:
        """Held (flock) while metadata.json is read, changed and written back."""
        return self.root / ".metadata.json.lock"

    @property
    def summary_json(self) -> Path:
        return self.root / "summary.json"

    @property
    def failed_manifests_txt(self) -> Path:
        """The manifests with errors that are not complete, one URL a line (make summary)."""
        return self.root / "failed-manifests.txt"

    @property
    def progress_png(self) -> Path:
        return self.root / "progress.png"

    @property
    def evaluation_json(self) -> Path:
        return self.root / "evaluation.json"

    @property
    def groundtruth_dir(self) -> Path:
        return self.root / "groundtruth"

    @property
    def search_index(self) -> Path:
        return self.root / "search.sqlite"

    @property
    def view_progress_png(self) -> Path:
        """make view's own progress chart (apart from make summary's progress.png)."""
        return self.root / ".view-cache" / "progress.png"

    @property
    def page_counts_tsv(self) -> Path:
        return self.root / "page-counts.tsv"

    @property
    def page_figures_cache(self) -> Path:
        """Where `make summary` keeps the page figures it read from finished files without a
        stats file (runs before stats files), keyed by their size and mtime."""
        return self.root / ".summary-page-figures"

    # OCR outputs, one set per manifest
    @property
    def ocr_dir(self) -> Path:
        return self.root / "ocr"

    def output(self, sha1: str) -> Path:
        """ocr/<sha1>.jsonl, the finished manifest's records (a make target)."""
        return self.ocr_dir / f"{sha1}.jsonl"

    def output_for_url(self, manifest_url: str) -> Path:
        return self.output(manifest_sha1(manifest_url))

    def part(self, sha1: str) -> Path:
        return part_of(self.output(sha1))

    def errors(self, sha1: str) -> Path:
        return errors_of(self.output(sha1))

    def lock(self, sha1: str) -> Path:
        return lock_of(self.output(sha1))

    def stats(self, sha1: str) -> Path:
        return stats_of(self.output(sha1))

    def finished_outputs(self) -> list[Path]:
        """Every finished ocr/<sha1>.jsonl (not `.part`, not `.errors.jsonl`), sorted."""
        return sorted(self._ocr_files(".jsonl"))

    def part_outputs(self) -> list[Path]:
        """Every unfinished ocr/<sha1>.jsonl.part, sorted."""
        return sorted(self._ocr_files(".jsonl.part"))

    def error_files(self) -> list[Path]:
        return sorted(self._ocr_files(".jsonl.errors.jsonl"))

    def read_manifests(self) -> list[dict[str, str]]:
        """The rows of manifests.tsv; FileNotFoundError naming the make target when missing."""
        if not self.manifests_tsv.is_file():
            raise FileNotFoundError(
                f"{self.manifests_tsv} not found: run `make list-manifests RUN={self.name}` "
                "(or `make run`) first"
            )
        return read_table(self.manifests_tsv)

    def record_files(self) -> dict[str, Path]:
        """sha1 -> the records of each manifest with any: the finished JSONL, else its `.part`."""
        files = {sha1_of(path): path for path in self.part_outputs()}
        files.update({sha1_of(path): path for path in self.finished_outputs()})
        return dict(sorted(files.items()))

    def _ocr_files(self, suffix: str) -> Iterator[Path]:
        """The files of ocr/ named `<stem><suffix>`, the stem without a dot: `<sha1>.jsonl`
        (also a JSONL put there by hand), not `<sha1>.jsonl.errors.jsonl`."""
        if not self.ocr_dir.is_dir():
            return
        for path in self.ocr_dir.iterdir():
            name = path.name
            stem = name.removesuffix(suffix)
            if stem != name and stem and "." not in stem:
                yield path

    # SLURM
    @property
    def slurm_dir(self) -> Path:
        return self.root / "slurm"

    def task_list(self, stamp: str) -> Path:
        """slurm/tasks-<stamp>.txt: the sha1 each array task takes, task i on line i."""
        return self.slurm_dir / f"tasks-{stamp}.txt"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def log_pattern(self) -> Path:
        """sbatch's --output: logs/<job>_<task>.out."""
        return self.logs_dir / "%A_%a.out"

    # Exports
    def export_dir(self, fmt: str) -> Path:
        """alto/, page/, hocr/, text/ or iiif/."""
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"unknown format {fmt!r}: choose from {' '.join(EXPORT_FORMATS)}")
        return self.root / fmt

    def per_page_export(self, fmt: str, sha1: str, page: int) -> Path:
        """`<fmt>/<sha1>/<NNNN>.xml`: one page's ALTO (fmt "alto") or PAGE XML (fmt "page")."""
        return self.export_dir(fmt) / sha1 / f"{page:04d}.xml"

    def hocr_file(self, sha1: str) -> Path:
        return self.export_dir("hocr") / f"{sha1}.html"

    def text_file(self, sha1: str) -> Path:
        return self.export_dir("text") / f"{sha1}.txt"

    def iiif_dir(self, sha1: str) -> Path:
        return self.export_dir("iiif") / sha1

    def iiif_manifest(self, sha1: str) -> Path:
        return self.iiif_dir(sha1) / "manifest.json"

    def iiif_annotations_dir(self, sha1: str) -> Path:
        return self.iiif_dir(sha1) / "annotations"

    def iiif_annotation(self, sha1: str, page: int) -> Path:
        """iiif/<sha1>/annotations/<NNNN>.json: one page's annotation page."""
        return self.iiif_annotations_dir(sha1) / f"{page:04d}.json"

    def export_target(self, fmt: str, sha1: str) -> Path:
        """The file make export builds for a manifest and format (alto/ and page/: the
        manifest's folder, touched once every page is written)."""
        targets = {
            "alto": lambda: self.export_dir("alto") / sha1,
            "page": lambda: self.export_dir("page") / sha1,
            "hocr": lambda: self.hocr_file(sha1),
            "text": lambda: self.text_file(sha1),
            "iiif": lambda: self.iiif_manifest(sha1),
        }
        return targets[fmt]()


def run_folder_of(output: Path) -> RunFolder | None:
    """The run folder an output `runs/<RUN>/ocr/<sha1>.jsonl` lies in; None for an output
    written elsewhere (`barnacle ocr --out FILE`)."""
    if output.parent.name == "ocr":
        return RunFolder(output.parent.parent)
    return None
