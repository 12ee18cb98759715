"""The run's full-text index, `runs/<RUN>/search.sqlite`: SQLite FTS5 over the OCR lines.

One row per line (its box in the downloaded image's pixels, its words' boxes when the record
has them), one row per page (mean line confidence, for the worst-pages view) and one per
manifest (the size and mtime of the JSONL it was read from). `refresh` reads only the finished
`ocr/<sha1>.jsonl` files whose size or mtime changed since they were indexed, so a manifest is
indexed once and again only when its JSONL changes.

Each manifest's lines get one contiguous range of rowids, so a search within one manifest is
an FTS query with a rowid range, not a filter over every match in the run.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from barnacle.atomic import create_new_file
from barnacle.run_folder import RunFolder
from barnacle.view.record_rows import RecordRows, TornRecord, parse_all, read_record_rows

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS manifests(
  mid INTEGER PRIMARY KEY, sha1 TEXT UNIQUE NOT NULL, url TEXT NOT NULL, label TEXT NOT NULL,
  size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL,
  pages INTEGER NOT NULL, lines INTEGER NOT NULL, mean_conf REAL, empty_pages INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pages(
  mid INTEGER NOT NULL, canvas_index INTEGER NOT NULL, canvas_id TEXT NOT NULL,
  canvas_label TEXT NOT NULL, img_w INTEGER NOT NULL, img_h INTEGER NOT NULL,
  lines INTEGER NOT NULL, mean_conf REAL, PRIMARY KEY(mid, canvas_index)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pages_by_conf ON pages(mean_conf) WHERE mean_conf IS NOT NULL;
CREATE INDEX IF NOT EXISTS pages_no_lines ON pages(lines) WHERE lines = 0;
CREATE TABLE IF NOT EXISTS lines(
  id INTEGER PRIMARY KEY, mid INTEGER NOT NULL, canvas_index INTEGER NOT NULL,
  line_no INTEGER NOT NULL, x INTEGER NOT NULL, y INTEGER NOT NULL, w INTEGER NOT NULL,
  h INTEGER NOT NULL, text TEXT NOT NULL, words TEXT);
CREATE VIRTUAL TABLE IF NOT EXISTS lines_fts USING fts5(
  text, content='lines', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
"""

COUNT_CAP = 1_000  # totals above this are reported as "more than" (one index pass stays short)
BATCH_LINES = 50_000  # lines written per transaction when many manifests are (re)indexed
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Hit:
    rowid: int
    sha1: str
    manifest_url: str
    canvas_index: int
    canvas_id: str
    line_no: int
    box: tuple[int, int, int, int]  # x, y, w, h in the downloaded image's pixels
    image_size: tuple[int, int]
    text: str
    words: list[dict[str, Any]] | None  # [{"text", "box": [x, y, w, h]}] in image pixels


@dataclass(frozen=True)
class Matches:
    hits: list[Hit]
    total: int  # capped at COUNT_CAP + 1 (then `exact` is False)
    exact: bool


def tokens(text: str) -> list[str]:
    """Words as FTS5's unicode61 tokenizer with remove_diacritics sees them (near enough)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _TOKEN.findall(bare)


def fts_query(q: str) -> str:
    """`q` as FTS5 syntax that means "all these words, as text": each whitespace-separated
    term becomes a quoted string, so quotes, *, -, NEAR, AND/OR, column names and parentheses
    are words to find, never operators."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in q.split())


class SearchIndex:
    """`runs/<RUN>/search.sqlite`, safe to use from the server's threads (one connection per
    thread, one writer at a time)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with suppress(FileExistsError):  # SQLite would make it 0644 whatever the umask
            os.close(create_new_file(path))
        self._local = threading.local()
        self._write = threading.Lock()
        with self._write:
            self.db.executescript(SCHEMA)

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk builds, big merges
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- building ----------------------------------------------------------------------

    def refresh(
        self, run_dir: Path, strict: bool = True, announce: Callable[[int], None] | None = None
    ) -> list[str]:
        """Index every finished JSONL of the run that is new or changed; drop manifests whose
        JSONL is gone. Returns the sha1s (re)indexed. A torn line raises TornRecord when
        `strict`, else that manifest is left as it was."""
        run = RunFolder(run_dir)
        rows = run.read_manifests()
        known = {
            sha1: (size, mtime)
            for sha1, size, mtime in self.db.execute("SELECT sha1, size, mtime_ns FROM manifests")
        }
        todo: list[tuple[Path, dict[str, str]]] = []
        present: set[str] = set()
        for row in rows:
            path = run.output(row["sha1"])
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            present.add(row["sha1"])
            if known.get(row["sha1"]) != (stat.st_size, stat.st_mtime_ns):
                todo.append((path, row))
        if todo and announce is not None:
            announce(len(todo))
        done: list[str] = []
        batch: list[tuple[RecordRows, dict[str, str]]] = []
        for (_, row), parsed in zip(todo, parse_all([p for p, _ in todo]), strict=True):
            if isinstance(parsed, TornRecord):
                if strict:
                    raise parsed
                continue
            batch.append((parsed, row))
            if sum(len(p.lines) for p, _ in batch) >= BATCH_LINES:
                done += self._store_batch(batch)
                batch = []
        done += self._store_batch(batch)
        for sha1 in set(known) - present:
            with self._write, self.db:
                self._drop(sha1)
        return done

    def _drop(self, sha1: str) -> None:
        found = self.db.execute("SELECT mid FROM manifests WHERE sha1 = ?", (sha1,)).fetchone()
        if found is None:
            return
        mid = found[0]
        self.db.execute(
            "INSERT INTO lines_fts(lines_fts, rowid, text) "
            "SELECT 'delete', id, text FROM lines WHERE mid = ?",
            (mid,),
        )
        self.db.execute("DELETE FROM lines WHERE mid = ?", (mid,))
        self.db.execute("DELETE FROM pages WHERE mid = ?", (mid,))
        self.db.execute("DELETE FROM manifests WHERE mid = ?", (mid,))

    def index_manifest(self, path: Path, sha1: str, url: str, label: str = "") -> None:
        """(Re)index one finished JSONL (read and checked whole before the index is touched)."""
        self.store(read_record_rows(path), sha1, url, label)

    def _store_batch(self, batch: list[tuple[RecordRows, dict[str, str]]]) -> list[str]:
        """Several manifests in one transaction (a first build: thousands of small ones)."""
        with self._write, self.db:
            for parsed, row in batch:
                self._replace(parsed, row["sha1"], row["manifest_url"], row.get("label", ""))
        return [row["sha1"] for _, row in batch]

    def store(self, parsed: RecordRows, sha1: str, url: str, label: str) -> None:
        """Replace a manifest's rows in one transaction: readers see the old or the new."""
        with self._write, self.db:
            self._replace(parsed, sha1, url, label)

    def _replace(self, parsed: RecordRows, sha1: str, url: str, label: str) -> None:
        """A manifest's rows, dropped and written again (inside the caller's transaction)."""
        db = self.db
        self._drop(sha1)
        start = (db.execute("SELECT max(id) FROM lines").fetchone()[0] or 0) + 1
        cursor = db.execute(
            "INSERT INTO manifests(sha1, url, label, size, mtime_ns, lo, hi, pages, lines, "
            "mean_conf, empty_pages) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                sha1,
                url,
                label,
                parsed.size,
                parsed.mtime_ns,
                start,
                start + len(parsed.lines) - 1,
                len(parsed.pages),
                len(parsed.lines),
                parsed.mean_conf,
                parsed.empty_pages,
            ),
        )
        mid = cursor.lastrowid
        db.executemany(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((mid, *page) for page in parsed.pages),
        )
        db.executemany(
            "INSERT INTO lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((start + n, mid, *line) for n, line in enumerate(parsed.lines)),
        )
        db.execute(
            "INSERT INTO lines_fts(rowid, text) SELECT id, text FROM lines WHERE id >= ?",
            (start,),
        )

    # -- reading -----------------------------------------------------------------------

    def search(self, q: str, sha1: str | None = None, offset: int = 0, limit: int = 100) -> Matches:
        """Lines that contain every word of `q` (as text), in manifest and page order."""
        match = fts_query(q)
        if not tokens(q):
            return Matches([], 0, True)
        where, params = "lines_fts MATCH ?", [match]
        if sha1 is not None:
            found = self.db.execute(
                "SELECT lo, hi FROM manifests WHERE sha1 = ?", (sha1,)
            ).fetchone()
            if found is None:
                return Matches([], 0, True)
            where += " AND rowid BETWEEN ? AND ?"
            params += [found[0], found[1]]
        # One pass over the matches gives the (capped) total and, within the cap, the page.
        ids = [
            rowid
            for (rowid,) in self.db.execute(
                f"SELECT rowid FROM lines_fts WHERE {where} ORDER BY rowid LIMIT ?",
                (*params, COUNT_CAP + 1),
            )
        ]
        total = len(ids)
        if offset + limit <= COUNT_CAP:
            wanted = ids[offset : offset + limit]
        else:
            wanted = [
                rowid
                for (rowid,) in self.db.execute(
                    f"SELECT rowid FROM lines_fts WHERE {where} ORDER BY rowid LIMIT ? OFFSET ?",
                    (*params, limit, offset),
                )
            ]
        rows = self.db.execute(
            "SELECT l.id, m.sha1, m.url, l.canvas_index, p.canvas_id, l.line_no, l.x, l.y, "
            "l.w, l.h, p.img_w, p.img_h, l.text, l.words FROM lines l "
            "JOIN manifests m ON m.mid = l.mid "
            "JOIN pages p ON p.mid = l.mid AND p.canvas_index = l.canvas_index "
            f"WHERE l.id IN ({','.join('?' * len(wanted))}) ORDER BY l.id",
            wanted,
        ).fetchall()
        hits = [
            Hit(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                (r[6], r[7], r[8], r[9]),
                (r[10], r[11]),
                r[12],
                json.loads(r[13]) if r[13] else None,
            )
            for r in rows
        ]
        return Matches(hits, total, total <= COUNT_CAP)

    def manifest_figures(self) -> dict[str, dict[str, Any]]:
        """sha1 -> pages, lines, mean line confidence, empty pages of every indexed manifest."""
        return {
            sha1: {"pages": pages, "lines": lines, "mean_conf": conf, "empty_pages": empty}
            for sha1, pages, lines, conf, empty in self.db.execute(
                "SELECT sha1, pages, lines, mean_conf, empty_pages FROM manifests"
            )
        }

    def worst_pages(self, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        """Pages with lines, lowest mean line confidence first."""
        return self._pages(
            "p.mean_conf IS NOT NULL ORDER BY p.mean_conf, m.sha1, p.canvas_index", limit, offset
        )

    def pages_without_lines(self, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        return self._pages("p.lines = 0 ORDER BY m.sha1, p.canvas_index", limit, offset)

    def count_pages_without_lines(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM pages WHERE lines = 0").fetchone()[0])

    def _pages(self, where: str, limit: int, offset: int) -> list[dict[str, Any]]:
        keys = (
            "sha1",
            "label",
            "url",
            "canvas_index",
            "canvas_id",
            "canvas_label",
            "lines",
            "mean_conf",
        )
        rows = self.db.execute(
            "SELECT m.sha1, m.label, m.url, p.canvas_index, p.canvas_id, p.canvas_label, "
            f"p.lines, p.mean_conf FROM pages p JOIN manifests m ON m.mid = p.mid WHERE {where} "
            "LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [dict(zip(keys, row, strict=True)) for row in rows]
