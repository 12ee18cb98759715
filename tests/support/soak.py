"""The soak under faults, shared by bench/bench_soak.py (the full run, with figures) and
tests/test_soak.py (its short version): a synthetic collection of tiny manifests served behind
the chaos proxy with seeded transient and permanent faults, OCRed by `make run EXECUTOR=slurm`
on a given cluster, then `make resubmit-failed` once the permanent faults are gone; each pass
is counted from the run directory's files (pages completed, retried, failed, duplicated, lost).

Imports its siblings relatively, so that it works both as `support.soak` (tests) and as
`tests.support.soak` (bench/, which puts the repository on sys.path).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from barnacle.run_folder import RunFolder, errors_of, part_of, read_record_lines
from barnacle.sample.serve import serve_sample

from .chaos_server import TRANSIENT_FAULTS, ChaosServer, Fault, Rule, chaos_server
from .paths import REPO
from .tiny_books import TinyBook, write_books

PERMANENT_FAULTS = [Fault.http(404), Fault.http(403), Fault.truncate(), Fault.html()]
VERSIONS = [(3, 3), (2, 2), (3, 2), (2, 3)]  # (Presentation, Image API) per book, in turn


class SoakSettings(BaseModel):
    manifests: int = Field(default=200, ge=1)
    seed: int = 0
    throttle: int = Field(default=2, ge=1)
    transient: float = Field(default=0.10, ge=0, le=1, description="chance per request")
    permanent: float = Field(default=0.01, ge=0, le=1, description="share of the pages")
    read_timeout: float = Field(default=5.0, gt=0, description="BARNACLE_READ_TIMEOUT of tasks")
    baseline: bool = True  # also time the same run without faults
    timeout_s: float = 7200.0  # per pass, to wait for the queue


class PassFigures(BaseModel):
    """One pass over the run directory, counted from its files."""

    label: str
    wall_s: float
    manifests: int
    manifests_complete: int
    manifests_not_started: int  # the manifest itself could not be read (exit 4)
    pages: int  # in the collection
    attempted: int  # pages with a record or an error record
    completed: int
    retried: int  # completed pages with retries > 0 (records of earlier passes included)
    retries: int
    retry_lost_s: float
    failed: int  # pages whose last attempt failed (error record, no record)
    duplicated: int  # records beyond the first of a page_key
    lost: int  # pages of started manifests with neither a record nor an error

    def line(self) -> str:
        return (
            f"{self.label}: {self.wall_s:.0f} s; manifests {self.manifests_complete}/"
            f"{self.manifests} complete, {self.manifests_not_started} not started; pages "
            f"{self.pages}: attempted {self.attempted}, completed {self.completed}, retried "
            f"{self.retried} ({self.retries} retries, {self.retry_lost_s:.1f} s lost), failed "
            f"{self.failed}, duplicated {self.duplicated}, lost {self.lost}"
        )


class SoakReport(BaseModel):
    settings: SoakSettings
    pages: int
    permanent_pages: list[str]
    baseline: PassFigures | None = None
    faulty: PassFigures
    faults_injected: dict[str, int]
    faults_on_documents: int  # on the collection and manifests: retried, but in no page record
    requests: int
    resubmitted: PassFigures

    def lines(self) -> list[str]:
        s = self.settings
        out = [
            f"soak: {s.manifests} manifests, {self.pages} pages, THROTTLE={s.throttle}, seed "
            f"{s.seed}: {s.transient:.0%} of requests transient faults, "
            f"{len(self.permanent_pages)} page(s) permanent",
        ]
        if self.baseline:
            out.append(self.baseline.line())
        out.append(self.faulty.line())
        if self.baseline:
            ratio = self.faulty.wall_s / self.baseline.wall_s
            out.append(f"wall time with faults / without: {ratio:.2f}")
        injected = ", ".join(f"{k} {v}" for k, v in sorted(self.faults_injected.items()))
        out.append(
            f"requests {self.requests}; faults injected: {injected} "
            f"({self.faults_on_documents} of them on the collection and manifests, whose "
            "retries no page record counts)"
        )
        out.append(self.resubmitted.line())
        return out


def collection_pages(manifests: int, seed: int) -> list[int]:
    """Pages per manifest: 1 to 3, seeded."""
    rng = random.Random(f"soak-pages|{seed}")
    return [rng.randint(1, 3) for _ in range(manifests)]


def permanent_rules(books: list[TinyBook], share: float, seed: int) -> tuple[list[Rule], list[str]]:
    """Permanent faults for `share` of the pages (at least one), kinds in turn."""
    pages = [(book, number) for book in books for number in range(1, len(book.pages) + 1)]
    count = max(1, round(share * len(pages)))
    chosen = random.Random(f"soak-permanent|{seed}").sample(pages, count)
    rules = []
    for index, (book, number) in enumerate(chosen):
        fault = PERMANENT_FAULTS[index % len(PERMANENT_FAULTS)]
        pattern = "^" + book.image_prefix(number) + "full/"
        rules.append(Rule(pattern=pattern, then=fault, tag="permanent"))
    return rules, [book.pages[number - 1] for book, number in chosen]


def transient_rule(probability: float, seed: int) -> Rule:
    return Rule(probability=probability, choices=TRANSIENT_FAULTS, seed=seed, tag="transient")


def run_checked(command: list[str], env: dict[str, str], timeout: float = 600) -> str:
    """`command` in the repository; its output, or RuntimeError with its last lines."""
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


def wait_for_jobs(name: str, env: dict[str, str], timeout: float) -> None:
    """Until no job named `name` is queued or running."""
    deadline = time.monotonic() + timeout
    while run_checked(["squeue", "-h", "-r", "-n", name, "-o", "%i"], env).split():
        if time.monotonic() > deadline:
            raise TimeoutError(f"jobs {name} still queued after {timeout} s")
        time.sleep(1)


def make_pass(
    target: str,
    run: str,
    runs_dir: Path,
    collection: str,
    cache: Path,
    env: dict[str, str],
    settings: SoakSettings,
) -> float:
    """`make TARGET` for the run, then wait for its array tasks; the wall time."""
    started = time.monotonic()
    run_checked(
        [
            "make",
            "--no-print-directory",
            target,
            f"RUN={run}",
            f"RUNS_DIR={runs_dir}",
            f"COLLECTION={collection}",
            f"CACHE_DIR={cache}",
            "EXECUTOR=slurm",
            "CPUS=1",
            "PAGE_PROCESSES=1",
            f"THROTTLE={settings.throttle}",
        ],
        env,
        timeout=900,
    )
    wait_for_jobs(f"barnacle-{run}", env, settings.timeout_s)
    return time.monotonic() - started


def count_pass(label: str, run_dir: Path, books: dict[str, TinyBook], wall_s: float) -> PassFigures:
    """Figures of a run directory, from its output, part and error files."""
    rows = RunFolder(run_dir).read_manifests()
    figures = dict.fromkeys(
        (
            "manifests_complete",
            "manifests_not_started",
            "pages",
            "attempted",
            "completed",
            "retried",
            "retries",
            "failed",
            "duplicated",
            "lost",
        ),
        0,
    )
    lost_ms = 0.0
    for row in rows:
        book = books[Path(urlsplit(row["manifest_url"]).path).stem]
        figures["pages"] += len(book.pages)
        out = RunFolder(run_dir).output(row["sha1"])
        records_file = out if out.exists() else part_of(out)
        records = read_record_lines(records_file).dicts() if records_file.exists() else []
        errors = []
        if errors_of(out).exists():
            errors = [json.loads(line) for line in errors_of(out).read_text().splitlines()]
        keys = [record["page_key"] for record in records]
        done = {record["canvas_index"] for record in records}
        failed = {error["canvas_index"] for error in errors if error["canvas_index"] >= 0} - done
        figures["manifests_complete"] += out.exists()
        figures["completed"] += len(done)
        figures["duplicated"] += len(keys) - len(set(keys))
        figures["failed"] += len(failed)
        figures["attempted"] += len(done | failed)
        retried = [record for record in records if record.get("retries")]
        figures["retried"] += len(retried)
        figures["retries"] += sum(record["retries"] for record in retried)
        lost_ms += sum(record.get("retry_lost_ms", 0.0) for record in retried)
        if any(error["canvas_index"] < 0 for error in errors) and not records:
            figures["manifests_not_started"] += 1
            continue
        figures["lost"] += len(set(range(len(book.pages))) - done - failed)
    return PassFigures(
        label=label, wall_s=wall_s, manifests=len(rows), retry_lost_s=lost_ms / 1000, **figures
    )


def soak(settings: SoakSettings, workdir: Path, slurm_env: dict[str, str]) -> SoakReport:
    """The whole soak in `workdir` on the cluster that `slurm_env` (SLURM_CONF) names."""
    env = {**os.environ, **slurm_env, "BARNACLE_READ_TIMEOUT": str(settings.read_timeout)}
    pages = collection_pages(settings.manifests, settings.seed)
    books = write_books(workdir / "books", pages, VERSIONS)
    by_id = {book.id: book for book in books}
    runs = workdir / "runs"
    with serve_sample(workdir / "books") as upstream, chaos_server(upstream) as chaos:
        collection = chaos.url("/collection.json")
        baseline = None
        if settings.baseline:
            wall = make_pass(
                "run", "clean", runs, collection, workdir / "cache-clean", env, settings
            )
            baseline = count_pass("without faults", runs / "clean", by_id, wall)
        rules, permanent_pages = permanent_rules(books, settings.permanent, settings.seed)
        chaos.add(*rules, transient_rule(settings.transient, settings.seed))
        before = len(chaos.log)
        cache = workdir / "cache-chaos"
        wall = make_pass("run", "chaos", runs, collection, cache, env, settings)
        faulty = count_pass("with faults", runs / "chaos", by_id, wall)
        injected = _injected(chaos, before)
        on_documents = sum(
            1 for hit in chaos.log[before:] if hit.fault and not hit.path.startswith("/iiif/")
        )
        requests = len(chaos.log) - before
        chaos.remove("permanent")  # the library fixes its server; transient faults go on
        wall = make_pass("resubmit-failed", "chaos", runs, collection, cache, env, settings)
        resubmitted = count_pass("after make resubmit-failed", runs / "chaos", by_id, wall)
    return SoakReport(
        settings=settings,
        pages=sum(pages),
        permanent_pages=permanent_pages,
        baseline=baseline,
        faulty=faulty,
        faults_injected=injected,
        faults_on_documents=on_documents,
        requests=requests,
        resubmitted=resubmitted,
    )


def _injected(chaos: ChaosServer, since: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for hit in chaos.log[since:]:
        if hit.fault:
            label = f"{hit.fault} ({hit.tag})" if hit.tag == "permanent" else hit.fault
            counts[label] = counts.get(label, 0) + 1
    return counts
