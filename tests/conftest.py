from __future__ import annotations

from collections.abc import Iterator

import pytest

from barnacle.fetch import HttpSettings, get_session

from support.scripted_server import ScriptedServer, scripted_server


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
