"""The run report at `/`: status counts, progress chart, summary table and one row per manifest.

The figures come from barnacle.run.status and barnacle.run.summary (the very functions behind
`make status` and `make summary`, so the numbers are the same); mean line confidence comes
from the search index. Plain HTML: sorting is a link that asks the server for another order,
so the page reads without JavaScript and stays one fast table at thousands of manifests.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from barnacle.run.status import STATE_LABELS, RunStatus, manifest_state, run_status
from barnacle.run.summary import pages_of, summarize
from barnacle.run_folder import RunFolder
from barnacle.view.search_index import SearchIndex

ROW_STATES = {  # a manifest's state in its row: short, the status table says it in full
    "complete": "complete",
    "running": "queued or running",
    "partial": "partial",
    "failed": "failed (no page done)",
    "not_started": "not started",
}
COLUMNS = {  # sort key -> header
    "index": "#",
    "label": "manifest",
    "state": "state",
    "done": "pages done / total",
    "errors": "errors",
    "conf": "mean line confidence",
    "empty": "pages with no text",
}
STYLE = """
body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse}
td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th a{color:inherit}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#b00}.note{background:#fff6d5;padding:.5em;border:1px solid #e8d48a}
nav a{margin-right:1em}
"""


@dataclass
class Row:
    index: int
    sha1: str
    url: str
    label: str
    state: str
    done: int
    total: int | None
    errors: int
    conf: float | None
    empty: int
    first_error: str


def report_data(run_dir: Path, index: SearchIndex) -> dict[str, Any]:
    """The summary (as `make summary` computes it) and one Row per manifest."""
    status = run_status(run_dir)
    summary = summarize(run_dir, status)
    failed = {f["manifest_url"]: f for f in summary["failed_manifests"]}
    figures = index.manifest_figures()
    run = RunFolder(run_dir)
    names = set(p.name for p in run.ocr_dir.iterdir()) if run.ocr_dir.is_dir() else set()
    rows = []
    for number, row in enumerate(run.read_manifests(), 1):
        sha1, url = row["sha1"], row["manifest_url"]
        state = manifest_state(run, sha1, names)
        source = run.output(sha1) if state == "complete" else run.part(sha1)
        pages = pages_of(source, run.page_figures_cache) if source.name in names else []
        error = failed.get(url, {})
        done = len(pages)
        total = done if state == "complete" else (done + error["errors"] if error else None)
        rows.append(
            Row(
                index=number,
                sha1=sha1,
                url=url,
                label=row.get("label", ""),
                state=state,
                done=done,
                total=total,
                errors=int(error.get("errors", 0)),
                conf=figures.get(sha1, {}).get("mean_conf"),
                empty=sum(1 for page in pages if page[3]),
                first_error=str(error.get("first_error", "")),
            )
        )
    return {"summary": summary, "status": status, "rows": rows}


def _sort_key(key: str) -> Any:
    def by(row: Row) -> Any:
        value = {
            "index": row.index,
            "label": (row.label or row.url).casefold(),
            "state": row.state,
            "done": row.done,
            "errors": row.errors,
            "conf": row.conf if row.conf is not None else 2.0,
            "empty": row.empty,
        }[key]
        return (value, row.index)

    return by


def sorted_rows(rows: list[Row], sort: str, order: str) -> list[Row]:
    key = sort if sort in COLUMNS else "index"
    return sorted(rows, key=_sort_key(key), reverse=order == "desc")


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        "<nav><a href='/'>report</a><a href='/worst'>worst pages</a>"
        "<a href='/search'>search</a></nav>"
        f"{body}</body></html>"
    )


def page_row(row: dict[str, Any]) -> str:
    """One page of the worst-pages view (/worst): confidence, lines, manifest, viewer link."""
    link = f"/view/{row['sha1']}?{urlencode({'canvas': row['canvas_id']})}"
    conf = f"{row['mean_conf']:.3f}" if row["mean_conf"] is not None else "–"
    label = row["canvas_label"] or f"page {row['canvas_index'] + 1}"
    return (
        f"<tr><td class=n>{conf}</td><td class=n>{row['lines']}</td>"
        f"<td>{escape(row['label'] or row['url'])}</td>"
        f"<td><a href='{escape(link)}'>{escape(label)}</a></td></tr>"
    )


MIRADOR_NOTE = (
    "<p class=note>The page viewer needs Mirador, which is not installed here: run "
    "<code>make mirador</code> (fetches the pinned npm package into build/mirador/), "
    "then reload. Everything else works without it.</p>"
)


def _status_table(status: RunStatus) -> str:
    """Manifests in all, and in each state (as `make status` counts them)."""
    out = ["<h2>Status</h2><table id=status>"]
    out.append(f"<tr><th>manifests</th><td class=n id=count-total>{status.total}</td></tr>")
    for state, label in STATE_LABELS.items():
        out.append(
            f"<tr><td>{label}</td><td class=n id=count-{state}>"
            f"{status.counts.get(state, 0)}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def _summary_table(summary: dict[str, Any]) -> str:
    """Pages done, empty and failed, rates and page seconds (as `make summary` gives them),
    and the errors by reason."""
    p = summary["pages"]
    out = ["<h2>Summary</h2><table id=summary>"]
    facts: list[tuple[str, str, Any]] = [
        ("pages-done", "pages done", p["done"]),
        ("pages-empty", "pages with empty text", p["empty_text"]),
        ("pages-errors", "pages failed", p["errors"]),
    ]
    if "rates" in summary:
        r, s = summary["rates"], summary["page_seconds"]
        facts += [
            ("rate", "pages per hour (wall clock)", r["pages_per_hour"]),
            ("cpu-rate", "pages per page-process hour", r["pages_per_cpu_hour"]),
            ("page-median", "page seconds, median", s["median"]),
            ("page-p90", "page seconds, p90", s["p90"]),
            ("started", "started", summary["started_at"]),
            ("last-page", "last page", summary["last_page_at"]),
        ]
    for ident, label, value in facts:
        out.append(f"<tr><td>{label}</td><td class=n id={ident}>{escape(str(value))}</td></tr>")
    out.append("</table>")
    if summary["errors_by_reason"]:
        out.append("<h3>Errors by reason</h3><table>")
        out += [
            f"<tr><td class=n>{n}</td><td>{escape(reason)}</td></tr>"
            for reason, n in summary["errors_by_reason"].items()
        ]
        out.append("</table>")
    return "".join(out)


def _failed_table(rows: list[Row]) -> str:
    """The manifests with errors that are not complete (what `make resubmit-failed` runs)."""
    failed = [row for row in rows if row.first_error]
    if not failed:
        return ""
    out = [f"<h2>Manifests with errors, not complete ({len(failed)}; make resubmit-failed)</h2>"]
    out.append("<table id=failed><tr><th>manifest</th><th>errors</th><th>first error</th>")
    out += [
        f"<tr><td>{escape(row.label or row.url)}<br><small>{escape(row.url)}</small></td>"
        f"<td class=n>{row.errors}</td><td>{escape(row.first_error[:300])}</td></tr>"
        for row in failed
    ]
    out.append("</table>")
    return "".join(out)


def _manifest_row(row: Row) -> str:
    conf = f"{row.conf:.3f}" if row.conf is not None else "–"
    total = str(row.total) if row.total is not None else "?"
    view = (
        f"<a href='/view/{row.sha1}'>view</a> <a href='/iiif/{row.sha1}/manifest.json'>manifest</a>"
        if row.state == "complete"
        else ""
    )
    label = escape(row.label or row.url)
    return (
        f"<tr id='m-{row.sha1}'><td class=n>{row.index}</td>"
        f"<td title='{escape(row.url)}'>{label}</td><td>{ROW_STATES[row.state]}</td>"
        f"<td class=n>{row.done} / {total}</td>"
        f"<td class='n{' bad' if row.errors else ''}'>{row.errors}</td>"
        f"<td class=n>{conf}</td><td class=n>{row.empty}</td><td>{view}</td></tr>"
    )


def _manifests_table(rows: list[Row], sort: str, order: str) -> str:
    """One row per manifest, in the order asked; each header a link that sorts by it."""
    out = [f"<h2>Manifests ({len(rows)})</h2><table id=manifests><thead><tr>"]
    for key, header in COLUMNS.items():
        flip = "desc" if key == sort and order != "desc" else "asc"
        arrow = (" ▲" if order != "desc" else " ▼") if key == sort else ""
        link = urlencode({"sort": key, "order": flip})
        out.append(f"<th><a href='/?{link}'>{header}{arrow}</a></th>")
    out.append("<th>view</th></tr></thead><tbody>")
    out += [_manifest_row(row) for row in sorted_rows(rows, sort, order)]
    out.append("</tbody></table>")
    return "".join(out)


def render_report(data: dict[str, Any], run_name: str, sort: str, order: str, mirador: bool) -> str:
    """The report page: status, summary, progress chart, failed manifests, every manifest."""
    body = [
        f"<h1>Run {escape(run_name)}</h1>",
        "" if mirador else MIRADOR_NOTE,
        _status_table(data["status"]),
        _summary_table(data["summary"]),
        "<h2>Progress</h2><img src='/progress.png' alt='pages completed over time' "
        "width=900 height=500>",
        _failed_table(data["rows"]),
        _manifests_table(data["rows"], sort, order),
    ]
    return page(f"Run {run_name}", "".join(body))
