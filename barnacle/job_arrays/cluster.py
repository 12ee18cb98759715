"""Talking to the cluster: `scontrol show config` and `squeue`."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

DEFAULT_MAX_ARRAY_SIZE = 1001  # SLURM's own default
_MAX_ARRAY_RE = re.compile(r"^\s*MaxArraySize\s*=\s*(\d+)\s*$", re.MULTILINE)


class SlurmError(RuntimeError):
    """A SLURM command failed or is missing."""


def run_slurm(
    args: list[str], env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            args, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
    except FileNotFoundError as err:
        raise SlurmError(f"{args[0]}: not found (SLURM client commands not installed?)") from err
    except subprocess.TimeoutExpired as err:
        raise SlurmError(f"{args[0]}: no answer in {timeout:.0f} s") from err


def parse_max_array_size(config_text: str) -> int | None:
    match = _MAX_ARRAY_RE.search(config_text)
    return int(match.group(1)) if match else None


CONF_CANDIDATES = (
    "/etc/slurm/slurm.conf",
    "/etc/slurm-llnl/slurm.conf",
    "/run/slurm/conf/slurm.conf",
)


def find_slurm_conf(env: Mapping[str, str] | None = None) -> Path | None:
    """SLURM_CONF, else the usual places; None when there is no slurm.conf here."""
    env = os.environ if env is None else env
    candidates = [env["SLURM_CONF"]] if env.get("SLURM_CONF") else list(CONF_CANDIDATES)
    for candidate in candidates:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def max_array_size(env: Mapping[str, str] | None = None) -> int:
    """The cluster's MaxArraySize (`scontrol show config`), else SLURM's default 1001.

    Without a slurm.conf, scontrol is not asked: it would look for a configless controller
    in DNS and can hang for a minute. Configless clusters: pass the value explicitly.
    """
    if find_slurm_conf(env) is None:
        return DEFAULT_MAX_ARRAY_SIZE
    try:
        done = run_slurm(["scontrol", "show", "config"], env=env, timeout=30)
    except SlurmError:
        return DEFAULT_MAX_ARRAY_SIZE
    if done.returncode != 0:
        return DEFAULT_MAX_ARRAY_SIZE
    return parse_max_array_size(done.stdout) or DEFAULT_MAX_ARRAY_SIZE


def parse_queue(text: str) -> list[tuple[str, int, str, str]]:
    """`squeue -h -r -o '%F|%K|%T|%k'` lines -> (array job id, task id, state, comment)."""
    rows = []
    for line in text.splitlines():
        parts = line.strip().split("|", 3)
        if len(parts) != 4 or not parts[1].isdigit():
            continue  # not an array task
        rows.append((parts[0], int(parts[1]), parts[2], parts[3]))
    return rows


def queued_array_tasks(env: Mapping[str, str] | None = None) -> list[tuple[str, int, str, str]]:
    """This user's queued or running array tasks, one per task (`-r` expands arrays)."""
    done = run_slurm(["squeue", "--noheader", "--me", "-r", "-o", "%F|%K|%T|%k"], env=env)
    if done.returncode != 0:
        raise SlurmError(f"squeue failed: {done.stderr.strip() or done.returncode}")
    return parse_queue(done.stdout)
