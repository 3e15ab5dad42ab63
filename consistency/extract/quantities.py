"""Text -> quantities: every number a sentence states, as an interval with a
unit, the counted things, a qualifier and a role.

Numbers are compared by code, never by a model, so this parser is the
ground truth that conflicts are decided on. It is deliberately rule-based:
fast (the whole corpus in well under a second), deterministic, and total
(it never raises, whatever the text). What is counted is read from the
words, not looked up: the head noun of the phrase after the number, in its
singular, whatever the corpus is about.

    "swarms of 500 drones and missiles"  -> 500, things (drone, missile) counted together
    "539 French-made drones"             -> 539 drone
    "11,000 to 12,000 foreign troops"    -> [11000, 12000] troop, range
    "more than 330 missiles"             -> [330, inf) missile, more_than
    "a 10,000-strong force"              -> 10,000 people (the members of the force)
    "€118 billion ($126 billion)"        -> 118e9 EUR; the bracket is its conversion, not a claim
    "24 February", "2022", "60th day"    -> not quantities
"""

from __future__ import annotations

import math
import re

from ..models import Quantity
from ..text.dates import MONTH_WORDS
from ..text.lexicon import (
    COUNT_NOUNS,
    CURRENCIES,
    CURRENCY_SYMBOLS,
    CURRENCY_WORDS,
    DURATIONS,
    MEASURES,
    MEMBERS_SUFFIX,
    MONEY_ROLES,
    PHRASE_ENDS,
    QUALIFIERS,
    ROLES,
    VAGUE_AMOUNTS,
    is_human,
    is_plural,
    singular,
)
from ..text.numbers import NUMBER, NUMBER_WORDS, SCALE_WORDS, SCALES, parse_number

INF = math.inf
PEOPLE = "people"

_MONTHS = rf"(?:{MONTH_WORDS})"
_VAGUE_WORDS = "|".join(sorted((re.escape(w) for w in VAGUE_AMOUNTS), key=len, reverse=True))
_QUALIFIER_WORDS = "|".join(sorted((re.escape(w) for w in QUALIFIERS), key=len, reverse=True))
_SYMBOLS = "|".join(re.escape(s) for s in sorted(CURRENCY_SYMBOLS, key=len, reverse=True) if not s.isalpha())
_CODES = "|".join(s.upper() for s in CURRENCY_SYMBOLS if s.isalpha() and len(s) == 3)

_MENTION = re.compile(
    rf"""
    (?:(?P<between>between)\s+)?
    (?:(?P<qualifier>{_QUALIFIER_WORDS})\s+)?
    (?P<currency>{_SYMBOLS}|(?:{_CODES})\s?)?
    (?:
        (?P<vague>{_VAGUE_WORDS})
      | (?P<number>{NUMBER}|{NUMBER_WORDS})
        (?:\s*(?P<scale>{SCALE_WORDS})\b)?
        (?:\s*(?:to|-|–|—|and)\s*(?P<currency2>{_SYMBOLS})?(?P<number2>{NUMBER}|{NUMBER_WORDS})
           (?:\s*(?P<scale2>{SCALE_WORDS})\b)?)?
    )
    (?![\w,.]*\d)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_WORD = re.compile(r"[A-Za-z][\w’'-]*")


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
        if quantity is None or _introduces_someone(text, match, quantity):
            continue
        if quantity.unit is None:
            _infer_things(quantity, found, before, text)
        if found and _is_conversion(text, found[-1], quantity):
            found[-1].equivalent = text[quantity.start : quantity.end]
            continue
        found.append(quantity)
    return found


def figure_span(text: str, quantity: Quantity) -> tuple[int, int]:
    """Where the figure itself is written ("three" of "three water
    pumps", "$2.2bn"), without the things it counts."""
    match = _MENTION.match(text, quantity.start)
    return (quantity.start, match.end()) if match else (quantity.start, quantity.end)


def _introduces_someone(text: str, match: re.Match, quantity: Quantity) -> bool:
    """ "One recruit, identified only as N, said": a person introduced, not a
    count of one (a count goes on to say what befell them: "one soldier was
    killed")."""
    return match.group().lower() == "one" and text[quantity.end : quantity.end + 1] == ","


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
    if re.search(r"[\w]-$", before) or re.match(r"-[a-z]*\d", after):  # model names: X-360, AB-26
        return True
    if re.match(r"[\s\d-]{6,}", after) or before.endswith("+") or re.search(r"\d[\s-]$", before):  # phone numbers
        return True
    if before.endswith(":") or after.startswith(":"):  # times, ratios
        return True
    if re.search(r"\[\s*$", before) and re.match(r"\s*\]", after):  # a reference mark: "[2]", "[ 7 ]"
        return True
    is_year = re.fullmatch(r"(1[89]|20)\d\d", number) and not match.group("currency") and not match.group("scale")
    if is_year and not _counts_many(text, match.end()):
        return True  # "in 2010", "the 2010 census": a count of 2010 would count things in the plural
    return bool(re.search(r"\b(the|a)\s+(\w+\s+)?(no\.|number)\s*$", before))


def _quantity(text: str, match: re.Match) -> Quantity | None:
    qualifier = QUALIFIERS.get((match.group("qualifier") or "").lower(), "exact")
    end = match.end()
    if match.group("vague"):
        low, high = VAGUE_AMOUNTS[match.group("vague").lower()]
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
            if " and " in match.group(0).lower() and not match.group("between"):
                # "539 drones and 11 missiles" is two numbers, not a range: cut.
                end = match.end("scale") if match.group("scale") else match.start("number") + len(match.group("number"))
                low = high = point
            else:
                low, high = sorted((point, second * scale2))
                qualifier, point = "range", None
        else:
            low, high = _interval(point, qualifier)
    unit, things, unit_end, owner = _unit(text, match, end)
    if unit is None and match.group("vague") and not things:
        return None  # "thousands" alone counts nothing we can name
    spread = not re.search(r"\bfor\s*$", text[: match.start()])  # "for over two years" is more than two
    if unit in DURATIONS and (match.group("qualifier") or "").lower() == "over" and point is not None and spread:
        qualifier, (low, high) = "exact", (point, point)  # "over two years": spread across them, not more than
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
    if unit in CURRENCIES and quantity.role not in MONEY_ROLES:
        quantity.role = None  # "$5,000 a month to fight": the fighting is the recruits', not the money's
    return quantity


def _infer_things(quantity: Quantity, earlier: list[Quantity], before: list[Quantity], text: str) -> None:
    """A bare number names its things by context: "killing at least 14"
    counts people; "of 83 missiles fired, 45 were shot down" and "... 42
    drones. Air defences shot down 30 of them." count what came just before."""
    counted_before = [q for q in before if q.things]
    if quantity.role in ("killed", "injured"):
        quantity.things, quantity.unit = [PEOPLE], PEOPLE
    elif earlier and earlier[-1].things and quantity.start - earlier[-1].end < 60 and quantity.text[:1].isdigit():
        quantity.things, quantity.unit = list(earlier[-1].things), earlier[-1].unit
    elif counted_before and re.match(r"\s+of\s+(?:them|those|these)\b", text[quantity.end :]):
        quantity.things, quantity.unit = list(counted_before[-1].things), counted_before[-1].unit
    elif quantity.text[:1].isdigit() and (measured := _measured_before(quantity, text)):
        quantity.things, quantity.unit = measured, "+".join(measured)


# Amount nouns that count people: the population of a place is its people.
_PEOPLE_MEASURES = frozenset({"population", "inhabitants", "residents"})
# "the population was 741", "a population of 472", "the number of
# refugees stood at 3,000": the noun before a bare figure says what it
# counts, when a linking verb or "of" ties them. Only nouns that count
# people or name what they count: "the rate was 5" or "at the age of 55"
# says no unit, and a claim without one would be compared with any other.
_MEASURED_BY = re.compile(
    rf"\b(?P<noun>{'|'.join(sorted(COUNT_NOUNS | _PEOPLE_MEASURES))})s?"
    r"(?P<of>\s+of\s+[^,;.:()\d]{1,40}?)?"
    r"\s*(?:was|is|were|are|stood at|stands at|reached|rose to|grew to|fell to|dropped to|climbed to|"
    r"totall?ed|totals|numbered|numbers|of|at|:)\s*$",
    re.IGNORECASE,
)


def _measured_before(quantity: Quantity, text: str) -> list[str]:
    """What an amount noun right before a bare figure says it counts
    (nothing when no such noun is there)."""
    clause_start = max(text.rfind(";", 0, quantity.start), text.rfind(". ", 0, quantity.start)) + 1
    found = _MEASURED_BY.search(text[clause_start : quantity.start])
    if found is None:
        return []
    noun = found.group("noun").lower()
    if noun in _PEOPLE_MEASURES:
        return [PEOPLE]
    if noun in COUNT_NOUNS:
        # "the number of refugees was 3,000" counts refugees; "the total was 45" names nothing.
        phrase = _noun_phrase(found.group("of")[4:].strip(), allow_of=True) if found.group("of") else None
        if phrase is None or not is_plural(phrase[1]):
            return []
        return [PEOPLE if is_human(phrase[1]) else singular(phrase[1])]
    return []


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


def _unit(text: str, match: re.Match, end: int) -> tuple[str | None, tuple[str, ...], int, str | None]:
    """The currency, measure or counted thing(s) the number is about."""
    currency = match.group("currency") or match.group("currency2")
    after = text[end:]
    measure = re.match(r"(?:-|\s*)(per cent|percent|%|[a-z]+)\b", after, re.IGNORECASE)
    if measure and measure.group(1).lower() in MEASURES and not _counts_members(after):
        return MEASURES[measure.group(1).lower()], (), end + measure.end(), None
    if after.startswith("%"):
        return "%", (), end + 1, None
    word = re.match(r"\s*([a-z]+)\b", after, re.IGNORECASE)
    if word and word.group(1).lower() in CURRENCY_WORDS and not currency:
        return CURRENCY_WORDS[word.group(1).lower()], (), end + word.end(), None
    if currency:
        return CURRENCY_SYMBOLS[currency.strip().lower()], (), end, None
    things, things_end, owner = _counted_things(text, end)
    if things:
        return "+".join(things), things, things_end, owner
    return None, (), end, None


def _counts_members(after: str) -> bool:
    return bool(re.match(rf"-{MEMBERS_SUFFIX}\b", after, re.IGNORECASE))


def _owner(modifiers: list[str]) -> str | None:
    """Whose things they are, when the phrase says: "48 French drones" vs
    "six German aerial drones" count different sides' drones (read from
    the shape of a nationality adjective, not from a list of countries)."""
    joined = " ".join(modifiers)
    match = re.search(r"(?:North |South |East |West )?[A-Z][a-z]+(?:ian|ean|ese|ish|i|an)\b", joined)
    return match.group() if match else None


def _counted_things(text: str, end: int) -> tuple[tuple[str, ...], int, str | None]:
    """The head noun of the phrase right after the number ("539
    French-made drones" -> drone), and a second one joined by "and" with
    no number of its own ("500 drones and missiles": counted together). "A
    10,000-strong force" counts the people in it."""
    window = _phrase_window(text, end)
    members = _counts_members(window)
    skip = len(MEMBERS_SUFFIX) + 1 if members else 0
    phrase = _noun_phrase(window[skip:], allow_of=True)
    if phrase is None:
        return (), end, None
    modifiers, head, phrase_end = phrase
    # "11 Kenyans": a plural demonym counts people, whoever they are.
    things = [PEOPLE if members or (head[:1].isupper() and is_human(head)) else singular(head)]
    thing_end = end + skip + phrase_end
    joined = re.match(r"\s+(?:and|or|&)\s+", text[thing_end : thing_end + 60])
    if joined and not members:
        rest = text[thing_end + joined.end() : thing_end + joined.end() + 60]
        second = None if _states_a_number(rest[:25]) else _noun_phrase(rest, allow_of=False)
        if second is not None and singular(head) == head.lower():
            # "11 cruise and ballistic missiles": two modifiers of one head.
            things = [singular(second[1])]
            thing_end += joined.end() + second[2]
        elif second is not None and singular(second[1]) != things[0]:
            things.append(singular(second[1]))
            thing_end += joined.end() + second[2]
    return tuple(things), thing_end, _owner(modifiers)


def _noun_phrase(window: str, allow_of: bool) -> tuple[list[str], str, int] | None:
    """(modifiers, head, end) of the noun phrase that opens `window`: words up
    to a phrase-ending word or punctuation; once a noun has been seen, a verb
    form (-ed, -ing) or an adverb (-ly) ends the phrase ("24 drones attacked
    civilians"), while before it such words are modifiers ("French-made")."""
    words = list(_WORD.finditer(window))
    if not words or words[0].start() > 3:
        return None
    run: list[re.Match] = []
    for index, word in enumerate(words[:6]):
        gap = window[(words[index - 1].end() if index else 0) : word.start()]
        if re.search(r"[.,;:!?()\"“”]|\d", gap):
            break
        lowered = word.group().lower().strip("’'")
        if lowered == "of" and allow_of and index == 0:
            continue  # "hundreds of recruits"
        if lowered in PHRASE_ENDS:
            break
        verbal = re.search(r"(?:ed|ing|ly)$", lowered) is not None
        if verbal and any(not re.search(r"(?:ed|ing|ly)$", w.group().lower()) for w in run):
            break
        run.append(word)
    nouns = [w for w in run if not re.search(r"(?:ed|ing|ly)$", w.group().lower())]
    if not nouns:
        return None  # "16 wounded", "12 killed": a participle, the number counts by its role
    # The counted noun is the phrase's first plural ("50 tanks remain",
    # "three Hawk systems"), else its last noun ("a dozen drones").
    plurals = [w for w in nouns if is_plural(w.group())]
    head = plurals[0] if plurals else nouns[-1]
    return [w.group() for w in run if w is not head and w.start() < head.start()], head.group(), head.end()


def _counts_many(text: str, end: int) -> bool:
    """Is the number followed by things in the plural ("2000 troops")?"""
    phrase = _noun_phrase(_phrase_window(text, end), allow_of=True)
    return phrase is not None and is_plural(phrase[1])


def _phrase_window(text: str, end: int) -> str:
    """The text after a number where its things are named; "83 domestic (and
    imported) missiles": asides, blanked, don't break the phrase."""
    return re.sub(r"\([^()]*\)", lambda aside: " " * len(aside.group()), text[end : end + 100])


def _states_a_number(text: str) -> bool:
    return bool(re.search(rf"\d|\b(?:{NUMBER_WORDS}|{_VAGUE_WORDS})\b", text, re.IGNORECASE))


def _role(text: str, start: int, end: int) -> str | None:
    """The action nearest to the number, in its clause."""
    clause_start = max(text.rfind(";", 0, start), text.rfind(". ", 0, start)) + 1
    clause_end_candidates = [i for i in (text.find(";", end), text.find(". ", end)) if i != -1]
    clause_end = min(clause_end_candidates) if clause_end_candidates else len(text)
    best: tuple[int, str] | None = None
    for role, pattern in ROLES:
        for found in re.finditer(rf"\b(?:{pattern})\b", text[clause_start:clause_end], re.IGNORECASE):
            if start <= clause_start + found.start() and clause_start + found.end() < end:
                continue  # "5,000 combat drones": a modifier of the things names a kind, not a role
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
    return (
        previous.unit in CURRENCIES
        and current.unit in CURRENCIES
        and previous.unit != current.unit
        and bool(re.fullmatch(r"\s*\(\s*", between))
    )
