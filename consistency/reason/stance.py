"""A sentence's stance on a yes-or-no question: does it assert what the
question asks, or deny it?

"Is X sending missiles to Y?" is answered "yes" by "X is gearing up to
supply Y with hundreds of missiles" and "no" by "X insists there has been
no move to transfer these missiles to Y". The reader (the LLM or the typed
reader) only points at the sentence; code reads the stance off it, by where
the sentence negates or denies something: a denial that governs the
question's own words is a "no", any other sentence about it a "yes", and
one that declines to say ("did not say whether") or asks says neither.
Sources that answer "yes" and "no" are then a conflict, decided by
reason/decide.py like any two values.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from ..text.lexicon import NON_COMMITTAL, negation_spans
from ..text.terms import terms

Stance = Literal["yes", "no"]

REACH_AFTER = 10  # words after a negation that it governs ("no move to transfer these missiles")
REACH_BEFORE = 4  # words before a denial verb that it governs ("reports of transfers, which it denied")

_WORD = re.compile(r"[\w’'-]+")
_DENIAL = re.compile(r"den|reject|dismiss|refut|false|baseless|unfounded|untrue|groundless", re.I)


@lru_cache(maxsize=1024)  # candidates, the typed reader and verification ask of the same sentences
def stance_of(sentence: str, asked: frozenset[str]) -> Stance | None:
    """ "no" where a negation governs one of the question's terms (`asked`,
    as `terms()` gives them), else "yes"; None for a question or a
    sentence that declines to say ("did not say whether")."""
    if sentence.rstrip(" ”’\"'").endswith("?"):
        return None  # a question (a headline's, a rhetorical one) asserts nothing
    if NON_COMMITTAL.search(sentence):
        return None
    words = [(m.start(), set(terms(m.group()))) for m in _WORD.finditer(sentence)]
    for start, end in negation_spans(sentence):
        at = sum(1 for position, _ in words if position < start)
        # "not" and "no" govern what follows them; a word of denial also
        # what it is said of ("reports of a closure, which it denied").
        before = REACH_BEFORE if _DENIAL.match(sentence[start:end]) else 0
        governed = words[max(0, at - before) : at + 1 + REACH_AFTER]
        if any(found & asked for _, found in governed):
            return "no"
    return "yes"
