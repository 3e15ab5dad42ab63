"""The `consistency` command as a user runs it: a real process, real store."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pytest

from consistency.index.generations import live_folder

from .conftest import ARTICLE, CORPUS, assert_reading_is_honest, write

HOW = "`consistency ingest PATH`, POST /ingest or the MCP ingest tool"

DRONES = "How many drones were used in the record overnight attack?"


def cli_env(env_extra: dict | None = None) -> dict[str, str]:
    """The environment of a `consistency` process under test."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONSISTENCY_")}
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "COLUMNS": "120",
            # Extractive unless a test asks for an LLM; no user config file.
            "CONSISTENCY_LLM": "none",
            "CONSISTENCY_CONFIG": os.devnull,
            "CONSISTENCY_CACHE": os.environ["CONSISTENCY_CACHE"],
            **(env_extra or {}),
        }
    )
    return env


def run(*args: str, cwd=None, env_extra: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The command with stdout and stderr each a pipe, as a script runs it;
    stdin is `stdin`, else empty."""
    return subprocess.run(
        [sys.executable, "-m", "consistency", *args],
        cwd=cwd,
        env=cli_env(env_extra),
        input=stdin or "",
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_clean_error(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0], result.stderr


@pytest.mark.slow
def test_first_ask_on_a_fresh_machine_ingests_the_bundled_corpus_then_answers(tmp_path):
    result = run("ask", DRONES, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "empty: ingesting the bundled corpus" in result.stderr
    answer = json.loads(result.stdout)
    assert answer["status"] == "conflict"
    assert "11 cruise and ballistic missiles" in answer["conflicts"][0]["explanation"]
    assert {"000_0a8b3b789f3cb1b7", "001_30b2e4f4dd567c59"} <= {c["source"] for c in answer["citations"]}
    assert (tmp_path / ".consistency").is_dir()
    second = run("ask", DRONES, cwd=tmp_path)
    assert second.returncode == 0 and "bundled corpus" not in second.stderr
    assert "[1]" in second.stdout and "539" in second.stdout


@pytest.mark.slow
def test_ingest_sources_status_and_ask_on_a_chosen_store(tmp_path):
    store = str(tmp_path / "s")
    write(tmp_path / "docs" / "kharkiv.txt", ARTICLE)
    ingested = run("ingest", str(tmp_path / "docs"), "--store", store)
    assert ingested.returncode == 0, ingested.stderr
    assert "1 added" in ingested.stderr
    again = run("ingest", str(tmp_path / "docs"), "--store", store, "--json")
    assert json.loads(again.stdout)["files"][0]["outcome"] == "unchanged"
    listed = json.loads(run("sources", "--store", store, "--json").stdout)
    assert [s["id"] for s in listed] == ["kharkiv"]
    status = json.loads(run("status", "--json", env_extra={"CONSISTENCY_STORE": store}).stdout)
    assert status == status | {"sources": 1, "backend": "persistent", "llm": "none (extractive answers)"}
    remote = json.loads(
        run(
            "status",
            "--json",
            env_extra={
                "CONSISTENCY_STORE": store,
                "CONSISTENCY_LLM": "openai-compatible",
                "CONSISTENCY_LLM_URL": "http://127.0.0.1:9/v1",
            },
        ).stdout
    )
    assert remote["llm"] == "openai-compatible: default model at http://127.0.0.1:9/v1"
    answer = json.loads(run("ask", "How many drones were launched at Kharkiv?", "--store", store, "--json").stdout)
    assert answer["status"] == "answered" and "42 drones" in answer["citations"][0]["quote"]


@pytest.mark.slow
@pytest.mark.parametrize("command", [["ask", DRONES, "--json"], ["check", "Russia launched 539 drones"], ["audit"]])
def test_a_chosen_empty_store_is_not_filled_but_says_how_to_fill_it(tmp_path, command):
    result = run(*command, "--store", str(tmp_path / "mine"))
    assert_clean_error(result, f"the store {tmp_path / 'mine'} is empty: add sources first ({HOW})")
    assert result.returncode == 2 and result.stdout == ""
    assert not (tmp_path / "mine").exists()  # a mistyped --store leaves no folder behind
    assert json.loads(run("sources", "--store", str(tmp_path / "mine"), "--json").stdout) == []


@pytest.mark.slow
def test_ingest_of_a_mixed_folder_exits_non_zero_and_names_each_bad_file(tmp_path):
    write(tmp_path / "docs" / "good.txt", ARTICLE)
    write(tmp_path / "docs" / "empty.txt", "")
    write(tmp_path / "docs" / "binary.txt", bytes(range(256)) * 4)
    result = run("ingest", str(tmp_path / "docs"), "--store", str(tmp_path / "s"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "empty.txt: file is empty" in result.stderr and "binary.txt: binary file" in result.stderr
    assert "1 added" in result.stderr and "2 failed" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "the question is empty"),
        (["ask", "x" * 10_000], "the limit is 2,000"),
    ],
)
def test_bad_questions_end_in_one_line_and_an_exit_code(tmp_path, args, message):
    assert_clean_error(run(*args, "--store", str(tmp_path / "s")), message)


@pytest.mark.slow
def test_corrupt_store_ends_in_one_line(tmp_path):
    store = tmp_path / "s"
    assert run("ingest", str(CORPUS / "003_8b867b04d184a20d.txt"), "--store", str(store)).returncode == 0
    (live_folder(store) / "chroma.sqlite3").write_bytes(b"garbage" * 1000)
    assert_clean_error(run("sources", "--store", str(store)), "cannot open the store")


@pytest.mark.slow
def test_missing_path_is_reported_and_exit_code_says_so(tmp_path):
    result = run("ingest", str(tmp_path / "nowhere"), "--store", str(tmp_path / "s"))
    assert result.returncode == 1 and "no such file or folder" in result.stderr and "Traceback" not in result.stderr


# ---- the LLM options ----------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("cli-llm") / "store"
    assert run("ingest", str(CORPUS), "--store", str(store)).returncode == 0
    return store


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_an_unreachable_llm_server_is_one_line_and_the_answer_still_comes(corpus_store):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    result = run(
        "ask",
        DRONES,
        "--store",
        str(corpus_store),
        "--llm",
        "openai-compatible",
        "--llm-url",
        url,
        env_extra={"CONSISTENCY_LLM_RETRIES": "0"},
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr
    notices = [line for line in result.stderr.splitlines() if "llm unavailable" in line]
    assert len(notices) == 1 and "cannot reach the LLM server" in notices[0] and "extractive" in notices[0]
    assert "539 Iran-designed drones" in result.stdout

    as_json = run(
        "ask",
        DRONES,
        "--store",
        str(corpus_store),
        "--llm",
        "openai-compatible",
        "--llm-url",
        url,
        "--json",
        env_extra={"CONSISTENCY_LLM_RETRIES": "0"},
    )
    answer = json.loads(as_json.stdout)
    assert answer["llm"]["status"] == "unavailable" and answer["status"] == "conflict"


@pytest.mark.slow
def test_openai_without_a_key_falls_back_with_a_reason(corpus_store):
    result = run("ask", DRONES, "--store", str(corpus_store), "--llm", "openai", env_extra={"OPENAI_API_KEY": ""})
    assert result.returncode == 0
    assert "needs OPENAI_API_KEY" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_bad_llm_choices_are_clear_errors(corpus_store, tmp_path):
    assert_clean_error(
        run("ask", DRONES, "--store", str(corpus_store), "--llm", "gpt9"),
        "--llm 'gpt9': choose auto, local, openai, openai-compatible or none",
    )
    assert_clean_error(
        run("ask", DRONES, "--store", str(corpus_store), "--model-path", str(tmp_path / "nope.gguf")), "no such file"
    )
    assert_clean_error(
        run("ingest", str(CORPUS), "--store", str(corpus_store), "--extract", "magic"), "choose rules or llm"
    )


@pytest.mark.slow
def test_ask_with_a_local_gguf_by_path(corpus_store, smollm_path):
    result = run(
        "ask", DRONES, "--store", str(corpus_store), "--llm", "local", "--model-path", str(smollm_path), "--json"
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["llm"]["backend"] == "local" and answer["llm"]["model"] == smollm_path.stem
    assert_reading_is_honest(answer)
    assert set(answer["timings"]) == {"retrieve", "extract", "generate", "total"}


def test_help_shows_each_option_with_its_environment_variable():
    # Rich reads help text as markup: an unescaped "[env: ...]" would vanish.
    ask_help = run("ask", "--help", env_extra={"COLUMNS": "200"}).stdout
    assert "[env: CONSISTENCY_STORE; default: ./.consistency]" in ask_help and "[env: CONSISTENCY_LLM;" in ask_help
    serve_help = run("serve", "--help", env_extra={"COLUMNS": "200"}).stdout
    assert (
        "--allow-ingest" in serve_help and "CONSISTENCY_TOKEN" in serve_help and "[--http default: 8765;" in serve_help
    )


def test_eval_without_its_extra_says_which_to_install(tmp_path):
    # A matplotlib that cannot be imported stands in for a venv without the extra.
    write(tmp_path / "hide" / "matplotlib" / "__init__.py", "raise ImportError(\"No module named 'matplotlib'\")\n")
    result = run("eval", "--store", str(tmp_path / "s"), env_extra={"PYTHONPATH": str(tmp_path / "hide")})
    assert_clean_error(result, "pip install 'consistency[eval]'")


# ---- conventions: help, version, stdin, pipes, exit statuses -------------------

COMMANDS = ["ingest", "ask", "check", "audit", "eval", "serve", "chat", "sources", "status", "verify"]
CLAIM = "Russia launched 100 drones in the record overnight attack"


def invoke(*args: str, stdin: str | None = None):
    """The command in this process (typer's CliRunner): for what needs no
    real pipe, a loaded embedding model makes each call fast."""
    from typer.testing import CliRunner

    from consistency.shells.cli import app

    return CliRunner().invoke(app, list(args), input=stdin, env={"COLUMNS": "200"}, prog_name="consistency")


def test_version_and_short_help_at_the_top_level():
    version = run("--version")
    assert version.returncode == 0 and version.stdout == "consistency 0.1.0\n"
    short, long = run("-h"), run("--help")
    assert short.returncode == long.returncode == 0
    assert short.stdout == long.stdout and "Usage: consistency [OPTIONS] COMMAND" in short.stdout
    assert "--version" in short.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_short_help_with_named_values_and_no_type_labels(command):
    short, long = invoke(command, "-h"), invoke(command, "--help")
    assert short.exit_code == long.exit_code == 0, short.output
    assert short.stdout == long.stdout and f"Usage: consistency {command} [OPTIONS]" in short.stdout
    # typer's labels: <bool>, <list[Path]>, <int range>, {question} in the usage line.
    assert not re.search(r"<[a-z][^>]*>|\{[a-z]+\}", short.stdout), short.stdout


def test_help_names_arguments_and_lists_the_llm_choices():
    ask_help, ingest_help = invoke("ask", "-h").stdout, invoke("ingest", "-h").stdout
    assert "Usage: consistency ask [OPTIONS] QUESTION" in ask_help and "- reads it from stdin" in ask_help
    assert "Usage: consistency ingest [OPTIONS] PATH..." in ingest_help
    assert re.search(r"--llm +BACKEND +Who writes answers: auto, local, openai, openai-compatible or none", ask_help)
    assert re.search(r"--exit-status +Exit with the result: 0 answered, 1 conflict, 4 not found", ask_help)
    assert "Usage: consistency eval [OPTIONS] [GOLD]" in invoke("eval", "-h").stdout


def test_an_unknown_llm_is_refused_in_one_line_before_any_work(tmp_path):
    result = run("ask", DRONES, "--store", str(tmp_path / "s"), "--llm", "gpt-9")
    assert_clean_error(result, "--llm 'gpt-9': choose auto, local, openai, openai-compatible or none")
    assert result.returncode == 2 and not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    ("stdin", "message"),
    [("", "the question is empty"), (" \n\t\n", "the question is empty"), ("x" * 3000, "the limit is 2,000")],
)
def test_a_question_from_stdin_is_checked_like_an_argument(tmp_path, stdin, message):
    assert_clean_error(run("ask", "-", "--store", str(tmp_path / "s"), stdin=stdin), message)


def test_stdin_that_is_not_text_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "consistency", "check", "-", "--store", str(tmp_path / "s")],
        env=cli_env(),
        input=b"\xff\xfe100 drones\n",
        capture_output=True,
        timeout=300,
    )
    as_text = subprocess.CompletedProcess(result.args, result.returncode, "", result.stderr.decode())
    assert_clean_error(as_text, "the claim on stdin is not UTF-8 text")
    assert result.returncode == 2


@pytest.mark.slow
def test_an_unknown_source_is_named_in_one_line(corpus_store):
    result = run("ask", DRONES, "--store", str(corpus_store), "--source", "nope", "--source", "000_0a8b3b789f3cb1b7")
    assert_clean_error(result, "unknown source 'nope': the store holds no source or file with that id")
    assert result.returncode == 2 and "000_0a8b3b789f3cb1b7" not in result.stderr


@pytest.mark.slow
def test_a_file_id_names_every_article_of_its_file(corpus_store):
    # 002_... is one file of several articles, stored as 002_...#1, #2 and so on.
    result = invoke(
        "ask",
        "How many counterattacks did Russia repel?",
        "--store",
        str(corpus_store),
        "--source",
        "002_d34c1c6bf8382799",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert {c["source"].split("#")[0] for c in json.loads(result.stdout)["citations"]} == {"002_d34c1c6bf8382799"}


@pytest.mark.slow
def test_a_claim_from_stdin_its_verdict_as_exit_status_and_json_unchanged(corpus_store):
    result = run("check", "-", "--store", str(corpus_store), "--exit-status", "--json", stdin=CLAIM + "\n")
    assert result.returncode == 1, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["claim"] == CLAIM and verdict["verdict"] == "contradicted"
    assert run("check", CLAIM, "--store", str(corpus_store), "--json").stdout == result.stdout
    assert run("check", CLAIM, "--store", str(corpus_store)).returncode == 0  # without the flag, as before


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["check", "Germany has sent three Patriot systems to Ukraine"], 0),
        (["check", CLAIM], 1),
        (["check", "Russia launched 539 drones in the record overnight attack"], 1),  # disputed
        (["check", "France won the 2018 World Cup"], 4),
        (["check", "   "], 2),
        (["ask", "How many Patriot systems has Germany sent to Ukraine?"], 0),
        (["ask", DRONES], 1),
        (["ask", "What is the capital of France?"], 4),
        (["ask", DRONES, "--source", "nope"], 2),
    ],
)
def test_exit_status_says_the_verdict_when_asked_to(corpus_store, args, status):
    flagged = invoke(*args, "--store", str(corpus_store), "--exit-status")
    assert flagged.exit_code == status, flagged.output
    if status == 2:
        assert flagged.stderr.startswith("error: "), flagged.stderr  # ours, not the parser's
    if status in (0, 1, 4):
        assert invoke(*args, "--store", str(corpus_store)).exit_code == 0


def test_exit_status_keeps_1_for_verdicts_when_an_error_would_exit_1(monkeypatch, tmp_path):
    # An error that is not the user's (here: the embedding model cannot load) exits 3, never 1 (contradicted).
    from consistency import ConsistencyError
    from consistency.shells import cli

    def broken(*args, **kwargs):
        raise ConsistencyError("the embedding model cannot be loaded")

    monkeypatch.setattr(cli, "_checker", broken)
    assert invoke("check", CLAIM, "--store", str(tmp_path / "s")).exit_code == 1
    flagged = invoke("check", CLAIM, "--store", str(tmp_path / "s"), "--exit-status")
    assert flagged.exit_code == 3 and "the embedding model cannot be loaded" in flagged.stderr


@pytest.mark.slow
def test_piped_answer_is_unwrapped_lines_and_citation_rows_with_the_timing_on_stderr(corpus_store):
    result = run("ask", DRONES, "--store", str(corpus_store))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"conflict\t{DRONES}"
    assert not any(line.startswith(" ") or line.endswith(" ") for line in lines)
    # One sentence of the answer on one line, however wide: nothing wrapped.
    assert any(
        line.startswith("The move came after") and line.endswith("already stretched air defences. [1]")
        for line in lines
    )
    rows = [line.split("\t") for line in lines if line.startswith("[")]
    cited = json.loads(run("ask", DRONES, "--store", str(corpus_store), "--json").stdout)["citations"]
    assert rows == [
        [f"[{c['id']}]", c["source"], str(c["start"]), str(c["end"]), c["title"], c["quote"]] for c in cited
    ]
    assert re.search(r"^\d+\.\d s$", result.stderr, re.M) and not re.search(r"\d\.\d s", result.stdout)


@pytest.mark.slow
def test_piped_tables_are_tab_separated_rows_without_a_header(corpus_store):
    stored = json.loads(run("sources", "--store", str(corpus_store), "--json").stdout)
    listed = run("sources", "--store", str(corpus_store))
    assert [line.split("\t") for line in listed.stdout.splitlines()] == [
        [s["id"], s["title"], s["outlet"] or "", s["published"] or "", str(s["chunks"]), str(s["claims"])]
        for s in stored
    ]
    status = dict(line.split("\t") for line in run("status", "--store", str(corpus_store)).stdout.splitlines())
    assert status["sources"] == str(len(stored)) and status["llm"] == "none (extractive answers)"

    audit = run("audit", "--store", str(corpus_store), "--limit", "2")
    report = json.loads(run("audit", "--store", str(corpus_store), "--limit", "2", "--json").stdout)
    rows = [line.split("\t") for line in audit.stdout.splitlines()]
    quotes = {c["id"]: c for c in report["citations"]}
    assert rows == [
        [
            str(n),
            c["severity"],
            c["kind"],
            c["summary"],
            side["value"],
            quotes[i]["source"],
            quotes[i]["title"],
            quotes[i]["quote"],
        ]
        for n, c in enumerate(report["conflicts"], start=1)
        for side in c["sides"]
        for i in side["citations"]
    ]
    assert re.fullmatch(
        r"2 conflict\(s\) among \d+ claims in \d+ sources \(the 2 most severe of \d+\) \(\d+\.\d\d s\)\n", audit.stderr
    )


@pytest.mark.slow
def test_a_terminal_still_gets_the_padded_layout(corpus_store):
    import pexpect

    child = pexpect.spawn(
        sys.executable,
        ["-m", "consistency", "ask", DRONES, "--store", str(corpus_store)],
        env=cli_env({"TERM": "dumb"}),
        encoding="utf-8",
        timeout=120,
        dimensions=(50, 100),
    )
    shown = child.read()
    child.close()
    assert child.exitstatus == 0, shown
    # (TERM=dumb: rich cannot erase its progress line, which stays blank.)
    assert shown.lstrip().startswith(f"conflict  {DRONES}") and "\t" not in shown
    assert re.search(r"^  \[1\] Putin may be mocking Trump", shown, re.M)
    assert re.search(r"^  \d+\.\d s\r?$", shown, re.M)


def test_a_sentence_stating_both_sides_is_printed_once_with_its_outlet_and_date():
    from rich.console import Console

    from consistency.models import AuditReport, Citation, Conflict, ConflictSide
    from consistency.shells import render

    both = Citation(
        id=1, source="s#1", title="Launch", quote="A called it X, but B called it Y.", start=0, end=33,
        outlet="The Daily", published="2024-11",
    )  # fmt: skip
    only = Citation(id=2, source="s#2", title="Later", quote="C called it X.", start=0, end=14)
    conflict = Conflict(
        kind="qualitative", severity="major", summary="class: X vs Y", explanation="Two answers.",
        sides=[ConflictSide(value="X", citations=[1, 2]), ConflictSide(value="Y", citations=[1])],
    )  # fmt: skip
    console = Console(record=True, width=200)
    report = AuditReport(conflicts=[conflict], citations=[both, only], sources=2, claims=2, seconds=0.1)
    render.audit(console, report)
    text = console.export_text()
    assert text.count("A called it X, but B called it Y.") == 1
    assert "The Daily · 2024-11" in text and text.count("C called it X.") == 1


def test_an_audit_heading_that_wraps_goes_on_under_its_text():
    from rich.console import Console

    from consistency.models import AuditReport, Citation, Conflict, ConflictSide
    from consistency.shells import render

    cited = Citation(id=1, source="s", title="T", quote="Q.", start=0, end=2)
    summary = "people killed: " + " vs ".join(f"{n} people killed in the flood" for n in (12, 40))
    conflict = Conflict(
        kind="numeric", severity="major", summary=summary, explanation="Two answers.",
        sides=[ConflictSide(value="12", citations=[1]), ConflictSide(value="40", citations=[1])],
    )  # fmt: skip
    console = Console(record=True, width=50)
    render.audit(console, AuditReport(conflicts=[conflict], citations=[cited], sources=1, claims=2, seconds=0.1))
    lines = console.export_text().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("1. major numeric"))
    assert lines[first + 1].startswith("   ") and lines[first + 1].strip()  # under the text, not at column 0


def test_remove_lists_what_it_forgot_and_refuses_an_unknown_target_in_one_line(tmp_path):
    store, article = tmp_path / "s", write(tmp_path / "docs" / "kharkiv.txt", ARTICLE)
    assert run("ingest", str(article), "--store", str(store)).returncode == 0
    assert_clean_error(run("remove", "no-such-source", "--store", str(store)), "not in the store: no-such-source")
    removed = run("remove", str(tmp_path / "docs"), "--store", str(store), "--json")
    assert removed.returncode == 0, removed.stderr
    assert [info["id"] for info in json.loads(removed.stdout)] == ["kharkiv"]
    assert json.loads(run("sources", "--store", str(store), "--json").stdout) == []


def test_each_corpus_folder_has_its_own_eval_store(tmp_path):
    """Two checkouts evaluated at once must not share a store: each removes what lies outside its corpus."""
    from consistency.eval.command import default_store

    here, there = tmp_path / "checkout-a" / "corpus", tmp_path / "checkout-b" / "corpus"
    assert default_store(here) == default_store(tmp_path / "checkout-a" / "." / "corpus")
    assert default_store(here) != default_store(there)
    assert default_store() == default_store(CORPUS)


def test_the_eval_store_holds_exactly_the_corpus_it_evaluates(tmp_path):
    from rich.console import Console

    from consistency import Checker
    from consistency.eval.command import _ingest_corpus

    corpus, elsewhere = tmp_path / "corpus", tmp_path / "old-checkout"
    write(corpus / "kharkiv.txt", ARTICLE)
    write(elsewhere / "kharkiv.txt", ARTICLE.replace("42", "43"))  # the corpus as another checkout had it
    with Checker(store=tmp_path / "s") as checker:
        checker.ingest([elsewhere])
        _ingest_corpus(checker, corpus, Console(file=io.StringIO()), quiet=True)
        assert [info.path for info in checker.sources()] == [str((corpus / "kharkiv.txt").resolve())]
