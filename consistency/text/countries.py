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


@dataclass(frozen=True)
class _Tables:
    country_by_capital: dict[str, str]
    names: frozenset[str]  # every country's name and other spellings
    country_by_demonym: dict[str, str]  # what its people are called ("kenyan")


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    countries: dict[str, str] = {}
    names: set[str] = set()
    demonyms: dict[str, str] = {}
    for path in files("countryinfo").joinpath("data").iterdir():
        if not path.name.endswith(".json"):
            continue
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a damaged data file costs its one country, not the check
        spellings = [info.get("name"), info.get("nativeName"), *info.get("altSpellings", [])]
        names.update(words_of(n) for n in spellings if isinstance(n, str) and len(n) > 3)
        demonym = info.get("demonym")
        if isinstance(demonym, str) and info.get("name"):
            demonyms.update((words_of(d), info["name"]) for d in demonym.split(","))
        capitals = info.get("capital")
        for capital in capitals if isinstance(capitals, list) else [capitals]:
            if isinstance(capital, str) and capital and info.get("name"):
                key = words_of(capital).removesuffix(" d c")  # "Washington D.C." is written "Washington"
                countries[key] = info["name"]
    return _Tables(countries, frozenset(names), demonyms)


def words_of(name: str) -> str:
    """Lower-case ASCII words, as names.name_key gives them (the key looked up)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def country_of(capital_key: str) -> str | None:
    """The country whose capital this is ("berlin" -> "Germany"), else None."""
    return _tables().country_by_capital.get(capital_key)


def is_country(key: str) -> bool:
    """Is this ("france", "united states") the name of a country?"""
    return key in _tables().names


def is_demonym(key: str) -> bool:
    """Is this ("kenyan", "french") what a country's people are called?"""
    return key in _tables().country_by_demonym


def countries_meant(text: str) -> set[str]:
    """The countries a text names by their capital or their people ("Tallinn's
    defence ministry", "the Estonian defence ministry": Estonia)."""
    words = words_of(text).split()
    meant, at = set(), 0
    while at < len(words):
        for size in (3, 2, 1):  # the longest name first: "south sudanese" is not "sudanese"
            key = " ".join(words[at : at + size])
            country = country_of(key) or _tables().country_by_demonym.get(key)
            if country:
                meant.add(country)
                at += size
                break
        else:
            at += 1
    return meant
