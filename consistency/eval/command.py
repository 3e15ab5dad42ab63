"""`consistency eval`: the command's work between the CLI's flags and the
harness (consistency.evaluate): default files, the eval store, progress,
output. Kept out of cli.py so that the CLI stays a list of commands."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from ..checker import Checker
from ..config import Settings, bundled_path, cache_dir
from ..errors import ConsistencyError, InputError
from ..shells import render
from . import render as render_eval
from . import report as eval_report
from .harness import evaluate, spread


def default_store(corpus: Path | None = None) -> Path:
    """The gold set is about one corpus: it gets a store of its own, so the
    user's store (and what else it holds) never changes the scores. One per
    corpus folder: the eval removes from its store whatever lies outside its
    corpus, so two checkouts evaluated at once must not share one (each
    would empty the other's store under its questions)."""
    folder = (corpus or bundled_path("corpus")).resolve()
    return cache_dir() / f"eval-store-{hashlib.sha1(str(folder).encode()).hexdigest()[:10]}"


def gold(
    checker: Checker,
    gold_file: Path | None,
    claims: Path | None,
    corpus: Path | None,
    baseline: bool,
    readers: list[str],
    limit: int | None,
    report_dir: Path | None,
    as_json: bool,
    out: Console,
    err: Console,
) -> None:
    gold_file = gold_file or bundled_path("eval") / "gold.jsonl"
    if claims is None and (gold_file.parent / "claims.jsonl").is_file():
        claims = gold_file.parent / "claims.jsonl"
    if baseline and checker.open_llm() is None:
        raise InputError(
            f"--baseline needs an LLM (the baseline cannot answer without one): "
            f"{checker.llm_problem or 'the LLM backend is none'}"
        )
    _ingest_corpus(checker, corpus or bundled_path("corpus"), err, quiet=as_json)
    with render_eval.progress(err, quiet=as_json) as progress:
        report = evaluate(
            checker, gold_file, claims, baseline=baseline, readers=readers or None, limit=limit, progress=progress
        )
    written = eval_report.write(report, report_dir, _report_name(report)) if report_dir else None
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        render_eval.report(out, report)
    if written and not as_json:
        err.print(f"wrote {written[0]} and {written[1]}")


def _ingest_corpus(checker: Checker, corpus: Path, err: Console, quiet: bool) -> None:
    """The store holds exactly the corpus: anything else there (the same
    corpus ingested from another checkout, say) would be evaluated too."""
    stale = [info.path for info in checker.sources() if not Path(info.path).is_relative_to(corpus.resolve())]
    if stale:
        checker.remove(stale)
    with render.ingest_progress(err, quiet=True) as callbacks:
        result = checker.ingest([corpus], **callbacks)
    if not result.ok:
        raise ConsistencyError("could not ingest the corpus: " + "; ".join(f.error or f.path for f in result.failed))
    if not quiet and any(f.outcome != "unchanged" for f in result.files):
        render.ingest_summary(err, result)


def _report_name(report) -> str:
    llm = report.runs[0].llm.split(":")[0].split(" ")[0]
    when = datetime.fromisoformat(report.started).strftime("%Y%m%d-%H%M%S")
    # The systems side by side: "consistency[typed]" and "baseline" -> "typed-baseline".
    systems = [run.system.removeprefix("consistency[").removesuffix("]") for run in report.runs]
    return f"eval-{when}-{llm}-" + "-".join(systems)


def _advance(step: Callable[[], None]) -> Callable[[object], None]:
    return lambda _: step()


def ramdocs(
    path: Path,
    llm_flags: dict,
    readers: list[str],
    limit: int | None,
    report_dir: Path | None,
    as_json: bool,
    out: Console,
    err: Console,
) -> None:
    """Each row of a RAMDocs file in a store of its own (consistency.ramdocs),
    once per reader asked for."""
    from .ramdocs import load_rows, run_ramdocs

    started = datetime.now(UTC)
    rows = spread(load_rows(path), limit)
    base = Settings.from_env(None, None, **llm_flags)
    reports = {}
    with render_eval.progress(err, quiet=as_json) as progress:
        for reader in readers or [base.reader]:
            settings = base.model_copy(update={"reader": reader})
            step = progress(f"RAMDocs rows ({path.name}, reader {reader})", len(rows))
            reports[reader] = run_ramdocs(rows, settings, on_row=_advance(step))
    if report_dir is not None:
        llm = str(base.llm.backend)
        name = f"ramdocs-{started.strftime('%Y%m%d-%H%M%S')}-{llm}-" + "-".join(reports)
        written = eval_report.write_ramdocs(
            reports, report_dir, name, str(path), llm, started.isoformat(timespec="seconds")
        )
        if not as_json:
            err.print(f"report: {written}")
    if as_json:
        print(
            "{" + ", ".join(f'"{name}": {report.model_dump_json(indent=2)}' for name, report in reports.items()) + "}"
        )
        return
    for name, report in reports.items():
        out.print(f"[bold]reader {name}[/]")
        out.print(report.summary(), highlight=False)
