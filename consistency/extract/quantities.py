"""Text -> quantities: every number a sentence states, as an interval with a
unit, the counted things, a qualifier and a role.

Numbers are compared by code, never by a model, so this parser is the
ground truth that conflicts are decided on. It is deliberately rule-based:
fast (the whole corpus in well under a second), deterministic, and total
(it never raises, whatever the text).

    "swarms of 500 drones and missiles"  -> 500, things (drones, missiles) counted together
    "539 Iran-designed drones"           -> 539 drones
    "11,000 to 12,000 North Korean troops" -> [11000, 12000] troops, range
    "more than 330 missiles"             -> [330, inf) missiles, more_than
    "€118 billion ($126 billion)"        -> 118e9 EUR; the bracket is its conversion, not a claim
    "24 February", "2022", "60th day"    -> not quantities
"""

from __future__ import annotations

import math
import re

from ..models import Quantity
from ..text.dates import MONTH_WORDS
from ..text.numbers import NUMBER, NUMBER_WORDS, SCALE_WORDS, SCALES, parse_number

INF = math.inf

# Vague amounts: the interval a careful reader would accept.
_VAGUE = {
    # Loose on purpose: "thousands of troops" is said of 11,000 troops too.
    "dozens": (24, 199),
    "scores": (40, 199),
    "hundreds": (200, 1_999),
    "thousands": (2_000, 19_999),
    "tens of thousands": (20_000, 199_999),
    "hundreds of thousands": (200_000, 1_999_999),
    "millions": (2e6, 19.99e6),
    "several": (3, 9),
    "a few": (2, 5),
    "a handful": (2, 6),
}
_QUALIFIERS = {
    "about": "about",
    "approximately": "about",
    "around": "about",
    "some": "about",
    "roughly": "about",
    "an estimated": "about",
    "estimated": "about",
    "circa": "about",
    "approx.": "about",
    "nearly": "almost",
    "almost": "almost",
    "just under": "almost",
    "close to": "almost",
    "at least": "at_least",
    "no fewer than": "at_least",
    "no less than": "at_least",
    "a minimum of": "at_least",
    "more than": "more_than",
    "over": "more_than",
    "upwards of": "more_than",
    "in excess of": "more_than",
    "above": "more_than",
    "exceeding": "more_than",
    "up to": "up_to",
    "as many as": "up_to",
    "as much as": "up_to",
    "a maximum of": "up_to",
    "fewer than": "fewer_than",
    "less than": "fewer_than",
    "under": "fewer_than",
    "below": "fewer_than",
}
_CURRENCY_SYMBOLS = {"us$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "usd": "USD", "eur": "EUR", "gbp": "GBP"}
CURRENCY_WORDS = {"dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR", "pounds": "GBP", "pound": "GBP"}
MEASURES = {
    "km": "km",
    "kilometre": "km",
    "kilometres": "km",
    "kilometer": "km",
    "kilometers": "km",
    "mile": "miles",
    "miles": "miles",
    "kg": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "tonnes": "tonnes",
    "tons": "tonnes",
    "metres": "m",
    "meters": "m",
    "%": "%",
    "percent": "%",
    "per cent": "%",
}
# Counted things, folded to one name ("soldiers" and "troops" are troops).
COUNTED = {
    "drone": "drones",
    "drones": "drones",
    "uav": "drones",
    "uavs": "drones",
    "missile": "missiles",
    "missiles": "missiles",
    "rocket": "missiles",
    "rockets": "missiles",
    "troop": "troops",
    "troops": "troops",
    "soldier": "troops",
    "soldiers": "troops",
    "fighters": "troops",
    "personnel": "troops",
    "servicemen": "troops",
    "mercenaries": "troops",
    "men": "people",
    "people": "people",
    "civilians": "people",
    "persons": "people",
    "residents": "people",
    "children": "children",
    "casualties": "casualties",
    "deaths": "deaths",
    "dead": "deaths",
    "counterattacks": "counterattacks",
    "counter-attacks": "counterattacks",
    "attacks": "attacks",
    "settlements": "settlements",
    "villages": "settlements",
    "bombs": "bombs",
    "glide bombs": "bombs",
    "tanks": "tanks",
    "systems": "systems",
    "batteries": "systems",
    "jets": "aircraft",
    "aircraft": "aircraft",
    "planes": "aircraft",
    "shells": "shells",
    "brigades": "brigades",
    "countries": "countries",
    "nations": "countries",
    "leaders": "leaders",
    "yemenis": "people",
    "force": "troops",
    "forces": "troops",
    "bodies": "deaths",
    "prisoners": "prisoners",
    "refugees": "refugees",
    "homes": "buildings",
    "buildings": "buildings",
}
ROLES = [
    ("shot_down", r"shot down|shoot down|shooting down|downed|downing|intercept\w*|destroy\w*|destruction"),
    ("killed", r"kill\w*|dead|died|deaths?|lives"),
    ("injured", r"injur\w*|wound\w*"),
    ("launched", r"launch\w*|fired|used|attack\w*|struck|barrage|assault|strikes?"),
    ("deployed", r"deploy\w*|stationed|sent|presence|in russia"),
    ("fighting", r"join\w*|fight\w*|combat|front-line|frontline"),
    ("pledged", r"pledg\w*|allocat\w*|provid\w*|aid|assistance|package|funding|supplied"),
    ("captured", r"captur\w*|took control|seiz\w*|taken control"),
    ("repelled", r"repel\w*|repuls\w*"),
    ("lost", r"los[st]\w*|casualt\w*|toll"),
]
_MONTHS = rf"(?:{MONTH_WORDS})"

_VAGUE_WORDS = "|".join(sorted((re.escape(w) for w in _VAGUE), key=len, reverse=True))
_QUALIFIER_WORDS = "|".join(sorted((re.escape(w) for w in _QUALIFIERS), key=len, reverse=True))

_MENTION = re.compile(
    rf"""
    (?:(?P<between>between)\s+)?
    (?:(?P<qualifier>{_QUALIFIER_WORDS})\s+)?
    (?P<currency>US\$|\$|€|£|USD\s?|EUR\s?|GBP\s?)?
    (?:
        (?P<vague>{_VAGUE_WORDS})
      | (?P<number>{NUMBER}|{NUMBER_WORDS})
        (?:\s*(?P<scale>{SCALE_WORDS})\b)?
        (?:\s*(?:to|-|–|—|and)\s*(?P<currency2>US\$|\$|€|£)?(?P<number2>{NUMBER}|{NUMBER_WORDS})(?:\s*(?P<scale2>{SCALE_WORDS})\b)?)?
    )
    (?![\w,.]*\d)
    """,
    re.IGNORECASE | re.VERBOSE,
)


def find_quantities(text: str, before: list[Quantity] | None = None) -> list[Quantity]:
    """Every quantity stated in `text`, in order. `before`: the quantities of
    the previous sentence, which "30 of them" refers to. Total: it never
    raises, whatever the text (the property tests hold it to that)."""
    before = before or []
    found: list[Quantity] = []
    for match in _MENTION.finditer(text):
        if not _starts_at_word(text, match.start()) or _not_a_quantity(text, match):
            continue
        quantity = _quantity(text, match)
        if quantity is None:
            continue
        if quantity.unit is None:
            _infer_things(quantity, found, before, text)
        if found and _is_conversion(text, found[-1], quantity):
            found[-1].equivalent = text[quantity.start : quantity.end]
            continue
        found.append(quantity)
    return found


def _starts_at_word(text: str, start: int) -> bool:
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "-.,/")


def _not_a_quantity(text: str, match: re.Match) -> bool:
    """Years, dates, ordinals, times, phone-like strings, model names."""
    number = match.group("number")
    if not number:
        return False
    after = text[match.end() : match.end() + 20].lower()
    before = text[max(0, match.start() - 20) : match.start()].lower()
    if re.match(r"(st|nd|rd|th)\b", after) or re.match(r"\s*(am|pm|a\.m\.|p\.m\.)\b|:\d", after):
        return True
    if re.match(rf"\s*{_MONTHS}\b", after) or re.search(rf"\b{_MONTHS}\.?\s*$", before):
        return True
    if re.search(r"[\w]-$", before) or re.match(r"-[a-z]*\d", after):  # Fath-360, RS-26, Su-34
        return True
    if re.match(r"[\s\d-]{6,}", after) or before.endswith("+") or re.search(r"\d[\s-]$", before):  # phone numbers
        return True
    if before.endswith(":") or after.startswith(":"):  # times, ratios
        return True
    is_year = re.fullmatch(r"(1[89]|20)\d\d", number) and not match.group("currency") and not match.group("scale")
    if is_year and not _counted_noun_after(text, match.end()):
        return True
    return bool(re.search(r"\b(the|a)\s+(\w+\s+)?(no\.|number)\s*$", before))


def _quantity(text: str, match: re.Match) -> Quantity | None:
    qualifier = _QUALIFIERS.get((match.group("qualifier") or "").lower(), "exact")
    end = match.end()
    if match.group("vague"):
        low, high = _VAGUE[match.group("vague").lower()]
        point, qualifier = None, "vague"
    else:
        first = parse_number(match.group("number"))
        if first is None:
            return None
        second = parse_number(match.group("number2"))
        scale = SCALES.get((match.group("scale") or "").lower(), 1.0)
        scale2 = SCALES.get((match.group("scale2") or "").lower(), scale)
        if second is not None and match.group("scale2") and not match.group("scale"):
            scale = scale2  # "11 to 12 million"
        point = first * scale
        if second is not None:
            is_and_without_between = " and " in match.group(0).lower() and not match.group("between")
            if is_and_without_between:
                # "539 drones and 11 missiles" is two numbers, not a range: cut.
                end = match.start("number") + len(match.group("number"))
                if match.group("scale"):
                    end = match.end("scale")
                low = high = point
            else:
                low, high = sorted((point, second * scale2))
                qualifier, point = "range", None
        else:
            low, high = _interval(point, qualifier)
    unit, things, unit_end, owner = _unit(text, match, end)
    if unit is None and match.group("vague") and not things:
        return None  # "thousands" alone counts nothing we can name
    quantity = Quantity(
        text="",
        start=match.start() + (len(match.group("between")) + 1 if match.group("between") else 0),
        end=max(end, unit_end),
        low=low,
        high=high,
        qualifier=qualifier,
        unit=unit,
        things=list(things),
        owner=owner,
        point=point,
    )
    quantity.text = text[quantity.start : quantity.end]
    quantity.role = _role(text, quantity.start, quantity.end)
    return quantity


def _infer_things(quantity: Quantity, earlier: list[Quantity], before: list[Quantity], text: str) -> None:
    """A bare number names its things by context: "killing at least 14"
    counts people; "of 83 missiles fired, 45 were shot down" and "... 42
    drones. Air defences shot down 30 of them." count what came just before."""
    counted_before = [q for q in before if q.things]
    if quantity.role in ("killed", "injured"):
        quantity.things, quantity.unit = ["people"], "people"
    elif earlier and earlier[-1].things and quantity.start - earlier[-1].end < 60 and quantity.text[:1].isdigit():
        quantity.things, quantity.unit = list(earlier[-1].things), earlier[-1].unit
    elif counted_before and re.match(r"\s+of\s+(?:them|those|these)\b", text[quantity.end :]):
        quantity.things, quantity.unit = list(counted_before[-1].things), counted_before[-1].unit


def _interval(value: float, qualifier: str) -> tuple[float, float]:
    return {
        "exact": (value, value),
        "about": (value * 0.9, value * 1.1),
        "almost": (value * 0.9, value),
        "at_least": (value, INF),
        "more_than": (value * (1 + 1e-9), INF),
        "up_to": (0.0, value),
        "fewer_than": (0.0, value * (1 - 1e-9)),
    }[qualifier]


_MODIFIER = r"(?:[\w’'-]+(?:\s+(?:and|or)\s+[\w’'-]+)?)"


def _unit(text: str, match: re.Match, end: int) -> tuple[str | None, tuple[str, ...], int, str | None]:
    """The currency, measure or counted thing(s) the number is about."""
    currency = match.group("currency") or match.group("currency2")
    after = text[end:]
    measure = re.match(r"(?:-|\s*)(per cent|percent|%|km|kg|[a-z]+)\b", after, re.IGNORECASE)
    if measure and measure.group(1).lower() in MEASURES:
        return MEASURES[measure.group(1).lower()], (), end + measure.end(), None
    if after.startswith("%"):
        return "%", (), end + 1, None
    word = re.match(r"\s*([a-z]+)\b", after, re.IGNORECASE)
    if word and word.group(1).lower() in CURRENCY_WORDS and not currency:
        return CURRENCY_WORDS[word.group(1).lower()], (), end + word.end(), None
    if currency:
        return _CURRENCY_SYMBOLS[currency.strip().lower()], (), end, None
    things, things_end, owner = _counted_things(text, end)
    if things:
        return things[0] if len(things) == 1 else "+".join(things), things, things_end, owner
    return None, (), end, None


def _counted_noun_after(text: str, end: int) -> bool:
    return bool(_counted_things(text, end)[0])


def _owner(modifiers: list[str]) -> str | None:
    """Whose things they are, when the phrase says: "48 Russian drones" vs
    "six Ukrainian aerial drones" count different sides' drones."""
    joined = " ".join(modifiers)
    match = re.search(r"(?:North |South )?[A-Z][a-z]+(?:ian|ean|ese|ish|i)\b", joined)
    return match.group() if match else None


def _counted_things(text: str, end: int) -> tuple[tuple[str, ...], int, str | None]:
    """The head noun within a few words after the number ("539 Iran-designed
    drones"), and a second one joined by "and" with no number of its own
    ("500 drones and missiles": counted together)."""
    # "83 Russian (and Iranian imported) missiles": asides don't break the phrase.
    window = re.sub(r"\([^()]*\)", lambda aside: " " * len(aside.group()), text[end : end + 80])
    words = list(re.finditer(r"[A-Za-z][\w’'-]*", window))
    if words and words[0].start() > 3:
        return (), end, None

    for index, word in enumerate(words[:5]):
        gap = window[(words[index - 1].end() if index else 0) : word.start()]
        if re.search(r"[.,;:()]|\d", gap):
            break
        thing = _counted(word.group())
        if thing is None:
            if word.group().lower() == "of" and index == 0:
                continue  # "hundreds of Yemeni men"
            if word.group().lower() in _PHRASE_ENDS:
                break  # "One thing Russia needs is soldiers": the phrase ended
            continue
        things = [thing]
        thing_end = end + word.end()
        rest = text[thing_end : thing_end + 40]
        joined = re.match(r"\s+(?:and|or|&)\s+((?:[A-Za-z][\w’'-]*\s+){0,2}?)([A-Za-z][\w’'-]*)", rest)
        if joined and not _states_a_number(joined.group(0)):
            second = _counted(joined.group(2))
            if second and second != thing:
                things.append(second)
                thing_end += joined.end()
        return tuple(things), thing_end, _owner([w.group() for w in words[:index]])
    return (), end, None


# Words that end a noun phrase: the counted noun must come before them.
_PHRASE_ENDS = frozenset(
    "is are was were be been has have had that which who whom whose of the a an to in on at for by with from as "
    "than thing things needs need said says will would could can may might".split()
)


def _states_a_number(text: str) -> bool:
    return bool(re.search(rf"\d|\b(?:{NUMBER_WORDS}|{_VAGUE_WORDS})\b", text, re.IGNORECASE))


def _counted(word: str) -> str | None:
    word = word.lower().strip("’'")
    if word in COUNTED:
        return COUNTED[word]
    return None


def _role(text: str, start: int, end: int) -> str | None:
    """The action nearest to the number, in its clause."""
    clause_start = max(text.rfind(";", 0, start), text.rfind(". ", 0, start)) + 1
    clause_end_candidates = [i for i in (text.find(";", end), text.find(". ", end)) if i != -1]
    clause_end = min(clause_end_candidates) if clause_end_candidates else len(text)
    best: tuple[int, str] | None = None
    for role, pattern in ROLES:
        for found in re.finditer(rf"\b(?:{pattern})\b", text[clause_start:clause_end], re.IGNORECASE):
            # Verbs usually come first ("killed at least two"): measure the
            # gap from a verb's end to the number, or from the number to a verb.
            before_number = clause_start + found.end() <= start
            distance = start - (clause_start + found.end()) if before_number else clause_start + found.start() - end
            if not before_number and re.fullmatch(
                r"\s*(?:were|was|are|is|have been|had been|being)\s+", text[end : clause_start + found.start()]
            ):
                distance = -1  # "45 were shot down": the passive verb is the number's own

            if best is None or distance < best[0]:
                best = (distance, role)
    return best[1] if best else None


def _is_conversion(text: str, previous: Quantity, current: Quantity) -> bool:
    """ "€118 billion ($126 billion)": a currency given again in another
    currency, in brackets, right after the first."""
    between = text[previous.end : current.start]
    currencies = {"USD", "EUR", "GBP"}
    return (
        previous.unit in currencies
        and current.unit in currencies
        and previous.unit != current.unit
        and bool(re.fullmatch(r"\s*\(\s*", between))
    )
