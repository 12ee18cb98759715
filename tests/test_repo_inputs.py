"""The inputs the Makefile, README, tests and benchmarks name are in the repository: a fresh
clone with nothing beside it has everything they need."""

from __future__ import annotations

import re
import subprocess
import urllib.request
from pathlib import Path

from barnacle.listing.sources import read_csv_list, read_txt_list
from barnacle.sample.serve import serve_sample

from support.paths import LAPIDUS, REPO

_DATA_PATH = re.compile(r"\bdata/[A-Za-z0-9_./-]*[A-Za-z0-9_/]")


def _tracked(*folders: str) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *folders],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [REPO / line for line in out.splitlines() if (REPO / line).is_file()]


def test_every_data_path_the_makefile_and_readme_name_exists() -> None:
    named = set()
    for doc in ("Makefile", "README.md"):
        named |= set(_DATA_PATH.findall((REPO / doc).read_text()))
    assert "data/lists/example.txt" in named and "data/lapidus/lapidus_lar.csv" in named
    missing = sorted(path for path in named if not (REPO / path).exists())
    assert not missing, f"named but not in the repository: {missing}"


def test_nothing_in_tests_bench_or_scripts_reads_outside_the_repository() -> None:
    pattern = re.compile(r"\.\./shared|REPO\.parent|parents\[\d\] / \"shared\"|/work/shared")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in _tracked("tests", "bench", "scripts")
        if path.suffix in ("", ".py", ".sh") and path.name != Path(__file__).name
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders


def test_lapidus_lists_are_whole() -> None:
    rows = read_csv_list(LAPIDUS / "lapidus_lar.csv")
    assert len(rows) == 2777
    assert all(row.manifest_url.startswith("https://figgy.princeton.edu/") for row in rows)
    assert sum(row.metadata["ark"].startswith("ark:/") for row in rows) > 2700
    assert len(read_txt_list(LAPIDUS / "manifests.txt")) == 2853
    assert len(list((LAPIDUS / "pages").glob("*.jpg"))) == 2
    assert "Princeton" in (LAPIDUS / "README.md").read_text()


def test_example_list_names_the_sample_servers_manifests() -> None:
    entries = read_txt_list(REPO / "data" / "lists" / "example.txt")
    assert len(entries) == 3
    with serve_sample(REPO / "data" / "sample") as base:
        for entry in entries:
            path = re.sub(r"^http://127\.0\.0\.1:8182", "", entry.manifest_url)
            assert path != entry.manifest_url  # make serve-sample's port
            with urllib.request.urlopen(base + path, timeout=10) as response:
                assert response.status == 200 and b'Manifest"' in response.read()


def test_licence_is_the_apache_licence_pyproject_names() -> None:
    text = (REPO / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert 'license = "Apache-2.0"' in (REPO / "pyproject.toml").read_text()
