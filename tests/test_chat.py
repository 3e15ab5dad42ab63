"""`consistency chat` as a person and a script use it: the real command on a
pseudo-terminal (pexpect), a real store, the extractive answerer."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from .conftest import CORPUS
from .test_cli import DRONES, cli_env, run

CLAIM = "Russia launched 100 drones in the record overnight attack"
PROMPT = "› "
# The first question loads the embedding model; the machine may be busy.
TIMEOUT = 60


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("chat") / "store"
    ingested = run("ingest", str(CORPUS), "--store", str(store))
    assert ingested.returncode == 0, ingested.stderr
    return store


def chat_env(cache: Path) -> dict[str, str]:
    """As test_cli.run's, but with a cache folder of the test's own, where
    the chat history file is written (extractive answers need nothing else
    from the cache). TERM=dumb: no colour codes, and readline still edits lines."""
    return cli_env({"TERM": "dumb", "CONSISTENCY_CACHE": str(cache)})


def start_chat(store: Path, cache: Path) -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "consistency", "chat", "--store", str(store)],
        env=chat_env(cache),
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(50, 120),
    )
    child.logfile_read = io.StringIO()  # everything the person saw, for the traceback check
    child.expect_exact("/help for the commands")
    child.expect_exact(PROMPT)
    return child


def reply(child: pexpect.spawn, line: str) -> str:
    """Sends a line and returns what the session printed before the next
    prompt, without the echo of the line, whitespace collapsed (the terminal
    wraps long lines)."""
    child.sendline(line)
    child.expect_exact(PROMPT)
    printed = child.before.split("\n", 1)[1] if "\n" in child.before else ""
    return " ".join(printed.split())


def message_lines(child: pexpect.spawn) -> list[str]:
    """The non-empty lines printed after the echo of the last line sent."""
    return [line.strip() for line in child.before.splitlines()[1:] if line.strip()]


def assert_drones_conflict(printed: str) -> None:
    assert printed.startswith(f"conflict {DRONES}"), printed
    assert "minor numeric conflict" in printed
    assert "“The move came after Ukraine said" in printed and "500 drones and missiles" in printed
    assert "“A record 539 Iran-designed drones" in printed
    assert "[1] Putin may be mocking Trump" in printed and "[2] Donald Trump and Volodymyr Zelenskyy" in printed


def ended(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in child.logfile_read.getvalue()
    return child.exitstatus


@pytest.mark.slow
def test_a_session_answers_checks_lists_audits_and_remembers(store, tmp_path):
    child = start_chat(store, tmp_path)
    assert_drones_conflict(reply(child, DRONES))

    # Up-arrow recalls the question; Enter asks it again.
    child.send("\x1b[A")
    assert_drones_conflict(reply(child, ""))

    checked = reply(child, f"/check {CLAIM}")
    assert checked.startswith(f"contradicted {CLAIM}") and "539 Iran-designed drones" in checked

    assert "000_0a8b3b789f3cb1b7" in reply(child, "/sources") and "004_3f8c944020cb52ab" in child.before
    assert reply(child, "/audit 1").startswith("1 conflict(s) among")

    # Mistakes cost one line each, and the session goes on.
    reply(child, "/nonsense")
    assert message_lines(child) == ["unknown command /nonsense: /help lists the commands"]
    reply(child, "/audit x")
    assert message_lines(child) == ["error: /audit takes a number of conflicts, e.g. /audit 5 (not 'x')"]
    reply(child, "x" * 2_500)
    assert [line for line in message_lines(child) if "xxx" not in line] == [
        "error: the question is 2,500 characters long; the limit is 2,000"
    ]
    assert reply(child, "") == ""

    history = reply(child, "/history")
    assert history == f"1. conflict {DRONES} 2. conflict {DRONES} 3. contradicted /check {CLAIM}"
    assert "/check CLAIM" in reply(child, "/help")

    assert reply(child, "/json") == "JSON output on"
    reply(child, DRONES)
    answer = json.loads(child.before[child.before.index("{") :])
    assert answer["status"] == "conflict" and [c["id"] for c in answer["citations"]][:2] == [1, 2]
    assert all(citation["quote"] for citation in answer["citations"])
    reply(child, "/sources")
    listed = json.loads(child.before[child.before.index("[") :])
    assert len(listed) == 13 and listed[0]["id"] == "000_0a8b3b789f3cb1b7"

    child.sendline("/quit")
    assert ended(child) == 0
    saved = (tmp_path / "chat_history").read_text(encoding="utf-8").splitlines()
    assert DRONES in saved and f"/check {CLAIM}" in saved and saved[-1] == "/quit"


@pytest.mark.slow
def test_ctrl_c_drops_a_typed_line_and_ctrl_d_ends_the_session_without_a_usable_history_file(store, tmp_path):
    (tmp_path / "chat_history").mkdir()  # can be neither read nor written
    child = start_chat(store, tmp_path)
    child.send("half a question")
    child.expect_exact("half a question")  # read by the session before Ctrl-C flushes the terminal's input
    child.sendintr()
    child.expect_exact(PROMPT)
    assert reply(child, "/history") == "no questions or claims yet in this session"
    child.sendeof()
    assert ended(child) == 0


@pytest.mark.slow
def test_ctrl_c_at_an_empty_prompt_ends_the_session(store, tmp_path):
    child = start_chat(store, tmp_path)
    child.sendintr()
    assert ended(child) == 0
    assert (tmp_path / "chat_history").is_file()


@pytest.mark.slow
def test_a_script_can_pipe_lines_in(store, tmp_path):
    lines = [DRONES, "/json", f"/check {CLAIM}", "/quit", "never read"]
    result = subprocess.run(
        [sys.executable, "-m", "consistency", "chat", "--store", str(store)],
        input="\n".join(lines) + "\n",
        env=chat_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    # No prompts in the output: what is printed is the results alone.
    assert result.stdout.startswith(f"conflict  {DRONES}") and PROMPT not in result.stdout
    verdict = json.loads(result.stdout[result.stdout.index("\n{") :])
    assert verdict["verdict"] == "contradicted" and verdict["citations"][0]["quote"]
    assert "never read" not in result.stdout + result.stderr
    assert not (tmp_path / "chat_history").exists()  # a script leaves the person's history alone
