"""The fixtures of the sample-server tests: `sample_dir` (a sample collection of synthetic pages)
and `base` (the URL of the sample server serving it), one of each per test module. A test
module asks for them with `pytest_plugins = ["support.sample_fixtures"]`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from barnacle.sample.serve import serve_sample

from support.sample_dirs import MAX_SIZE, make_sample_dir


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample_dir(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def base(sample_dir: Path) -> Iterator[str]:
    with serve_sample(sample_dir, max_size=MAX_SIZE) as url:
        yield url
