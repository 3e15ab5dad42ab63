"""How an evaluation looks in a terminal: a progress bar while it runs, then
one row per item and a table of totals."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ..shells.render import escape
from .harness import EvalReport, ItemResult
from .report import ROWS, cell, columns

MARK = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[dim]–[/]"}


@contextmanager
def progress(console: Console, quiet: bool = False):
    """A `Progress` callback for evaluate(): one bar per system."""
    bars = Progress(
        TextColumn("[bold]{task.description}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
        disable=quiet,
    )

    def start(name: str, total: int):
        task = bars.add_task(escape(name), total=total)
        return lambda: bars.advance(task)

    with bars:
        yield start


def report(console: Console, result: EvalReport, items: bool = True) -> None:
    if items:
        for run in result.runs:
            console.print(_items_table(f"{run.system} · {run.llm}", run.items))
    totals = Table(
        title=f"totals · {result.runs[0].total.items} questions, {result.runs[0].total.claims} claims",
        title_justify="left",
    )
    totals.add_column("metric")
    cols = columns(result)
    for name, _ in cols:
        totals.add_column(escape(name), justify="right")
    for label, field, kind in ROWS:
        totals.add_row(label, *(cell(metrics, field, kind) for _, metrics in cols))
    console.print(totals)


def _items_table(title: str, items: list[ItemResult]) -> Table:
    """One row per item; categories are in the markdown report, so that the
    table fits a narrow terminal."""
    table = Table(title=escape(title), title_justify="left")
    table.add_column("item", no_wrap=True, overflow="ellipsis", max_width=24)
    for name in ("split", "status", "right", "evid.", "conflict", "cites", "s"):
        table.add_column(name, justify="left" if name in ("split", "status") else "center", no_wrap=True)
    for item in items:
        flag = MARK[item.conflict_flagged == item.conflict_expected] + (" flag" if item.conflict_flagged else "")
        recall = f"{item.citation.supported}/{item.citation.statements}" if item.citation.statements else "–"
        split = "dev" if item.split == "dev" else "held"
        table.add_row(
            escape(item.id),
            split,
            item.status,
            MARK[item.correct],
            MARK[item.evidence],
            flag,
            recall,
            f"{item.seconds:.1f}",
        )
    return table
