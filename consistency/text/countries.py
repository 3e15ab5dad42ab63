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
from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    """Country by capital, every country's name (and other spellings), and
    what its people are called ("Kenyan")."""
    countries: dict[str, str] = {}
    names: set[str] = set()
    demonyms: set[str] = set()
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
        if isinstance(demonym, str):
            demonyms.update(words_of(d) for d in demonym.split(","))
        capitals = info.get("capital")
        for capital in capitals if isinstance(capitals, list) else [capitals]:
            if isinstance(capital, str) and capital and info.get("name"):
                key = words_of(capital).removesuffix(" d c")  # "Washington D.C." is written "Washington"
                countries[key] = info["name"]
    return countries, frozenset(names), frozenset(demonyms)


def words_of(name: str) -> str:
    """Lower-case ASCII words, as names.name_key gives them (the key looked up)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def country_of(capital_key: str) -> str | None:
    """The country whose capital this is ("berlin" -> "Germany"), else None."""
    return _tables()[0].get(capital_key)


def is_country(key: str) -> bool:
    """Is this ("france", "united states") the name of a country?"""
    return key in _tables()[1]


def is_demonym(key: str) -> bool:
    """Is this ("kenyan", "french") what a country's people are called?"""
    return key in _tables()[2]
