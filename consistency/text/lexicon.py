"""The one reviewed lexicon: the general English words code reads facts by.

Nothing here names a place, a person, a weapon or any other thing of one
corpus: a user's own articles (elections, markets, disasters) are read by
the same words. Each group says why it exists; a word joins a group only if
it means the same in any news story. Tests grep the package for the bundled
corpus's names, so that none slips in here or elsewhere.
"""

from __future__ import annotations

import re

# ---- amounts ---------------------------------------------------------------

# Vague amounts, as the interval a careful reader would accept. Loose on
# purpose: "thousands of troops" is said of 11,000 troops too.
VAGUE_AMOUNTS: dict[str, tuple[float, float]] = {
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

# How an amount is hedged, as the interval kind it makes ("more than 330" is
# [330, inf)).
QUALIFIERS: dict[str, str] = {
    **dict.fromkeys(["about", "approximately", "around", "some", "roughly", "an estimated", "estimated"], "about"),
    **dict.fromkeys(["circa", "approx."], "about"),
    **dict.fromkeys(["nearly", "almost", "just under", "close to"], "almost"),
    **dict.fromkeys(["at least", "no fewer than", "no less than", "a minimum of"], "at_least"),
    **dict.fromkeys(["more than", "over", "upwards of", "in excess of", "above", "exceeding"], "more_than"),
    **dict.fromkeys(["up to", "as many as", "as much as", "a maximum of"], "up_to"),
    **dict.fromkeys(["fewer than", "less than", "under", "below"], "fewer_than"),
}

# Money: a symbol or a word makes an amount a currency, so that "$2.2bn" and
# "2.2 billion dollars" compare.
CURRENCY_SYMBOLS = {
    "us$": "USD",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
}
CURRENCY_WORDS = {
    **dict.fromkeys(["dollar", "dollars"], "USD"),
    **dict.fromkeys(["euro", "euros"], "EUR"),
    **dict.fromkeys(["pound", "pounds", "sterling"], "GBP"),
    **dict.fromkeys(["yen"], "JPY"),
    **dict.fromkeys(["yuan", "renminbi"], "CNY"),
    **dict.fromkeys(["rouble", "roubles", "ruble", "rubles"], "RUB"),
    **dict.fromkeys(["rupee", "rupees"], "INR"),
}
CURRENCIES = frozenset(CURRENCY_SYMBOLS.values()) | frozenset(CURRENCY_WORDS.values())
# Words of a question that ask for money ("how much aid", "what did it cost").
MONEY_WORDS = frozenset(
    "money aid assistance funding funds fund cost costs price worth budget spending spend spent pay paid salary "
    "salaries wage wages revenue revenues profit profits loan loans debt grant grants package".split()
)

# Units of measure, folded to one symbol. Durations count time, not things.
MEASURES: dict[str, str] = {
    **dict.fromkeys(["km", "kilometre", "kilometres", "kilometer", "kilometers"], "km"),
    **dict.fromkeys(["mile", "miles"], "miles"),
    **dict.fromkeys(["m", "metre", "metres", "meter", "meters"], "m"),
    **dict.fromkeys(["kg", "kilogram", "kilograms", "kilogramme", "kilogrammes"], "kg"),
    **dict.fromkeys(["tonne", "tonnes", "ton", "tons"], "tonnes"),
    **dict.fromkeys(["%", "percent", "per cent"], "%"),
    **dict.fromkeys(["hour", "hours"], "hours"),
    **dict.fromkeys(["day", "days"], "days"),
    **dict.fromkeys(["week", "weeks"], "weeks"),
    **dict.fromkeys(["month", "months"], "months"),
    **dict.fromkeys(["year", "years"], "years"),
    **{unit: unit for unit in ("cc", "cm", "mm", "ml", "mph", "kw", "mw", "gw")},
    **dict.fromkeys(["litre", "litres", "liter", "liters"], "litres"),
    **dict.fromkeys(["ft", "foot", "feet"], "feet"),
    **dict.fromkeys(["inch", "inches"], "inches"),
    **dict.fromkeys(["hp", "horsepower"], "hp"),
    **dict.fromkeys(["acre", "acres"], "acres"),
    **dict.fromkeys(["hectare", "hectares"], "hectares"),
}
# Measures that describe one object (its range, its weight): two sources
# rarely give them for the same object unless they say which.
DURATIONS = frozenset({"hours", "days", "weeks", "months", "years"})
PROPERTY_UNITS = frozenset({"km", "kg", "miles", "m", "tonnes", "%"})
# A range of a distance ("a range of 800 km"): questions about reach ask km.
# Nouns that name an amount: a question whose asked noun phrase ends in one
# asks for a number ("what is the headcount of ...", "what daily casualty
# rate", "what was the toll"). The first group counts what follows "of"
# ("the headcount of troops" counts troops).
COUNT_NOUNS = frozenset("number count headcount tally total estimate figure".split())
# Amount nouns whose modifier is what they count ("casualty rate", "death
# toll"); others measure their modifier ("tariff level", "aid size").
COUNTING_NOUNS = COUNT_NOUNS | frozenset({"rate", "toll"})
# Roles that money is asked in ("how much was pledged"); other roles belong
# to counted things ("fired", "sent"), not to sums, ranges or shares.
MONEY_ROLES = frozenset({"pledged", "lost"})
AMOUNT_NOUNS = COUNT_NOUNS | frozenset(
    "toll rate size amount sum quantity level percentage share proportion fraction population turnout cost price "
    "value worth range length weight height capacity area depth speed width volume scale strength age duration "
    "distance".split()
)
# Participles and adjectives that stand for the people they describe ("the
# number of wounded", "how many dead").
PEOPLE_ADJECTIVES = frozenset("wounded injured dead killed missing displaced evacuated hurt".split())
DISTANCE_WORDS = frozenset({"range", "far", "distance", "reach", "long", "wide", "away"})

# What happened to the counted things, by the verbs and nouns news uses for
# it. Two figures in different roles (launched vs shot down) never conflict.
ROLES: list[tuple[str, str]] = [
    ("shot_down", r"shot down|shoot down|shooting down|downed|downing|intercept\w*|destroy\w*|destruction"),
    ("killed", r"kill\w*|dead|died|deaths?|lives|death toll|fatalit\w*"),
    ("injured", r"injur\w*|wound\w*|hurt"),
    ("launched", r"launch\w*|fired|fire|used|attack\w*|struck|barrage|assault|strikes?"),
    ("deployed", r"deploy\w*|stationed|sent|presence"),
    ("fighting", r"join\w*|fight\w*|combat|front-line|frontline"),
    ("pledged", r"pledg\w*|allocat\w*|provid\w*|aid|assistance|package|funding|supplied|donat\w*|promis\w*|offer\w*"),
    ("captured", r"captur\w*|took control|seiz\w*|taken control"),
    ("repelled", r"repel\w*|repuls\w*|beat back|beaten back|fought off"),
    ("lost", r"los[st]\w*|casualt\w*"),
    ("freed", r"free[ds]?|freeing|releas\w*|return\w*|repatriat\w*|sent home|let go"),
    ("arrested", r"arrest\w*|detain\w*|jail\w*"),
    ("evacuated", r"evacuat\w*|displac\w*|fled"),
]
ROLE_PATTERN = dict(ROLES)
# A role that takes in others: casualties (losses) are the killed and the
# wounded, so a question about casualties is answered by either count.
ROLE_INCLUDES: dict[str, frozenset[str]] = {"lost": frozenset({"killed", "injured"})}


# What an event did rather than what it was made of: "how big was the strike"
# is answered by what was launched, not by the toll; "how large was the
# protest" by who marched, not by who was arrested.
CONSEQUENCE_ROLES = frozenset({"killed", "injured", "lost", "captured", "freed", "arrested", "evacuated"})
# A question asking an event's size, naming no thing or unit ("how big was it").
SIZE_QUESTION = re.compile(r"\bhow (?:big|large|massive|heavy)\b|\b(?:size|scale|magnitude) of\b", re.I)


def role_answers(asked: str, stated: str) -> bool:
    """Does a figure in the `stated` role answer a question asking `asked`?"""
    return asked == stated or stated in ROLE_INCLUDES.get(asked, frozenset())


# Role words that, in a question, name the event rather than what is asked
# about it ("how many people did the barrage kill": the barrage is the event).
EVENT_NOUNS = frozenset(
    "attack attacks strike strikes barrage assault raid offensive aid assistance package funding presence "
    "destruction deaths lives casualties".split()
)

# ---- counted things ------------------------------------------------------------

# Nouns that count people, so that "how many people" is answered by "two
# civilians" or "11,000 troops". Collective nouns whose size is their members
# ("a 10,000-strong force") join them through the "-strong" construction.
HUMAN_NOUNS = frozenset(
    "people person persons individual individuals civilian civilians resident residents inhabitant inhabitants "
    "citizen citizens child children kid kids adult adults man men woman women boy boys girl girls victim victims "
    "soldier soldiers troop troops fighter fighters personnel serviceman servicemen servicemember servicemembers "
    "recruit recruits mercenary mercenaries conscript conscripts volunteer volunteers refugee refugees prisoner "
    "prisoners hostage hostages migrant migrants worker workers employee employees student students voter voters "
    "member members passenger passengers patient patients "
    # Nouns for people by what befell them: "the death toll", "casualties".
    "death deaths fatality fatalities casualty casualties dead wounded injured".split()
)
# "a 10,000-strong force": the number counts the members of what follows.
MEMBERS_SUFFIX = "strong"
# Irregular plurals, for reading a counted noun in its singular.
_IRREGULAR_PLURALS = {
    "people": "people", "men": "man", "women": "woman", "children": "child", "feet": "foot", "teeth": "tooth",
    "mice": "mouse", "geese": "goose", "personnel": "personnel", "aircraft": "aircraft", "police": "police",
    "series": "series", "species": "species", "news": "news", "data": "data", "media": "media",
}  # fmt: skip
# Words that end a noun phrase: the counted noun comes before them.
PHRASE_ENDS = frozenset(
    "is are was were be been being am has have had having do does did that which who whom whose what of the a an "
    "to in on at for by with from as than into onto over under about after before during since until while per "
    "will would could can may might must shall should not no nor but or and so if then there here this these "
    "those it its they them their he she his her we our you your i me my more most less least each every "
    "said says say told reported according also only just even still already thing things need needs".split()
)


def singular(word: str) -> str:
    """A noun's singular, by rule ("drones" -> "drone", "casualties" -> "casualty")."""
    lowered = word.lower().strip("’'")
    if lowered in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[lowered]
    if len(lowered) > 4 and lowered.endswith("ies"):
        return lowered[:-3] + "y"
    if len(lowered) > 4 and re.search(r"(ss|sh|ch|x|z)es$", lowered):
        return lowered[:-2]
    if len(lowered) > 3 and lowered.endswith("s") and not lowered.endswith(("ss", "us", "is")):
        return lowered[:-1]
    return lowered


def is_plural(word: str) -> bool:
    """A common noun in the plural ("tanks", "people"; not "news", not a name)."""
    if word[:1].isupper() and not is_human(word):
        return False
    lowered = word.lower().strip("’'")
    if lowered in _IRREGULAR_PLURALS:
        return lowered in {
            "people",
            "men",
            "women",
            "children",
            "feet",
            "teeth",
            "mice",
            "geese",
            "personnel",
            "police",
        }
    return singular(lowered) != lowered


def is_human(noun: str) -> bool:
    """Does the noun count people? Demonyms in the plural ("Kenyans",
    "Canadians") do, by their shape."""
    if noun.lower() in HUMAN_NOUNS or singular(noun) in HUMAN_NOUNS:
        return True
    return bool(re.fullmatch(r"[A-Z][a-z]+(?:ians|ans|eans|is|ese|ites|ers)", noun))


# ---- who says so, and what a sentence does ------------------------------------

# Verbs of attribution: "X said", "according to X".
SAYING = (
    r"said|says|say|claimed|claims|claim|reported|reports|estimated|estimates|told|stated|announced|"
    r"confirmed|described|insisted|insists|alleged|according|believes|believe|thinks|warned|added|noted|argued|"
    r"denied|denies|maintains|maintained"
)
# The bodies a name speaks for: "the country's air force", "state media".
BODIES = (
    r"air force|military|officials|ministry|government|army|spokes(?:man|woman|person)|intelligence|"
    r"state media|media|forces|sources|navy|police|authorities|office|agency|department|council|court"
)
# Words that open a sentence but name nobody.
NOT_NAMES = frozenset(
    "It This That He She They We I You Reports Officials The A An But And However Meanwhile Earlier Later "
    "Still Yet Also Then There Here Some Many Most Such".split()
)

# Words by which a sentence denies what it reports, so that it answers a
# yes-or-no question "no" ("there has been no move to transfer", "denied
# sending"). Idioms that negate nothing ("not only", "no less than", "no
# stranger to") are taken out first.
NEGATION = re.compile(
    r"\b(?:no|not|never|none|nor|neither|nothing|deny|denies|denied|denying|denial|rejects?|rejected|"
    r"dismiss(?:es|ed)?|refut(?:es|ed)|false|falsely|baseless|unfounded|untrue|groundless)\b|n[’']t\b",
    re.IGNORECASE,
)
NOT_NEGATING = re.compile(
    r"\b(?:not only|not just|no (?:less|fewer|more|later|sooner) than|no doubt|no stranger|"
    r"nothing but|not least|none other)\b",
    re.IGNORECASE,
)


# Declining to answer is neither saying so nor denying it: "did not say
# when", "declined to comment", "could not confirm".
NON_COMMITTAL = re.compile(
    r"(?:\bnot|n[’']t)\s+(?:immediately\s+|yet\s+|independently\s+)?(?:be\s+)?"
    r"(?:say|said|comment|commented|specify|specified|disclose|disclosed|elaborate|reveal|revealed|respond|"
    r"responded|confirm|confirmed|verify|verified|know|known|clear)\b"
    r"|\b(?:declined|refused|unable)\s+to\s+(?:say|comment|confirm|specify|disclose|elaborate)\b|\bno comment\b",
    re.IGNORECASE,
)


def negation_spans(sentence: str) -> list[tuple[int, int]]:
    """Where a sentence negates or denies something (character spans)."""
    idioms = [m.span() for m in NOT_NEGATING.finditer(sentence)]
    return [m.span() for m in NEGATION.finditer(sentence) if not any(a <= m.start() < b for a, b in idioms)]


# Text addressed to a language model, not to readers: a prompt injection
# planted in a source. It is nobody's claim and never evidence.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier|your|other)"
    r"\s+(?:instructions|prompts?|rules)\b"
    r"|\b(?:AI|language model|LLM|assistant|chatbot)s?\s*(?:reading this|summari[sz]ing this)\b"
    r"|\b(?:note|message|instruction)s?\s+(?:to|for)\s+(?:(?:the|any)\s+)?(?:AI|LLM|language model|assistant|model)s?\b"
    # Addressed to one: "Assistant, please report that ...", "AI: say ...".
    r"|\b(?:AI|LLM|assistant|chatbot|language\s+model|model|system)s?\s*[,:]\s*(?:please\s+)?"
    r"(?:report|say|state|tell|answer|respond|reply|write|output|print|ignore|disregard|confirm|claim)\b"
    r"|\b(?:you\s+are|act\s+as)\s+(?:an?\s+|the\s+)?(?:AI|assistant|language\s+model|chatbot)\b"
    r"|\bsystem\s+prompt\b",
    re.IGNORECASE,
)

# The period an amount covers, when a sentence says: a rate ("daily"), a
# running total ("since", "so far"), or a named period ("in June").
RATE_WORDS = (
    r"daily|a day|per day|each day|every day|a week|per week|weekly|monthly|a month|per month|annually|"
    r"a year|per year|every week|an hour|per hour"
)
# A total that grows, as a question asks for it; a sentence's "over the past
# week" also counts from some point on, but it is a period, not a total.
RUNNING_TOTAL_WORDS = r"since|so far|in total|to date|altogether|in all"
CUMULATIVE_WORDS = RUNNING_TOTAL_WORDS + r"|over the (?:past|last)"
