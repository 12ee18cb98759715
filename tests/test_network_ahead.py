"""A page process running the next page's network pass ahead, in a thread, while the current page
is post-processed (on a GPU by default; forced here on the CPU): the worker's records are the
same as without, and the pages after the first were indeed made ahead in that thread."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from barnacle.ocr import KrakenEngine
from barnacle.worker import process_manifest
from barnacle.worker.page_lookahead import SWITCH, network_ahead_wanted

from support.scripted_server import ScriptedServer
from support.small_book import serve_book
from support.worker_options import quiet_options


def test_on_by_default_only_on_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SWITCH, raising=False)
    assert network_ahead_wanted("cuda:0") and network_ahead_wanted("cuda")
    assert not network_ahead_wanted("cpu")
    monkeypatch.setenv(SWITCH, "1")
    assert network_ahead_wanted("cpu")
    monkeypatch.setenv(SWITCH, "0")
    assert not network_ahead_wanted("cuda:0")


def _lines(out: Path) -> list[Any]:
    """What OCR put in each record: text and line geometry (not timings or hosts)."""
    records = [json.loads(line) for line in out.read_text().splitlines()]
    return [(r["canvas_index"], r["text"], r["ocr_lines"]) for r in records]


@pytest.mark.slow
def test_records_same_with_the_network_pass_made_ahead(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = serve_book(server, "book", 3)
    threads: list[str] = []
    own = KrakenEngine.network_pass

    def counted(engine: KrakenEngine, image: Any) -> Any:
        threads.append(threading.current_thread().name)
        return own(engine, image)

    monkeypatch.setattr(KrakenEngine, "network_pass", counted)
    outputs = {}
    for switch in ("0", "1"):
        monkeypatch.setenv(SWITCH, switch)
        out = tmp_path / switch / "book.jsonl"
        options = quiet_options(tmp_path, segmentation_cache=False)
        result = process_manifest(url, out, options)
        assert (result.status, result.pages_done) == ("complete", 3)
        outputs[switch] = _lines(out)
    # Off: kraken's own call. On: a page handed with the next one already fetched (which
    # pages: as the fetches finish) has the next one's pass made in the thread.
    ahead = [name for name in threads if name.startswith("network-ahead")]
    assert 1 <= len(ahead) <= 2
    assert set(threads) - set(ahead) <= {"MainThread"}
    assert outputs["1"] == outputs["0"]
    assert all(text for _, text, _ in outputs["1"])
