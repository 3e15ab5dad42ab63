"""The reader with an LLM: one short, schema-constrained call per source.

Each call shows the question and that source's few candidate sentences,
numbered, and the model says (JSON, grammar-constrained with llama.cpp,
`json_schema` with OpenAI-compatible servers) whether they answer, which
sentences do, and the answer as written there. One source at a time is
what a small model reads well (handed five passages at once it invented
numbers); the question comes first in the prompt so that llama.cpp reuses
its evaluated state from one source's call to the next, and the fixed
system prompt's state is cached on disk (llm/backends.py).

The model only reads: code verifies every reading and decides everything
else. The typed reader reads the same sentences, and what it reads that
verifies and that the model's readings do not already say is kept beside
them (a 1.5B model often says "no" to a sentence that plainly answers);
each reading says which reader made it. If
the backend fails mid-question, the typed reader answers instead and
`Answer.llm` says so.
"""

from __future__ import annotations

import json
import time
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from ..extract.question import Question
from ..llm.backends import LLM, LLMUnavailable, Message, parse_json
from ..llm.prompts import load
from ..models import Generation
from .interface import DraftCallback, ReaderResult, Reading, SourceCandidates
from .typed import TypedReader

MAX_REPLY_TOKENS = 90
SCHEMA = {
    "type": "object",
    "properties": {
        "answers": {"type": "boolean"},
        "sentences": {"type": "array", "items": {"type": "integer"}, "maxItems": 3},
        "answer": {"type": "string", "maxLength": 160},
    },
    "required": ["answers", "sentences", "answer"],
    "additionalProperties": False,
}


ALL_SCHEMA = {
    "type": "object",
    "properties": {
        "readings": {
            "type": "array",
            "maxItems": 6,
            "items": {
                "type": "object",
                "properties": {
                    "sentences": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3},
                    "answer": {"type": "string", "maxLength": 160},
                },
                "required": ["sentences", "answer"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["readings"],
    "additionalProperties": False,
}
Mode = Literal["per-source", "one-call"]


class SourceReply(BaseModel):
    answers: bool
    sentences: list[int] = Field(default_factory=list)
    answer: str = ""


class ItemReply(BaseModel):
    sentences: list[int] = Field(default_factory=list)
    answer: str = ""


class AllReply(BaseModel):
    readings: list[ItemReply] = Field(default_factory=list)


class LLMReader:
    """The `EvidenceReader` of an LLM."""

    def __init__(self, llm: LLM, mode: Mode = "per-source"):
        self.llm = llm
        self.mode = mode
        self.name = "llm" if mode == "per-source" else "llm-one-call"
        prefix = "read" if mode == "per-source" else "read_all"
        self.system = load(f"{prefix}.system")
        self.user = load(f"{prefix}.user")
        self.fallback = TypedReader()

    def generation(self, status: str, note: str | None = None, draft: str | None = None) -> Generation:
        return Generation(
            backend=self.llm.backend,
            model=self.llm.model,
            prompt=self.user.label,
            status=status,
            note=note,
            draft=draft,
        )

    def read(
        self, question: Question, candidates: list[SourceCandidates], on_draft: DraftCallback | None = None
    ) -> ReaderResult:
        """Each source's reading, and (to `on_draft`) a line per reading as
        it is read: the source and what the model says it answers."""
        if not candidates:
            return ReaderResult(readings=[], generation=self.generation("skipped"))
        started = time.perf_counter()
        readings: list[Reading] = []
        replies: list[str] = []
        try:
            if self.mode == "one-call":
                reply = self._ask_all(question, candidates)
                replies.append(reply)
                readings.extend(_drafted(_readings(candidates, reply), candidates, on_draft))
            for group in candidates if self.mode == "per-source" else []:
                reply = self._ask(question, group)
                replies.append(reply)
                readings.extend(_drafted(_reading(group, reply), [group], on_draft))
        except LLMUnavailable as error:
            note = f"{error}; the typed reader answered"
            fallen_back = self.fallback.read(question, candidates).readings
            return ReaderResult(fallen_back, self.generation("unavailable", note), time.perf_counter() - started)
        draft = "\n".join(replies)
        typed = self.fallback.read(question, candidates).readings
        generation = self.generation("verified", draft=draft)
        return ReaderResult(readings, generation, time.perf_counter() - started, fallbacks=typed)

    def _ask(self, question: Question, group: SourceCandidates) -> str:
        label = _label(group)
        sentences = "\n".join(f"[{s.number}] {_one_line(s.text)}" for s in group.sentences)
        messages = [
            Message(role="system", content=self.system.fill()),
            Message(role="user", content=self.user.fill(question=question.text, source=label, sentences=sentences)),
        ]
        return self.llm.chat(messages, max_tokens=MAX_REPLY_TOKENS, schema=SCHEMA).text

    def _ask_all(self, question: Question, candidates: list[SourceCandidates]) -> str:
        blocks = "\n\n".join(
            f"Source {index} ({_label(group)}):\n"
            + "\n".join(f"[{s.number}] {_one_line(s.text)}" for s in group.sentences)
            for index, group in enumerate(candidates, start=1)
        )
        messages = [
            Message(role="system", content=self.system.fill()),
            Message(role="user", content=self.user.fill(question=question.text, sources=blocks)),
        ]
        return self.llm.chat(messages, max_tokens=MAX_REPLY_TOKENS * 2, schema=ALL_SCHEMA).text


def _drafted(readings: list[Reading], groups: list[SourceCandidates], on_draft: DraftCallback | None) -> list[Reading]:
    if on_draft is not None:
        labels = {group.source.id: _label(group) for group in groups}
        for reading in readings:
            on_draft(f"{labels.get(reading.source_id, reading.source_id)}: {_one_line(reading.answer)}\n")
    return readings


def _label(group: SourceCandidates) -> str:
    source = group.source
    return f"“{source.title}”" + (f", {source.outlet}" if source.outlet else "")


def _readings(candidates: list[SourceCandidates], reply: str) -> list[Reading]:
    """One call's readings, each given to the source of its first sentence
    (a reading that mixes sources fails verification)."""
    try:
        parsed = AllReply.model_validate(parse_json(reply))
    except (ValueError, ValidationError, json.JSONDecodeError):
        return []
    owner = {s.number: group.source.id for group in candidates for s in group.sentences}
    readings = []
    for item in parsed.readings:
        numbers = list(dict.fromkeys(item.sentences))
        if item.answer.strip() and numbers:
            readings.append(Reading(owner.get(numbers[0], "unknown"), numbers, item.answer, reader="llm"))
    return readings


def _reading(group: SourceCandidates, reply: str) -> list[Reading]:
    """The model's reply as a reading (not yet verified); nothing for a
    reply that says the source does not answer, or that is not the schema."""
    try:
        parsed = SourceReply.model_validate(parse_json(reply))
    except (ValueError, ValidationError, json.JSONDecodeError):
        return []
    if not parsed.answers or not parsed.answer.strip():
        return []
    return [Reading(group.source.id, list(dict.fromkeys(parsed.sentences)), parsed.answer, reader="llm")]


def _one_line(text: str) -> str:
    return " ".join(text.split())
