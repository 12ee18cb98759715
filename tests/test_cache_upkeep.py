"""`make cache-size` and `make clean-cache` on a real small run: four tiny books prefetched,
two OCRed to the end (offline, from the cache), one left partial by an image missing from
the cache, one not started. clean-cache
removes the images of the two finished books only."""

from __future__ import annotations

import subprocess
from pathlib import Path

from barnacle.cache_upkeep import run_images
from barnacle.cache_upkeep.run_images import planned_image_urls
from barnacle.defaults import IMAGE_SIZE, ExitCode
from barnacle.images import ImageCache
from barnacle.run_folder import RunFolder
from barnacle.run_folder.metadata import update_metadata
from barnacle.sample.serve import serve_sample

from support.cli import barnacle, ocr_command
from support.manifest_tables import write_manifest_table
from support.paths import REPO
from support.tiny_books import write_books


def _small_run(tmp_path: Path) -> tuple[Path, Path]:
    """runs/small: b1 (2 pages) and b2 (1) complete, b3 (2, its second image not cached) partial,
    b4 (1) not started; every image that can be had is in the cache."""
    books = write_books(tmp_path / "books", [2, 1, 2, 1])
    run, cache = tmp_path / "runs" / "small", tmp_path / "cache"
    with serve_sample(tmp_path / "books") as base:
        write_manifest_table(run, [base + book.manifest_path() for book in books])
        prefetched = barnacle("prefetch", str(run), "--cache-dir", str(cache), "--no-progress")
        assert prefetched.returncode == ExitCode.OK, prefetched.stderr
        rows = RunFolder(run).read_manifests()
        # b3's second image leaves the cache: OCRed offline, that page fails
        offline = ImageCache(cache, offline=True)
        planned = planned_image_urls(rows[2]["manifest_url"], offline, IMAGE_SIZE)
        (lost,) = [url for url in planned if "b3-p2" in url]
        offline.require(lost).unlink()
        for row, code in zip(rows[:3], (0, 0, ExitCode.PAGE_ERRORS), strict=True):
            out = run / "ocr" / f"{row['sha1']}.jsonl"
            done = subprocess.run(
                ocr_command(row["manifest_url"], out, cache, "--offline"),
                capture_output=True,
                timeout=300,
            )
            assert done.returncode == code, done.stderr
    return run, cache


def test_clean_cache_removes_only_the_images_of_finished_manifests(tmp_path: Path) -> None:
    run, cache = _small_run(tmp_path)
    images = run_images(run, cache, IMAGE_SIZE)
    assert (images.finished_manifests, images.unfinished_manifests) == (2, 2)
    assert len(images.finished_only) == 3  # b1's two pages, b2's one
    assert len(images.needed) == 2  # b3's first page (done, in .part) and b4's page (planned)
    assert all(path.is_file() for path in images.finished_only | images.needed)
    # The pages still to do are planned at the size the run recorded, whatever SIZE says.
    assert len(run_images(run, cache, "!40,40").needed) == 1  # b4's planned URL differs
    update_metadata(run, size=IMAGE_SIZE)
    assert run_images(run, cache, "!40,40") == images

    sized = barnacle("cache-size", "--cache-dir", str(cache), "--run", str(run))
    assert sized.returncode == ExitCode.OK, sized.stderr
    assert "page images" in sized.stdout and "manifests" in sized.stdout
    assert "3 page images of its 2 finished manifest(s)" in sized.stdout
    assert "2 page images still needed by 2 manifest(s)" in sized.stdout

    dry = barnacle("clean-cache", str(run), "--cache-dir", str(cache), "--dry-run")
    assert dry.returncode == ExitCode.OK and "would remove 3 page image(s)" in dry.stdout
    assert all(path.is_file() for path in images.finished_only)

    done = barnacle("clean-cache", str(run), "--cache-dir", str(cache))
    assert done.returncode == ExitCode.OK, done.stderr
    assert "removed 3 page image(s)" in done.stdout and "kept 2 image(s)" in done.stdout
    assert not any(path.exists() for path in images.finished_only)
    assert all(path.is_file() for path in images.needed)
    # The cached manifests stay (the IIIF export reads them); a second clean finds nothing.
    offline = ImageCache(cache, offline=True)
    assert all(
        offline.get(row["manifest_url"], ".manifest.json")
        for row in RunFolder(run).read_manifests()
    )
    again = barnacle("clean-cache", str(run), "--cache-dir", str(cache))
    assert "removed 0 page image(s)" in again.stdout


def test_make_cache_size_and_clean_cache_take_run_and_cache_dir(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / "ab").mkdir(parents=True)
    (cache / "ab" / "x.img").write_bytes(b"1234")
    (cache / "segmentations" / "cd").mkdir(parents=True)
    (cache / "segmentations" / "cd" / "y.json").write_bytes(b"12")
    common = ["make", "--no-print-directory", "-o", ".venv/.barnacle-installed"]
    sized = subprocess.run(
        [*common, "cache-size", f"CACHE_DIR={cache}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sized.returncode == 0, sized.stderr
    assert f"{cache}: 2 files" in sized.stdout
    assert "page images" in sized.stdout and "segmentations" in sized.stdout
    missing = subprocess.run(
        [*common, "clean-cache", f"CACHE_DIR={cache}", "RUN=none", f"RUNS_DIR={tmp_path}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode != 0 and "make list-manifests" in missing.stderr
