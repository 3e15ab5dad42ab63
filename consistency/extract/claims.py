"""Sources -> claims: every amount a sentence states, with who says so, the
period it covers, the places and the date of the event.

Rules only: the whole bundled corpus takes a fraction of a second. What a
sentence says about the kind or identity of something is read elsewhere:
by the readers when a question asks for it, and by the LLM extractor
(`ingest --extract llm`) for the audit. Nothing here knows any corpus's
names: claimants, places and counted things are read from the shape of the
words and the general lexicon.
"""

from __future__ import annotations

import hashlib
import re

from ..models import Passage, Quantity, Source, StatedClaim
from ..text.dates import MONTH_NAMES, find_event_date
from ..text.lexicon import (
    BODIES,
    CUMULATIVE_WORDS,
    INSTRUCTION,
    NOT_NAMES,
    PHRASE_ENDS,
    RATE_WORDS,
    SAYING,
    is_human,
    singular,
)
from ..text.sentences import sentence_spans
from .quantities import find_quantities

# A name, and the body it speaks for: "the country’s air force", "state media".
_NAME = (
    rf"(?:the\s+)?(?:[A-Z][\w’'.-]*)(?:\s+(?:(?:of|for|the|and)\s+){{0,2}}[A-Z][\w’'.-]*){{0,5}}"
    rf"(?:’s|'s)?(?:\s+(?:{BODIES}))?"
)
_ACCORDING = re.compile(rf"according to\s+({_NAME})", re.UNICODE)
_WHICH_SAYS = re.compile(rf"({_NAME}),\s+(?:which|who)\s+(?:\w+ly\s+)?(?:{SAYING})\b", re.UNICODE)
_SUBJECT_SAYS = re.compile(
    rf"({_NAME})\s+(?:\w+ly\s+)?(?:has\s+|had\s+|have\s+)?(?:initially\s+)?(?:{SAYING})\b", re.UNICODE
)
_CAPITALISED = re.compile(r"\b(?:[A-Z][\w’'.-]+)(?:\s+[A-Z][\w’'.-]+)*")


def is_instruction(sentence: str) -> bool:
    """Text addressed to a language model (a prompt injection in a source)."""
    return bool(INSTRUCTION.search(sentence))


class RuleExtractor:
    """The rules alone: amounts with their context, a fraction of a second
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
            claims.append(_numeric(source, start, end, quantity, claimant, scope))
        claims.extend(contrasted_kinds(source, start, end))
    source_places = sorted(find_places(source.text))
    for claim in claims:
        claim.places = sorted(find_places(claim.sentence))
        claim.source_places = source_places
        claim.event_date = find_event_date(claim.sentence)
    return claims


# "in X", "over the X region", "the city of X", "targeted X": where an event
# happened tells two events apart. Read from the prepositions, not from a
# list of places.
_PLACE = re.compile(
    r"\b(?:in|at|near|over|across|into|targeting|targeted|struck|hit|city of|region of|town of|port of"
    # an event named with its place: "the attack on X", "the siege of X"
    r"|(?:attacks?|strikes?|raids?|assaults?|bombardment|offensive) on"
    r"|(?:shelling|bombing|siege|capture|fall|liberation) of)\s+(?:the\s+)?"
    r"((?:[A-Z][\w-]+)(?:[ ][A-Z][\w-]+)?)(?:’s|'s)?"  # a name does not run across lines
    r"|((?:[A-Z][\w-]+))(?:’s|'s)?\s+(?:region|city|oblast|province|district|port|county|state)\b"
)
_NOT_PLACES = frozenset(MONTH_NAMES.split("|")) | frozenset(
    "monday tuesday wednesday thursday friday saturday sunday the january".split()
)


# "A described the weapon as X, but B clarified it as Y": two descriptions of
# one thing, each attributed, in one sentence.
_ATTRIBUTING = re.compile(
    rf"\b(?:{SAYING}|clarified|called|labell?ed|identified|characteri[sz]ed|concluded|speculated)\b"
)
_DESCRIBED_AS = re.compile(r"\b(?:as|was|is|were|be)\s+(?:an?|the)\s+")


def contrasted_kinds(source: Source, start: int, end: int) -> list[StatedClaim]:
    """Kinds of one thing that a sentence attributes to different claimants
    ("A described it as an X missile, but B clarified it as a Y missile"):
    qualitative claims the audit compares like any other."""
    sentence = source.text[start:end]
    if len(_ATTRIBUTING.findall(sentence)) < 2:
        return []
    by_head: dict[str, list[tuple[int, str]]] = {}
    for match in _DESCRIBED_AS.finditer(sentence):
        words: list[str] = []
        for word in re.finditer(r"[\w’'-]+|[^\w\s]", sentence[match.end() : match.end() + 80]):
            if not word.group()[0].isalnum() or word.group().lower() in PHRASE_ENDS or len(words) == 4:
                break
            words.append(word.group())
        if len(words) > 1 and words[-1].islower():
            by_head.setdefault(singular(words[-1]), []).append((match.start(), " ".join(words)))
    claims = []
    for head, found in by_head.items():
        if len(found) < 2:
            continue
        for offset, value in found:
            who = nearest_claimant(sentence, offset)
            claims.append(
                stated_claim(source, start, end, offset, head, kind="qualitative", category=value, claimant=who)
            )
    return claims


def find_places(text: str) -> set[str]:
    places = {(match.group(1) or match.group(2)).lower() for match in _PLACE.finditer(text)}
    return {place for place in places if place.split()[0] not in _NOT_PLACES}


_SCOPES = [
    ("rate", re.compile(rf"\b(?:{RATE_WORDS})\b", re.I)),
    ("cumulative", re.compile(rf"\b(?:{CUMULATIVE_WORDS})\b", re.I)),
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
    thing ("500 drones and missiles" is in both), else its unit, else its
    measure. The audit finds neighbours inside a group."""
    if claim.quantity is None:
        return ["measure_" + re.sub(r"\W+", "_", claim.measure)]
    if claim.quantity.things:
        keys = ["thing_" + thing for thing in claim.quantity.things]
        # "a 10,000-strong force" and "11,000 troops" both count people,
        # which is how conflicts compare them (same_things): so does the audit.
        return keys + (["people"] if any(is_human(thing) for thing in claim.quantity.things) else [])
    return ["unit_" + re.sub(r"\W+", "_", claim.quantity.unit or "none")]


def find_scope(sentence: str) -> str | None:
    """The period an amount covers, when the sentence says: 'in june' (a
    month's total), 'rate' (daily), 'cumulative' (since). None: one event."""
    for kind, pattern in _SCOPES:
        for match in pattern.finditer(sentence):
            # "said this week that ... in June": when it was said is not the period counted.
            if re.search(rf"\b(?:{SAYING})\s+$", sentence[max(0, match.start() - 20) : match.start()]):
                continue
            return kind if kind != "period" else match.group().lower()
    return None


def find_claimant(sentence: str) -> str | None:
    """Who the sentence attributes its content to, if anyone."""
    for pattern in (_ACCORDING, _WHICH_SAYS, _SUBJECT_SAYS):
        match = pattern.search(sentence)
        if match:
            name = re.sub(r"^(?:the|The)\s+", "", match.group(1)).strip(" ,")
            if name and name.split()[0] not in NOT_NAMES:
                return name
    return None


def nearest_claimant(sentence: str, position: int) -> str | None:
    """In "A described it as X, but B clarified it as Y", each value has its
    own claimant: the nearest name before it in the same clause."""
    clause_start = max(sentence.rfind(",", 0, position), sentence.rfind(";", 0, position)) + 1
    names = [
        m.group()
        for m in _CAPITALISED.finditer(sentence[clause_start:position])
        if m.group().split()[0] not in NOT_NAMES
    ]
    return names[0] if names else None


def claim_id(source: Source, start: int, offset: int, measure: str) -> str:
    digest = hashlib.sha1(f"{source.content_hash}:{start}:{offset}:{measure}".encode()).hexdigest()[:10]
    return f"{source.id}~{digest}"


def stated_claim(source: Source, start: int, end: int, offset: int, measure: str, **fields) -> StatedClaim:
    """A claim of the sentence source.text[start:end]; `offset` is where in
    the sentence it is stated (ids stay stable while the source does)."""
    return StatedClaim(
        id=claim_id(source, start, offset, measure),
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
    source: Source, start: int, end: int, quantity: Quantity, claimant: str | None, scope: str | None
) -> StatedClaim:
    in_source = quantity.model_copy(update={"start": start + quantity.start, "end": start + quantity.end})
    measure = "+".join(sorted(quantity.things)) if quantity.things else quantity.unit or "amount"
    return stated_claim(
        source, start, end, quantity.start, measure, kind="numeric", quantity=in_source, claimant=claimant, scope=scope
    )
