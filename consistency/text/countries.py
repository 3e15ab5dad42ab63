"""Countries and their capitals: the piece of world knowledge news
writing leans on that a reader cannot get from the sources' words.

Reporters name a government by its capital ("Oslo has sent four
purification plants", "talks between Washington and Beijing"), while another
outlet writes "Norway". Without this, a claim about Oslo is "not found"
where every source says Norway, and "Oslo" and "Norway" look like rival
subjects. Only a capital and its own country are one value here: any
other city is not its country, nor are two cities of one country the same
place. And a country against a region ("in Bulgaria", "in the Varna
region") does not tell two events apart: the one may hold the other.

The table comes from the countryinfo package (MIT, 250 countries, 243
capitals), loaded on first use (about 40 ms).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from .terms import terms


@dataclass(frozen=True)
class _Tables:
    country_by_capital: dict[str, str]
    country_by_demonym: dict[str, str]  # what its people are called ("kenyan")
    country_by_name: dict[str, str]  # each spelling of four letters or more -> the country's name


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    countries: dict[str, str] = {}
    by_name: dict[str, str] = {}
    demonyms: dict[str, tuple[float, str]] = {}
    for path in files("countryinfo").joinpath("data").iterdir():
        if not path.name.endswith(".json"):
            continue
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a damaged data file costs its one country, not the check
        spellings = [info.get("name"), info.get("nativeName"), *info.get("altSpellings", [])]
        if info.get("name"):
            by_name.update((words_of(n), info["name"]) for n in spellings if isinstance(n, str) and len(n) > 3)
        demonym = info.get("demonym")
        population = info.get("population") if isinstance(info.get("population"), int | float) else 0
        if isinstance(demonym, str) and info.get("name"):
            for key in (words_of(d) for d in demonym.split(",")):
                # Several territories share "American": the people of the most
                # populous one are meant.
                if key not in demonyms or demonyms[key][0] < population:
                    demonyms[key] = (population, info["name"])
        capitals = info.get("capital")
        for capital in capitals if isinstance(capitals, list) else [capitals]:
            if isinstance(capital, str) and capital and info.get("name"):
                key = words_of(capital).removesuffix(" d c")  # "Washington D.C." is written "Washington"
                countries[key] = info["name"]
    by_demonym = {key: country for key, (_, country) in demonyms.items()}
    return _Tables(countries, by_demonym, by_name)


def words_of(name: str) -> str:
    """Lower-case ASCII words, as names.name_key gives them (the key looked up)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def country_of(capital_key: str) -> str | None:
    """The country whose capital this is ("berlin" -> "Germany"), else None."""
    return _tables().country_by_capital.get(capital_key)


def is_country(key: str) -> bool:
    """Is this ("france", "united states") the name of a country?"""
    return key in _tables().country_by_name


def is_demonym(key: str) -> bool:
    """Is this ("kenyan", "french") what a country's people are called?"""
    return key in _tables().country_by_demonym


def countries_meant(text: str) -> set[str]:
    """The countries a text names, by name, capital or people ("Estonia",
    "Tallinn's defence ministry", "the Estonian defence ministry": Estonia)."""
    return {country for _, _, country in country_spans(text)}


def country_spans(text: str) -> list[tuple[int, int, str]]:
    """Where a text names a country, and which: (start, end, country)."""
    tokens = [(m.start(), m.end(), words_of(m.group())) for m in re.finditer(r"[^\W_]+", text)]
    tokens = [t for t in tokens if t[2]]
    tables = _tables()
    found, at = [], 0
    while at < len(tokens):
        for size in (3, 2, 1):  # the longest name first: "south sudanese" is not "sudanese"
            key = " ".join(t[2] for t in tokens[at : at + size])
            country = country_of(key) or tables.country_by_demonym.get(key) or tables.country_by_name.get(key)
            if country and at + size <= len(tokens):
                found.append((tokens[at][0], tokens[at + size - 1][1], country))
                at += size
                break
        else:
            at += 1
    return found


_PLACE_BEFORE = re.compile(r"\b(?:in|on|at|near|over|around|across|outside|inside|into)\s+(?:the\s+)?$", re.I)


def countries_acting(text: str) -> list[tuple[int, int, str]]:
    """The countries a text names as actors: by name, people, or a capital
    that stands for its government ("aid to Tallinn"); not a capital where
    something happens ("the strike on Tallinn" is about the city)."""
    return [
        (start, end, country)
        for start, end, country in country_spans(text)
        if not (country_of(words_of(text[start:end])) and _PLACE_BEFORE.search(text[:start]))
    ]


COUNTRY_TERM = "country:"  # a country as one search term, however it is written


def fold_countries(text: str) -> tuple[str, dict[str, str]]:
    """The text with the countries it names as actors cut out, and each
    one's term with the words that named it: ("Tallinn's defence ministry")
    -> ("'s defence ministry", {"country:Estonia": "Tallinn"})."""
    named: dict[str, str] = {}
    for start, end, country in reversed(countries_acting(text)):
        term = COUNTRY_TERM + country
        named[term] = f"{text[start:end]} {named.get(term, '')}".strip()
        text = f"{text[:start]} {text[end:]}"
    return text, named


@lru_cache(maxsize=4096)
def terms_and_countries(text: str) -> frozenset[str]:
    """A sentence's or title's search terms and the countries it names, each as one term."""
    return frozenset(terms(text)) | {COUNTRY_TERM + country for country in countries_meant(text)}


@lru_cache(maxsize=256)
def article_terms_and_countries(text: str) -> frozenset[str]:
    """The same for a whole article: a cache of its own, smaller, so that
    articles (large) do not crowd out the sentences asked about again and again."""
    return terms_and_countries.__wrapped__(text)
