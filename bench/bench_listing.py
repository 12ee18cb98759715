"""Listing benchmark: seconds and manifests/second for stages 1+2 (fetch-collection and
list-manifests), on the real 2,853-manifest Lapidus list and on a synthetic 10,000-manifest
nested collection served over HTTP on 127.0.0.1; then the seconds of stage 3's plan for the
Lapidus list, `scripts/submit-array --dry-run` (2,853 tasks in 3 arrays, no cluster asked).

    .venv/bin/python bench/bench_listing.py [--manifests 10000] [--fanout 20]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from barnacle.listing import build_table, fetch_snapshot, write_table  # noqa: E402
from barnacle.run_folder.settings import RunSettings, write_settings  # noqa: E402

from support import iiif_docs as docs  # noqa: E402
from support.scripted_server import scripted_server  # noqa: E402

LAPIDUS = REPO / "data" / "lapidus" / "manifests.txt"


def _time_listing(source: str, run_dir: Path) -> tuple[float, int]:
    started = time.perf_counter()
    snapshot = fetch_snapshot(source, progress=False)
    table = build_table(snapshot, run_dir)
    write_table(table, run_dir / "manifests.tsv")
    return time.perf_counter() - started, len(table.rows)


def _time_dry_run(run_dir: Path) -> tuple[float, str]:
    """Seconds of `submit-array --dry-run` on the run (with default settings.json, as make
    run writes it), and its summary line."""
    write_settings(run_dir / "settings.json", RunSettings())
    command = [sys.executable, str(REPO / "scripts" / "submit-array"), str(run_dir), "--dry-run"]
    env = {**os.environ, "SLURM_CONF": "/nonexistent/slurm.conf"}  # no cluster to ask
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    said = re.search(r"would submit \d+ tasks in \d+ arrays", done.stdout)
    return seconds, said.group(0) if said else "?"


def _report(name: str, seconds: float, count: int) -> None:
    print(f"{name:<48} {count:>7} manifests {seconds:8.2f} s {count / seconds:10.0f} manifests/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifests", type=int, default=10_000)
    parser.add_argument("--fanout", type=int, default=20, help="sub-collections per level")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp)
        if LAPIDUS.exists():
            seconds, count = _time_listing(str(LAPIDUS), run_dir)
            _report("Lapidus manifests.txt (local list)", seconds, count)
            seconds, said = _time_dry_run(run_dir)
            print(f"{'submit-array --dry-run on it':<48} {said}: {seconds:.2f} s")
        else:
            print(f"skipped Lapidus list: {LAPIDUS} not found")
        with scripted_server() as server:
            # Three levels: top -> fanout collections -> fanout collections -> manifests.
            leaves = args.fanout * args.fanout
            per_leaf = max(1, args.manifests // leaves)
            top = [("Collection", f"c{i}") for i in range(args.fanout)]
            server.route("/top.json", docs.v3_collection("top", top))
            for i in range(args.fanout):
                mid = [("Collection", f"c{i}-{j}") for j in range(args.fanout)]
                server.route(f"/c{i}.json", docs.v3_collection(f"c{i}", mid))
                for j in range(args.fanout):
                    members = [("Manifest", f"m{i}-{j}-{k}") for k in range(per_leaf)]
                    server.route(f"/c{i}-{j}.json", docs.v3_collection(f"c{i}-{j}", members))
            seconds, count = _time_listing(server.url("/top.json"), run_dir)
            requests = len(server.log)
            _report(f"synthetic nested collection over HTTP ({requests} requests)", seconds, count)


if __name__ == "__main__":
    main()
