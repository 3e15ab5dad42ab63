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
else. If the backend fails mid-question, the typed reader answers instead
and `Answer.llm` says so.
"""

from __future__ import annotations

import json
import time

from pydantic import BaseModel, Field, ValidationError

from ..extract.question import Question
from ..llm.backends import LLM, LLMUnavailable, Message, parse_json
from ..llm.prompts import load
from ..models import Generation
from .interface import ReaderResult, Reading, SourceCandidates
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


class SourceReply(BaseModel):
    answers: bool
    sentences: list[int] = Field(default_factory=list)
    answer: str = ""


class LLMReader:
    """The `EvidenceReader` of an LLM."""

    name = "llm"

    def __init__(self, llm: LLM):
        self.llm = llm
        self.system = load("read.system")
        self.user = load("read.user")
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

    def read(self, question: Question, candidates: list[SourceCandidates]) -> ReaderResult:
        if not candidates:
            return ReaderResult(readings=[], generation=self.generation("skipped"))
        started = time.perf_counter()
        readings: list[Reading] = []
        replies: list[str] = []
        try:
            for group in candidates:
                reply = self._ask(question, group)
                replies.append(reply)
                readings.extend(_reading(group, reply))
        except LLMUnavailable as error:
            typed = self.fallback.read(question, candidates)
            note = f"{error}; the typed reader answered"
            return ReaderResult(typed.readings, self.generation("unavailable", note), time.perf_counter() - started)
        draft = "\n".join(replies)
        return ReaderResult(readings, self.generation("verified", draft=draft), time.perf_counter() - started)

    def _ask(self, question: Question, group: SourceCandidates) -> str:
        source = group.source
        label = f"“{source.title}”" + (f" ({source.outlet})" if source.outlet else "")
        sentences = "\n".join(f"[{s.number}] {_one_line(s.text)}" for s in group.sentences)
        messages = [
            Message(role="system", content=self.system.fill()),
            Message(role="user", content=self.user.fill(question=question.text, source=label, sentences=sentences)),
        ]
        return self.llm.chat(messages, max_tokens=MAX_REPLY_TOKENS, schema=SCHEMA).text


def _reading(group: SourceCandidates, reply: str) -> list[Reading]:
    """The model's reply as a reading (not yet verified); nothing for a
    reply that says the source does not answer, or that is not the schema."""
    try:
        parsed = SourceReply.model_validate(parse_json(reply))
    except (ValueError, ValidationError, json.JSONDecodeError):
        return []
    if not parsed.answers or not parsed.answer.strip():
        return []
    return [Reading(group.source.id, list(dict.fromkeys(parsed.sentences)), parsed.answer)]


def _one_line(text: str) -> str:
    return " ".join(text.split())
