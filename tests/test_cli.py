"""The `consistency` command as a user runs it: a real process, real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import ARTICLE, CORPUS, assert_reading_is_honest, write

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


def run(*args: str, cwd=None, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "consistency", *args],
        cwd=cwd,
        env=cli_env(env_extra),
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
def test_a_chosen_empty_store_is_not_filled_with_the_bundled_corpus(tmp_path):
    result = run("ask", DRONES, "--store", str(tmp_path / "mine"), "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["status"] == "not_found"


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
    (store / "chroma" / "chroma.sqlite3").write_bytes(b"garbage" * 1000)
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
    assert_clean_error(run("ask", DRONES, "--store", str(corpus_store), "--llm", "gpt9"), "bad LLM setting backend")
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
