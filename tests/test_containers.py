"""The worker image (containers/Dockerfile) built with podman and run for real: the same pages
and text as the host venv, the image's digest in every record, and a SLURM array whose tasks
run in the container. The Apptainer definition is checked here; it is built where apptainer
exists."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from barnacle.job_arrays import SlurmError, check_container
from barnacle.sample.serve import serve_sample

from support.apptainer_def import read_definition
from support.make_runs import make, run_records, wait_idle
from support.paths import REPO, SAMPLE_BOOKS

IMAGE = "localhost/barnacle:test"
BUILD_TIMEOUT_S = 2400  # a first build on a bare machine: debootstrap, ~3 GB of wheels


def _need(tool: str) -> None:
    """Skip where podman or debootstrap is missing, except in CI, where .ci/run installs them."""
    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing in CI: .ci/run should have installed it")
        pytest.skip(f"{tool} is not installed (apt-get install podman buildah runc debootstrap)")


@pytest.fixture(scope="session")
def image() -> str:
    """The image of this checkout, built (layers cached between runs); returns its identity."""
    _need("podman")
    _need("debootstrap")
    built = subprocess.run(
        [str(REPO / "containers" / "build-image"), IMAGE],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return check_container("podman", IMAGE) or ""


@pytest.fixture(scope="module")
def sample_base() -> Iterator[str]:
    with serve_sample(REPO / "data" / "sample") as base:
        yield base


def _pages(out: Path) -> list[tuple[str, str]]:
    return [
        (record["page_key"], record["text"])
        for record in map(json.loads, out.read_text().splitlines())
    ]


BOOK = "book3"  # Presentation 3.0 with Image API 2.1
OCR_OPTIONS = ["--max-pages=2", "--no-progress"]


@pytest.fixture(scope="module")
def host_out(sample_base: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two sample pages OCRed by the host venv: what every image must reproduce."""
    work = tmp_path_factory.mktemp("host")
    out = work / f"{BOOK}.jsonl"
    host = subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "barnacle"),
            "ocr",
            f"{sample_base}/manifests/{BOOK}.json",
            f"--out={out}",
            f"--cache-dir={work / 'cache'}",
            *OCR_OPTIONS,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert host.returncode == 0, host.stderr[-3000:]
    assert len(_pages(out)) == 2
    return out


def _ocr_in_container(image: str, manifest: str, work: Path) -> subprocess.CompletedProcess[str]:
    """`barnacle ocr` of the manifest in the image: its own cache and output in the bound
    folder `work`, as the image's user, the records naming `image`."""
    for folder in (work, work / "cache"):
        folder.mkdir()
        folder.chmod(0o777)  # the image runs as uid 1000, not as the owner
    return subprocess.run(
        [
            "podman",
            "run",
            "--rm",
            "--network=host",
            f"--volume={work}:/output",
            f"--volume={work / 'cache'}:/cache",
            f"--env=BARNACLE_CONTAINER={image}",
            IMAGE,
            "ocr",
            manifest,
            f"--out=/output/{BOOK}.jsonl",
            "--cache-dir=/cache",
            *OCR_OPTIONS,
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_image_ocr_equals_host_and_names_the_image(
    image: str, sample_base: str, host_out: Path, tmp_path: Path
) -> None:
    work = tmp_path / "ctr"
    ctr = _ocr_in_container(image, f"{sample_base}/manifests/{BOOK}.json", work)
    assert ctr.returncode == 0, ctr.stdout[-2000:] + ctr.stderr[-3000:]
    ctr_out = work / f"{BOOK}.jsonl"
    assert _pages(ctr_out) == _pages(host_out)

    records = [json.loads(line) for line in ctr_out.read_text().splitlines()]
    assert {r["container"] for r in records} == {image}
    # The repo digest podman knows the image by (a reference podman run accepts), not its id.
    digest = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Digest}}", IMAGE],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert image == f"{IMAGE}@{digest}"
    host_record = json.loads(host_out.read_text().splitlines()[0])
    assert host_record["container"] is None
    # Same model (by hash) and engine; the commit is baked into the image.
    for field in ("ref", "sha256"):
        assert records[0]["model"][field] == host_record["model"][field]
    assert records[0]["engine_version"] == host_record["engine_version"]
    assert records[0]["git_commit"].split("-")[0] == host_record["git_commit"]
    assert any((work / "cache").rglob("*.img")), "the container's cache is in the bound folder"
    # Run without the id, the image still names itself: version and commit baked in.
    fallback = subprocess.run(
        [
            "podman",
            "run",
            "--rm",
            "--entrypoint=python",
            IMAGE,
            "-c",
            "from barnacle.records.provenance import container_id; print(container_id())",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert fallback.stdout.strip().startswith("barnacle:0.") and host_record["git_commit"] in (
        fallback.stdout
    )


@pytest.mark.slow
def test_slurm_array_runs_in_podman(
    image: str, cluster: dict[str, str], sample_base: str, tmp_path: Path
) -> None:
    common = [
        f"RUNS_DIR={tmp_path}",
        "RUN=ctr",
        f"COLLECTION={sample_base}/collection.json",
        "MAX_PAGES=1",
        f"CACHE_DIR={tmp_path / 'cache'}",
        "EXECUTOR=slurm",
        "THROTTLE=2",
        f"CONTAINER={IMAGE}",
        "CONTAINER_RUNTIME=podman",
    ]
    out = make("run", *common, env=cluster)
    assert f"podman container {image}" in out
    wait_idle(cluster, timeout=600)
    run_dir = tmp_path / "ctr"
    records = run_records(run_dir)
    assert len(records) == SAMPLE_BOOKS and all(len(pages) == 1 for pages in records.values()), [
        log.read_text()[-1500:] for log in (run_dir / "logs").glob("*.out")
    ]
    for (page,) in records.values():
        assert page["container"] == image and page["slurm"]["array_task_id"]
    metadata = json.loads((run_dir / "metadata.json").read_text())
    assert metadata["container"] == image
    assert metadata["make_variables"]["CONTAINER_RUNTIME"] == "podman"
    logs = " ".join(log.read_text() for log in (run_dir / "logs").glob("*.out"))
    assert logs.count("barnacle-task OK") == SAMPLE_BOOKS and "in podman container" in logs
    assert logs.count("barnacle-task: barnacle run-task ") == SAMPLE_BOOKS  # the one task command
    # Written as the submitting user, so a rerun or resubmit needs nothing special.
    assert {path.stat().st_uid for path in (run_dir / "ocr").iterdir()} == {os.getuid()}


def test_container_settings_fail_fast_with_what_to_do() -> None:
    with pytest.raises(SlurmError, match="CONTAINER_RUNTIME=apptainer"):
        check_container("none", "some.sif")
    with pytest.raises(SlurmError, match="needs CONTAINER="):
        check_container("podman", None)
    with pytest.raises(SlurmError, match="unknown container runtime"):
        check_container("lxc", "x")
    with pytest.raises(SlurmError, match="make sif"):
        check_container("apptainer", "/nonexistent/barnacle.sif")
    assert check_container("none", None) is None


def test_apptainer_definition_is_complete() -> None:
    """`apptainer` is not packaged for Debian 12, so the definition is checked by parsing it:
    it bootstraps from the OCI archive make sif writes and has every section a site needs."""
    definition = read_definition(REPO / "containers" / "barnacle.def")
    assert definition.header == {"Bootstrap": "oci-archive", "From": "runs/barnacle.oci.tar"}
    assert {"labels", "environment", "runscript", "test", "help"} <= set(definition.sections)
    labels = definition.labels()
    assert labels["org.opencontainers.image.title"] == "barnacle"
    # Filled in by containers/build-sif from the OCI image's labels.
    assert labels["org.opencontainers.image.version"] == "@VERSION@"
    assert labels["org.opencontainers.image.revision"] == "@GIT_COMMIT@"
    environment = definition.environment()
    assert environment["VIRTUAL_ENV"] == "/opt/barnacle"
    assert environment["PATH"].split(":")[0] == "/opt/barnacle/bin"
    assert environment["BARNACLE_MODELS_DIR"] == "/opt/barnacle/share/models"
    assert definition.script("runscript") == ['exec /opt/barnacle/bin/barnacle "$@"']
    test = definition.script("test")
    assert test[0] == "set -e" and "/opt/barnacle/bin/barnacle --help > /dev/null" in test
    assert any(line.startswith("apptainer run") for line in definition.sections["help"])
    sif_script = (REPO / "containers" / "build-sif").read_text()
    assert "@VERSION@" in sif_script and "oci-archive" in sif_script


@pytest.mark.slow
def test_apptainer_image_builds_and_runs(
    image: str, sample_base: str, host_out: Path, tmp_path: Path
) -> None:
    """Opt-in: BARNACLE_APPTAINER=apptainer, or containers/apptainer-in-podman (Debian sid's
    apptainer in podman, about 15 minutes). CI leaves it out: it must not depend on sid."""
    apptainer = os.environ.get("BARNACLE_APPTAINER")
    if not apptainer:
        pytest.skip("set BARNACLE_APPTAINER=apptainer (or containers/apptainer-in-podman)")
    command = apptainer.split()
    sif = tmp_path / "barnacle.sif"
    built = subprocess.run(
        [str(REPO / "containers" / "build-sif"), IMAGE, str(sif)],
        cwd=REPO,
        env={**os.environ, "APPTAINER": apptainer},
        capture_output=True,
        text=True,
        timeout=2400,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-3000:]
    assert "barnacle test: kraken" in built.stdout + built.stderr  # the definition's %test
    digest = (tmp_path / "barnacle.sif.sha256").read_text().strip()
    identity = check_container("apptainer", str(sif))
    assert identity == f"{sif}#sha256={digest}"
    out = tmp_path / f"{BOOK}.jsonl"
    ran = subprocess.run(
        [
            *command,
            "run",
            "--env",
            f"BARNACLE_CONTAINER={identity}",
            "--bind",
            str(tmp_path),
            str(sif),
            "ocr",
            f"{sample_base}/manifests/{BOOK}.json",
            f"--out={out}",
            f"--cache-dir={tmp_path / 'cache'}",
            *OCR_OPTIONS,
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert _pages(out) == _pages(host_out)
    assert {json.loads(line)["container"] for line in out.read_text().splitlines()} == {identity}
