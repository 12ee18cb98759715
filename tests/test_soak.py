"""The soak benchmark's short version (tests/support/soak.py, which bench/bench_soak.py runs in
full): ten tiny manifests through the chaos proxy and real SLURM arrays, then `make
resubmit-failed` once the permanent faults are gone. Every page must end up exactly once;
none may be lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.soak import SoakSettings, soak

pytestmark = pytest.mark.slow


def test_short_soak_loses_and_duplicates_nothing(cluster: dict[str, str], tmp_path: Path) -> None:
    settings = SoakSettings(manifests=10, seed=3, baseline=False, timeout_s=900)
    report = soak(settings, tmp_path, cluster)
    print("\n".join(report.lines()))
    faulty = report.faulty
    assert faulty.manifests == 10 and faulty.pages == report.pages
    assert (faulty.duplicated, faulty.lost, faulty.manifests_not_started) == (0, 0, 0)
    assert faulty.attempted == faulty.pages == faulty.completed + faulty.failed
    assert faulty.failed >= len(report.permanent_pages) >= 1  # the permanent ones, at least
    assert faulty.retried > 0 and faulty.retries >= faulty.retried
    assert faulty.manifests_complete < faulty.manifests
    assert any(label.endswith("(permanent)") for label in report.faults_injected)
    assert sum(report.faults_injected.values()) > len(report.permanent_pages)  # transient too
    done = report.resubmitted
    assert done.manifests_complete == done.manifests == 10
    assert done.completed == done.pages and (done.failed, done.duplicated, done.lost) == (0, 0, 0)
