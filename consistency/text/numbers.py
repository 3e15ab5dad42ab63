"""Numbers as values: "1.2 million", "11,000" and "eleven" are numbers a
reader compares, whatever the wording.

The quantity parser (extract/quantities.py) builds on these to read
amounts with units; validators and scorers use `number_mentions` to check
that a number written in one text is stated in another.
"""

from __future__ import annotations

import re

WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "a dozen": 12,
    "a hundred": 100,
    "a thousand": 1000,
    "one hundred": 100,
}
SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
NUMBER_WORDS = "|".join(sorted((re.escape(w) for w in WORD_NUMBERS), key=len, reverse=True))
SCALE_WORDS = "|".join(sorted(SCALES, key=len, reverse=True))


def parse_number(token: str | None) -> float | None:
    if not token:
        return None
    token = token.lower().strip()
    if token in WORD_NUMBERS:
        return float(WORD_NUMBERS[token])
    try:
        return float(token.replace(",", ""))
    except ValueError:
        return None


_ANY_SCALES = {**SCALES, "hundred": 1e2}
_ANY_NUMBER = re.compile(
    rf"(?<![\w.])(?P<number>{NUMBER}|{NUMBER_WORDS})(?:\s*(?P<scale>hundred|{SCALE_WORDS})\b)?", re.IGNORECASE
)


def number_mentions(text: str) -> list[set[float]]:
    """Every number written in `text`, years and dates included, each as
    the values it may stand for: "1.2 million" is {1.2, 1,200,000}, so that
    it can be checked against text that writes it either way."""
    mentions = []
    for match in _ANY_NUMBER.finditer(text):
        value = parse_number(match.group("number"))
        # "one outlet", "one of them": a bare "one" is rarely a count.
        if value is None or (match.group("number").lower() == "one" and not match.group("scale")):
            continue
        forms = {value}
        if match.group("scale"):
            forms.add(value * _ANY_SCALES[match.group("scale").lower()])
        mentions.append(forms)
    return mentions
