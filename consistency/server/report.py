"""An audit -> one self-contained HTML page a fact-checker can work from: a
linked list of the conflicts first, then each conflict with its sides in
the order its heading names them, every quote under the outlet, title and
publication date of its source (dates are often why figures differ) and
linked to the source file, the disputed values marked.

No scripts, no external files: it can be mailed or archived as it is. It
lives beside the servers because the web page shows the same cards
(web.py) and the CLI's `audit --html` writes this page.
Everything that comes from the sources (titles, outlets, quotes, paths) is
untrusted text and is escaped.

Links are file:// URIs of the source's path as stored. The store keeps the
absolute path of every ingested file, and the page may be written, mailed
or moved anywhere: a link relative to the page would break as soon as the
page moves, an absolute one only when the sources do.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote as url_quote

from ..models import AuditReport, Citation, Conflict, ConflictSide, SourceInfo

SIDE_COLOURS = ("#ffe27a", "#b9ddff", "#c5eebb", "#f7c6e4")

_STYLE = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f5f5f2;color:#1d1d1b}
header{background:#1d1d1b;color:#fff;padding:20px 32px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;color:#c9c9c4}
main{max-width:1180px;margin:0 auto;padding:20px 32px 48px}
a{color:#0b57a4}
nav.toc{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:14px 22px}
nav.toc h2{font-size:16px;margin:0 0 6px} nav.toc ol{margin:0;padding-left:24px} nav.toc li{margin:3px 0}
.conflict{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.12);margin:18px 0;padding:18px 22px}
.conflict h2{font-size:17px;margin:0 0 6px}
.badge{display:inline-block;font-size:12px;font-weight:600;border-radius:10px;padding:1px 9px;margin-right:8px;
  vertical-align:2px}
.major{background:#b42318;color:#fff} .minor{background:#f5b400;color:#1d1d1b} .kind{background:#e4e4df;color:#333}
.explanation{color:#444;margin:0 0 14px}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:14px}
.side,.shared{border:1px solid #deded8;border-radius:8px;padding:12px 14px;background:#fbfbf9;border-left-width:6px}
.shared{margin-top:14px;border-left-color:#9a9a93}
.side h3,.shared h3{font-size:14px;margin:0 0 8px;color:#7a2e0e}
.quote{margin:10px 0 0}
blockquote{margin:0;padding:0 0 0 10px;border-left:3px solid #c9c9c4;font-style:italic}
.source{font-size:12.5px;color:#555;margin-top:4px}
.source .outlet{font-weight:600;color:#333} .position{color:#888}
mark{padding:0 2px;border-radius:3px;font-style:normal;font-weight:600;color:#1d1d1b}
.empty{color:#666;font-style:italic}
.back{font-size:12.5px;margin:12px 0 0}
""" + "".join(
    f".side-{n}{{border-left-color:{colour}}} mark.side-{n}{{background:{colour}}}\n"
    for n, colour in enumerate(SIDE_COLOURS, start=1)
)

HOW_TO_READ = (
    "Each conflict shows its sides in the order its heading names them. Every quote is verbatim from the stored "
    "source, under its outlet, title and publication date; the title links to the source file."
)


def audit_html(report: AuditReport, sources: Iterable[SourceInfo] = (), title: str = "Conflicts in the sources") -> str:
    """The page. `sources` (the store's `SourceInfo`s) give each quote its
    outlet, date and link; a source not among them shows its title alone."""
    infos = {info.id: info for info in sources}
    by_id = {c.id: c for c in report.citations}
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    summary = (
        f"{len(report.conflicts)} conflict(s) among {report.claims} claims in {report.sources} sources; "
        f"generated {generated}."
    )
    cards = [_conflict(number, conflict, by_id, infos) for number, conflict in enumerate(report.conflicts, start=1)]
    body = _contents(report.conflicts) + "\n".join(cards) if cards else '<p class="empty">No conflicts found.</p>'
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{_text(title)}</title>'
        f"<style>{_STYLE}</style></head><body><header><h1>{_text(title)}</h1><p>{_text(summary)}</p>"
        f"<p>{_text(HOW_TO_READ)}</p></header><main>{body}</main></body></html>\n"
    )


def _contents(conflicts: list[Conflict]) -> str:
    items = "".join(
        f'<li><a href="#{_anchor(number)}">{_badges(conflict)}{_text(conflict.summary)}</a></li>'
        for number, conflict in enumerate(conflicts, start=1)
    )
    return f'<nav class="toc" id="contents" aria-label="Conflicts"><h2>Conflicts</h2><ol>{items}</ol></nav>'


def _conflict(number: int, conflict: Conflict, by_id: dict[int, Citation], infos: dict[str, SourceInfo]) -> str:
    shared = conflict.shared_citations()
    sides = "".join(
        _side(position, side, by_id, infos, shared) for position, side in enumerate(conflict.sides, start=1)
    )
    together = "".join(_shared(citation_id, conflict, by_id, infos) for citation_id in sorted(shared))
    return (
        f'<section class="conflict" id="{_anchor(number)}"><h2>{number}. {_badges(conflict)}'
        f"{_text(conflict.summary)}</h2>"
        f'<p class="explanation">{_text(conflict.explanation)}</p><div class="sides">{sides}</div>{together}'
        f'<p class="back"><a href="#contents">Back to the list of conflicts</a></p></section>'
    )


def _badges(conflict: Conflict) -> str:
    return (
        f'<span class="badge {_text(conflict.severity)}">{_text(conflict.severity)}</span>'
        f'<span class="badge kind">{_text(conflict.kind)}</span>'
    )


def _anchor(number: int) -> str:
    return f"conflict-{number}"


def _side(
    position: int, side: ConflictSide, by_id: dict[int, Citation], infos: dict[str, SourceInfo], shared: set[int]
) -> str:
    own = [by_id[n] for n in side.citations if n in by_id and n not in shared]
    quotes = "".join(_quote(citation, [(position, side.value)], infos) for citation in own)
    if not own and any(n in shared for n in side.citations):
        quotes = '<p class="empty">Stated only in the sentence below, which gives more than one value.</p>'
    return f'<div class="side side-{side_colour(position)}"><h3>{_text(side.value)}</h3>{quotes}</div>'


def _shared(citation_id: int, conflict: Conflict, by_id: dict[int, Citation], infos: dict[str, SourceInfo]) -> str:
    citation = by_id.get(citation_id)
    if citation is None:
        return ""
    stated = [
        (position, side.value) for position, side in enumerate(conflict.sides, start=1) if citation_id in side.citations
    ]
    values = " and ".join(f"“{value}”" for _, value in stated)
    heading = f"One sentence states {'both' if len(stated) == len(conflict.sides) == 2 else 'several'} values: {values}"
    return f'<div class="shared"><h3>{_text(heading)}</h3>{_quote(citation, stated, infos)}</div>'


def _quote(citation: Citation, values: list[tuple[int, str]], infos: dict[str, SourceInfo]) -> str:
    return (
        f'<figure class="quote"><blockquote>{highlight(citation.quote, values)}</blockquote>'
        f'<figcaption class="source">{_attribution(citation, infos.get(citation.source))}</figcaption></figure>'
    )


def _attribution(citation: Citation, info: SourceInfo | None) -> str:
    """Outlet · title (linked to the source file) · date · where in the source."""
    outlet = info.outlet if info and info.outlet else "outlet unknown"
    link = _file_link(info.path) if info else None
    title = _text(citation.title or citation.source)
    if link:
        title = f'<a class="title" href="{_text(link)}">{title}</a>'
    else:
        title = f'<span class="title">{title}</span>'
    published = info.published if info and info.published else None
    date = f'<time datetime="{_text(published)}">{_text(published)}</time>' if published else "date unknown"
    return (
        f'<span class="outlet">{_text(outlet)}</span> · {title} · <span class="date">published {date}</span> '
        f'<span class="position">· [{citation.id}] {_text(citation.source)}, '
        f"chars {citation.start}–{citation.end}</span>"
    )


def _file_link(path: str) -> str | None:
    """A file:// URI of an absolute path; a relative path stays relative
    (percent-encoded, so no part of it can be read as a scheme)."""
    if not path:
        return None
    for flavour in (PurePosixPath, PureWindowsPath):
        candidate = flavour(path)
        if candidate.is_absolute():
            return candidate.as_uri()
    return url_quote(path.replace("\\", "/"))


def side_colour(position: int) -> int:
    return (position - 1) % len(SIDE_COLOURS) + 1


def _text(value: str) -> str:
    return html.escape(value, quote=True)


# ---- marking the values --------------------------------------------------------


def highlight(quote: str, values: list[tuple[int, str]]) -> str:
    """The quote with what each side states marked in that side's colour."""
    owner: dict[str, int] = {}
    for position, value in values:
        for needle in _needles(value, quote):
            owner.setdefault(needle.lower(), position)
    if not owner:
        return _text(quote)
    alternatives = sorted(owner, key=len, reverse=True)  # the longest wins where needles overlap
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in alternatives) + r")(?![\w-])", re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(quote):
        position = owner[match.group().lower()]
        out.append(_text(quote[last : match.start()]))
        out.append(f'<mark class="side-{side_colour(position)}">{_text(match.group())}</mark>')
        last = match.end()
    out.append(_text(quote[last:]))
    return "".join(out)


def _needles(value: str, quote: str) -> list[str]:
    """What of a side's label the quote states word for word: the whole
    label where it is there ("40 trucks (and imported vans)" is one
    figure, brackets and all); else the parts of a breakdown ("30 cars +
    4 vans = 34"), a class without its claimants ("a diesel engine (the
    maker)") and the claimants; and any figure of the label not inside
    what was found."""
    stated = re.sub(r"\s=\s\S+$", "", value.removesuffix(" alone"))
    candidates = [value, stated, *stated.split(" + ")]
    attributed = re.fullmatch(r"(.+?) \(([^()]*)\)", value)
    if attributed:
        candidates += [attributed.group(1), *attributed.group(2).split(", ")]
    lowered = quote.lower()
    found: list[str] = []
    for candidate in (c.strip() for c in candidates):
        if candidate and candidate.lower() in lowered and not any(candidate.lower() in f.lower() for f in found):
            found.append(candidate)
    figures = re.findall(r"\d[\d,.]*\d|\d", stated)
    found += [figure for figure in figures if not any(figure in f for f in found)]
    return found
