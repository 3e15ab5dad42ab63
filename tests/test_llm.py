"""The LLM path with real models: SmolLM2-135M in process (llama-cpp-python)
and the same model behind llama.cpp's own OpenAI-compatible server on
loopback. No mocks. SmolLM2 writes poor answers; whatever it writes, the
facts (status, claims, conflicts, citations) must be the code's, and what is
shown must pass validation."""

from __future__ import annotations

import copy
import itertools
import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from consistency.extract.llm_claims import MAX_EXTRACT_TOKENS, SCHEMA, Extraction
from consistency.llm.backends import LocalLLM, Message, RemoteLLM, parse_json
from consistency.llm.validate import validate
from consistency.reason.llm_judge import SCHEMA as JUDGE_SCHEMA
from consistency.reason.llm_reader import SCHEMA as READER_SCHEMA
from tests.conftest import assert_generation_is_honest, with_llm

DRONES = "How many drones were used in the record overnight attack?"


@pytest.fixture(scope="module")
def local(smollm_path) -> LocalLLM:
    return LocalLLM(smollm_path, n_ctx=2048)


def test_local_model_streams_its_reply(local):
    pieces: list[str] = []
    completion = local.chat(
        [Message(role="system", content="Answer briefly."), Message(role="user", content="Name a colour.")],
        max_tokens=12,
        on_token=pieces.append,
    )
    assert completion.text and "".join(pieces) == completion.text
    assert completion.seconds > 0


def test_two_concurrent_chats_on_one_model_are_generated_one_after_the_other(local):
    """Two generations on 2 cores are each slower than one after the other,
    and llama.cpp's context is not shared safely: the streams never interleave."""
    import threading

    order: list[str] = []
    messages = [Message(role="user", content="Count from one to twenty in words.")]

    def chat(name: str) -> None:
        local.chat(messages, max_tokens=16, on_token=lambda piece: order.append(name))

    threads = [threading.Thread(target=chat, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(order) == {"a", "b"}
    switches = sum(1 for before, after in itertools.pairwise(order) if before != after)
    assert switches == 1, order


@pytest.mark.slow
def test_schema_constrained_output_parses_even_from_a_tiny_model(local):
    passage = "Ukraine's air force said the missile was an ICBM, while Moscow called it an intermediate-range missile."
    reply = local.chat(
        [Message(role="user", content=f"Extract claims as JSON.\n\n{passage}")],
        max_tokens=MAX_EXTRACT_TOKENS,
        schema=SCHEMA,
    ).text
    Extraction.model_validate(parse_json(reply))  # grammar-constrained: always the schema


# The readers' own schemas; the reading's bounds made tight enough that a
# reply must be cut to fit them.
READING = copy.deepcopy(READER_SCHEMA)
READING["properties"]["sentences"]["maxItems"] = 2
READING["properties"]["answer"]["maxLength"] = 24
VERDICT = JUDGE_SCHEMA
SENTENCES = [
    Message(role="system", content="Reply with JSON only."),
    Message(
        role="user",
        content="Question: How many people were evacuated?\n[1] Rain fell.\n[2] Officials said 1,200 people "
        "were evacuated.\n[3] Another 300 people were evacuated on Monday.\n[4] Roads closed. Reply:",
    ),
]


def test_a_flat_schema_is_written_key_by_key_and_only_its_values_generated(local, monkeypatch):
    """The readers' schemas: keys and punctuation are fed, not generated, so
    llama.cpp's grammar sampler is never used; the reply still obeys every
    bound of the schema, whatever a tiny model would rather write."""

    def no_grammar(*args, **kwargs):
        raise AssertionError("a flat schema went to the grammar sampler")

    monkeypatch.setattr(local._llama, "create_chat_completion", no_grammar)
    reading = parse_json(local.chat(SENTENCES, max_tokens=40, schema=READING).text)
    assert list(reading) == ["answers", "sentences", "answer"]
    assert isinstance(reading["answers"], bool)
    assert len(reading["sentences"]) <= 2 and all(isinstance(n, int) for n in reading["sentences"])
    assert isinstance(reading["answer"], str) and len(reading["answer"]) <= 24
    verdict = parse_json(local.chat(SENTENCES, max_tokens=8, schema=VERDICT).text)
    assert isinstance(verdict["sentence"], int) and verdict["same"] in ("yes", "no", "unclear")


def test_each_value_is_the_models_own_greedy_choice(local):
    """The code writes the keys; the model decides the values: "answers" is
    whichever of true and false the model ranks higher after the key."""
    import numpy as np

    guided = parse_json(local.chat(SENTENCES, max_tokens=40, schema=READING).text)
    llama = local._llama
    prompt = local._prompt_tokens(SENTENCES) + llama.tokenize(b'{"answers":', add_bos=False, special=False)
    llama.n_tokens = 0
    llama.eval(prompt)
    logits = np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(llama.n_vocab(),))
    true, false = (llama.tokenize(word, add_bos=False, special=False)[0] for word in (b" true", b" false"))
    assert guided["answers"] == bool(logits[true] > logits[false])


def test_schemas_beyond_flat_values_are_left_to_the_grammar():
    from consistency.llm.guided import Guide

    assert Guide.supports(READING) and Guide.supports(VERDICT)
    assert not Guide.supports(SCHEMA)  # the extraction schema nests objects in arrays
    assert not Guide.supports({**VERDICT, "required": ["sentence"]})  # an optional key is the grammar's


@pytest.mark.slow
def test_the_system_prompt_state_is_cached_on_disk_and_reused(smollm_path, tmp_path, monkeypatch):
    monkeypatch.setenv("CONSISTENCY_CACHE", str(tmp_path))
    messages = [Message(role="system", content="You are terse. " * 20), Message(role="user", content="Say hi.")]
    first = LocalLLM(smollm_path, n_ctx=2048).chat(messages, max_tokens=4).text
    assert list((tmp_path / "prefix-states").glob("*.pickle"))
    # A fresh model context (as in a new process) loads the state and gives the same greedy reply.
    from consistency.llm import backends as llm_module

    llm_module._LOADED.clear()
    assert LocalLLM(smollm_path, n_ctx=2048).chat(messages, max_tokens=4).text == first


def assert_same_facts(with_model, extractive):
    assert with_model.status == extractive.status
    assert with_model.claims == extractive.claims
    assert with_model.conflicts == extractive.conflicts
    assert with_model.citations == extractive.citations


def assert_shown_text_is_verified(answer):
    """What is shown is either the validated prose plus the code's conflict
    paragraphs, or the extractive answer."""
    generation = answer.llm
    if generation.status in ("verified", "repaired"):
        prose = answer.answer.removesuffix(answer.facts_text).strip()
        assert (
            validate(prose, answer.citations, answer.facts_text, conflict=bool(answer.conflicts)).status == "verified"
        )
    assert answer.answer.endswith(answer.facts_text)


@pytest.mark.slow
def test_ask_with_the_local_model_keeps_the_codes_facts(corpus_checker, smollm_path):
    checker = with_llm(corpus_checker, reader="rules", backend="local", model_path=smollm_path, n_ctx=2048)
    extractive = corpus_checker.with_reader("rules").ask(DRONES)
    answer = checker.ask(DRONES)
    assert answer.llm.backend == "local" and answer.llm.model == smollm_path.stem
    assert answer.llm.prompt.startswith("answer.user@")
    assert_generation_is_honest(answer.llm.model_dump(), answer.answer, extractive.answer)
    assert_same_facts(answer, extractive)
    assert_shown_text_is_verified(answer)
    assert "500 drones and missiles" in answer.answer and "550" in answer.answer  # the conflict is never dropped
    assert answer.timings.generate > 0


def test_no_llm_call_when_the_sources_do_not_answer(corpus_checker, smollm_path):
    checker = with_llm(corpus_checker, backend="local", model_path=smollm_path, n_ctx=2048)
    answer = checker.ask("How many tanks did Canada send to Mars?")
    assert answer.status == "not_found" and answer.llm.status == "skipped"
    assert answer.timings.generate < 0.5


@pytest.fixture(scope="module")
def llama_server(smollm_path, tmp_path_factory):
    """llama-cpp-python's OpenAI-compatible server, a real process on loopback."""
    port = free_port()
    log = (tmp_path_factory.mktemp("llama-server") / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(smollm_path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--model_alias",
            "smollm2",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=1) as response:
                if json.load(response)["data"]:
                    break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited; see {log.name}") from None
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("llama_cpp.server did not start in 60 s")
    yield url
    process.terminate()
    process.wait(10)


@pytest.mark.slow
def test_openai_compatible_backend_against_a_real_server(corpus_checker, llama_server):
    checker = with_llm(
        corpus_checker, reader="rules", backend="openai-compatible", base_url=llama_server, model="smollm2", timeout=60
    )
    answer = checker.ask(DRONES)
    assert answer.llm.backend == "openai-compatible" and answer.llm.model == "smollm2"
    extractive = corpus_checker.with_reader("rules").ask(DRONES)
    assert_generation_is_honest(answer.llm.model_dump(), answer.answer, extractive.answer)
    assert_same_facts(answer, extractive)
    assert_shown_text_is_verified(answer)


@pytest.mark.slow
def test_openai_compatible_server_honours_the_json_schema(llama_server):
    remote = RemoteLLM("openai-compatible", "smollm2", llama_server, "not-needed", timeout=60, retries=0)
    reply = remote.chat(
        [Message(role="user", content="The missile was an ICBM, Kyiv said. Extract claims as JSON.")],
        max_tokens=MAX_EXTRACT_TOKENS,
        schema=SCHEMA,
    )
    Extraction.model_validate(parse_json(reply.text))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_server_that_is_down_falls_back_to_the_extractive_answer(corpus_checker):
    checker = with_llm(
        corpus_checker, backend="openai-compatible", base_url=f"http://127.0.0.1:{free_port()}/v1", retries=1, timeout=5
    )
    answer = checker.ask(DRONES)
    assert answer.llm.status == "unavailable"
    assert "cannot reach the LLM server" in answer.llm.note
    assert answer.answer == corpus_checker.ask(DRONES).answer


def test_a_local_backend_that_cannot_start_falls_back(corpus_checker, tmp_path):
    not_a_model = tmp_path / "model.gguf"
    not_a_model.write_bytes(b"GGUF but not really")
    checker = with_llm(corpus_checker, backend="local", model_path=not_a_model)
    answer = checker.ask(DRONES)
    assert answer.llm.status == "unavailable" and "cannot load the model" in answer.llm.note
    assert answer.status == "conflict"
