"""Inputs checked up front, one line each (#23): make refuses bad enumerations as it reads the
Makefile and warns about variables it does not know; every command that takes a size checks it
at its start; MEM needs its unit; CONTAINER needs its runtime, dry runs included; a missing run
folder is an error. And one vocabulary: `summary`, FORMATS with commas or spaces, export's
--run and --out-dir, local manifest files for ocr, URL lists for validate, MODEL= in messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from barnacle.export.synthetic import synthetic_record
from barnacle.images.cache import ImageCache
from barnacle.job_arrays.container import CONTAINER_RUNTIMES
from barnacle.job_arrays.sbatch import check_memory
from barnacle.listing.manifest_table import manifest_sha1
from barnacle.model_files.resolve import ModelNotFound, resolve_model
from barnacle.worker.manifest_source import MANIFEST_SUFFIX, load_manifest

from support.cli import barnacle
from support.make_runs import try_make
from support.paths import REPO

URL = "http://127.0.0.1:9/book/manifest.json"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (["EXECUTOR=slrum"], "EXECUTOR=slrum is not known: use EXECUTOR=local"),
        (["RUN=my run"], "RUN='my run' is not a run name"),
        (["RUN=a/b"], "RUN='a/b' is not a run name"),
        (
            ["CONTAINER=x.sif", "EXECUTOR=slurm"],
            "CONTAINER=x.sif needs CONTAINER_RUNTIME=apptainer",
        ),
        (["CONTAINER_RUNTIME=lxc"], "CONTAINER_RUNTIME=lxc is not known"),
        (["FORMATS=alto,pdf"], "unknown format 'pdf' in FORMATS='alto,pdf'"),
        (["DRY_RUN=0"], "DRY_RUN=0 is not known: set DRY_RUN=1"),
    ],
)
def test_make_refuses_a_bad_setting_in_one_line(setting: list[str], message: str) -> None:
    done = try_make("-n", "run", "COLLECTION=data/lists/example.txt", *setting)
    assert done.returncode == 2
    assert [line for line in done.stderr.splitlines() if line] == [
        line for line in done.stderr.splitlines() if message in line
    ], done.stderr
    assert message in done.stderr and done.stdout == ""


def test_make_warns_of_a_variable_it_does_not_know() -> None:
    done = try_make("-n", "help", "MEMORY=16G")
    assert done.returncode == 0
    assert "MEMORY=16G is not a variable of this Makefile" in done.stderr
    known = try_make("-n", "help", "MEM=16G", "ALLOW_DEMO_MODEL=1", "BARNACLE_CONTACT=me@x.org")
    assert known.returncode == 0 and known.stderr == ""


def test_make_knows_the_container_runtimes_barnacle_knows() -> None:
    makefile = (REPO / "Makefile").read_text().splitlines()
    check = next(line for line in makefile if "CONTAINER_RUNTIME=$(CONTAINER_RUNTIME) is" in line)
    listed = check.split("$(filter-out ", 1)[1].split(",", 1)[0].split()
    assert tuple(listed) == CONTAINER_RUNTIMES


def test_make_help_lists_the_environment_variables() -> None:
    done = try_make("help")
    assert done.returncode == 0, done.stderr
    for name in ("ALLOW_DEMO_MODEL", "BARNACLE_CONTACT", "BARNACLE_MODELS_DIR", "SLURM_CONF"):
        assert f"  {name}=" in done.stdout, name


@pytest.mark.parametrize("formats", ["alto,text", "alto text"])
def test_make_export_takes_commas_or_spaces(formats: str, tmp_path: Path) -> None:
    sha1 = manifest_sha1(URL)
    (tmp_path / "r" / "ocr").mkdir(parents=True)
    (tmp_path / "r" / "ocr" / f"{sha1}.jsonl").write_text("{}\n")
    done = try_make(
        "-n", "export", "EXECUTOR=local", f"RUNS_DIR={tmp_path}", "RUN=r", f"FORMATS={formats}"
    )
    assert done.returncode == 0, done.stderr
    exports = [line.split()[4] for line in done.stdout.splitlines() if "barnacle export" in line]
    assert exports == ["alto", "text"]


@pytest.mark.parametrize(
    "command",
    [
        ["ocr", URL, "--out", "{tmp}/x.jsonl"],
        ["prefetch", "{tmp}"],
        ["image-urls", URL],
        ["pages", URL],
        ["cache-size"],
        ["clean-cache", "{tmp}"],
    ],
)
def test_every_command_checks_the_size_at_its_start(command: list[str], tmp_path: Path) -> None:
    done = barnacle(*(arg.format(tmp=tmp_path) for arg in command), "--size", "bad")
    assert done.returncode == 2
    assert "argument --size: bad size 'bad': use full, max" in done.stderr
    assert "Traceback" not in done.stderr


def test_memory_needs_its_unit(tmp_path: Path) -> None:
    assert [check_memory(m) for m in ("16G", "8000M", "2t", "0")] == ["16G", "8000M", "2t", "0"]
    for bad, fix in [("16", "MEM=16G"), ("lots", "MEM=8G")]:
        with pytest.raises(ValueError, match=fix):
            check_memory(bad)
    for command in (
        ["submit-array", str(tmp_path), "--dry-run"],
        ["finetune", "--truth", str(tmp_path), "--base", "b", "--name", "n", "--slurm"],
    ):
        done = barnacle(*command, "--mem", "16")
        assert done.returncode == 2
        assert "SLURM would read it as 16 MB: write MEM=16G" in done.stderr


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("MEM=16", "write MEM=16G"),
        ("SIZE=bad", "bad size 'bad'"),
        ("CONTAINER=x.sif", "CONTAINER=x.sif needs CONTAINER_RUNTIME="),
        ("THREADS=0", "THREADS=0: must be 1 or more"),
    ],
)
def test_make_run_checks_its_settings_before_any_work(
    setting: str, message: str, tmp_path: Path
) -> None:
    """`make run` records its settings first (run-info --start): a bad one stops it there."""
    run = tmp_path / "r"
    done = barnacle("run-info", str(run), "--start", "--set", setting, "--set", "COLLECTION=x")
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not run.exists()


def test_a_dry_run_refuses_a_container_without_its_runtime(tmp_path: Path) -> None:
    """A settings.json with a container but no runtime (written by hand: make run refuses
    it) is refused at submission, dry runs too, not in every task."""
    (tmp_path / "settings.json").write_text('{"container": "x.sif"}')
    done = barnacle("submit-array", str(tmp_path), "--dry-run")
    assert done.returncode == 1
    assert "CONTAINER=x.sif needs CONTAINER_RUNTIME=apptainer or singularity" in done.stderr


def test_export_of_a_missing_run_folder_fails(tmp_path: Path) -> None:
    done = barnacle("export", "alto", "--run", str(tmp_path / "nonexistent"))
    assert done.returncode == 2
    assert "has no OCR output" in done.stderr and "exported" not in done.stdout


def test_export_writes_where_out_dir_says(tmp_path: Path) -> None:
    jsonl = tmp_path / "runs" / "r" / "ocr" / f"{manifest_sha1(URL)}.jsonl"
    jsonl.parent.mkdir(parents=True)
    jsonl.write_text(synthetic_record(URL, "c0", 0, lines=2).model_dump_json() + "\n")
    for option, folder in [("--out-dir", "new"), ("--run-dir", "old")]:  # and its old name
        done = barnacle("export", "text alto", str(jsonl), option, str(tmp_path / folder))
        assert done.returncode == 0, done.stderr
        assert (tmp_path / folder / "text" / f"{jsonl.stem}.txt").is_file()
        assert (tmp_path / folder / "alto" / jsonl.stem / "0000.xml").is_file()


def test_summary_is_the_commands_name_and_summarize_still_works() -> None:
    for name in ("summary", "summarize"):
        done = barnacle(name, "--help")
        assert done.returncode == 0 and "usage: barnacle summary" in done.stdout


def test_ocr_reads_a_local_manifest_file(tmp_path: Path) -> None:
    """What `validate` and `pages` take, the worker takes: a manifest file on disk."""
    from support.write_every_output import manifest

    path = tmp_path / "book.json"
    path.write_text(json.dumps(manifest(URL)))
    cache = ImageCache(tmp_path / "cache")
    pages = load_manifest(str(path), cache)
    assert [page.canvas_id for page in pages.pages] == ["http://127.0.0.1:9/book/canvas/0"]
    assert cache.get(str(path), MANIFEST_SUFFIX) is not None  # for export and --offline


def test_validate_reads_a_list_of_manifest_urls(tmp_path: Path) -> None:
    listed = barnacle("validate", "data/lists/example.txt")
    assert listed.returncode == 0, listed.stdout
    assert (
        "list of manifest URLs (txt)" in listed.stdout and "members (manifests): 3" in listed.stdout
    )
    csv = tmp_path / "list.csv"
    csv.write_text(f"manifest_url,ark\n{URL},a1\nftp://x/m.json,a2\n")
    bad = barnacle("validate", str(csv))
    assert bad.returncode == 1 and "line 3: only http(s) URLs are fetched" in bad.stdout
    (tmp_path / "urls.csv").write_text("url\nhttp://x/\n")
    column = barnacle("validate", str(tmp_path / "urls.csv"))
    assert column.returncode == 1 and "no 'manifest_url' column" in column.stdout


def test_a_missing_model_names_the_make_variable() -> None:
    with pytest.raises(ModelNotFound, match=r"give MODEL= \(barnacle --model\)"):
        resolve_model("/nonexistent/model.safetensors")
