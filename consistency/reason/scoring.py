"""Evidence -> its sentences, scored for how well they answer a question.

Coverage is the share of the question's information (idf-weighted terms)
that a sentence holds; similarity is how close the two are in meaning
(MiniLM cosine), which finds the answer worded differently ("freed and sent
home" for "release ... returned").

Embedding the candidate sentences is most of a question's cost without an
LLM; the same sentences come back question after question (a server, the
eval, a chat), so their vectors are kept, a bounded number of them.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import numpy as np

from ..extract.claims import is_instruction
from ..extract.question import Question
from ..index.lexical import LexicalIndex
from ..text.countries import fold_countries, terms_and_countries
from ..text.sentences import sentence_before, sentence_spans
from ..text.terms import terms
from .interface import Embedder, Evidence, ScoredSentence

CONTEXT_WEIGHT = 0.5  # a term found only in the sentence before counts half
MAX_SCORED = 120  # sentences embedded per question (top_k passages hold fewer)
KEPT_VECTORS = 20_000  # sentence vectors kept between questions (about 30 MB)
_STATES_A_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?|billions?)\b",
    re.I,
)


class TermsAndMeaning:
    """The `SentenceScorer`: half idf-weighted term coverage, half MiniLM similarity."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._vectors_lock = threading.Lock()

    def score(self, question: Question, evidence: Evidence, ignore_numbers: bool = False) -> list[ScoredSentence]:
        """Every sentence of the passages, best first. A claim under check
        ignores its own numbers: they are compared by code, and a wrong
        figure must still find the sentence that contradicts it."""
        weights = {
            t: w
            for t, w in weighted_terms(question.text, evidence.lexical).items()
            if not (ignore_numbers and t[:1].isdigit())
        }
        total = sum(weights.values()) or 1.0
        by_last_name = _by_last_name(question)
        found: list[ScoredSentence] = []
        texts: list[str] = []
        seen: set[tuple[str, int]] = set()
        for passage in evidence.passages:
            source = evidence.sources.get(passage.source_id)
            if source is None:
                continue
            title = terms_and_countries(f"{source.title} {source.outlet or ''}")
            spans = with_neighbours(source.text, passage.start, passage.end)
            previous = terms_and_countries(sentence_before(source.text, spans[0][0])) if spans else frozenset()
            for start, end in spans:
                sentence = source.text[start:end]
                present = terms_and_countries(sentence)
                context, previous = (previous | title) - present, present
                if (
                    (source.id, start) in seen
                    or (question.asks_number and not states_a_number(sentence))
                    or is_instruction(sentence)
                ):
                    continue
                seen.add((source.id, start))
                # A fact often leans on the sentence before it ("...in retaliation
                # for the bridge attack. ...84 cruise missiles...") or on the
                # article's title: words found only there count half.
                # A full name is shortened to its last word after first use
                # ("Larry Gilbert" ... "Gilbert won"): the rest counts half too.
                implied = {t for last, rest in by_last_name.items() if last in present for t in rest}
                covered = sum(w for t, w in weights.items() if t in present)
                covered += CONTEXT_WEIGHT * sum(w for t, w in weights.items() if t in context | (implied - present))
                found.append(ScoredSentence(source.id, start, end, coverage=covered / total, passage=passage.score))
                texts.append(sentence)
        if not found:
            return []
        found, texts = found[:MAX_SCORED], texts[:MAX_SCORED]
        similarities = self._sentence_vectors(texts) @ self.embedder.embed_one(question.text)
        for scored, similarity in zip(found, similarities, strict=True):
            scored.similarity = float(similarity)
        return sorted(found, key=lambda s: s.score, reverse=True)

    def _sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """The embedder's vectors, each sentence embedded once while kept."""
        with self._vectors_lock:
            known = {text: self._vectors[text] for text in texts if text in self._vectors}
            for text in known:
                self._vectors.move_to_end(text)
        missing = [text for text in dict.fromkeys(texts) if text not in known]
        if missing:
            known.update(zip(missing, self.embedder.embed(missing), strict=True))
            with self._vectors_lock:
                self._vectors.update((text, known[text]) for text in missing)
                while len(self._vectors) > KEPT_VECTORS:
                    self._vectors.popitem(last=False)
        return np.stack([known[text] for text in texts])


def _by_last_name(question: Question) -> dict[str, frozenset[str]]:
    """The terms of each full name the question uses, by its last word's term."""
    found: dict[str, frozenset[str]] = {}
    for name in question.full_names:
        *first, last = name.split()
        last_terms, first_terms = terms(last), frozenset(terms(" ".join(first)))
        if len(last_terms) == 1 and first_terms:
            found[last_terms[0]] = found.get(last_terms[0], frozenset()) | first_terms
    return found


def with_neighbours(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of text[start:end] and the one on either side of it: a
    passage cut at a paragraph often ends just before the sentence with the
    figure ("...a record air attack overnight." / "A record 539 drones ...")."""
    before = len(text[:start].rstrip())  # the end of the paragraph before, over blank lines
    window_start = text.rfind("\n", 0, before) + 1
    after = len(text) - len(text[end:].lstrip())  # the start of the paragraph after
    window_end = text.find("\n", after)
    spans = sentence_spans(text, window_start, len(text) if window_end < 0 else window_end)
    inside = [i for i, (a, b) in enumerate(spans) if a < end and b > start]
    if not inside:
        return spans
    return spans[max(0, inside[0] - 1) : inside[-1] + 2]


def states_a_number(sentence: str) -> bool:
    """Digits or a number word: what a sentence answering "how many" or "when" must hold."""
    return bool(_STATES_A_NUMBER.search(sentence))


def weighted_terms(text: str, lexical: LexicalIndex) -> dict[str, float]:
    """The text's terms known to the index, by idf. A country it names as an
    actor is one term ("country:Estonia"), weighing what its words weighed:
    "Norwegian assistance to Tallinn" is answered by "provided by Norway to
    Estonia"."""
    rest, countries = fold_countries(text)
    weights = {
        term: sum(lexical.idf(t) for t in terms(words) if lexical.known(t)) or 1.0 for term, words in countries.items()
    }
    weights.update({t: lexical.idf(t) for t in terms(rest) if lexical.known(t)})
    return weights
