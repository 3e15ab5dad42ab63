"""An audit -> one self-contained HTML page: each conflict with its sources
side by side and the disputed figures highlighted. No scripts, no external
files: it can be mailed or archived as it is."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from ..models import AuditReport, Citation, Conflict, ConflictSide

_STYLE = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f5f5f2;color:#1d1d1b}
header{background:#1d1d1b;color:#fff;padding:20px 32px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;color:#c9c9c4}
main{max-width:1180px;margin:0 auto;padding:20px 32px 48px}
.conflict{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.12);margin:18px 0;padding:18px 22px}
.conflict h2{font-size:17px;margin:0 0 6px}
.badge{display:inline-block;font-size:12px;font-weight:600;border-radius:10px;padding:1px 9px;margin-right:8px;
  vertical-align:2px}
.major{background:#b42318;color:#fff} .minor{background:#f5b400;color:#1d1d1b} .kind{background:#e4e4df;color:#333}
.explanation{color:#444;margin:0 0 14px}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:14px}
.side{border:1px solid #deded8;border-radius:8px;padding:12px 14px;background:#fbfbf9}
.side h3{font-size:14px;margin:0 0 8px;color:#7a2e0e}
blockquote{margin:8px 0 0;padding:0 0 0 10px;border-left:3px solid #c9c9c4;font-style:italic}
.source{font-size:12.5px;color:#666;margin-top:10px}
mark{background:#ffe27a;padding:0 2px;border-radius:3px;font-style:normal;font-weight:600}
.empty{color:#666;font-style:italic}
"""


def audit_html(report: AuditReport, title: str = "Conflicts in the sources") -> str:
    by_id = {c.id: c for c in report.citations}
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    summary = (
        f"{len(report.conflicts)} conflict(s) among {report.claims} claims in {report.sources} sources; "
        f"generated {generated}."
    )
    cards = "\n".join(_conflict(number, conflict, by_id) for number, conflict in enumerate(report.conflicts, start=1))
    body = cards or '<p class="empty">No conflicts found.</p>'
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><header><h1>{html.escape(title)}</h1><p>{html.escape(summary)}</p></header>"
        f"<main>{body}</main></body></html>\n"
    )


def _conflict(number: int, conflict: Conflict, by_id: dict[int, Citation]) -> str:
    sides = "".join(_side(side, by_id) for side in conflict.sides)
    return (
        f'<section class="conflict" id="conflict-{number}"><h2>'
        f'<span class="badge {conflict.severity}">{conflict.severity}</span>'
        f'<span class="badge kind">{conflict.kind}</span>{html.escape(conflict.summary)}</h2>'
        f'<p class="explanation">{html.escape(conflict.explanation)}</p><div class="sides">{sides}</div></section>'
    )


def _side(side: ConflictSide, by_id: dict[int, Citation]) -> str:
    quotes = []
    for citation_id in side.citations:
        citation = by_id.get(citation_id)
        if citation is None:
            continue
        quotes.append(
            f"<blockquote>{_highlight(citation.quote, side.value)}</blockquote>"
            f'<div class="source">[{citation.id}] {html.escape(citation.title)} · {html.escape(citation.source)} · '
            f"chars {citation.start}–{citation.end}</div>"
        )
    return f'<div class="side"><h3>{html.escape(side.value)}</h3>{"".join(quotes)}</div>'


def _highlight(quote: str, value: str) -> str:
    """Marks, in the quote, the figures, classes and claimants the side states."""
    parts = [p.strip() for p in re.split(r"\s[+=]\s|\(|\)|,\s", value) if p.strip()]
    needles = {p for p in parts if p in quote} | set(re.findall(r"\d[\d,.]*\d|\d", value))
    if not needles:
        return html.escape(quote)
    alternatives = sorted(needles, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in alternatives) + r")(?![\w-])", re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(quote):
        out.append(html.escape(quote[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        last = match.end()
    out.append(html.escape(quote[last:]))
    return "".join(out)
