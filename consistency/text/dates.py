"""Dates: the ones written in text ("19 June 1910", "March 12, 2023",
"2024-11-05") and the partial ISO dates of metadata and filters ("2024-11",
"2025"), as values and bounds that code can compare.

One month table serves the quantity parser (a number next to a month is a
day, not a count), event dates in claims, date answers and the eval's
matcher. Day counts come from the standard library's calendar.
"""

from __future__ import annotations

import calendar
import datetime
import re
from typing import NamedTuple

from ..errors import InputError
from .terms import terms

_MONTH_ALIASES = [
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may",),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sep", "sept"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
]
MONTHS: dict[str, int] = {name: number for number, names in enumerate(_MONTH_ALIASES, start=1) for name in names}
# Full month names, for reading sentences ("in June"); with abbreviations
# ("Jan"), for telling a day from a count ("24 Feb").
MONTH_NAMES = "|".join(names[0] for names in _MONTH_ALIASES)
MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))

_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
# "19 June 1910", "19th of June 1910", "June 19, 1910", "March 1814", "1910-06-19".
_WRITTEN_DATE = re.compile(
    rf"\b(?:{_DAY}\s+(?:of\s+)?)?({MONTH_WORDS})\b\.?(?:\s+{_DAY})?,?\s+(\d{{3,4}})\b|\b(\d{{4}})-(\d{{2}})-(\d{{2}})\b",
    re.IGNORECASE,
)
_ISO = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?")


class WrittenDate(NamedTuple):
    """A date as a text states it; `day` (and `month`) are None when the text
    gives only month and year (or only the year)."""

    year: int
    month: int | None
    day: int | None

    def same_as(self, stated: WrittenDate) -> bool:
        """Does `stated` say this date? A date without a day matches any day of its month."""
        return (self.year, self.month) == (stated.year, stated.month) and (self.day is None or self.day == stated.day)

    def compatible(self, other: WrittenDate) -> bool:
        """Can both be true of one event: same year, and month and day where both give them."""
        if self.year != other.year:
            return False
        if self.month is not None and other.month is not None and self.month != other.month:
            return False
        return self.day is None or other.day is None or self.day == other.day

    @classmethod
    def from_iso(cls, iso: str) -> WrittenDate | None:
        """ "2022", "2022-10" or "2022-10-10"; None for anything else."""
        if not _ISO.fullmatch(iso):
            return None
        parts = [int(p) for p in iso.split("-")]
        return cls(parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None)

    @property
    def iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        return f"{self.year:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day else "")


def find_dates(text: str) -> list[WrittenDate]:
    """Every date with a month and a year that `text` writes, in order."""
    dates = []
    for match in _WRITTEN_DATE.finditer(text):
        day_before, month, day_after, year, iso_year, iso_month, iso_day = match.groups()
        if iso_year:
            date = WrittenDate(int(iso_year), int(iso_month), int(iso_day))
        else:
            day = day_before or day_after
            date = WrittenDate(int(year), MONTHS[month.lower()], int(day) if day else None)
        if date.month is not None and 1 <= date.month <= 12 and (date.day is None or 1 <= date.day <= 31):
            dates.append(date)
    return dates


# A year alone: not inside a number or a code ("1,975", "$1975", "AB-1975"),
# but at a sentence's end or before a comma ("founded in 1975."), and either
# end of a span ("1893-1896").
_YEAR = re.compile(r"(?<![\w$€£.,])(?:(?<=\d{4}-)|(?<!-))(1[0-9]\d\d|20\d\d)(?![\w%]|[.,]\d|-(?!\d))")


def find_date_values(text: str) -> list[WrittenDate]:
    """Every date `text` gives, years alone included ("established in
    1856"): the values a "when" question is answered with."""
    return [date for date, _, _ in date_spans(text)]


def date_spans(text: str) -> list[tuple[WrittenDate, int, int]]:
    """The dates of `text` with where it writes them, in order."""
    found = []
    covered = []
    for match in _WRITTEN_DATE.finditer(text):
        dates = find_dates(match.group())
        if dates:
            found.append((dates[0], match.start(), match.end()))
            covered.append(match.span())
    for match in _YEAR.finditer(text):
        if not any(start <= match.start() < end for start, end in covered):
            found.append((WrittenDate(int(match.group(1)), None, None), match.start(1), match.end(1)))
    return sorted(found, key=lambda item: item[1])


_RANGE_END = re.compile(r"\s*(?:-|–|—|to)\s*(?:\d{2}\b|(?=1\d{3}|20\d{2}))")


def period_spans(text: str) -> list[tuple[WrittenDate, int, int]]:
    """The dates of `text` with where it writes them, a span of years as one
    ("1798-1800", "1810-11": one period, not two dates), valued by its start."""
    spans = date_spans(text)
    starts = {start for _, start, _ in spans}
    found = []
    index = 0
    while index < len(spans):
        date, start, end = spans[index]
        joined = _RANGE_END.match(text, end) if date.month is None else None
        following = spans[index + 1] if index + 1 < len(spans) else None
        if joined and following and following[1] == joined.end() and following[0].month is None:
            end = following[2]
            index += 1
        elif joined and joined.group().rstrip()[-2:].isdigit() and joined.end() - 2 not in starts:
            end = joined.end()  # "1810-11"
        found.append((date, start, end))
        index += 1
    return found


class NearDate(NamedTuple):
    date: WrittenDate
    start: int
    end: int
    distance: int  # characters to the nearest word of what is asked


def dates_by_nearness(text: str, asked_terms: set[str]) -> list[NearDate]:
    """The dates of `text`, the one nearest a word of what is asked first
    ("born", "opened"; the fullest on a tie): a sentence that gives several
    dates ties the event to the one it writes beside it ("born in 1975, made
    20 appearances in 1993")."""
    anchors = [m for m in re.finditer(r"[\w’'-]+", text) if set(terms(m.group())) & asked_terms]
    found = []
    for date, start, end in period_spans(text):
        gaps = [max(a.start() - end, start - a.end(), 0) for a in anchors]
        found.append(NearDate(date, start, end, min(gaps, default=0)))
    return sorted(found, key=lambda d: (d.distance, -(d.date.month is not None) - (d.date.day is not None)))


def find_event_date(sentence: str) -> str | None:
    """The first full date a sentence gives ("on 12 March 2023" -> "2023-03-12")."""
    return next((date.iso for date in find_dates(sentence) if date.day), None)


def checked_date(text: str | None, what: str) -> str | None:
    """A user-given date, or a one-line error that says what is expected."""
    if text is None or _ISO.fullmatch(text.strip()):
        return text.strip() if text else None
    raise InputError(f"{what} must be a date such as 2025-07-04, 2025-07 or 2025; got {text!r}")


def date_bounds(published: str | None) -> tuple[int, int]:
    """YYYYMMDD lower and upper bound of an ISO date that may lack day or month."""
    if not published:
        return 0, 0
    parts = published.split("-")
    try:
        year = int(parts[0])
        month_low, month_high = (int(parts[1]),) * 2 if len(parts) > 1 else (1, 12)
        day_low = int(parts[2]) if len(parts) > 2 else 1
        day_high = int(parts[2]) if len(parts) > 2 else calendar.monthrange(year, month_high)[1]
    except (ValueError, calendar.IllegalMonthError):
        return 0, 0
    return year * 10000 + month_low * 100 + day_low, year * 10000 + month_high * 100 + day_high


def day_number(yyyymmdd: int) -> int:
    """Days since 1 January of year 1, so that differences are real day counts
    (a day beyond the month's last, as "2024-02-31" would be, counts as the last)."""
    year, rest = divmod(yyyymmdd, 10000)
    month, day = divmod(rest, 100)
    year, month = max(year, 1), min(max(month, 1), 12)
    day = min(max(day, 1), calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day).toordinal()
