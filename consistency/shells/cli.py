"""The `consistency` command: a thin shell over `Checker`.

Every command takes --store / --chroma-url (or CONSISTENCY_STORE /
CONSISTENCY_CHROMA_URL) and --json. A user's mistake ends with one line on
stderr and a non-zero exit code, never a traceback. So does a damaged
store, even where chromadb's Rust core panics: Rust reports a panic on the
process's stderr itself before Python sees it, so `main` passes native
stderr through a filter that drops those reports (the store turns the panic
into the one line a user reads).

Results go to stdout, everything else (progress, notices, timings) to
stderr. When stdout is not a terminal, results are lines for a program:
nothing padded or wrapped, tables as tab-separated rows (render.py).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, get_args

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand, TyperGroup

from .. import __version__
from ..checker import Checker, validate_question
from ..config import MAX_QUESTION_CHARS, Backend, Settings, reader_choice
from ..errors import ConsistencyError, InputError
from ..models import AuditReport, Filters, SourceInfo
from ..server.report import audit_html
from . import render
from .native_stderr import filter_native_stderr
from .render import escape


class _Argument(TyperArgument):
    """An argument as `ls --help` shows one: QUESTION, [GOLD], PATH... (its
    metavar), never typer's `{question}` and `<str>`."""

    def display_type_rich(self, ctx):
        return None

    def _usage_display_name(self) -> str:
        name = self.metavar or self.name.upper()
        return name if self.required else f"[{name}]"


class _Labels:
    """Help without typer's type labels (`<bool>`, `<list[Path]>`): values
    are named by each option's metavar, and a flag, which takes no value,
    shows none. Typer builds its arguments itself, so each is given the
    class that shows them so."""

    params: list

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument):
                param.__class__ = _Argument
            elif getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = ""
        return option


class Command(_Labels, TyperCommand):
    pass


class Group(_Labels, TyperGroup):
    pass


app = typer.Typer(
    cls=Group,
    help="Answer questions from your sources with verified citations, and see where the sources disagree.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
command = functools.partial(app.command, cls=Command)
out = Console(soft_wrap=False)
err = Console(stderr=True)

LLM_BACKENDS: tuple[str, ...] = get_args(Backend)


def _one_of(choices: tuple[str, ...]) -> str:
    return f"{', '.join(choices[:-1])} or {choices[-1]}"


# Under --exit-status: what each answer status and verdict exits with.
ANSWER_EXIT = {"answered": 0, "conflict": 1, "not_found": 4}
VERDICT_EXIT = {"supported": 0, "contradicted": 1, "disputed": 1, "not_found": 4}
NO_VERDICT_EXIT = 3  # an error other than a usage error, where 1 would read as a verdict
STDIN_LIMIT = 1_000_000  # bytes of a question read from stdin: a pipe from /dev/urandom ends

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        metavar="PATH",
        help="Store folder \\[env: CONSISTENCY_STORE; default: ./.consistency]",
        show_default=False,
    ),
]
ChromaUrlOption = Annotated[
    str | None,
    typer.Option(
        "--chroma-url",
        metavar="URL",
        help="Use a Chroma server instead of a folder, e.g. http://localhost:8000 \\[env: CONSISTENCY_CHROMA_URL]",
    ),
]
TopKOption = Annotated[
    int | None, typer.Option("--top-k", metavar="N", min=1, max=100, help="Passages to read \\[default: 8].")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for programs instead of a table.")]
LLMOption = Annotated[
    str | None,
    typer.Option(
        "--llm",
        metavar="BACKEND",
        help=(
            f"Who writes answers: {_one_of(LLM_BACKENDS)} \\[env: CONSISTENCY_LLM; "
            "default: auto, which is local when installed, else none]"
        ),
        show_default=False,
    ),
]
LLMModelOption = Annotated[
    str | None,
    typer.Option(
        "--llm-model",
        metavar="NAME",
        help="Model name for openai / openai-compatible \\[env: CONSISTENCY_LLM_MODEL]",
        show_default=False,
    ),
]
LLMUrlOption = Annotated[
    str | None,
    typer.Option(
        "--llm-url",
        metavar="URL",
        help="Base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 \\[env: CONSISTENCY_LLM_URL]",
        show_default=False,
    ),
]
ReaderOption = Annotated[
    str | None,
    typer.Option(
        "--reader",
        metavar="READER",
        help="Who reads the evidence: llm, llm-one-call (all sources in one call), typed (no model) or rules "
        "\\[env: CONSISTENCY_READER; default: llm when one is available, else typed]",
        show_default=False,
    ),
]
ModelPathOption = Annotated[
    Path | None,
    typer.Option(
        "--model-path",
        metavar="FILE",
        help="Any GGUF file for --llm local \\[env: CONSISTENCY_MODEL_PATH]",
        show_default=False,
    ),
]


_EXIT_ERRORS = "; 2 a usage error (or an empty store), 3 another error."
AskExitStatus = Annotated[
    bool,
    typer.Option("--exit-status", help="Exit with the result: 0 answered, 1 conflict, 4 not found" + _EXIT_ERRORS),
]
CheckExitStatus = Annotated[
    bool,
    typer.Option(
        "--exit-status",
        help="Exit with the verdict: 0 supported, 1 contradicted or disputed, 4 not found" + _EXIT_ERRORS,
    ),
]


def _version(value: bool) -> None:
    if value:
        print(f"consistency {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = None,
) -> None:
    pass


def user_errors(command):
    """One line and an exit code for the errors a user can fix."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ConsistencyError as error:
            err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper


@contextmanager
def _verdict_exit(enabled: bool) -> Iterator[None]:
    """Under --exit-status, 1 is a verdict (contradicted, conflict): an error
    that would exit 1 exits NO_VERDICT_EXIT instead."""
    try:
        yield
    except ConsistencyError as error:
        if enabled and error.exit_code == 1:
            error.exit_code = NO_VERDICT_EXIT
        raise


def _piped() -> bool:
    """Is stdout a program or a file? Decided by the file itself, so that a
    FORCE_COLOR meant for colours does not turn rows back into tables."""
    isatty = getattr(out.file, "isatty", None)
    return not (isatty and isatty())


def _emit(result, as_json: bool, renderer, **notes) -> None:
    """JSON for programs that ask for it, rows when piped, rich text for
    people: one place decides. `notes` (stderr) takes timings and notices."""
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        renderer(out, result, tsv=_piped(), **notes)


def _text_argument(text: str, what: str) -> str:
    """The argument, or for `-` what stdin holds (UTF-8), as `cat -` reads it."""
    if text != "-":
        return text
    if sys.stdin.isatty():
        err.print(f"reading the {what} from stdin; end it with Ctrl-D", highlight=False)
    data = sys.stdin.buffer.read(STDIN_LIMIT + 1)
    if len(data) > STDIN_LIMIT:
        raise InputError(
            f"the {what} on stdin is over {STDIN_LIMIT:,} bytes; the limit is {MAX_QUESTION_CHARS:,} characters"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"the {what} on stdin is not UTF-8 text") from None


def _checker(store: Path | None, chroma_url: str | None, llm: dict | None = None, **overrides) -> Checker:
    settings = Settings.from_env(store, chroma_url, **(llm or {})).model_copy(update=overrides)
    return Checker(settings=settings)


def _llm_flags(llm: str | None, llm_model: str | None, llm_url: str | None, model_path: Path | None) -> dict:
    if llm is not None and llm not in LLM_BACKENDS:
        raise InputError(f"--llm {llm!r}: choose {_one_of(LLM_BACKENDS)}")
    if model_path is not None and not model_path.is_file():
        raise InputError(f"--model-path {model_path}: no such file")
    return {"backend": llm, "model": llm_model, "base_url": llm_url, "model_path": model_path}


def _start_llm(checker: Checker, quiet: bool) -> None:
    """Starts the LLM before the question, so that a one-time model
    assembly shows progress and a backend that cannot start is reported in
    one line (the answer then falls back to the extractive one)."""
    with render.model_progress(err, quiet=quiet) as on_assemble:
        checker.open_llm(on_assemble)
    if checker.llm_problem and not quiet:
        err.print(
            f"[yellow]llm unavailable:[/] {escape(checker.llm_problem)}; answering without an LLM (extractive).",
            soft_wrap=True,
        )


@command()
@user_errors
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...", help="Files (.txt, .md, .html) or folders to add or update.", show_default=False
        ),
    ],
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    max_file_mb: Annotated[
        float | None, typer.Option("--max-file-mb", metavar="MB", help="Refuse files bigger than this.")
    ] = None,
    extract: Annotated[
        str,
        typer.Option(
            "--extract",
            metavar="MODE",
            help=(
                "rules: fast, amounts and missile classes; llm: the LLM also reads every passage for "
                "qualitative claims (slow once, then cached)."
            ),
        ),
    ] = "rules",
    llm: LLMOption = None,
    llm_model: LLMModelOption = None,
    llm_url: LLMUrlOption = None,
    model_path: ModelPathOption = None,
    wait: Annotated[
        float | None,
        typer.Option(
            "--wait",
            metavar="SECONDS",
            min=0,
            help="When another ingest is writing to the store, wait at most this many seconds "
            "\\[default: until it is done]",
            show_default=False,
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="K/N",
            help="Be the K-th of N ingest workers writing to one Chroma server at once (--chroma-url): "
            "each takes its own share of the same files.",
            show_default=False,
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Add articles to the store. Unchanged files are skipped; changed files replace their old passages."""
    if extract not in ("rules", "llm"):
        raise InputError(f"--extract {extract!r}: choose rules or llm")
    overrides = {"max_file_mb": max_file_mb} if max_file_mb else {}
    checker = _checker(store, chroma_url, _llm_flags(llm, llm_model, llm_url, model_path), **overrides)
    if extract == "llm":
        _start_llm(checker, quiet=True)
    with render.ingest_progress(err, quiet=json, passages=extract == "llm") as callbacks:
        report = checker.ingest(
            paths,
            extract=extract,
            wait=wait,
            on_wait=lambda note: err.print(note, highlight=False, soft_wrap=True),
            shard=shard,
            **callbacks,
        )
    if json:
        print(report.model_dump_json(indent=2))
    else:
        render.ingest_summary(err, report)
    if not report.ok:
        raise typer.Exit(1)


@command()
@user_errors
def ask(
    question: Annotated[
        str,
        typer.Argument(
            metavar="QUESTION", help="A question about the stored sources; - reads it from stdin.", show_default=False
        ),
    ],
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    top_k: TopKOption = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source", metavar="ID", help="Only these sources (repeatable; a file id covers all its articles)."
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="Only sources published on or after this date (YYYY-MM-DD)."),
    ] = None,
    until: Annotated[
        str | None, typer.Option(metavar="DATE", help="Only sources published on or before this date.")
    ] = None,
    llm: LLMOption = None,
    llm_model: LLMModelOption = None,
    llm_url: LLMUrlOption = None,
    model_path: ModelPathOption = None,
    reader: ReaderOption = None,
    json: JsonOption = False,
    exit_status: AskExitStatus = False,
) -> None:
    """Answer a question; every statement cites the exact span of a source."""
    with _verdict_exit(exit_status):
        question = validate_question(_text_argument(question, "question"))  # before any slow first-run work
        overrides = {"reader": reader_choice(reader)} if reader else {}
        checker = _checker(store, chroma_url, _llm_flags(llm, llm_model, llm_url, model_path), **overrides)
        _bootstrap_if_new(checker, quiet=json)
        _start_llm(checker, quiet=json)
        with render.drafting(err, quiet=json) as on_token:
            result = checker.ask(
                question,
                top_k=top_k,
                filters=Filters(sources=source or None, since=since, until=until),
                on_token=on_token,
            )
    if not json:
        render.generation_notice(err, result)
    _emit(result, json, render.answer, notes=err)
    if exit_status and ANSWER_EXIT[result.status]:
        raise typer.Exit(ANSWER_EXIT[result.status])


@command()
@user_errors
def check(
    claim: Annotated[
        str,
        typer.Argument(
            metavar="CLAIM",
            help='A claim to check, e.g. "The flood destroyed 300 homes in the valley"; - reads it from stdin.',
            show_default=False,
        ),
    ],
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    top_k: TopKOption = None,
    json: JsonOption = False,
    exit_status: CheckExitStatus = False,
) -> None:
    """Check a claim: supported, contradicted, disputed (the sources disagree) or not found."""
    with _verdict_exit(exit_status):
        claim = validate_question(_text_argument(claim, "claim"), what="claim")
        checker = _checker(store, chroma_url)
        _bootstrap_if_new(checker, quiet=json)
        result = checker.check(claim, top_k=top_k)
    _emit(result, json, render.verdict)
    if exit_status and VERDICT_EXIT[result.verdict]:
        raise typer.Exit(VERDICT_EXIT[result.verdict])


@command()
@user_errors
def audit(
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    limit: Annotated[
        int | None, typer.Option("--limit", metavar="N", min=1, help="Show only the N most severe conflicts.")
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", metavar="FILE", help="Also write a self-contained HTML report to this file.", dir_okay=False
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Every conflict in the store, most severe first, without a question."""
    checker = _checker(store, chroma_url)
    _bootstrap_if_new(checker, quiet=json)
    report = checker.audit(limit=limit)
    if html:
        _write_report(html, report, checker.sources())
    _emit(report, json, render.audit, notes=err)
    if html and not json:
        err.print(f"wrote {html}")


def _write_report(path: Path, report: AuditReport, sources: list[SourceInfo]) -> None:
    try:
        path.write_text(audit_html(report, sources), encoding="utf-8")
    except OSError as error:
        raise ConsistencyError(f"cannot write {path}: {error.strerror}") from None


def _bootstrap_if_new(checker: Checker, quiet: bool) -> None:
    """A newcomer's first question works: the default store starts with the
    bundled corpus."""
    if not checker.settings.store_is_default or checker.settings.chroma_url or not checker.is_empty():
        return
    err.print(f"The store {checker.store.location} is empty: ingesting the bundled corpus first (once).")
    with render.ingest_progress(err, quiet=True) as callbacks:
        report = checker.ingest_bundled_corpus(**callbacks)
    if not report.ok:
        raise ConsistencyError(
            "could not ingest the bundled corpus: " + "; ".join(f.error or f.path for f in report.failed)
        )


@command("eval")
@user_errors
def eval_command(
    gold: Annotated[
        Path | None,
        typer.Argument(
            metavar="GOLD",
            help="Gold questions (JSONL) \\[default: the bundled eval/gold.jsonl]",
            show_default=False,
        ),
    ] = None,
    claims: Annotated[
        Path | None,
        typer.Option(
            "--claims",
            metavar="FILE",
            help="Gold claims (JSONL) \\[default: claims.jsonl beside GOLD]",
            show_default=False,
        ),
    ] = None,
    baseline: Annotated[
        bool,
        typer.Option(
            "--baseline", help="Also run plain llama-index CitationQueryEngine on the same store, embeddings and LLM."
        ),
    ] = False,
    ramdocs: Annotated[
        Path | None,
        typer.Option(
            "--ramdocs",
            metavar="FILE",
            help="Run an external set in the RAMDocs format instead (one fresh store per row).",
            show_default=False,
        ),
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(
            "--corpus",
            metavar="PATH",
            help="What the gold set is about \\[default: the bundled corpus]",
            show_default=False,
        ),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            metavar="PATH",
            help="Store for the corpus \\[default: an eval store in the cache folder, one per corpus folder]",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", metavar="N", min=1, help="Only N items (or rows), evenly spaced through the file."),
    ] = None,
    report_dir: Annotated[
        Path, typer.Option("--report-dir", metavar="PATH", help="Where the markdown report and PNG chart go.")
    ] = Path("eval/reports"),
    no_report: Annotated[bool, typer.Option("--no-report", help="Do not write the markdown report and chart.")] = False,
    llm: LLMOption = None,
    llm_model: LLMModelOption = None,
    llm_url: LLMUrlOption = None,
    model_path: ModelPathOption = None,
    reader: Annotated[
        list[str] | None,
        typer.Option(
            "--reader",
            metavar="READER",
            help=(
                "Score this reader (repeatable, to set readers side by side): llm, llm-one-call, typed, rules "
                "\\[default: the configured one]"
            ),
            show_default=False,
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Score the system on gold questions and claims: accuracy, citations, conflicts, abstention, latency."""
    try:
        import matplotlib  # noqa: F401 - the eval extra's marker
    except ImportError:
        raise ConsistencyError("consistency eval needs the eval extra: pip install 'consistency[eval]'") from None
    from ..eval import command as eval_shell

    flags = _llm_flags(llm, llm_model, llm_url, model_path)
    for name in reader or []:
        reader_choice(name)
    if ramdocs:
        eval_shell.ramdocs(ramdocs, flags, reader or [], limit, None if no_report else report_dir, json, out, err)
        return
    checker = _checker(store or eval_shell.default_store(corpus), None, flags)
    _start_llm(checker, quiet=json)
    eval_shell.gold(
        checker, gold, claims, corpus, baseline, reader or [], limit, None if no_report else report_dir, json, out, err
    )


@command()
@user_errors
def serve(
    mcp: Annotated[
        bool,
        typer.Option("--mcp", help="Serve MCP for chat tools: over stdio, or streamable HTTP at /mcp with --port."),
    ] = False,
    http: Annotated[
        bool,
        typer.Option("--http", help="Serve the HTTP API (POST /ask, /check, /ingest; GET /audit, /sources, /status)."),
    ] = False,
    web: Annotated[
        bool,
        typer.Option("--web", help="--http, and open its web page (ask, check, audit, sources) in the browser."),
    ] = False,
    host: Annotated[
        str, typer.Option("--host", metavar="HOST", help="Address to listen on; anything but loopback needs --token.")
    ] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            metavar="PORT",
            min=1,
            max=65535,
            help="Port \\[--http default: 8765; --mcp: stdio unless given].",
            show_default=False,
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            metavar="TOKEN",
            envvar="CONSISTENCY_TOKEN",
            help="Require 'Authorization: Bearer TOKEN' on every request.",
            show_default=False,
        ),
    ] = None,
    allow_ingest: Annotated[
        list[Path] | None,
        typer.Option(
            "--allow-ingest",
            metavar="PATH",
            help="A folder clients may ingest from (repeatable); without one, ingest is refused.",
            show_default=False,
        ),
    ] = None,
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    llm: LLMOption = None,
    llm_model: LLMModelOption = None,
    llm_url: LLMUrlOption = None,
    model_path: ModelPathOption = None,
) -> None:
    """Serve the checker to chat tools (MCP) or programs (HTTP API)."""
    from ..server import common as serving
    from ..server.run import serve_http, serve_mcp

    http = http or web
    if mcp == http:
        raise InputError("choose one of --mcp or --http (or --web)")
    if http and port is None:
        port = serving.DEFAULT_HTTP_PORT
    roots = serving.IngestRoots(allow_ingest or [])
    if port is not None:  # MCP without a port speaks over stdio
        serving.check_binding(host, port, token)
    checker = _checker(store, chroma_url, _llm_flags(llm, llm_model, llm_url, model_path))
    _bootstrap_if_new(checker, quiet=False)
    _start_llm(checker, quiet=False)
    serving.warm_up(checker)
    announce = lambda line: err.print(escape(line), soft_wrap=True)  # noqa: E731 - stdout belongs to the MCP protocol
    if mcp:
        serve_mcp(checker, roots, host, port, token, announce)
    elif port is not None:
        serve_http(checker, roots, host, port, token, announce, open_browser=web)


@command()
@user_errors
def chat(
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    top_k: TopKOption = None,
    llm: LLMOption = None,
    llm_model: LLMModelOption = None,
    llm_url: LLMUrlOption = None,
    model_path: ModelPathOption = None,
) -> None:
    """An interactive session: ask questions, check claims (/check), list sources (/sources), audit (/audit)."""
    from .chat import run_chat

    checker = _checker(store, chroma_url, _llm_flags(llm, llm_model, llm_url, model_path))
    _bootstrap_if_new(checker, quiet=False)
    _start_llm(checker, quiet=False)
    run_chat(checker, out, err, top_k=top_k)


@command()
@user_errors
def sources(store: StoreOption = None, chroma_url: ChromaUrlOption = None, json: JsonOption = False) -> None:
    """List the stored sources: id, title, outlet, date, passages."""
    infos = _checker(store, chroma_url).sources()
    if json:
        print("[" + ",".join(info.model_dump_json() for info in infos) + "]")
    else:
        render.sources(out, infos, notes=err, tsv=_piped())


@command()
@user_errors
def remove(
    targets: Annotated[
        list[str], typer.Argument(help="Source ids, ingested files or folders.", metavar="SOURCE|PATH...")
    ],
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    json: JsonOption = False,
) -> None:
    """Forget sources: by id, by file (all its sources) or by folder (everything ingested from under it)."""
    removed = _checker(store, chroma_url).remove(targets)
    if json:
        print("[" + ",".join(info.model_dump_json() for info in removed) + "]")
    else:
        render.removed(out, removed)


@command()
@user_errors
def status(store: StoreOption = None, chroma_url: ChromaUrlOption = None, json: JsonOption = False) -> None:
    """Where the store is, what it holds, and which models are in use."""
    _emit(_checker(store, chroma_url).status(), json, render.status)


@command()
@user_errors
def verify(
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    repair: Annotated[
        bool, typer.Option("--repair", help="Finish an interrupted update, re-read broken files, remove the rest.")
    ] = False,
    json: JsonOption = False,
) -> None:
    """Check that every source's passages and claims match its stored text and version, and that search works."""
    result = _checker(store, chroma_url).verify(repair=repair)
    _emit(result, json, render.store_check)
    if not result.ok:
        raise typer.Exit(1)


def main() -> None:  # pragma: no cover - `python -m consistency`
    undo = filter_native_stderr()
    try:
        app(prog_name="consistency")
    finally:
        undo()


if __name__ == "__main__":  # pragma: no cover
    main()
