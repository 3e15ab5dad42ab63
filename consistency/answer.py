"""Passages -> answer: the sentences that answer, each cited by its exact span.

Extractive: every statement in the answer is a sentence of a source, quoted
verbatim and checked against the stored source text before it is shown.
When no sentence answers well enough the answer abstains (`not_found`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from .chunk import sentence_spans
from .models import Answer, Citation, Passage, Source
from .retrieve import LexicalIndex, terms

log = logging.getLogger(__name__)

# Calibrated on the bundled corpus (tests/test_answer.py holds the cases):
# answerable questions score >= 0.55 coverage with cosine >= 0.35; the
# unanswerable ones stay below one or the other.
MIN_COVERAGE = 0.6
MIN_COSINE = 0.15
KEEP_RELATIVE = 0.6  # keep sentences scoring within 60% of the best
MAX_SENTENCES = 4
CONTEXT_WEIGHT = 0.5

NOT_FOUND_TEXT = "The stored sources do not answer this question."
_QUANTITY_QUESTION = re.compile(r"\b(how (many|much|far|long|large|big)|number of|amount of|what (percentage|share))\b", re.I)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?|billions?)\b", re.I)


@dataclass
class ScoredSentence:
    source_id: str
    start: int
    end: int
    coverage: float
    cosine: float

    @property
    def score(self) -> float:
        return 0.7 * self.coverage + 0.3 * self.cosine


def answer_question(question: str, passages: list[Passage], sources: dict[str, Source], lexical: LexicalIndex) -> Answer:
    scored = score_sentences(question, passages, sources, lexical)
    if not scored or not _answers(scored[0]):
        return Answer(question=question, status="not_found", answer=NOT_FOUND_TEXT)
    chosen = _choose(scored)
    citations = verified_citations(chosen, sources)
    if not citations:
        return Answer(question=question, status="not_found", answer=NOT_FOUND_TEXT)
    text = " ".join(f"{c.quote} [{c.id}]" for c in citations)
    return Answer(question=question, status="answered", answer=text, citations=citations)


def score_sentences(question: str, passages: list[Passage], sources: dict[str, Source], lexical: LexicalIndex) -> list[ScoredSentence]:
    """Every sentence of the passages, best first. Coverage is the share of
    the question's information (idf-weighted terms) that the sentence holds."""
    weights = {t: lexical.idf(t) for t in set(terms(question))}
    total = sum(weights.values()) or 1.0
    wants_number = bool(_QUANTITY_QUESTION.search(question))
    scored: list[ScoredSentence] = []
    seen: set[tuple[str, int]] = set()
    for passage in passages:
        source = sources.get(passage.source_id)
        if source is None:
            continue
        previous = _terms_before(source.text, passage.start)
        for start, end in sentence_spans(source.text, passage.start, passage.end):
            sentence = source.text[start:end]
            present = set(terms(sentence))
            context, previous = previous - present, present
            if (source.id, start) in seen or (wants_number and not _NUMBER.search(sentence)):
                continue
            seen.add((source.id, start))
            # A fact often leans on the sentence before it ("...in retaliation
            # for the Kerch Bridge attack. ...84 cruise missiles..."): words
            # found only there count half.
            covered = sum(w for t, w in weights.items() if t in present)
            covered += CONTEXT_WEIGHT * sum(w for t, w in weights.items() if t in context)
            scored.append(ScoredSentence(source.id, start, end, covered / total, passage.score))
    return sorted(scored, key=lambda s: s.score, reverse=True)


def _terms_before(text: str, start: int) -> set[str]:
    """Terms of the sentence just before `start` (news paragraphs are often
    one sentence, so the context may sit in the paragraph before)."""
    spans = sentence_spans(text, max(0, start - 600), start)
    return set(terms(text[spans[-1][0] : spans[-1][1]])) if spans else set()


def _answers(sentence: ScoredSentence) -> bool:
    return sentence.coverage >= MIN_COVERAGE and sentence.cosine >= MIN_COSINE


def _choose(scored: list[ScoredSentence]) -> list[ScoredSentence]:
    """The answering sentences, one per source first: when sources differ,
    each one's version is shown before any source is quoted twice."""
    best = scored[0].score
    eligible = [s for s in scored if _answers(s) and s.score >= KEEP_RELATIVE * best]
    chosen: list[ScoredSentence] = []
    for round_ in range(MAX_SENTENCES):
        taken = {s.source_id for s in chosen[:]} if round_ == 0 else set()
        for sentence in eligible:
            if len(chosen) == MAX_SENTENCES:
                return chosen
            if sentence not in chosen and sentence.source_id not in taken:
                chosen.append(sentence)
                taken.add(sentence.source_id)
    return chosen


def verified_citations(spans: list[ScoredSentence], sources: dict[str, Source]) -> list[Citation]:
    """Citations numbered from 1; a span whose text is not the stored source
    text (a stale or corrupt record) is dropped and logged, never shown."""
    citations: list[Citation] = []
    for span in spans:
        source = sources[span.source_id]
        quote = source.text[span.start : span.end]
        citation = Citation(id=len(citations) + 1, source=source.id, title=source.title, quote=quote, start=span.start, end=span.end)
        if verify(citation, source):
            citations.append(citation)
        else:
            log.warning("dropped a citation that is not verbatim in %s [%d:%d]", source.id, span.start, span.end)
    return citations


def verify(citation: Citation, source: Source) -> bool:
    return bool(citation.quote) and source.text[citation.start : citation.end] == citation.quote
