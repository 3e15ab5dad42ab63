"""An evaluation -> a markdown report and a PNG chart, for people and for
the history of the project (eval/reports/)."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConsistencyError
from .harness import EvalReport, Metrics, SystemRun
from .ramdocs import RamdocsReport

# (label, field, kind): kind "share" prints as a percentage, "seconds" as time.
ROWS = [
    ("answer accuracy", "accuracy", "share"),
    ("right evidence", "evidence", "share"),
    ("citation recall", "citation_recall", "share"),
    ("citation precision", "citation_precision", "share"),
    ("conflict precision", "conflict_precision", "share"),
    ("conflict recall", "conflict_recall", "share"),
    ("conflict F1", "conflict_f1", "share"),
    ("false conflict flags", "false_flags", "count"),
    ("abstention (unanswerable)", "abstention", "share"),
    ("answered unanswerable", "invented", "count"),
    ("claim-verdict accuracy", "claim_accuracy", "share"),
    ("latency p50", "latency_p50", "seconds"),
    ("latency p95", "latency_p95", "seconds"),
]
CHARTED = [
    "accuracy",
    "evidence",
    "citation_recall",
    "citation_precision",
    "conflict_f1",
    "abstention",
    "claim_accuracy",
]


def cell(metrics: Metrics, field: str, kind: str) -> str:
    value = getattr(metrics, field)
    if value is None:
        return "–"
    if kind == "share":
        return f"{value:.0%}"
    if kind == "seconds":
        return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"
    return str(value)


def columns(report: EvalReport) -> list[tuple[str, Metrics]]:
    """Each system's totals, and ours on the held-out half (the half no
    rule was tuned on)."""
    cols = []
    for run in report.runs:
        cols.append((f"{run.system} · {run.llm}", run.total))
        if run.system.startswith("consistency"):
            cols.append((f"{run.system} · held-out only", run.held_out))
    return cols


def markdown(report: EvalReport, chart: str | None) -> str:
    cols = columns(report)
    lines = [
        f"# Evaluation {report.started}",
        "",
        f"Gold: `{report.gold}` ({report.runs[0].total.items} questions)"
        + (f", claims: `{report.claims}` ({report.runs[0].total.claims})" if report.claims else "")
        + f". Corpus: {report.corpus} in `{report.store}`. Took {report.seconds:.0f} s.",
        "",
        "| metric | " + " | ".join(name for name, _ in cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    lines += [f"| {label} | " + " | ".join(cell(m, field, kind) for _, m in cols) + " |" for label, field, kind in ROWS]
    if chart:
        lines += ["", f"![metrics]({chart})"]
    for run in report.runs:
        lines += [
            "",
            f"## {run.system} · {run.llm}: by category",
            "",
            "| category | items | accuracy | evidence | conflict F1 | abstention |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {name} | {m.items} | {cell(m, 'accuracy', 'share')} | {cell(m, 'evidence', 'share')} | "
            f"{cell(m, 'conflict_f1', 'share')} | {cell(m, 'abstention', 'share')} |"
            for name, m in run.by_category.items()
        ]
        lines += ["", f"### {run.system}: items it got wrong", "", *_misses(run)]
    return "\n".join(lines) + "\n"


def _misses(run: SystemRun) -> list[str]:
    rows = []
    for item in run.items:
        problems = []
        if not item.correct:
            problems.append("wrong answer" if item.evidence is not None else "answered an unanswerable question")
        if item.conflict_flagged != item.conflict_expected:
            problems.append("false conflict flag" if item.conflict_flagged else "missed the conflict")
        if item.evidence is False:
            problems.append("evidence missing")
        if problems:
            missing = f" (lacks: {', '.join(item.missing)})" if item.missing else ""
            rows.append(f"- `{item.id}` [{item.split}] {item.status}: {'; '.join(problems)}{missing}")
    rows += [
        f"- claim `{c.id}` [{c.split}]: expected {c.expected}, got {c.verdict}" for c in run.claims if not c.correct
    ]
    return rows or ["none"]


def write(report: EvalReport, folder: Path, name: str) -> tuple[Path, Path]:
    """Writes <name>.md and <name>.png into `folder`."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        png = folder / f"{name}.png"
        chart(report, png)
        md = folder / f"{name}.md"
        md.write_text(markdown(report, png.name), encoding="utf-8")
    except OSError as error:
        raise ConsistencyError(f"cannot write the report to {folder}: {error.strerror}") from None
    return md, png


def chart(report: EvalReport, path: Path) -> None:
    """Grouped bars: one group per metric, one bar per system column."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    from matplotlib import pyplot

    cols = columns(report)
    labels = [label for label, field, _ in ROWS if field in CHARTED]
    width = 0.8 / len(cols)
    figure, axes = pyplot.subplots(figsize=(10, 4.5), dpi=110)
    for index, (name, metrics) in enumerate(cols):
        values = [getattr(metrics, field) or 0.0 for field in CHARTED]
        positions = [x + (index - (len(cols) - 1) / 2) * width for x in range(len(CHARTED))]
        bars = axes.bar(positions, values, width, label=name)
        axes.bar_label(bars, labels=[f"{v:.0%}" for v in values], fontsize=7, padding=1)
    axes.set_xticks(range(len(CHARTED)), labels, rotation=20, ha="right", fontsize=8)
    axes.set_ylim(0, 1.25)
    axes.set_ylabel("share")
    axes.set_title(f"consistency eval · {report.started}", fontsize=10)
    axes.legend(fontsize=8, loc="upper left", ncol=len(cols))
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


RAMDOCS_ROWS = [
    ("gold-answer recall", "gold_recall"),
    ("misinformation not presented as the answer", "misinformation_flagged"),
    ("misinformation named in a conflict", "misinformation_in_conflict"),
    ("conflict precision", "conflict_precision"),
    ("conflict recall", "conflict_recall"),
    ("conflict F1", "conflict_f1"),
    ("exact match (the paper's measure)", "exact_match"),
]


def ramdocs_markdown(reports: dict[str, RamdocsReport], source: str, llm: str, started: str) -> str:
    """A RAMDocs run, readers side by side, with the rows each one missed."""

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:.0%}"

    names = list(reports)
    first = next(iter(reports.values()))
    lines = [
        f"# RAMDocs evaluation {started}",
        "",
        f"Rows: `{source}` ({len(first.rows)}), each in a store of its own. LLM: {llm}. "
        "Exact match beside the RAMDocs paper's best: MADAM-RAG with Llama-3.3-70B, about 34%.",
        "",
        "| metric | " + " | ".join(f"reader {n}" for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    lines += [
        f"| {label} | " + " | ".join(pct(getattr(reports[n], f)) for n in names) + " |" for label, f in RAMDOCS_ROWS
    ]
    lines.append("| seconds per row | " + " | ".join(f"{reports[n].seconds_per_row or 0:.2f}" for n in names) + " |")
    for name, report in reports.items():
        lines += ["", f"## reader {name}: rows without every gold answer, or with a wrong one accepted", ""]
        lines += [
            f"- row {r.index} ({r.status}): {r.question} gold {r.gold_answers}"
            + (f", accepted wrong {r.wrong_as_answer}" if r.wrong_as_answer else "")
            for r in report.rows
            if not r.exact_match
        ] or ["none"]
    return "\n".join(lines) + "\n"


def write_ramdocs(
    reports: dict[str, RamdocsReport], folder: Path, name: str, source: str, llm: str, started: str
) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        md = folder / f"{name}.md"
        md.write_text(ramdocs_markdown(reports, source, llm, started), encoding="utf-8")
    except OSError as error:
        raise ConsistencyError(f"cannot write the report to {folder}: {error.strerror}") from None
    return md
