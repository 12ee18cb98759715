"""A full disk: under the output (`OUT.part`) and under the image cache.

The worker must stop with a clear message that names the file and says the disk is full,
exit non-zero (6), leave nothing corrupt (no torn line, no half-renamed output, no partial
image in the cache), and a rerun once space is freed must resume and finish with every page
exactly once.

Real full disks are small tmpfs mounts (root only, as in CI; skipped elsewhere): the kernel
then writes what fits and refuses the rest, so a record really is cut in the middle. The
same failures are also injected in-process (OSError ENOSPC at the write), which needs no root.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from barnacle.defaults import ExitCode
from barnacle.run_folder import lock_of, part_of
from barnacle.worker import process_manifest

from support.cli import ocr_command
from support.fast_pages import serve_fast_book
from support.output_checks import assert_complete, whole_records
from support.paths import REPO
from support.scripted_server import ScriptedServer
from support.worker_options import quiet_options

PAGES = 4
EXIT_STOPPED = ExitCode.STOPPED
BIG_NOTE = "n" * 6000  # metadata carried into every record: records of about 7.5 KB
PAGE = 4096  # tmpfs counts whole pages


def _check_cache(cache: Path) -> None:
    """No temporary file left, every image whole."""
    assert not list(cache.rglob(".*")), list(cache.rglob(".*"))
    for image in cache.rglob("*.img"):
        with Image.open(image) as opened:
            opened.load()


def _fetches_finished() -> None:
    """A stopped run returns at once; its downloads in flight end on their own (in a CLI the
    process waits for them before exiting). Wait for them before looking at the cache."""
    for thread in threading.enumerate():
        if thread.name.startswith("fetch"):
            thread.join(timeout=60)


def _free(path: Path) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str, int], Path]]:
    """mount(name, kib): a tmpfs of that size at tmp_path/name, unmounted afterwards."""
    mounted: list[Path] = []

    def mount(name: str, kib: int) -> Path:
        path = tmp_path / name
        path.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(path)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs (needs root): {done.stderr.strip()}")
        mounted.append(path)
        return path

    try:
        yield mount
    finally:
        for path in mounted:
            subprocess.run(["umount", str(path)], check=False)


def _resize(path: Path, kib: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={kib}k", str(path)], check=True)


def test_output_disk_full_mid_record_then_rerun_resumes(
    server: ScriptedServer, tmp_path: Path, small_disk: Callable[[str, int], Path]
) -> None:
    url = serve_fast_book(server, "full", PAGES)
    folder = small_disk("out", 256)
    out = folder / "full.jsonl"
    # Room for the lock and one record and a half: the second record is cut by the kernel.
    ballast = folder / "ballast"
    ballast.write_bytes(b"\0" * (_free(folder) - 4 * PAGE))
    assert _free(folder) == 4 * PAGE
    options = quiet_options(tmp_path, metadata={"note": BIG_NOTE})

    stopped = process_manifest(url, out, options)
    assert (stopped.status, stopped.exit_code) == ("stopped", EXIT_STOPPED)
    assert stopped.message.startswith(f"disk full: cannot write {part_of(out)} (No space left")
    assert "free some space" in stopped.message and "rerun" in stopped.message
    done_before = len(whole_records(part_of(out)))  # the cut record was taken back
    assert done_before == 1 and stopped.pages_done == 1
    assert not out.exists() and not lock_of(out).exists()
    assert sorted(p.name for p in folder.iterdir()) == ["ballast", part_of(out).name]

    ballast.unlink()  # space freed
    rerun = process_manifest(url, out, options)
    assert (rerun.status, rerun.pages_skipped, rerun.pages_done) == ("complete", 1, PAGES - 1)
    assert_complete(out, PAGES)


def test_cache_disk_full_stops_the_cli_then_rerun_resumes(
    server: ScriptedServer, tmp_path: Path, small_disk: Callable[[str, int], Path]
) -> None:
    url = serve_fast_book(server, "scans", PAGES, padding=100_000)  # about 100 KB per image
    cache = small_disk("cache", 256)  # the manifest and two images fit, not a third
    out = tmp_path / "ocr" / "scans.jsonl"
    command = ocr_command(url, out, cache, "--retries", "0")
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == EXIT_STOPPED, done.stderr
    assert "Traceback" not in done.stderr and "No space left on device" in done.stderr
    [message] = [line for line in done.stderr.splitlines() if line.startswith("  ")]
    assert message.startswith(f"  disk full: cannot write {cache}/")
    _check_cache(cache)  # the image that did not fit left nothing behind
    done_before = len(whole_records(part_of(out)))
    assert 1 <= done_before < PAGES and not out.exists() and not lock_of(out).exists()

    # Another stage on a full disk: one line, no traceback.
    ballast = cache / "ballast"
    ballast.write_bytes(b"\0" * _free(cache))
    snapshot = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "fetch-collection"), url, str(cache / "c.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert snapshot.returncode == 1 and snapshot.stderr.count("\n") == 1, snapshot.stderr
    assert snapshot.stderr.startswith(f"barnacle: error: disk full: cannot write {cache}/c.json")
    _check_cache(cache)
    ballast.unlink()

    _resize(cache, 4096)  # space freed
    rerun = process_manifest(url, out, quiet_options(tmp_path, cache_dir=cache))
    assert (rerun.status, rerun.pages_skipped) == ("complete", done_before)
    assert_complete(out, PAGES)
    _check_cache(cache)


def _fail_writes_to(
    which: Callable[[str], bool], after: int, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """From the `after`+1st call of os.<name> on a file whose path `which` picks: the disk is
    full (a write first writes half of its data, as the kernel does)."""
    real = getattr(os, name)
    calls = [0]

    def full(fd: int, *args: object) -> object:
        if not which(os.readlink(f"/proc/self/fd/{fd}")):
            return real(fd, *args)
        calls[0] += 1
        if calls[0] <= after:
            return real(fd, *args)
        if name == "write" and calls[0] == after + 1:
            data = bytes(args[0])  # type: ignore[call-overload]
            return real(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, name, full)


def test_disk_full_injected_without_root(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same two failures, injected at the write: for machines where mount needs root."""
    url = serve_fast_book(server, "inject", PAGES)
    out = tmp_path / "inject.jsonl"
    cache = tmp_path / "cache"
    with monkeypatch.context() as patch:  # the second record is cut in half, then refused
        _fail_writes_to(lambda path: path.endswith(".jsonl.part"), 1, patch, "write")
        stopped = process_manifest(url, out, quiet_options(tmp_path, cache_dir=cache))
        _fetches_finished()
    assert (stopped.status, stopped.exit_code) == ("stopped", EXIT_STOPPED)
    assert stopped.message.startswith(f"disk full: cannot write {part_of(out)}")
    assert len(whole_records(part_of(out))) == 1

    with monkeypatch.context() as patch:  # the cache's disk is full at its fsync
        for image in cache.rglob("*.img"):
            image.unlink()
        _fail_writes_to(lambda path: ".img." in path and path.endswith(".part"), 0, patch, "fsync")
        stopped = process_manifest(url, out, quiet_options(tmp_path, cache_dir=cache))
        _fetches_finished()
    assert stopped.exit_code == EXIT_STOPPED and f"cannot write {cache}/" in stopped.message
    _check_cache(cache)
    assert len(whole_records(part_of(out))) == 1

    rerun = process_manifest(url, out, quiet_options(tmp_path, cache_dir=cache))
    assert (rerun.status, rerun.pages_skipped) == ("complete", 1)
    assert_complete(out, PAGES)
    _check_cache(cache)
