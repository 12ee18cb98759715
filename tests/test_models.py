"""Models by DOI: an installed record laid out exactly as htrmopo writes one (the demo model
as its weights) resolves offline, lists, fails clearly when missing, and is named in the
page records and metadata.json. No network: a fetch goes to a closed local port."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from barnacle.model_files import as_doi, installed_models, resolve_doi
from barnacle.model_files.resolve import ModelNotFound, demo_model_path, model_doi, resolve_model
from barnacle.model_files.store import INSTALL_NOTE, ModelNotInstalled
from barnacle.models.install import get_model
from barnacle.worker import WorkerOptions, process_manifest

from support.fast_pages import serve_fast_book
from support.paths import REPO
from support.scripted_server import ScriptedServer

DOI = "10.5281/zenodo.10592716"
DEMO = REPO / "data" / "models" / "barnacle-demo.safetensors"
CARD = """---
summary: CATMuS Print (test copy)
license: CC-BY-4.0
authors:
  - name: Test
language: [lat]
script: [Latn]
model_type: [recognition]
software_name: kraken
---
# A model card
"""


def install_record(root: Path, doi: str = DOI, weights: str = "catmus-print.safetensors") -> Path:
    """The folder `htrmopo.get_model(doi)` writes: uuid5(NAMESPACE_DNS, doi)/<record files>."""
    folder = root / str(uuid.uuid5(uuid.NAMESPACE_DNS, doi))
    folder.mkdir(parents=True)
    shutil.copyfile(DEMO, folder / weights)
    (folder / "README.md").write_text(CARD)
    return folder


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "models"
    monkeypatch.setenv("BARNACLE_MODELS_DIR", str(root))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # htrmopo's own folder, empty
    monkeypatch.delenv("BARNACLE_MODEL", raising=False)
    return root


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "barnacle", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        timeout=120,
    )


def test_dois_are_told_from_paths(tmp_path: Path) -> None:
    assert as_doi(DOI) == DOI
    assert as_doi(f"https://doi.org/{DOI}") == DOI
    assert as_doi(f"doi:{DOI}") == DOI
    assert as_doi("models/catmus.mlmodel") is None
    assert as_doi(None) is None
    assert model_doi(str(DEMO)) is None


def test_an_installed_doi_resolves_offline_and_lists(store: Path) -> None:
    folder = install_record(store)
    assert resolve_doi(DOI) == (folder / "catmus-print.safetensors").resolve()
    ref, path = resolve_model(DOI)
    assert (ref, path) == (DOI, (folder / "catmus-print.safetensors").resolve())
    assert model_doi(DOI) == DOI
    # the demo model is still found although BARNACLE_MODELS_DIR holds only DOI records
    assert demo_model_path() == DEMO
    [listed] = installed_models()
    assert listed.doi is None  # htrmopo's layout does not say; `model get` notes it
    assert listed.name == "CATMuS Print (test copy)" and listed.licence == "CC-BY-4.0"
    assert listed.sha256 == hashlib.sha256(DEMO.read_bytes()).hexdigest()

    path, fetched = get_model(DOI)  # already there: no network, the DOI noted
    assert not fetched and str(path) == listed.path and path.exists()
    assert json.loads((folder / INSTALL_NOTE).read_text())["doi"] == DOI
    shown = _cli("model", "list", "--json", env={"BARNACLE_MODELS_DIR": str(store)})
    assert shown.returncode == 0, shown.stderr
    [row] = json.loads(shown.stdout)
    assert row["doi"] == DOI and row["path"] == str(path) and row["licence"] == "CC-BY-4.0"


def test_a_missing_doi_fails_before_any_page_with_one_line(store: Path) -> None:
    with pytest.raises(ModelNotFound, match=r"make model MODEL=10\.5281/zenodo\.10592716"):
        resolve_model(DOI)
    done = _cli(
        "ocr",
        "http://127.0.0.1:9/never.json",
        "--out",
        str(store.parent / "o.jsonl"),
        "--model",
        DOI,
        "--no-progress",
        env={"BARNACLE_MODELS_DIR": str(store)},
    )
    assert done.returncode == 4
    assert "run `make model MODEL=10.5281/zenodo.10592716` on a machine with internet" in (
        done.stdout + done.stderr
    )
    assert "Traceback" not in done.stderr
    assert not (store.parent / "o.jsonl").exists()


def test_two_weight_files_ask_for_a_path(store: Path) -> None:
    folder = install_record(store)
    shutil.copyfile(DEMO, folder / "other.mlmodel")
    with pytest.raises(ModelNotInstalled, match="several weight files"):
        resolve_doi(DOI)


def test_a_fetch_without_network_leaves_nothing_behind(store: Path, tmp_path: Path) -> None:
    """htrmopo asks the repository's OAI endpoint; here that is a closed local port."""
    env = {
        "BARNACLE_MODELS_DIR": str(store),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
        "MODEL_REPO_OAI_URL": "http://127.0.0.1:9/oai2d",
        "MODEL_REPO_URL": "http://127.0.0.1:9/api/",
    }
    done = _cli("model", "get", "10.5281/zenodo.1", env=env)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "cannot fetch model 10.5281/zenodo.1" in done.stderr
    assert not store.exists() or not any(store.iterdir())


def test_records_and_metadata_carry_the_doi(
    store: Path, server: ScriptedServer, tmp_path: Path
) -> None:
    folder = install_record(store)
    url = serve_fast_book(server, "doi-book", 1)
    out = tmp_path / "run" / "ocr" / "m.jsonl"
    options = WorkerOptions(
        model=DOI, cache_dir=tmp_path / "cache", page_processes=1, progress=False
    )
    result = process_manifest(url, out, options)
    assert result.status == "complete", result.message
    record = json.loads(out.read_text().splitlines()[0])
    assert record["model"] == {
        "ref": DOI,
        "resolved": str((folder / "catmus-print.safetensors").resolve()),
        "sha256": record["model"]["sha256"],
        "doi": DOI,
    }
    done = _cli(
        "run-info",
        str(tmp_path / "run"),
        "--start",
        "--model",
        DOI,
        env={"BARNACLE_MODELS_DIR": str(store)},
    )
    assert done.returncode == 0, done.stderr
    metadata = json.loads((tmp_path / "run" / "metadata.json").read_text())
    assert metadata["model"]["doi"] == DOI
    assert metadata["model"]["sha256"] == record["model"]["sha256"]


REPO_DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    ("model", "collection", "env", "refused"),
    [
        (None, "https://example.org/iiif/collection.json", {}, True),
        (None, "lapidus_lar.csv", {}, True),
        (None, "https://example.org/iiif/collection.json", {"ALLOW_DEMO_MODEL": "1"}, False),
        (None, "http://127.0.0.1:8182/collection.json", {}, False),  # the bundled sample
        (None, str(REPO_DATA / "lists/example.txt"), {}, False),  # a list of the sample's
        (None, str(REPO_DATA / "lapidus/lapidus_lar.csv"), {}, True),  # real manifests
        (DOI, "https://example.org/iiif/collection.json", {}, False),
        (None, "", {}, False),  # a rerun: checked when the run started
    ],
)
def test_the_demo_model_is_refused_for_real_collections(
    store: Path, tmp_path: Path, model: str | None, collection: str, env: dict, refused: bool
) -> None:
    """`make run` calls `barnacle run-info --start` before anything is fetched or submitted."""
    install_record(store)
    args = ["run-info", str(tmp_path / "run"), "--start", f"--set=COLLECTION={collection}"]
    done = _cli(
        *args,
        *(["--model", model] if model else []),
        env={"BARNACLE_MODELS_DIR": str(store), "ALLOW_DEMO_MODEL": "", **env},
    )
    if refused:
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert "demo model reads only" in done.stderr and f"MODEL={DOI}" in done.stderr
        assert "ALLOW_DEMO_MODEL=1" in done.stderr
        assert not (tmp_path / "run" / "metadata.json").exists()
    else:
        assert done.returncode == 0, done.stderr


CREATED = "2026-01-01T00:00:00+00:00"


def test_low_confidence_manifests_are_flagged(tmp_path: Path) -> None:
    from barnacle.listing.manifest_table import manifest_sha1
    from barnacle.models.confidence import FLAG
    from barnacle.run_folder import stats_of
    from barnacle.run_folder.manifest_stats import write_stats

    run = tmp_path / "run"
    (run / "ocr").mkdir(parents=True)
    urls = [f"https://example.org/m{n}.json" for n in range(3)]
    (run / "manifests.tsv").write_text(
        "index\tmanifest_url\tsha1\toutput\tlabel\n"
        + "".join(
            f"{n}\t{u}\t{manifest_sha1(u)}\tocr/{manifest_sha1(u)}.jsonl\tm{n}\n"
            for n, u in enumerate(urls)
        )
    )
    for url, confidences in zip(urls, ([0.99, 0.97], [0.85, 0.8, None], []), strict=True):
        lines = [
            json.dumps(
                {"page_key": f"{url}|{i}", "created_at": CREATED, "line_confidence": c, "text": "x"}
            )
            for i, c in enumerate(confidences)
        ]
        (run / "ocr" / f"{manifest_sha1(url)}.jsonl").write_text("".join(x + "\n" for x in lines))
    status = _cli("status", str(run))
    assert status.returncode == 0, status.stderr
    assert f"1 manifest(s) with mean line confidence below 0.9: {FLAG}" in status.stdout
    assert f"0.825  {urls[1]}" in status.stdout and urls[0] not in status.stdout
    assert not (run / ".confidence.json").exists()  # the figure lives in the stats file

    # The worker's stats file carries the figure; status reads it there, not the records.
    out = run / "ocr" / f"{manifest_sha1(urls[1])}.jsonl"
    write_stats(out, out)
    stats = json.loads(stats_of(out).read_text())
    assert stats["line_confidence"]["pages"] == 2
    assert stats["line_confidence"]["mean"] == pytest.approx(0.825)
    assert _cli("status", str(run)).stdout == status.stdout
    stats_of(out).write_text(json.dumps(stats | {"line_confidence": {"mean": 0.5, "pages": 2}}))
    assert f"0.500  {urls[1]}" in _cli("status", str(run)).stdout
    # A stats file from before the figure: the head of the records is read instead.
    del stats["line_confidence"]
    stats_of(out).write_text(json.dumps(stats))
    assert _cli("status", str(run)).stdout == status.stdout
