"""How results look in a terminal (rich), and as lines for a program when
the output is piped (`tsv=True`): nothing padded or wrapped, tables as
tab-separated rows without a header, as `gh` prints them. Timings and
notices go to `notes` (the CLI's stderr), never among the results. JSON
output needs none of this: it is the pydantic models' own dump."""

from __future__ import annotations

import re
from contextlib import contextmanager

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape as markup_escape
from rich.padding import Padding
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..models import (
    INGEST_OUTCOMES,
    Answer,
    AuditReport,
    Citation,
    Conflict,
    FileResult,
    IngestReport,
    SourceInfo,
    StoreCheck,
    StoreStatus,
    Verdict,
)
from ..text.hygiene import printable


def escape(text: str) -> str:
    """Markup-escaped and stripped of terminal escapes and control characters:
    what a source says is printed, never obeyed."""
    return markup_escape(printable(text))


STATUS_STYLE = {"answered": "bold green", "conflict": "bold yellow", "not_found": "bold red"}
VERDICT_STYLE = {"supported": "bold green", "contradicted": "bold red", "disputed": "bold yellow", "not_found": "bold"}
OUTCOME_STYLE = {
    "added": "green",
    "updated": "cyan",
    "moved": "cyan",
    "duplicate": "yellow",
    "unchanged": "dim",
    "failed": "red",
}


def answer(console: Console, result: Answer, notes: Console | None = None, tsv: bool = False) -> None:
    if tsv:
        row(console, result.status, result.question)
        lines(console, result.answer)
        _citation_rows(console, result.citations)
    else:
        style = STATUS_STYLE[result.status]
        console.print(f"[{style}]{result.status.replace('_', ' ')}[/]  [bold]{escape(result.question)}[/]")
        console.print(_indented(escape(result.answer), 2, top=1, bottom=1))
        _citations(console, result.citations)
    if result.timings:
        by = (
            f" · written by {escape(result.llm.model)} ({result.llm.status})"
            if result.llm and result.llm.status in ("verified", "repaired")
            else ""
        )
        timing = f"[dim]{result.timings.total:.1f} s{by}[/]"
        (notes or console).print(timing if tsv else _indented(timing, 2, top=1), soft_wrap=tsv)


def generation_notice(console: Console, result: Answer) -> None:
    """Says when the LLM's text was not shown as written."""
    generation = result.llm
    if generation is None or generation.status in ("verified", "skipped"):
        return
    if generation.status == "repaired":
        console.print(
            f"[dim]llm: removed unverifiable sentence(s) from the model's answer: {escape(generation.note or '')}[/]",
            soft_wrap=True,
        )
    elif generation.status == "rejected":
        console.print(
            f"[yellow]llm: the model's answer failed verification ({escape(generation.note or '')}); "
            f"showing the extractive answer.[/]",
            soft_wrap=True,
        )
    elif generation.status == "unavailable":
        console.print(
            f"[yellow]llm unavailable:[/] {escape(generation.note or '')}; showing the extractive answer.",
            soft_wrap=True,
        )


@contextmanager
def drafting(console: Console, quiet: bool = False):
    """A token callback that shows the model's draft as it streams, then
    clears it: only the validated answer stays on screen."""
    if quiet or not console.is_terminal:
        yield None
        return
    draft = Text(style="dim")
    with Live(
        Group(Text("drafting (unverified)…", style="dim italic"), draft),
        console=console,
        transient=True,
        refresh_per_second=8,
    ) as live:

        def on_token(piece: str) -> None:
            draft.append(piece)
            live.refresh()

        yield on_token


@contextmanager
def model_progress(console: Console, quiet: bool = False):
    """A callback for the one-time assembly of the local model file."""
    progress = Progress(
        TextColumn("[bold]assembling the local model (once)[/]"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,  # a bar in a log file is a blank line
    )
    task = progress.add_task("model", total=None)

    def on_assemble(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    with progress:
        yield on_assemble


def verdict(console: Console, result: Verdict, tsv: bool = False) -> None:
    if tsv:
        row(console, result.verdict, result.claim)
        lines(console, result.explanation)
        _citation_rows(console, result.citations)
        return
    style = VERDICT_STYLE[result.verdict]
    console.print(f"[{style}]{result.verdict.replace('_', ' ')}[/]  [bold]{escape(result.claim)}[/]")
    console.print(_indented(escape(result.explanation), 2, top=1, bottom=1))
    _citations(console, result.citations)


def audit(console: Console, report: AuditReport, notes: Console | None = None, tsv: bool = False) -> None:
    """A terminal gets a heading and each conflict with its sides; a program
    one row per quote: conflict number, severity, kind, summary, the side's
    value, source id, title and quote (the heading goes to `notes`)."""
    notes = notes or console
    heading = f"[bold]{len(report.conflicts)} conflict(s)[/] among {report.claims} claims in {report.sources} sources"
    if report.total is not None and report.total > len(report.conflicts):
        heading += f" (the {len(report.conflicts)} most severe of {report.total})"
    timing = f"[dim]{report.seconds:.2f} s[/]"
    by_id = {c.id: c for c in report.citations}
    if tsv:
        notes.print(f"{heading} ({timing})", soft_wrap=True)
        for number, conflict in enumerate(report.conflicts, start=1):
            _conflict_rows(console, number, conflict, by_id)
        return
    console.print(heading)
    for number, conflict in enumerate(report.conflicts, start=1):
        _conflict(console, number, conflict, by_id)
    notes.print(_indented(timing, 0, top=1))


def _conflict_rows(console: Console, number: int, conflict: Conflict, by_id: dict[int, Citation]) -> None:
    for side in conflict.sides:
        for citation_id in side.citations:
            citation = by_id[citation_id]
            row(
                console,
                number,
                conflict.severity,
                conflict.kind,
                conflict.summary,
                side.value,
                citation.source,
                citation.title,
                citation.quote,
            )


def _conflict(console: Console, number: int, conflict: Conflict, by_id: dict[int, Citation]) -> None:
    style = "bold red" if conflict.severity == "major" else "bold yellow"
    # A heading that wraps goes on under its text, not under its number.
    heading = Table.grid(padding=(0, 1))
    heading.add_row(
        f"[{style}]{number}.[/]", f"[{style}]{conflict.severity} {conflict.kind}[/]  {escape(conflict.summary)}"
    )
    console.print()
    console.print(heading)
    console.print(_indented(f"[dim]{escape(conflict.explanation)}[/]", 3))
    shared = conflict.shared_citations()
    for side in conflict.sides:
        console.print(_indented(f"[bold]{escape(side.value)}[/]", 3))
        own = [n for n in side.citations if n not in shared]
        for citation_id in own:
            _conflict_quote(console, by_id[citation_id])
        if not own:
            console.print(_indented("[dim]stated only in the sentence below, which gives both values[/]", 6))
    if shared:
        console.print(_indented("[bold]Both, in one sentence[/]", 3))
        for citation_id in sorted(shared):
            _conflict_quote(console, by_id[citation_id])


def _conflict_quote(console: Console, citation: Citation) -> None:
    console.print(
        _indented(
            f"[italic]“{escape(citation.quote)}”[/] [dim]— {escape(_attribution(citation))} "
            f"({escape(citation.source)})[/]",
            6,
        )
    )


def _citations(console: Console, citations: list[Citation]) -> None:
    for citation in citations:
        console.print(
            _indented(
                f"[bold cyan][{citation.id}][/] {escape(_attribution(citation))} [dim]({escape(citation.source)}, "
                f"chars {citation.start}-{citation.end})[/]",
                2,
            )
        )
        console.print(_indented(f"[italic]“{escape(citation.quote)}”[/]", 6))


def _attribution(citation: Citation) -> str:
    """Title, outlet and date: who said it and when."""
    return " · ".join(part for part in (citation.title, citation.outlet, citation.published) if part)


def _citation_rows(console: Console, citations: list[Citation]) -> None:
    """One row per citation: [n] as the answer cites it, source id, span, title, quote."""
    for citation in citations:
        row(console, f"[{citation.id}]", citation.source, citation.start, citation.end, citation.title, citation.quote)


def _indented(markup: str, left: int, top: int = 0, bottom: int = 0) -> Padding:
    return Padding(markup, (top, 0, bottom, left), expand=False)


_ROW_BREAKS = re.compile(r"[\t\n\u2028\u2029]+")


def row(console: Console, *fields: object) -> None:
    """One line of tab-separated fields, for `cut` and `awk`: a tab or line
    break inside a field becomes a space."""
    lines(console, "\t".join(_ROW_BREAKS.sub(" ", printable(str(field))) for field in fields))


def lines(console: Console, text: str) -> None:
    """Text as it is, neither styled, wrapped nor padded; written past rich,
    which would expand its tabs."""
    console.file.write(printable(text) + "\n")


def removed(console: Console, infos: list[SourceInfo]) -> None:
    for info in infos:
        console.print(f"[red]removed[/]   {escape(info.id)}  [dim]{escape(info.path)}[/]", highlight=False)
    console.print(f"{len(infos)} source(s) removed")


def sources(console: Console, infos: list[SourceInfo], notes: Console | None = None, tsv: bool = False) -> None:
    if not infos:
        (notes or console).print("The store holds no sources yet: run [bold]consistency ingest PATH[/].")
        return
    if tsv:
        for info in infos:
            row(console, info.id, info.title, info.outlet or "", info.published or "", info.chunks, _known(info.claims))
        return
    table = Table(show_lines=False)
    table.add_column("id", no_wrap=True)
    table.add_column("title", ratio=3, overflow="fold")
    table.add_column("outlet", ratio=1, overflow="fold")
    table.add_column("published", no_wrap=True)
    table.add_column("chunks", justify="right")
    table.add_column("claims", justify="right")
    for info in infos:
        cells = (info.id, info.title, info.outlet or "", info.published or "", str(info.chunks), _known(info.claims))
        table.add_row(*cells)
    console.print(table)


def _known(count: int | None) -> str:
    return "?" if count is None else str(count)  # a store written before sources counted their claims


def status(console: Console, result: StoreStatus, tsv: bool = False) -> None:
    fields = [
        ("store", f"{result.location} ({result.backend})"),
        ("sources", str(result.sources)),
        ("passages", str(result.passages)),
        ("claims", str(result.claims)),
        ("embedding model", result.embedding_model),
        ("llm", result.llm),
    ]
    if result.needs_repair:
        fields.append(("needs repair", result.needs_repair + " (consistency verify --repair)"))
    if tsv:
        for name, value in fields:
            row(console, name, value)
        return
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    for name, value in fields:
        table.add_row(f"[yellow]{name}[/]" if name == "needs repair" else name, escape(value))
    console.print(table)


def store_check(console: Console, result: StoreCheck, tsv: bool = False) -> None:
    for line in result.repaired:
        console.print(f"repaired: {escape(line)}", highlight=False, soft_wrap=tsv)
    for problem in result.problems:
        where = f"{problem.source} ({problem.path}): " if problem.source else ""
        console.print(f"[red]problem[/] {escape(where + problem.problem)}", highlight=False, soft_wrap=tsv)
    verdict = "[green]ok[/]" if result.ok else f"[red]{len(result.problems)} problem(s)[/]"
    held = f"{result.sources} sources, {result.passages} passages, {result.claims} claims"
    console.print(f"{verdict}: {held} in {escape(result.location)}", soft_wrap=tsv)


def ingest_summary(console: Console, report: IngestReport) -> None:
    counts = ", ".join(f"{report.count(o)} {o}" for o in INGEST_OUTCOMES if report.count(o))
    chunks = sum(f.chunks for f in report.files)
    console.print(f"{len(report.files)} file(s): {counts or 'nothing to do'}; {chunks} passage(s) written")


def file_line(result: FileResult) -> str:
    style = OUTCOME_STYLE[result.outcome]
    if result.outcome == "failed":
        return f"[{style}]failed[/]  {escape(result.error or result.path)}"
    detail = f"{len(result.sources)} source(s), {result.chunks} passage(s)" if result.chunks else ""
    note = f"  [yellow]note: {escape(result.error)}[/]" if result.error else ""
    return f"[{style}]{result.outcome:9}[/] {escape(result.path)}  [dim]{detail}[/]{note}"


@contextmanager
def ingest_progress(console: Console, quiet: bool = False, passages: bool = False):
    """Callbacks for Checker.ingest that drive a progress bar and print one
    line per file that changed or failed; with `passages`, a second bar
    counts the passages the LLM has read."""
    progress = Progress(
        TextColumn("[bold]{task.description}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,
    )
    task = progress.add_task("ingest", total=None)
    callbacks = {}
    if passages:
        read = progress.add_task("llm read passages", total=None)
        callbacks["on_passage"] = lambda: progress.advance(read)

    def on_start(total: int) -> None:
        progress.update(task, total=total)

    def on_file(result: FileResult) -> None:
        progress.advance(task)
        if not quiet and result.outcome != "unchanged":
            progress.console.print(file_line(result))

    with progress:
        yield {"on_start": on_start, "on_file": on_file, **callbacks}
