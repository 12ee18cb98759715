"""Export benchmark: pages/s of ALTO, hOCR and IIIF (and PAGE, text) on a synthetic run of
10,000 page records with realistic geometry (30 lines of ~60 characters, sloped baselines,
13-point boundaries, per-character cuts and confidences), and the cost of exporting a page
as a share of OCRing it (target: under 2%). Times are CPU seconds of this process (the
machine may be shared; the OCR figure is CPU-bound too), wall-clock pages/s beside them.

    .venv/bin/python bench/bench_export.py [--pages 10000] [--per-manifest 100]
        [--ocr-records runs/demo/ocr/*.jsonl] [--keep DIR]

OCR time per page: the mean `elapsed_ms` of --ocr-records (real records), else 12,500 ms, the
measured segmentation + recognition of a page on this machine's CPUs (bench/README.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
from pathlib import Path

from figures import stopwatch, work_folder

from barnacle.export import export_run
from barnacle.export.synthetic import synthetic_record
from barnacle.images.cache import ImageCache
from barnacle.worker.manifest_source import MANIFEST_SUFFIX

OCR_MS_PER_PAGE = 12_500.0  # bench/README.md: segmentation 11-13 s + recognition 0-0.7 s
FORMATS = ("alto", "hocr", "iiif", "page", "text")
TARGET_SHARE = 0.02
PRESENTATION_3 = "http://iiif.io/api/presentation/3/context.json"


def make_run(root: Path, pages: int, per_manifest: int) -> Path:
    """runs/bench with pages/per_manifest finished JSONL files and their cached manifests."""
    run = root / "runs" / "bench"
    (run / "ocr").mkdir(parents=True)
    cache = ImageCache(root / "cache")
    for m in range(0, pages, per_manifest):
        url = f"https://iiif.example.org/books/{m:06d}/manifest.json"
        count = min(per_manifest, pages - m)
        canvas_ids = [f"{url[:-14]}/canvas/{i}" for i in range(count)]
        canvases = [
            {
                "id": canvas_ids[i],
                "type": "Canvas",
                "label": {"none": [f"p. {i + 1}"]},
                "width": 4000,
                "height": 6000,
                "items": [],
            }
            for i in range(count)
        ]
        manifest: dict[str, object] = {"@context": PRESENTATION_3, "id": url, "type": "Manifest"}
        manifest |= {"label": {"none": [f"Book {m}"]}, "items": canvases}
        path = cache.path_for(url, MANIFEST_SUFFIX)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest))
        lines = [
            synthetic_record(url, canvas_ids[i], i).model_dump_json() + "\n" for i in range(count)
        ]
        sha1 = hashlib.sha1(url.encode()).hexdigest()
        (run / "ocr" / f"{sha1}.jsonl").write_text("".join(lines))
    return run


def ocr_ms_per_page(paths: list[Path]) -> tuple[float, str]:
    times = [
        json.loads(line)["elapsed_ms"]
        for path in paths
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    if not times:
        return OCR_MS_PER_PAGE, "bench/README.md (segmentation 11-13 s + recognition)"
    return statistics.mean(times), f"mean elapsed_ms of {len(times)} real records"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--per-manifest", type=int, default=100)
    parser.add_argument("--ocr-records", type=Path, nargs="*", default=[])
    parser.add_argument("--keep", type=Path, help="build the run here and keep it")
    args = parser.parse_args()

    with work_folder(args.keep, "bench-export-") as root:
        with stopwatch() as writing:
            run = make_run(root, args.pages, args.per_manifest)
        manifests = args.pages // args.per_manifest
        print(
            f"synthetic run: {args.pages} records in {manifests} manifests, "
            f"{writing.wall_s:.1f} s to write"
        )
        ocr_ms, source = ocr_ms_per_page(args.ocr_records)
        print(f"OCR time per page: {ocr_ms:,.0f} ms ({source})")
        total_ms = 0.0
        for fmt in FORMATS:
            with stopwatch() as timing:
                report = export_run(run, [fmt], cache_dir=root / "cache", force=True)
            assert report.ok, [str(p) for p in report.problems[:3]]
            ms = 1000 * timing.cpu_s / args.pages
            total_ms += ms
            print(
                f"{fmt:5s} {args.pages / timing.cpu_s:7.1f} pages/s of CPU "
                f"({args.pages / timing.wall_s:7.1f} wall)  {ms:6.2f} ms/page  "
                f"{100 * ms / ocr_ms:5.2f}% of OCR  ({report.files} files)"
            )
        share = total_ms / ocr_ms
        verdict = "under" if share < TARGET_SHARE else "OVER"
        print(
            f"all five formats: {total_ms:.2f} ms of CPU a page = {100 * share:.2f}% of OCR "
            f"time per page ({verdict} the {100 * TARGET_SHARE:.0f}% target)"
        )


if __name__ == "__main__":
    main()
