"""Sources -> claims: every amount a sentence states, and the weapon
classifications that sources dispute, each with who says so.

Rules only (the LLM extractor of issue 4 adds to these): the whole bundled
corpus takes a fraction of a second.
"""

from __future__ import annotations

import hashlib
import re

from ..models import Passage, Quantity, Source, StatedClaim
from ..text.dates import MONTH_NAMES, find_event_date
from ..text.sentences import sentence_spans
from .quantities import find_quantities

# Measures that are worth comparing across sources. Bare percentages and
# distances are kept too: a question may ask for them.
_SAYING = (
    r"said|says|say|claimed|claims|claim|reported|reports|estimated|estimates|told|stated|announced|"
    r"confirmed|described|insisted|alleged|according"
)
# A name, and the body it speaks for: "Ukraine’s air force", "Russian state media".
_BODIES = (
    r"air force|military|officials|ministry|government|army|spokes(?:man|woman|person)|intelligence|"
    r"state media|media|forces|sources|navy"
)
_NAME = (
    rf"(?:the\s+)?(?:[A-Z][\w’'.-]*)(?:\s+(?:(?:of|for|the|and)\s+){{0,2}}[A-Z][\w’'.-]*){{0,5}}"
    rf"(?:’s|'s)?(?:\s+(?:{_BODIES}))?"
)
_ACCORDING = re.compile(rf"according to\s+({_NAME})", re.UNICODE)
_WHICH_SAYS = re.compile(rf"({_NAME}),\s+(?:which|who)\s+(?:\w+ly\s+)?(?:{_SAYING})\b", re.UNICODE)
_SUBJECT_SAYS = re.compile(rf"({_NAME})\s+(?:\w+ly\s+)?(?:has\s+|had\s+|have\s+)?(?:{_SAYING})\b", re.UNICODE)

_NOT_NAMES = {
    "It",
    "This",
    "That",
    "He",
    "She",
    "They",
    "We",
    "I",
    "Reports",
    "Officials",
    "The",
    "A",
    "An",
    "But",
    "And",
    "However",
    "Meanwhile",
}

# Qualitative: the class of a missile, which sources dispute (ICBM vs
# intermediate-range). Medium and intermediate range are reported as one.
_MISSILE_CLASSES = [
    ("intercontinental", r"intercontinental ballistic missile|\bICBM\b"),
    ("intermediate-range", r"(?:intermediate|medium)[- ]range(?: ballistic)? missile|\bIRBM\b|\bMRBM\b"),
    ("short-range", r"(?:short|close)[- ]range(?: ballistic)? missile"),
]
# A sentence that classifies a weapon, not one that merely mentions a class
# ("a weapon based on the RS-26 ICBM design").
_CLASSIFYING = re.compile(
    r"\b(?:described|descri\w+ "
    r"it|labell?ed|called|identified|clarified|characteri[sz]ed|concluded|speculated|confirmed|"
    r"tested|launched|was an?|was likely|is an?|used (?:was|an?))\b",
    re.IGNORECASE,
)
_BASED_ON = re.compile(r"\bbased on\b[^.]*$", re.IGNORECASE)


# Text addressed to a language model, not to readers: a prompt injection
# planted in a source. It is nobody's claim and never evidence.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier|your|other)\s+(?:instructions|prompts?|rules)\b"
    r"|\b(?:AI|language model|LLM|assistant|chatbot)s?\s*(?:reading this|summari[sz]ing this)\b"
    r"|\b(?:note|message|instruction)s?\s+(?:to|for)\s+(?:AI|LLM|language model|assistant)s?\b"
    r"|\bsystem prompt\b",
    re.IGNORECASE,
)


def is_instruction(sentence: str) -> bool:
    return bool(_INSTRUCTION.search(sentence))


class RuleExtractor:
    """The rules alone: amounts and classifications, a fraction of a second
    for a whole corpus (the `ClaimExtractor` ingest uses by default)."""

    label: str | None = None

    def extract(self, source: Source, passages: list[Passage]) -> list[StatedClaim]:
        return extract_claims(source)


def extract_claims(source: Source) -> list[StatedClaim]:
    claims: list[StatedClaim] = []
    previous: list[Quantity] = []
    for start, end in sentence_spans(source.text):
        sentence = source.text[start:end]
        if is_instruction(sentence):
            previous = []
            continue
        claimant = find_claimant(sentence)
        scope = find_scope(sentence)
        quantities = find_quantities(sentence, before=previous)
        previous = quantities
        for quantity in quantities:
            if quantity.unit is None:
                continue
            claims.append(_numeric(source, start, end, sentence, quantity, claimant, scope))
        claims.extend(_qualitative(source, start, end, sentence, claimant))
    source_places = sorted(find_places(source.text))
    for claim in claims:
        claim.places = sorted(find_places(claim.sentence))
        claim.source_places = source_places
        claim.event_date = find_event_date(claim.sentence)
    return claims


# "in Sumy", "over the Kursk region", "the city of Dnipro", "targeted Kyiv":
# where an event happened tells two events apart.
_PLACE = re.compile(
    r"\b(?:in|at|near|over|across|into|targeting|targeted|struck|hit|city of|region of|town of|port of)\s+(?:the\s+)?"
    r"((?:[A-Z][\w-]+)(?:\s+[A-Z][\w-]+)?)(?:’s|'s)?"
    r"|((?:[A-Z][\w-]+))(?:’s|'s)?\s+(?:region|city|oblast|province|district|port)\b"
)


_NOT_PLACES = set(MONTH_NAMES.split("|")) | {
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "the",
}


def find_places(text: str) -> set[str]:
    places = {(match.group(1) or match.group(2)).lower() for match in _PLACE.finditer(text)}
    return {place for place in places if place.split()[0] not in _NOT_PLACES}


_SCOPES = [
    (
        "rate",
        re.compile(
            r"\b(?:daily|a day|per day|each day|every day|a week|per week|weekly|monthly|a month|per "
            r"month|annually|a year|per year|every week)\b",
            re.I,
        ),
    ),
    ("cumulative", re.compile(r"\b(?:since|so far|in total|to date|over the (?:past|last)|altogether|in all)\b", re.I)),
    (
        "period",
        re.compile(
            rf"\b(?:in|during|throughout) (?:{MONTH_NAMES})\b|\b(?:this|last|next) "
            rf"(?:week|month|year)\b|\bin \d{{4}}\b",
            re.I,
        ),
    ),
]


def group_keys(claim: StatedClaim) -> list[str]:
    """The groups within which a claim can conflict with others: each counted
    thing ("500 drones and missiles" is in both drones and missiles), else
    its unit, else its measure. Stored as flags so neighbours are found
    inside a group."""
    if claim.quantity is None:
        return ["measure_" + re.sub(r"\W+", "_", claim.measure)]
    if claim.quantity.things:
        return ["thing_" + thing for thing in claim.quantity.things]
    return ["unit_" + re.sub(r"\W+", "_", claim.quantity.unit or "none")]


def find_scope(sentence: str) -> str | None:
    """The period an amount covers, when the sentence says: 'in june' (a
    month's total), 'daily' (a rate), 'cumulative'. None: one event."""
    for kind, pattern in _SCOPES:
        match = pattern.search(sentence)
        if match:
            return kind if kind != "period" else match.group().lower()
    return None


def find_claimant(sentence: str) -> str | None:
    """Who the sentence attributes its content to, if anyone."""
    for pattern in (_ACCORDING, _WHICH_SAYS, _SUBJECT_SAYS):
        match = pattern.search(sentence)
        if match:
            name = re.sub(r"^(?:the|The)\s+", "", match.group(1)).strip(" ,")
            if name and name.split()[0] not in _NOT_NAMES:
                return name
    return None


def _claim_id(source: Source, start: int, offset: int, measure: str) -> str:
    digest = hashlib.sha1(f"{source.content_hash}:{start}:{offset}:{measure}".encode()).hexdigest()[:10]
    return f"{source.id}~{digest}"


def _stated(source: Source, start: int, end: int, offset: int, measure: str, **fields) -> StatedClaim:
    """A claim of the sentence source.text[start:end]; `offset` is where in
    the sentence it is stated (ids stay stable while the source does)."""
    return StatedClaim(
        id=_claim_id(source, start, offset, measure),
        source_id=source.id,
        title=source.title,
        published=source.published,
        start=start,
        end=end,
        sentence=source.text[start:end],
        measure=measure,
        **fields,
    )


def _numeric(
    source: Source, start: int, end: int, sentence: str, quantity: Quantity, claimant: str | None, scope: str | None
) -> StatedClaim:
    in_source = quantity.model_copy(update={"start": start + quantity.start, "end": start + quantity.end})
    measure = "+".join(sorted(quantity.things)) if quantity.things else quantity.unit or "amount"
    return _stated(
        source, start, end, quantity.start, measure, kind="numeric", quantity=in_source, claimant=claimant, scope=scope
    )


def _qualitative(source: Source, start: int, end: int, sentence: str, claimant: str | None) -> list[StatedClaim]:
    claims = []
    for category, pattern in _MISSILE_CLASSES:
        for match in re.finditer(pattern, sentence, re.IGNORECASE):
            before = sentence[: match.start()]
            if _BASED_ON.search(before) or not _CLASSIFYING.search(sentence):
                continue
            who = _nearest_claimant(sentence, match.start()) or claimant
            claims.append(
                _stated(
                    source,
                    start,
                    end,
                    match.start(),
                    "missile class",
                    kind="qualitative",
                    category=category,
                    claimant=who,
                )
            )
    return claims


def missile_class(text: str) -> str | None:
    """The missile class a phrase names ("an ICBM" -> intercontinental)."""
    return next((category for category, pattern in _MISSILE_CLASSES if re.search(pattern, text, re.IGNORECASE)), None)


# Classes that exclude one another: only these are compared. A value read by
# the LLM outside them ("Oreshnik", "a new missile") is kept as a claim but
# never flagged, since "Oreshnik" and "intermediate-range" can both be true.
EXCLUSIVE_CATEGORIES = {"missile class": {category for category, _ in _MISSILE_CLASSES}}


def qualitative_claim(
    source: Source, start: int, end: int, offset: int, measure: str, category: str, claimant: str | None
) -> StatedClaim:
    """A classification stated in the sentence source.text[start:end]."""
    return _stated(source, start, end, offset, measure, kind="qualitative", category=category, claimant=claimant)


def _nearest_claimant(sentence: str, position: int) -> str | None:
    """In "Ukraine described it as an ICBM, but Moscow clarified it as an
    intermediate-range missile", each class has its own claimant: the
    nearest name before it in the same clause."""
    clause_start = max(sentence.rfind(",", 0, position), sentence.rfind(";", 0, position)) + 1
    clause = sentence[clause_start:position]
    names = re.findall(
        r"\b(?:Ukrain\w*|Russia\w*|Moscow|Kyiv|Kremlin|Putin|Zelensk\w*|analysts?|officials?|Pentagon)(?:\s+(?:officials|President\s+\w+(?:\s+\w+)?))?",
        clause,
    )
    return names[0] if names else None
