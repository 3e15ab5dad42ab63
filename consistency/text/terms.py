"""Text -> search terms: lower-cased words, stopwords dropped, stemmed.

BM25, the answer's coverage scores and the eval's word overlap all compare
text through these terms, so they agree on what counts as the same word.
"""

from __future__ import annotations

import re
from functools import lru_cache

_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours yourself yourselves many much according said says also
    kind type sort exactly s least""".split()
)
# Bumped whenever terms() would split or fold any text differently: a saved
# lexical index holds passages as terms, and one saved under other terms is
# built again rather than searched with words it does not spell.
TERMS_VERSION = "1"
_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")


# Words that news reports use interchangeably for the same fact ("the
# biggest attack" is "a record attack"). Each group folds to its first stem.
_SYNONYM_GROUPS = [
    ["record", "biggest", "largest", "heaviest"],
    ["attack", "assault", "strike", "barrag", "bombard", "raid"],
    ["use", "launch", "fire"],
    ["kill", "dead", "death"],
    ["injur", "injuri", "wound"],
    ["soldier", "troop"],
    # "shot down", "downing", "intercepted": "down" alone is a stopword.
    ["intercept", "shoot", "shot", "down"],
    ["destroy", "destruct"],
]
_CANONICAL = {word: group[0] for group in _SYNONYM_GROUPS for word in group}


@lru_cache(maxsize=1)
def _stemmer():
    # Snowball (Porter2): imports in 20 ms where nltk's Porter takes 1.2 s.
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    if word[:1].isdigit():
        return word.replace(",", "")  # 11,000 -> 11000
    stem = _stemmer().stemWord(word)
    return _CANONICAL.get(stem, stem)


def terms(text: str) -> list[str]:
    """Search terms: lower-cased, stopwords dropped, stemmed, with
    news synonyms folded together."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    return [_stem(w) for w in words if w not in _STOPWORDS]
