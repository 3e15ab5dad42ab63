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
from ..text.dates import date_spans
from ..text.lexicon import (
    AMOUNT_NOUNS,
    COUNT_NOUNS,
    COUNTING_NOUNS,
    CURRENCIES,
    CURRENCY_WORDS,
    DISTANCE_WORDS,
    EVENT_NOUNS,
    MEASURES,
    MONEY_ROLES,
    MONEY_WORDS,
    PEOPLE_ADJECTIVES,
    ROLES,
    RUNNING_TOTAL_WORDS,
    SIZE_QUESTION,
    is_human,
    is_plural,
    singular,
)
from ..text.terms import terms
from .claims import find_places
from .grammar import noun_phrase

AnswerType = Literal["amount", "date", "person", "place", "organisation", "thing", "stance"]

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
# "Is X sending ...?", "Did Y confirm ...?": a yes-or-no question, whose
# sources answer by asserting or denying what it asks.
_POLAR = re.compile(
    r"^\s*(?:is|are|was|were|did|does|do|has|have|had|will|would|can|could|should|shall|may|might)\b", re.I
)
_WH = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.I)
# "Do the sources agree ...?", "how do X and Y compare": every value each
# source gives is wanted, not its best one.
_COMPARES = re.compile(
    r"\b(?:agree|agreed|disagree|differ|differs|differed|same|consistent|contradict|contradicts|compare|versus|vs)\b",
    re.I,
)
_RUNNING_TOTAL = re.compile(rf"\b(?:{RUNNING_TOTAL_WORDS}|cumulative)\b", re.I)
# "what kind of missile", "which weapons": the noun the answer is a kind of.
_KIND_OF = re.compile(r"\b(?:what|which)\s+(?:(?:kind|type|class|sort|form|variety)s?\s+of\s+)?", re.I)
_HOW_MANY = re.compile(r"\bhow many\s+(?:of\s+(?:the\s+|these\s+|those\s+)?)?", re.I)
_WH_WORDS = frozenset(
    "how many much what which who whom whose when where why kind type class sort did do does is are was were "
    "has have had can could will would".split()
)


def _framing_words(text: str, excluded: list[str]) -> set[str]:
    """Words that ask rather than describe: 'agree' in "do they agree on
    how big the force is", 'big' in "how big", and what the question sets
    aside ("leaving the drones aside"). A source states the event, never
    the asking, so these would only lower every sentence's coverage."""
    asking = {m.group().lower() for m in _COMPARES.finditer(text)}
    asking |= {m.group(1).lower() for m in re.finditer(r"\bhow\s+(\w+)", text, re.I)}
    for match in _APART.finditer(text):
        asking |= set(match.group().lower().split()) | {"aside"}
    asking |= {w.lower() for w in re.findall(r"[A-Za-z][\w’'-]*", text) if singular(w.lower()) in excluded}
    return asking


class Question(BaseModel):
    """What a question (or a claim under check) asks for."""

    text: str
    answer_type: AnswerType
    counted: list[str] = Field(description="the things asked to be counted, singular: 'how many drones' -> drone")
    counted_phrase: str | None = Field(
        None, description="the noun phrase of what is counted, as the question words it: 'unmanned aircraft'"
    )
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
    names: list[str] = Field(
        default_factory=list, description="runs of capitalised words after the first word: 'Larry Gilbert', 'Velmora'"
    )
    claimant: str | None = Field(None, description="whose word the question asks for: 'according to X', 'does X say'")
    compares: bool = Field(False, description="asks whether sources or claimants agree: every value is wanted")
    running_total: bool = Field(
        False, description="asks for a total that grows over time: 'since the invasion', 'so far', 'to date'"
    )
    event_text: str = Field(description="what the question says about the event, not about the count")
    scene_text: str = Field(description="event_text without any role: what a claim under check describes")
    asks_amount: bool = Field(description="how many, how much, what share")
    asks_number: bool = Field(description="an amount, a date or a year: the answer holds a number")

    @classmethod
    def analyse(cls, text: str) -> Question:
        lowered = text.lower()
        asks_amount = bool(_AMOUNT.search(text)) or _asks_an_amount_noun(text)
        counted, counted_phrase = _counted(text)
        units = _units(lowered)
        answer_type = _answer_type(text, asks_amount or bool(units))
        # What happened to the counted things matters for amounts only ("who
        # directed ... Death at a Funeral" asks for no one killed).
        role = _asked_role(lowered, counted_phrase) if answer_type == "amount" else None
        if role and not counted and units and role not in MONEY_ROLES:
            role = None  # "what range did they give for the missile they fired": no role of a range
        asked = {w.lower() for w in re.findall(r"[A-Za-z][\w’'-]*", text) if singular(w) in counted}
        # What the question asks about the things (their role) is not what
        # it says about the event: "freed and sent home", "shot down".
        described = _without_roles(lowered) if answer_type == "amount" else lowered
        words = re.findall(r"[A-Za-z][\w’'-]*|\b(?:1[89]|20)\d\d\b", described)
        excluded = _excluded(text)
        framing = _framing_words(text, excluded)
        event_text = " ".join(w for w in words if w not in asked and w not in _WH_WORDS and w not in framing)
        return cls(
            text=text,
            answer_type=answer_type,
            counted=counted,
            counted_phrase=counted_phrase,
            excluded=excluded,
            units=units,
            role=role,
            head=_head(text) if answer_type != "amount" else None,
            one_answer=not _asks_several(text),
            dates=_times_asked(text) if answer_type != "date" else [],
            places=sorted(find_places(text)),
            names=[m.group() for m in _NAME.finditer(text)],
            claimant=_claimant(text),
            compares=bool(_COMPARES.search(text)),
            running_total=answer_type == "amount" and bool(_RUNNING_TOTAL.search(text)),
            event_text=event_text,
            # A claim under check asks nothing: every role it states is
            # checked, so only the rest describes the event.
            scene_text=_without_roles(event_text),
            asks_amount=asks_amount or answer_type == "amount",
            asks_number=answer_type in ("amount", "date"),
        )

    @property
    def full_names(self) -> list[str]:
        """Names of two or more words ("Larry Gilbert"), which writing shortens to the last."""
        return [name for name in self.names if len(name.split()) > 1]

    @property
    def event_terms(self) -> frozenset[str]:
        """The search terms of what the question says about the event."""
        return frozenset(terms(self.event_text))

    @property
    def asks_size(self) -> bool:
        """How big an event was, naming nothing it counts ("how big was that strike")."""
        return self.answer_type == "amount" and not self.names_a_measure and bool(SIZE_QUESTION.search(self.text))

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
    if _POLAR.search(text) and not _WH.search(text):
        return "stance"
    return "thing"


_COUNT_OF = re.compile(rf"\b(?:{'|'.join(COUNT_NOUNS)})s?\s+(?:of|for)\s+(?:the\s+)?", re.I)
_WH_PHRASE = re.compile(r"\b(?:what|which)(?:'s|’s|\s+(?:is|was|are|were))?\s+(?:the\s+)?", re.I)


def _counted(text: str) -> tuple[list[str], str | None]:
    """The head nouns of what is counted, singular, and the first one's
    phrase: after "how many" ("how many foreign soldiers" -> soldier), a
    count noun ("the headcount of troops", "a figure for missiles") or
    before an amount noun ("what daily casualty rate" -> casualty)."""
    found: list[str] = []
    phrases: list[str] = []
    for opener in (*_HOW_MANY.finditer(text), *_COUNT_OF.finditer(text)):
        rest = text[opener.end() :]
        adjective = re.match(r"([a-z]+)\b", rest)
        if adjective and adjective.group(1) in PEOPLE_ADJECTIVES:
            found.append("people")  # "the number of wounded": people, in the role the word gives
            phrases.append(adjective.group(1))
            continue
        phrase = noun_phrase(text, opener.end())
        if phrase and singular(phrase.head).lower() not in AMOUNT_NOUNS:
            found.append(singular(phrase.head))
            phrases.append(phrase.text)
    for wh in _WH_PHRASE.finditer(text) if not found else []:
        phrase = noun_phrase(text, wh.end())
        if phrase and singular(phrase.head).lower() in COUNTING_NOUNS and len(phrase.nouns) > 1:
            modifier = phrase.nouns[-2]
            if modifier.lower() not in AMOUNT_NOUNS and not modifier[:1].isupper():
                found.append(singular(modifier))
                phrases.append(phrase.text)
    if re.search(r"\b(population|inhabitants|how many (?:people )?live[sd]?)\b", text, re.I):
        found.append("people")  # "What is the population of X?" counts people
    return list(dict.fromkeys(found)), (phrases[0] if phrases else None)


def _asks_an_amount_noun(text: str) -> bool:
    """A question whose asked noun phrase is an amount ("What's the headcount
    of ...", "What daily casualty rate ...") or that asks for a figure
    ("... gave a figure for missiles launched in June. What was it?")."""
    if _COUNT_OF.search(text):
        return True
    for wh in _WH_PHRASE.finditer(text):
        phrase = noun_phrase(text, wh.end())
        if phrase and singular(phrase.head).lower() in AMOUNT_NOUNS:
            return True
    return False


_APART = re.compile(
    r"\b(?:as opposed to|rather than|excluding|not counting|without counting|other than|apart from|besides|except|"
    r"(?:leaving|setting|putting|leave|set|put) (?:aside|out)|ignoring)\s+"
    # "leaving the drones aside": the phrase between the verb and "aside".
    r"|\b(?:leaving|setting|putting|leave|set|put)\s+(?=(?:the\s+)?[\w-]+(?:\s+[\w-]+){0,3}\s+aside\b)",
    re.I,
)


def _excluded(text: str) -> list[str]:
    heads = [noun_phrase_head(text, m.end()) for m in _APART.finditer(text)]
    return [singular(h) for h in heads if h]


def noun_phrase_head(text: str, start: int = 0) -> str | None:
    """The head of the noun phrase that opens text[start:] ("foreign
    soldiers are now ..." -> soldiers)."""
    phrase = noun_phrase(text, start)
    return phrase.head if phrase else None


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
    # "Tallinn's defence ministry estimate of", "the army's count of": whose figure is asked.
    r"|(?P<whose>\b(?i:the)\s+[a-z][\w-]*['’]s?|\b[A-Z][\w.-]*['’]s?(?:\s+[a-z][\w-]*){0,3}?)"
    r"\s+(?i:estimates?|figures?|counts?|tally|assessment|account|version|claims?)\b"
)


_EVERY_ROLE = re.compile(rf"\b(?:{'|'.join(pattern for _, pattern in ROLES)})\b")


def _without_roles(text: str) -> str:
    """The text without its role words, but with the nouns that name the
    event ("the worst air attack": the attack is the event, not a role)."""
    return _EVERY_ROLE.sub(lambda m: m.group() if m.group() in EVENT_NOUNS else " ", text)


def _modifies(match: re.Match[str], question: str, counted_phrase: str | None) -> bool:
    """A role word that modifies the counted noun ("combat drones") names a
    kind of thing, not what befell it; as the noun itself ("fatalities") it does."""
    if not counted_phrase or singular(counted_phrase.split()[-1]).lower() in COUNTING_NOUNS:
        return False  # "death toll": the toll counts deaths, and the deaths are the role
    at = question.find(counted_phrase.lower())
    return at >= 0 and at <= match.start() and match.end() < at + len(counted_phrase)


def _times_asked(text: str) -> list[str]:
    """The dates the question puts its event at; not a period's start ("since
    February 2022" asks for a total up to now, reported at any time)."""
    return [
        date.iso
        for date, start, _ in date_spans(text)
        if not re.search(r"\b(?:since|from)\s+$", text[max(0, start - 8) : start], re.I)
    ]


_NAME = re.compile(r"(?<!^)\b[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")


def _claimant(text: str) -> str | None:
    """Whose word the question asks for ("According to the foreign minister,
    how many ...", "How many ... does the ministry say ...")."""
    if re.search(r"\b(compare|agree|differ|same|versus|vs)\b", text, re.I):
        return None  # a question that sets claimants side by side asks for all of them
    match = _ASKED_CLAIMANT.search(text)
    if not match:
        return None
    whose = match.group("whose")
    if whose and whose.split("'")[0].split("’")[0].lower() in _WH_WORDS | {"what", "that", "it"}:
        return None  # "What's the count": no one's
    named = (match.group("according") or match.group("says") or whose).strip()
    return re.sub(r"['’]s?$", "", re.sub(r"^(?i:the)\s+", "", named))


def _asks_several(text: str) -> bool:
    """ "Which weapons", "what provinces", "who are the members": a plural
    head asks for a list, whose items do not contradict one another."""
    match = _KIND_OF.search(text)
    head = noun_phrase_head(text, match.end()) if match else None
    return bool(head and is_plural(head)) or bool(re.search(r"\b(?:who|what) (?:are|were)\b", text, re.I))


def _head(text: str) -> str | None:
    """The noun a thing-question's answer is a kind of: "What kind of missile" -> missile."""
    match = _KIND_OF.search(text)
    if not match:
        return None
    head = noun_phrase_head(text, match.end())
    return singular(head) if head and head.lower() not in _WH_WORDS else None


def _asked_role(question: str, counted_phrase: str | None = None) -> str | None:
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
        if m.group() not in EVENT_NOUNS and not _modifies(m, question, counted_phrase)
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
