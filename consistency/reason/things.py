"""Which stated amounts count what a question asks: by word first, by
meaning when the question words the thing otherwise than every source.

"How many unmanned aircraft ..." is answered by "539 locally built drones":
no word in common. Where some candidate sentence counts the asked thing in
the question's own word, only those figures count it (the strict rule that
keeps "how many tanks" from being answered by a count of drones). Where
none does, a figure counts it when the phrase of its things is close in
meaning to the question's (MiniLM cosine) and the closest of the figures
read: measured on short phrases, distinct kinds of thing ("tanks",
"drones") stay below the bar while other words for one kind clear it
("unmanned aircraft", "drones"). A figure the LLM chose, a second reader
agreeing, needs a little less.
"""

from __future__ import annotations

import re

import numpy as np

from ..extract.question import Question
from ..models import StatedClaim
from ..text.countries import countries_meant
from ..text.lexicon import CONSEQUENCE_ROLES, QUALIFIERS, role_answers
from .interface import Evidence

SAME_THING = 0.55  # cosine of two phrases for one kind of thing, measured on short news phrases
SAME_THING_AGREED = 0.5  # when the LLM, too, read the figure as the answer
NEAR_BEST = 0.05  # how close to the best figure's similarity another may be and still count

_NUMBER_WORDS = re.compile(
    r"^(?:[$€£¥]?[\d.,]+\s*(?:bn|m|k|million|billion|thousand|hundred)?\b|a|an|the|some|about|around|nearly|"
    r"almost|over|more|than|at|least|up|to|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"dozens?|hundreds?|thousands?|millions?|of)\s+",
    re.I,
)


def counting_claims(question: Question, evidence: Evidence) -> dict[str, float]:
    """The evidence's numeric claims that count what the question asks, each
    with how sure the match is (1.0 by word, the cosine by meaning); worked
    out once per question and evidence."""
    key = ("counting", question.text)
    if key not in evidence.memo:
        evidence.memo[key] = _counting(question, evidence)
    found = evidence.memo[key]
    assert isinstance(found, dict)
    return found


def _counting(question: Question, evidence: Evidence) -> dict[str, float]:
    numeric = [c for c in evidence.claims.claims if c.kind == "numeric" and c.quantity is not None]
    if not question.counted:
        return {c.id: 1.0 for c in numeric}
    by_word = {c.id: 1.0 for c in numeric if c.amount.things and question.counts(c.amount.things)}
    if by_word or not question.counted_phrase or evidence.embedder is None:
        return by_word
    return _by_meaning(question, numeric, evidence)


def counts_it(question: Question, claim: StatedClaim, evidence: Evidence, agreed: bool = False) -> bool:
    """Does the claim count what is asked? `agreed`: the LLM read it so."""
    sureness = counting_claims(question, evidence).get(claim.id)
    if sureness is None:
        return False
    return sureness >= (SAME_THING_AGREED if agreed else SAME_THING)


def fits_the_measure(question: Question, claim: StatedClaim, evidence: Evidence, agreed: bool = False) -> bool:
    """An amount of what the question asks: counting its thing (in the role
    asked, when both say), else in a unit it asks for, else any amount."""
    quantity = claim.amount
    if question.role and quantity.role and not role_answers(question.role, quantity.role):
        return False
    if question.asks_size and quantity.role in CONSEQUENCE_ROLES:
        return False
    if question.counted and counts_it(question, claim, evidence, agreed):
        return True
    if question.units:
        return quantity.unit in question.units  # "how many days": a "30-day" pause counts none
    return not question.counted


def _without_whose(phrase: str) -> str:
    """The phrase without the people it belongs to ("Estonian
    counter-offensives" -> "counter-offensives"): whose they are says
    nothing of what kind of thing they are, and would match any count of
    that people's things ("several Estonian brigades")."""
    words = [w for w in phrase.split() if not countries_meant(w)]
    return " ".join(words) or phrase


def thing_phrase(claim: StatedClaim) -> str:
    """The words of an amount that name its things ("539 locally built
    drones" -> "locally built drones")."""
    text = claim.amount.text
    while True:
        stripped = _NUMBER_WORDS.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    words = [w for w in text.split() if w.lower() not in QUALIFIERS]
    return " ".join(words) or " ".join(claim.amount.things)


def _by_meaning(question: Question, numeric: list[StatedClaim], evidence: Evidence) -> dict[str, float]:
    counted = [c for c in numeric if c.amount.things and not set(c.amount.things) & set(question.excluded)]
    if not counted or evidence.embedder is None or question.counted_phrase is None:
        return {}
    # A figure is as close as its phrase or its bare noun ("Swiss-made trucks",
    # "truck"), and the nouns compete: the closest kind of thing, not the
    # closest wording of it, is what the question counts.
    phrases = {c.id: _without_whose(thing_phrase(c)) for c in counted}
    texts = list(dict.fromkeys([*phrases.values()] + [t for c in counted for t in c.amount.things]))
    vectors = evidence.embedder.embed(texts)
    asked = evidence.embedder.embed_one(_without_whose(question.counted_phrase))
    similarity = {text: float(s) for text, s in zip(texts, np.asarray(vectors @ asked), strict=True)}
    by_thing: dict[str, float] = {}
    for claim in counted:
        sureness = max([similarity[phrases[claim.id]], *(similarity[t] for t in claim.amount.things)])
        for thing in claim.amount.things:
            by_thing[thing] = max(by_thing.get(thing, 0.0), sureness)
    best = max(by_thing.values())
    close = {thing: s for thing, s in by_thing.items() if s >= best - NEAR_BEST}
    return {
        c.id: max(close[t] for t in c.amount.things if t in close) for c in counted if set(c.amount.things) & set(close)
    }
