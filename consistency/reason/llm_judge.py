"""A claim without numbers -> a verdict, read by the LLM source by source.

Each source's few candidate sentences are shown, numbered, with the claim;
the model names (JSON under a schema) the sentence about the claim's thing
and whether it says the same ("yes": supports), something different ("no":
contradicts) or neither ("unclear": says nothing). Asked that way, the
1.5B local model answered 5 of 7 trial claims right; asked to choose
"supports / contradicts / says nothing" outright, it said "contradicts" to
nearly every one. Code then keeps a stance only if it can stand behind it:

- either: the cited sentence uses at least half of the claim's words other
  than its names and dates (a sentence on another matter takes no stance,
  whatever the model says);
- support: the sentences hold every name and date the claim states (in
  their own form: "Canadian" for "Canada"); a claim with no name or date
  needs most of its words there;
- contradiction: the sentences hold all but one of the claim's names and
  dates and give another of that one's kind instead (the claim says
  Qatar, the sentence says Oman).

What the model says that fails is dropped, never shown; the typed judge's
stances fill the sources the model said nothing verifiable about, and code
combines them all (reason/judge.py). A claim with an amount is not put to
the model this way: its figures are compared by code (reason/check.py), and
where those rules find nothing the model only reads the sources for the
claim's figure as for a question (reason/judge.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from ..extract.mentions import MentionReader
from ..extract.question import Question
from ..llm.backends import LLM, LLMUnavailable, Message, parse_json
from ..llm.prompts import load
from ..models import Mention, Passage, Source, Verdict
from ..text.dates import WrittenDate, date_spans, find_date_values
from ..text.names import same_value
from ..text.sentences import sentence_before
from ..text.terms import terms
from . import candidates as candidate_selection
from .check import read_claim
from .interface import Candidate, Evidence, SentenceScorer, SourceCandidates
from .judge import CHECK_RELATIVE, ReadingJudge, Stance, Stances, verdict_of
from .verify import named_in

MAX_REPLY_TOKENS = 40
WORD_SUPPORT = 0.6  # of a claim's words, when it names nothing, for a support to stand
ON_TOPIC = 0.5  # of a claim's other words, beside its names and dates, for any stance to stand
SCHEMA = {
    "type": "object",
    "properties": {
        "sentence": {"type": "integer"},
        "same": {"type": "string", "enum": ["yes", "no", "unclear"]},
    },
    "required": ["sentence", "same"],
    "additionalProperties": False,
}


class StanceReply(BaseModel):
    sentence: int = Field(description="the sentence about the claim's thing; 0: none")
    same: Literal["yes", "no", "unclear"]

    @property
    def verdict(self) -> str:
        if self.sentence == 0 or self.same == "unclear":
            return "says_nothing"
        return "supports" if self.same == "yes" else "contradicts"


@dataclass(frozen=True)
class Value:
    """A name or a date a claim states."""

    kind: str  # person | organisation | place | group | thing | date
    text: str


class LLMJudge:
    """The `ClaimJudge` with an LLM for claims without numbers."""

    name = "llm"

    def __init__(self, llm: LLM, typed: ReadingJudge, scorer: SentenceScorer):
        self.llm = llm
        self.typed = typed
        self.scorer = scorer
        self.system = load("judge.system")
        self.user = load("judge.user")

    def judge(self, claim: Question, evidence: Evidence) -> Verdict:
        if read_claim(claim.text):
            return self.typed.judge(claim, evidence)  # figures are compared by code
        try:
            found = self.stances(claim, evidence)
        except LLMUnavailable:
            found = None  # the typed judge reads on its own
        return verdict_of(claim.text, found, evidence) if found else self.typed.judge(claim, evidence)

    def stances(self, claim: Question, evidence: Evidence) -> Stances | None:
        """Each source's stance that code verified of the model's, and the
        typed judge's where the model gave none that stands (None: neither
        found any)."""
        groups = candidate_selection.select(claim, evidence, self.scorer, keep_relative=CHECK_RELATIVE)
        values = claim_values(claim.text)
        stances: list[Stance] = []
        for group in groups:
            stance = verified_stance(claim, values, group, self._ask(claim, group))
            if stance is not None:
                stances.append(stance)
        typed = self.typed.stances(claim, evidence)
        read = {s.source_id for s in stances}
        extra = [s for s in (typed.stances if typed else []) if s.source_id not in read]
        if not stances and not extra:
            return None
        return Stances(stances + extra, typed.asked if typed else None)

    def _ask(self, claim: Question, group: SourceCandidates) -> str:
        source = group.source
        label = f"“{source.title}”" + (f", {source.outlet}" if source.outlet else "")
        sentences = "\n".join(f"[{s.number}] {' '.join(s.text.split())}" for s in group.sentences)
        messages = [
            Message(role="system", content=self.system.fill()),
            Message(role="user", content=self.user.fill(claim=claim.text, source=label, sentences=sentences)),
        ]
        return self.llm.chat(messages, max_tokens=MAX_REPLY_TOKENS, schema=SCHEMA).text


def claim_values(text: str) -> list[Value]:
    """The names and dates a claim states, as the small NER model reads them."""
    source = Source(id="claim", title="", path="", text=text, content_hash="claim")
    passage = Passage(id="claim", source_id="claim", title="", start=0, end=len(text), text=text)
    MentionReader().annotate([source], [passage])
    values = [Value(m.kind, m.text) for m in passage.mentions if m.kind != "date"]
    values += [Value("date", text[start:end]) for _, start, end in date_spans(text)]
    return list(dict.fromkeys(values))


def verified_stance(claim: Question, values: list[Value], group: SourceCandidates, reply: str) -> Stance | None:
    """The model's stance for one source, if code can stand behind it."""
    try:
        parsed = StanceReply.model_validate(parse_json(reply))
    except (ValueError, ValidationError, json.JSONDecodeError):
        return None
    if parsed.verdict == "says_nothing":
        return None
    offered = {s.number: s for s in group.sentences}
    if parsed.sentence not in offered:
        return None  # a sentence it was not shown for this source
    cited = [offered[parsed.sentence]]
    source = group.source
    if _on_topic(claim.text, values, cited) < ON_TOPIC:
        return None  # a sentence about something else, whatever the model says
    context = " ".join([*(s.text for s in cited), sentence_before(source.text, cited[0].start), source.title])
    mentions = [m for s in cited for m in s.mentions]
    missing = [v for v in values if not _stated(v, context, mentions, source.published)]
    value = " ".join(s.text for s in cited)
    if parsed.verdict == "supports":
        if missing or (not values and _on_topic(claim.text, values, cited) < WORD_SUPPORT):
            return None
        return Stance(source.id, True, cited, value, reader="llm")
    # At odds: the sentence keeps all but one of the claim's values and gives
    # another of that one's kind instead.
    if len(missing) != 1 or not _another_of_its_kind(missing[0], values, cited, mentions):
        return None
    return Stance(source.id, False, cited, value, reader="llm")


def _on_topic(claim: str, values: list[Value], cited: list[Candidate]) -> float:
    """The share of the claim's words, its names and dates aside, that the
    cited sentences use: what keeps a stance on the claim's own matter."""
    named = {t for v in values for t in terms(v.text)}
    wanted = set(terms(claim)) - named
    if not wanted:
        return 1.0
    said = set(terms(" ".join(s.text for s in cited)))
    return sum(1 for w in wanted if named_in(w, said)) / len(wanted)


def _stated(value: Value, context: str, mentions: list[Mention], published: str | None) -> bool:
    if value.kind == "date":
        # "in October 2022": said by the sentence, or by a report of that time
        # about what had just happened.
        claimed = find_date_values(value.text)
        given = find_date_values(context) + [d for d in [WrittenDate.from_iso(published or "")] if d]
        return any(claimed and claimed[0].compatible(date) for date in given)
    if any(same_value(value.text, m.text) for m in mentions):
        return True
    words = set(terms(context))
    wanted = set(terms(value.text))
    return bool(wanted) and all(named_in(w, words) for w in wanted)


def _another_of_its_kind(value: Value, values: list[Value], cited: list[Candidate], mentions: list[Mention]) -> bool:
    """The cited sentences give another value where the claim gives `value`:
    another date, or a name of the same kind the claim does not state."""
    if value.kind == "date":
        return any(find_date_values(s.text) for s in cited)
    kinds = {value.kind} | ({"person", "organisation", "group"} if value.kind in ("person", "organisation") else set())
    claimed = [v.text for v in values]
    if any(m.kind in kinds and not any(same_value(m.text, c) for c in claimed) for m in mentions):
        return True
    # Models and products are often named by code ("RS-26", "A320"), which
    # the small NER model misses: one the claim does not give is another thing.
    codes = {c for s in cited for c in re.findall(r"\b[A-Z][A-Za-z]*-?\d[\w-]*\b", s.text)}
    return value.kind in ("thing", "organisation") and any(not any(c in v for v in claimed) for c in codes)
