"""The reasoning stages' interfaces, and what flows between them.

    Evidence (passages, their sources, the lexical index, their claims)
      -> SentenceScorer: which sentences answer, best first
      -> QuestionReader: the answer, its citations, claims and conflicts
      -> ClaimComparator: whether two claims are about one thing, and disagree

Checker builds the evidence once per question and hands it to the reader it
was given; the eval harness can inject another implementation of any stage
and score the two side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..extract.question import Question
from ..index.lexical import LexicalIndex
from ..models import Answer, Generation, Mention, Passage, Source, StatedClaim, Verdict


@dataclass
class Side:
    claims: list[StatedClaim]  # one claim, or the parts of a breakdown
    low: float
    high: float
    label: str  # "500 drones and missiles", "539 drones + 11 missiles = 550"

    @property
    def stated(self) -> float | None:
        """The figure as the source states it (a breakdown's sum)."""
        points = [c.amount.point for c in self.claims if c.quantity]
        if not points or any(point is None for point in points):
            return None
        return sum(point for point in points if point is not None)


@dataclass
class Disagreement:
    kind: str  # numeric | qualitative
    severity: str  # minor | major
    summary: str
    explanation: str
    sides: list[Side]
    gap: float = 0.0

    @property
    def claims(self) -> list[StatedClaim]:
        return [claim for side in self.sides for claim in side.claims]

    def key(self) -> frozenset[str]:
        return frozenset(claim.id for claim in self.claims)


@dataclass
class ClaimSet:
    """Claims with their context vectors, indexed by sentence for breakdowns."""

    claims: list[StatedClaim]
    vectors: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, pairs: list[tuple[StatedClaim, np.ndarray]]) -> ClaimSet:
        return cls([claim for claim, _ in pairs], {claim.id: vector for claim, vector in pairs})

    def __post_init__(self) -> None:
        self.by_sentence: dict[tuple[str, int], list[StatedClaim]] = {}
        for claim in self.claims:
            self.by_sentence.setdefault((claim.source_id, claim.start), []).append(claim)

    def siblings(self, claim: StatedClaim) -> list[StatedClaim]:
        return self.by_sentence.get((claim.source_id, claim.start), [])

    def similarity(self, a: StatedClaim, b: StatedClaim) -> float:
        va, vb = self.vectors.get(a.id), self.vectors.get(b.id)
        return float(va @ vb) if va is not None and vb is not None else 1.0


@dataclass(frozen=True)
class Comparison:
    """Two claims set side by side: `related` when they measure the same
    thing of the same event and can be compared at all; `disagreement`
    when, moreover, they cannot both be true."""

    related: bool
    disagreement: Disagreement | None = None


class Embedder(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...

    def embed_one(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Evidence:
    """What a question is answered from: the retrieved passages, the full
    text of their sources (every citation is a slice of it), the lexical
    index (for term weights) and the claims those sources state."""

    passages: list[Passage]
    sources: dict[str, Source]
    lexical: LexicalIndex
    claims: ClaimSet
    embedder: Embedder | None = None  # for meaning where words differ (reason/things.py)
    # What stages work out once per question from this evidence (the event's
    # anchor sentence, an article's terms), kept for the next stage to reuse.
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class ScoredSentence:
    """A sentence of a source, by its span, with how well it answers."""

    source_id: str
    start: int
    end: int
    coverage: float = 0.0
    similarity: float = 0.0
    passage: float = 0.0  # the passage's own similarity to the question: the sentence's surroundings

    @property
    def score(self) -> float:
        return 0.45 * self.coverage + 0.4 * self.similarity + 0.15 * self.passage


class SentenceScorer(Protocol):
    def score(self, question: Question, evidence: Evidence, ignore_numbers: bool = False) -> list[ScoredSentence]:
        """Every sentence of the evidence's passages, best first. A claim
        under check (`ignore_numbers`) ignores its own numbers, which are
        compared by code."""
        ...


class ClaimComparator(Protocol):
    def compare(self, a: StatedClaim, b: StatedClaim, claims: ClaimSet) -> Comparison:
        """Whether two claims are about the same measure of the same event,
        and whether they disagree."""
        ...


@dataclass(frozen=True)
class Candidate:
    """A sentence put before a reader, numbered as the reader sees it."""

    number: int
    source_id: str
    start: int
    end: int
    text: str
    score: float
    mentions: tuple[Mention, ...] = ()  # the names and dates it mentions


@dataclass(frozen=True)
class SourceCandidates:
    """One source's candidate sentences, in the order they appear in it."""

    source: Source
    sentences: list[Candidate]


@dataclass
class Reading:
    """A reader's word on one source: which of its sentences answer and the
    answer as written there. Not yet checked: `reason/verify.py` does that."""

    source_id: str
    numbers: list[int]  # the candidate sentences it cites, by the numbers the reader saw
    answer: str
    about: str | None = None
    reader: str = "typed"  # who made it: llm or typed


# Receives a reader's unverified draft as it is read (a model's reading of
# each source, say), for a progress display; the answer is what code verified.
DraftCallback = Callable[[str], None]


class EvidenceReader(Protocol):
    """Reads the candidate sentences, source by source, for the answer."""

    name: str

    def read(
        self, question: Question, candidates: list[SourceCandidates], on_draft: DraftCallback | None = None
    ) -> ReaderResult:
        """One reading per source that answers (a source may give two)."""
        ...


@dataclass
class ReaderResult:
    readings: list[Reading]
    generation: Generation | None = None  # what the LLM did, for a reader that asked one
    seconds: float = 0.0
    # Another reader's readings, kept where they verify and say something the
    # first reader's do not (the typed reader's, beside the LLM's).
    fallbacks: list[Reading] = field(default_factory=list)


class QuestionReader(Protocol):
    def read(self, question: Question, evidence: Evidence, on_draft: DraftCallback | None = None) -> Answer:
        """The answer from the evidence, every statement cited; `not_found`
        when the evidence does not answer."""
        ...


class ClaimJudge(Protocol):
    def judge(self, claim: Question, evidence: Evidence) -> Verdict:
        """A claim's verdict against the evidence."""
        ...
