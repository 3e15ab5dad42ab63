"""A question -> what it asks for, analysed once and handed down.

"How many drones were used in the record overnight attack?" asks for an
amount, counting drones, in the role launched, about the event "record
overnight attack". "Who directed the film?" asks for a person; "What kind
of missile hit the city?" for a thing whose head noun is "missile". All of
it is read from the question's own words and the general lexicon; readers,
the check and the comparisons read this analysis and never re-read the
question.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from ..models import StatedClaim
from ..text.dates import find_date_values
from ..text.lexicon import (
    CURRENCIES,
    CURRENCY_WORDS,
    DISTANCE_WORDS,
    EVENT_NOUNS,
    MEASURES,
    MONEY_WORDS,
    PHRASE_ENDS,
    ROLES,
    is_human,
    is_plural,
    singular,
)
from .claims import find_places

AnswerType = Literal["amount", "date", "person", "place", "organisation", "thing"]

_AMOUNT = re.compile(
    r"\b(how (many|much|far|long|large|big|high|heavy|old|often)|number of|amount of|"
    r"what (percentage|share|proportion|fraction)|what (\w+ )?(level|rate|figure|total|tally|sum)\b|"
    r"the (same |right )?(size|number|total|toll|tally|count|scale)\b|(what|which) "
    r"(was|is|were|are) the (size|toll|total|population|"
    r"range|cost|price|number|amount|value|death toll|turnout|figure|count))\b|"
    r"\b(?:what|which) (?:is|was|are|were) the (?:\w+ ){0,2}(?:size|length|weight|height|capacity|area|depth|"
    r"speed|width|volume|population|price|cost|value)\b",
    re.I,
)
_DATE_WORDS = re.compile(r"\b(?:what|which)\b[^?,]*\b(?:date|year|birthday|anniversary)\b|\bdate of\b", re.I)
_DATE = re.compile(
    r"^\s*(when|since when)\b|\b(what|which|in what|in which) (year|date|day|month|decade|century)\b", re.I
)
_PERSON = re.compile(
    r"^\s*(who|whom|whose)\b|\b(which|what) (person|man|woman|leader|official|director|author|artist)\b", re.I
)
_PLACE = re.compile(
    r"^\s*where\b|\b(which|what|in which|in what) (city|country|town|region|place|province|state|county|village|"
    r"district|capital|area|location)\b",
    re.I,
)
_ORGANISATION = re.compile(
    r"\b(which|what) (company|companies|organisation|organization|group|party|agency|firm|outlet|newspaper|"
    r"team|club|band|institute|university|bank|network|ministry|body)\b",
    re.I,
)
# "what kind of missile", "which weapons": the noun the answer is a kind of.
_KIND_OF = re.compile(r"\b(?:what|which)\s+(?:(?:kind|type|class|sort|form|variety)s?\s+of\s+)?", re.I)
_HOW_MANY = re.compile(r"\bhow many\s+(?:of\s+(?:the\s+|these\s+|those\s+)?)?", re.I)
_WH_WORDS = frozenset(
    "how many much what which who whom whose when where why kind type class sort did do does is are was were "
    "has have had can could will would".split()
)


class Question(BaseModel):
    """What a question (or a claim under check) asks for."""

    text: str
    answer_type: AnswerType
    counted: list[str] = Field(description="the things asked to be counted, singular: 'how many drones' -> drone")
    excluded: list[str] = Field(
        default_factory=list, description="things the question sets apart: 'missiles, as opposed to drones' -> drone"
    )
    units: set[str] = Field(description="currencies and measures asked for: USD, km, %")
    role: str | None = Field(description="what happened to the things, when asked: launched, shot_down")
    head: str | None = Field(description="the noun the answer is a kind of: 'what kind of missile' -> missile")
    one_answer: bool = Field(
        True, description="asks for one value ('what kind of missile'), not several ('which weapons')"
    )
    dates: list[str] = Field(default_factory=list, description="the dates the question names, ISO (a year: '2022')")
    places: list[str] = Field(default_factory=list, description="the places the question names ('in X')")
    claimant: str | None = Field(None, description="whose word the question asks for: 'according to X', 'does X say'")
    event_text: str = Field(description="what the question says about the event, not about the count")
    scene_text: str = Field(description="event_text without any role: what a claim under check describes")
    asks_amount: bool = Field(description="how many, how much, what share")
    asks_number: bool = Field(description="an amount, a date or a year: the answer holds a number")

    @classmethod
    def analyse(cls, text: str) -> Question:
        lowered = text.lower()
        asks_amount = bool(_AMOUNT.search(text))
        counted = _counted(text)
        units = _units(lowered)
        answer_type = _answer_type(text, asks_amount or bool(units))
        # What happened to the counted things matters for amounts only ("who
        # directed ... Death at a Funeral" asks for no one killed).
        role = _asked_role(lowered) if answer_type == "amount" else None
        asked = {w.lower() for w in re.findall(r"[A-Za-z][\w’'-]*", text) if singular(w) in counted}
        # What the question asks about the things (their role) is not what
        # it says about the event: "freed and sent home", "shot down".
        every_role = "|".join(pattern for _, pattern in ROLES)
        described = re.sub(rf"\b(?:{every_role})\b", " ", lowered) if answer_type == "amount" else lowered
        words = re.findall(r"[A-Za-z][\w’'-]*|\b(?:1[89]|20)\d\d\b", described)
        event_text = " ".join(w for w in words if w not in asked and w not in _WH_WORDS)
        return cls(
            text=text,
            answer_type=answer_type,
            counted=counted,
            excluded=_excluded(text),
            units=units,
            role=role,
            head=_head(text) if answer_type != "amount" else None,
            one_answer=not _asks_several(text),
            dates=[d.iso for d in find_date_values(text)] if answer_type != "date" else [],
            places=sorted(find_places(text)),
            claimant=_claimant(text),
            event_text=event_text,
            # A claim under check asks nothing: every role it states is
            # checked, so only the rest describes the event.
            scene_text=re.sub(rf"\b(?:{'|'.join(pattern for _, pattern in ROLES)})\b", " ", event_text),
            asks_amount=asks_amount or answer_type == "amount",
            asks_number=answer_type in ("amount", "date"),
        )

    @property
    def wants_people(self) -> bool:
        return any(is_human(thing) for thing in self.counted)

    def counts(self, things: list[str]) -> bool:
        """Do `things` (a quantity's counted things) count what the question asks?"""
        if set(things) & set(self.excluded):
            return False  # "missiles, as opposed to drones": a count of both does not answer
        if not self.counted:
            return True
        if set(things) & set(self.counted):
            return True
        return self.wants_people and any(is_human(thing) for thing in things)

    def matches(self, claim: StatedClaim) -> bool:
        """A numeric claim that counts what the question asks (in the role
        asked, when both say), or states an amount in a unit asked for."""
        if claim.kind != "numeric":
            return False
        quantity = claim.amount
        if self.counted and quantity.things and self.counts(quantity.things):
            return not (self.role and quantity.role and quantity.role != self.role)
        return bool(self.units) and quantity.unit in self.units

    @property
    def names_a_measure(self) -> bool:
        """The question names what is counted ("how many drones") or a unit ("how much money")."""
        return bool(self.counted or self.units)

    def answered_by(self, claim: StatedClaim) -> bool:
        """A claim that gives the very count asked for: the thing and, when
        the question says, what happened to it (shot down, not launched)."""
        if claim.kind != "numeric" or claim.quantity is None:
            return False
        if self.names_a_measure and not self.matches(claim):
            return False
        return self.role is None or claim.quantity.role == self.role


def _answer_type(text: str, amount: bool) -> AnswerType:
    if _DATE.search(text) or _DATE_WORDS.search(text):
        return "date"
    if amount:
        return "amount"
    if _ORGANISATION.search(text):
        return "organisation"
    if _PLACE.search(text):
        return "place"
    if _PERSON.search(text):
        return "person"
    return "thing"


def _counted(text: str) -> list[str]:
    """The head nouns after "how many" ("how many foreign soldiers" ->
    soldier), or of "the number of X"."""
    found = []
    for opener in (*_HOW_MANY.finditer(text), *re.finditer(r"\bnumber of\s+", text, re.I)):
        head = noun_phrase_head(text[opener.end() : opener.end() + 80])
        if head:
            found.append(singular(head))
    if re.search(r"\b(population|inhabitants|how many (?:people )?live[sd]?)\b", text, re.I):
        found.append("people")  # "What is the population of X?" counts people
    return list(dict.fromkeys(found))


_APART = re.compile(
    r"\b(?:as opposed to|rather than|excluding|not counting|other than|apart from|besides|except)\s+", re.I
)


def _excluded(text: str) -> list[str]:
    heads = [noun_phrase_head(text[m.end() : m.end() + 60]) for m in _APART.finditer(text)]
    return [singular(h) for h in heads if h]


def noun_phrase_head(text: str) -> str | None:
    """The last word of the noun phrase that opens `text` ("foreign
    soldiers are now ..." -> soldiers)."""
    head = None
    words = list(re.finditer(r"[A-Za-z][\w’'-]*|\S", text))
    for index, word in enumerate(words):
        lowered = word.group().lower()
        if index >= 5 or lowered in PHRASE_ENDS or not word.group()[0].isalpha():
            break
        if head is not None and re.search(r"(?:ed|ing|ly)$", lowered):
            break
        following = words[index + 1].group().lower() if index + 1 < len(words) else ""
        if head is not None and following in _DETERMINERS:
            break  # "missile hit the city": a word before a determiner is a verb
        head = word.group()
    return head


_DETERMINERS = frozenset("the a an this that these those its their his her our my your".split())


def _units(lowered: str) -> set[str]:
    units = {
        unit for word, unit in {**MEASURES, **CURRENCY_WORDS}.items() if re.search(rf"\b{re.escape(word)}\b", lowered)
    }
    words = set(re.findall(r"[a-z]+", lowered))
    if (re.search(r"\bhow much\b", lowered) and words & MONEY_WORDS) or words & {
        "cost",
        "worth",
        "price",
        "pay",
        "salary",
    }:
        units |= CURRENCIES
    if re.search(r"\bhow (far|long)\b", lowered) or words & {"range", "reach", "distance"}:
        units |= {"km", "miles", "m"}
    if re.search(r"\bhow long\b", lowered):
        units |= {"hours", "days", "weeks", "months", "years"}
    if re.search(r"\b(percentage|percent|per cent|share|proportion)\b", lowered):
        units.add("%")
    return units - ({"m"} if "m" in units and not words & DISTANCE_WORDS else set())


_ASKED_CLAIMANT = re.compile(
    r"\b(?i:according to)\s+(?:the\s+)?(?P<according>[^,?]+?)(?:,|\?|$)"
    r"|\b(?:does|did|do)\s+(?:the\s+)?(?P<says>[A-Z][^?]*?)\s+(?:say|claim|estimate|report)\b"
)


def _claimant(text: str) -> str | None:
    """Whose word the question asks for ("According to the foreign minister,
    how many ...", "How many ... does the ministry say ...")."""
    if re.search(r"\b(compare|agree|differ|same|versus|vs)\b", text, re.I):
        return None  # a question that sets claimants side by side asks for all of them
    match = _ASKED_CLAIMANT.search(text)
    return (match.group("according") or match.group("says")).strip() if match else None


def _asks_several(text: str) -> bool:
    """ "Which weapons", "what provinces", "who are the members": a plural
    head asks for a list, whose items do not contradict one another."""
    match = _KIND_OF.search(text)
    head = noun_phrase_head(text[match.end() : match.end() + 80]) if match else None
    return bool(head and is_plural(head)) or bool(re.search(r"\b(?:who|what) (?:are|were)\b", text, re.I))


def _head(text: str) -> str | None:
    """The noun a thing-question's answer is a kind of: "What kind of missile" -> missile."""
    match = _KIND_OF.search(text)
    if not match:
        return None
    head = noun_phrase_head(text[match.end() : match.end() + 80])
    return singular(head) if head and head.lower() not in _WH_WORDS else None


def _asked_role(question: str) -> str | None:
    """The role the question asks about: named after "how many" by a verb
    ("How many people were injured ... in which the army downed 48
    drones?" asks about the injured), else the first named at all. A noun
    that names the event ("the record attack", "the barrage") is not asked;
    two roles asked together ("kill and injure") leave the role open."""
    asked = re.search(r"\bhow (?:many|much)\b|\bnumber of\b|\bamount of\b", question)
    after = asked.end() if asked else 0
    matches = [
        (m.start() < after, m.start(), role, m.group())
        for role, pattern in ROLES
        for m in re.finditer(rf"\b(?:{pattern})\b", question)
        if m.group() not in EVENT_NOUNS
    ]
    # "sent home" is one role (freed), not "sent" (deployed) and "home".
    found = sorted(
        m
        for m in matches
        if not any(
            o is not m and o[1] <= m[1] and m[1] + len(m[3]) <= o[1] + len(o[3]) and len(o[3]) > len(m[3])
            for o in matches
        )
    )
    if not found:
        return None
    first = found[0]
    joined = [
        f
        for f in found[1:]
        if f[0] == first[0]
        and f[2] != first[2]
        and re.fullmatch(r"\s+(?:and|or)\s+", question[first[1] + len(first[3]) : f[1]])
    ]
    return None if joined else first[2]
