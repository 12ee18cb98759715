from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from barnacle.http_client import HttpSettings, get_session

from support.paths import REPO
from support.scripted_server import ScriptedServer, scripted_server

LOCAL_CLUSTER = REPO / "slurm" / "local-cluster"
SLURM_BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel")


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with scripted_server() as state:
        yield state


@pytest.fixture(autouse=True)
def fast_http() -> Iterator[None]:
    """Each test gets a fresh process-wide session with quick retries."""
    get_session(HttpSettings(retries=3, backoff=0.01, read_timeout=5, connect_timeout=2))
    yield
    get_session(HttpSettings())


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A one-node cluster with MaxArraySize=5 on its own ports and state folder."""
    missing = [name for name in SLURM_BINARIES if shutil.which(name) is None]
    if missing:
        message = f"SLURM not installed ({', '.join(missing)}): apt-get install slurm-wlm munge"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (.ci/run installs it)")
        pytest.skip(message)
    state = tmp_path_factory.mktemp("slurm")
    env = {
        **os.environ,
        "BARNACLE_SLURM_DIR": str(state),
        "MAX_ARRAY_SIZE": "5",
        "SLURMCTLD_PORT": "16817",
        "SLURMD_PORT": "16818",
    }
    started = subprocess.run(
        [str(LOCAL_CLUSTER), "start"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        yield {"SLURM_CONF": str(state / "etc" / "slurm.conf"), "BARNACLE_SLURM_DIR": str(state)}
    finally:
        subprocess.run([str(LOCAL_CLUSTER), "stop"], env=env, timeout=60, check=False)
