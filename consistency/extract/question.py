"""A question -> what it asks for, analysed once and handed down.

"How many drones were used in the record overnight attack?" asks to count
drones (things), in the role launched, for the event "record overnight
attack". Readers, the check and the answer's claim filter read this
analysis; none of them re-reads the question's words.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from ..models import StatedClaim
from .quantities import COUNTED, CURRENCY_WORDS, MEASURES, ROLES

# Asks for an amount ("how many", "what share"), or for a date or a year: the
# answering sentence must then hold a number.
_AMOUNT_QUESTION = re.compile(
    r"\b(how (many|much|far|long|large|big)|number of|amount of|what (percentage|share))\b", re.I
)
_WHEN_QUESTION = re.compile(r"^\s*(when|in what year|what year|in which year)\b|\b(what|which) (year|date)\b", re.I)


class Question(BaseModel):
    """What a question asks to be counted: "How many drones were used?" ->
    things {drones}, role launched. Claims that fit answer the question.
    A claim under check is analysed the same way."""

    text: str
    things: set[str] = Field(description="counted things named: drones, troops")
    units: set[str] = Field(description="currencies and measures asked for: USD, km")
    role: str | None = Field(description="what happened to the things, when asked: launched, shot_down")
    event_text: str = Field(description="what the question says about the event, not about the count")
    scene_text: str = Field(description="event_text without any role: what a claim under check describes")
    classification: bool = Field(description="asks what kind of weapon")
    asks_amount: bool = Field(description="how many, how much, what share")
    asks_number: bool = Field(description="an amount, a date or a year: the answer holds a number")

    @classmethod
    def analyse(cls, text: str) -> Question:
        words = re.findall(r"[A-Za-z][\w’'-]*", text)
        things = {COUNTED[w.lower()] for w in words if w.lower() in COUNTED}
        if re.search(r"\b(?:population|inhabitants|how many (?:people )?live[sd]?)\b", text, re.IGNORECASE):
            things.add("people")  # "What is the population of X?" counts people
        lowered = text.lower()
        units = {
            unit
            for word, unit in {**MEASURES, **CURRENCY_WORDS}.items()
            if re.search(rf"\b{re.escape(word)}\b", lowered)
        }
        if re.search(r"how much (?:money|aid|assistance|funding)|\bcost\b|\bworth\b|\baid\b", lowered):
            units |= {"USD", "EUR", "GBP"}
        if re.search(r"\b(?:range|how far)\b", lowered):
            units.add("km")
        role = _asked_role(lowered)
        asked = {w for w in words if w.lower() in COUNTED}
        if role:
            asked |= {m.group(0) for m in re.finditer(rf"\b(?:{dict(ROLES)[role]})\b", lowered)}
        # What the question says about the event, not about the count: "the
        # record overnight attack" in "how many drones were shot down in ...".
        event_text = " ".join(
            w for w in re.findall(r"[A-Za-z][\w’'-]*|\b(?:19|20)\d\d\b", lowered) if w not in {a.lower() for a in asked}
        )
        asks_amount = bool(_AMOUNT_QUESTION.search(text))
        return cls(
            text=text,
            things=things,
            units=units,
            role=role,
            event_text=event_text,
            # A claim under check asks nothing: every role it states is
            # checked, so only the rest describes the event.
            scene_text=re.sub(rf"\b(?:{'|'.join(pattern for _, pattern in ROLES)})\b", " ", event_text),
            classification=bool(
                re.search(
                    r"\b(?:kind|type|class) of (?:missile|weapon)|\bwhat "
                    r"(?:missile|weapon)|\bicbm\b|intercontinental|range missile",
                    lowered,
                )
            ),
            asks_amount=asks_amount,
            asks_number=asks_amount or bool(_WHEN_QUESTION.search(text)),
        )

    def matches(self, claim: StatedClaim) -> bool:
        if claim.kind == "qualitative":
            return self.classification
        quantity = claim.quantity
        assert quantity is not None  # numeric claims carry their quantity
        if self.things and set(quantity.things) & self.things:
            return not (self.role and quantity.role and quantity.role != self.role)
        return bool(self.units) and quantity.unit in self.units

    @property
    def counted(self) -> bool:
        """The question names what is counted ("how many drones")."""
        return bool(self.things or self.units)

    @property
    def has_focus(self) -> bool:
        """The question names something code can match claims against."""
        return bool(self.things or self.units or self.classification)

    def answered_by(self, claim: StatedClaim) -> bool:
        """A claim that gives the very count asked for: the thing and, when
        the question says, what happened to it (shot down, not launched)."""
        if claim.kind == "qualitative" or claim.quantity is None:
            return False
        if self.counted and not self.matches(claim):
            return False
        return self.role is None or claim.quantity.role == self.role


def _asked_role(question: str) -> str | None:
    """The role the question asks about: the one named first after "how
    many" ("How many people were injured ... in which Ukraine downed 48
    drones?" asks about the injured), else the first named at all. An
    attack named as the event ("the record overnight attack") is not asked."""
    asked = _QUANTITY_WORDS.search(question)
    after = asked.end() if asked else 0
    found = [
        (m.start() < after, m.start(), role)
        for role, pattern in ROLES
        for m in re.finditer(rf"\b(?:{pattern})\b", question)
        if not (role == "launched" and _EVENT_NOUN.search(question[: m.end()]))
    ]
    return min(found)[2] if found else None


_EVENT_NOUN = re.compile(
    r"\b(?:the|a|an|this|that|its|their)\s+(?:[\w’'-]+\s+){0,3}(?:attacks?|strikes?|barrage|assault)$"
)
_QUANTITY_WORDS = re.compile(r"\bhow (?:many|much)\b|\bnumber of\b|\bamount of\b")
