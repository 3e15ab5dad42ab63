"""Names and short descriptions as values code can compare.

"Frank Oz" and "Oz" name one person; "WHO" and "the World Health
Organization" one body; "The Beatles" and "Blitzen Trapper" two
bands. Comparison is by the words themselves: case, accents, punctuation
and articles aside, one value's words inside the other's, or an acronym of
the other (the Schwartz-Hearst rule). Nothing here knows what the names
are, but for one fact news writing leans on: a capital names its country
(countries.py).
"""

from __future__ import annotations

import re
import unicodedata

from .countries import country_of

_ARTICLES = frozenset({"a", "an", "the"})
_FILLER = frozenset({"of", "and", "&", "for", "in", "on", "at", "to", "by", "de", "la", "le", "von", "van", "der"})
_LIST = re.compile(r",\s+|\s+(?:and|or|&)\s+|;\s*")


def fold(text: str) -> str:
    """Lower case, accents and curly quotes folded, possessives dropped."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"'s\b", "", plain.replace("’", "'").lower())


def name_tokens(text: str) -> list[str]:
    """The words of a name or description, without a leading article or a
    parenthesised qualifier ("Football (soccer)" -> ["football"])."""
    bare = re.sub(r"\([^()]*\)", " ", text) if re.sub(r"\([^()]*\)", " ", text).strip() else text
    words = re.findall(r"[a-z0-9]+", fold(bare).replace("-", " "))
    while len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return words


def name_key(text: str) -> str:
    return " ".join(name_tokens(text))


def is_list(text: str) -> bool:
    """Several values in one answer ("Lyon, Lille and Nantes")."""
    parts = [p for p in _LIST.split(text.strip()) if p.strip()]
    return len(parts) > 2 or (len(parts) == 2 and all(p[:1].isupper() for p in parts))


def same_value(a: str, b: str) -> bool:
    """Could `a` and `b` name the same thing? Equal words, one inside the
    other (a fuller or a shorter form), one an acronym of the other, or a
    capital and its country."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return False
    if ta == tb or _inside(ta, tb) or _inside(tb, ta):
        return True
    return _acronym_of(a, tb) or _acronym_of(b, ta) or _capital_of(ta, tb) or _capital_of(tb, ta)


def _capital_of(capital: list[str], country: list[str]) -> bool:
    found = country_of(" ".join(capital))
    return found is not None and name_tokens(found) == country


def _inside(short: list[str], long: list[str]) -> bool:
    content = [w for w in short if w not in _FILLER]
    return bool(content) and set(content) <= set(long)


def _acronym_of(candidate: str, words: list[str]) -> bool:
    """Schwartz & Hearst (2003): the acronym's letters, taken from its end,
    are found in order in the long form, and its first letter starts the
    long form's first word."""
    letters = re.sub(r"[^A-Za-z0-9]", "", candidate)
    if not (2 <= len(letters) <= 10) or not candidate.strip().replace("-", "").replace(".", "").isupper():
        return False
    long_form = " ".join(words)
    letters = letters.lower()
    position = len(long_form) - 1
    for index in range(len(letters) - 1, -1, -1):
        letter = letters[index]
        while position >= 0 and (
            long_form[position] != letter or (index == 0 and position > 0 and long_form[position - 1].isalnum())
        ):
            position -= 1
        if position < 0:
            return False
        position -= 1
    return True
