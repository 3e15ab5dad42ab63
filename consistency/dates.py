"""ISO dates that may lack the day or the month ("2024-11", "2025"), as
bounds that filters and event comparisons can use."""

from __future__ import annotations

import re

from .errors import InputError

_ISO = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?")


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
        day_low, day_high = (int(parts[2]),) * 2 if len(parts) > 2 else (1, 31)
    except ValueError:
        return 0, 0
    return year * 10000 + month_low * 100 + day_low, year * 10000 + month_high * 100 + day_high


def day_number(yyyymmdd: int) -> int:
    year, rest = divmod(yyyymmdd, 10000)
    month, day = divmod(rest, 100)
    return year * 372 + month * 31 + day  # monotone, and a month is 31: all that comparisons need
