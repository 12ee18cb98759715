"""Soak benchmark: a whole run under faults, through real SLURM job arrays.

A synthetic collection of N tiny manifests (1-3 narrow strip pages each, Kraken reads one in
about a second) is served by the sample IIIF server behind the chaos proxy
(tests/support/chaos_server.py), with seeded faults: each request has a 10% chance of a
transient fault (429 with and without Retry-After, 500, 502, 503, a connection reset mid-body,
a stall until the client's read timeout, a truncated body) and 1% of the pages (at least one)
fail permanently (404, 403, an image that stays truncated, an HTML page instead of the image).
`make run EXECUTOR=slurm THROTTLE=2` OCRs it on the local one-node cluster, and the same run
without faults gives the baseline wall time. Then the permanent faults are removed,
`make resubmit-failed` runs, and the run must end complete: every page exactly once.

Figures: pages attempted, completed, retried (and the retries and time they cost), failed
permanently, duplicated (must be 0), lost (must be 0), wall time against the run without
faults; the faults injected by kind; and the state after the resubmission.

    .venv/bin/python bench/bench_soak.py [--manifests 200] [--seed 0] [--throttle 2]
        [--read-timeout 5] [--no-baseline] [--keep DIR]

The bench starts its own cluster (slurm/local-cluster, state in the work folder, ports
16837/16838) and refuses to run beside another slurmctld unless --allow-other-cluster.
The soak itself is tests/support/soak.py; tests/test_soak.py runs its short version (10
manifests) on the test session's cluster.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # for tests.support

from figures import work_folder  # noqa: E402

from tests.support.soak import SoakSettings, run_checked, soak  # noqa: E402

LOCAL_CLUSTER = REPO / "slurm" / "local-cluster"


@contextmanager
def local_cluster(state: Path, ctld_port: int, slurmd_port: int) -> Iterator[dict[str, str]]:
    """A one-node cluster of our own (slurm/local-cluster), stopped at the end."""
    ports = {"SLURMCTLD_PORT": str(ctld_port), "SLURMD_PORT": str(slurmd_port)}
    env = {**os.environ, "BARNACLE_SLURM_DIR": str(state), **ports}
    run_checked([str(LOCAL_CLUSTER), "start"], env, timeout=120)
    try:
        yield {"SLURM_CONF": str(state / "etc" / "slurm.conf"), "BARNACLE_SLURM_DIR": str(state)}
    finally:
        subprocess.run([str(LOCAL_CLUSTER), "stop"], env=env, timeout=120, check=False)


def _other_clusters() -> list[str]:
    found = subprocess.run(["pgrep", "-a", "slurmctld"], capture_output=True, text=True)
    return found.stdout.splitlines()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--throttle", type=int, default=2)
    parser.add_argument("--transient", type=float, default=0.10)
    parser.add_argument("--permanent", type=float, default=0.01)
    parser.add_argument("--read-timeout", type=float, default=5.0)
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without faults")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it (default: a temp dir)")
    parser.add_argument("--ports", default="16837,16838", help="slurmctld,slurmd ports")
    parser.add_argument("--allow-other-cluster", action="store_true")
    args = parser.parse_args(argv)
    for tool in ("slurmctld", "slurmd", "munged", "sbatch", "squeue"):
        if shutil.which(tool) is None:
            print(
                f"bench_soak: {tool} not found (apt-get install slurm-wlm munge)", file=sys.stderr
            )
            return 2
    others = _other_clusters()
    if others and not args.allow_other_cluster:
        listed = "\n  ".join(others)
        print(
            f"bench_soak: another slurmctld is running (its CPUs would skew the figures):\n"
            f"  {listed}\nstop it, or pass --allow-other-cluster",
            file=sys.stderr,
        )
        return 2
    given = ("manifests", "seed", "throttle", "transient", "permanent", "read_timeout")
    settings = SoakSettings(baseline=not args.no_baseline, **{k: getattr(args, k) for k in given})
    ctld, slurmd = (int(port) for port in args.ports.split(","))
    with work_folder(args.keep, "barnacle-soak-") as workdir:
        with local_cluster(workdir / "slurm", ctld, slurmd) as slurm_env:
            report = soak(settings, workdir, slurm_env)
    print("\n".join(report.lines()))
    sound = (
        report.faulty.duplicated == 0
        and report.faulty.lost == 0
        and report.resubmitted.duplicated == 0
        and report.resubmitted.lost == 0
        and report.resubmitted.manifests_complete == report.resubmitted.manifests
    )
    print("every page exactly once after resubmission" if sound else "FAILED: see the figures")
    return 0 if sound else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
