"""Bad arguments in one line, worded the same by both servers.

FastAPI and FastMCP validate arguments with pydantic, whose errors are
multi-line, carry documentation URLs and may echo the input back (10 MB in,
10 MB out). Clients of either server get instead one line naming each field
and what is wrong with it: "question: must not be empty".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic_core import PydanticCustomError

MAX_DETAIL_CHARS = 500
# The dates the Checker reads (text/dates.py): 2025, 2025-07 or 2025-07-04.
DATE_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
NOT_BLANK = r"\S"

_BOUNDS = {
    "greater_than_equal": ("at least", "ge"),
    "less_than_equal": ("at most", "le"),
    "greater_than": ("more than", "gt"),
    "less_than": ("less than", "lt"),
}
_TYPES = {
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "list_type": "must be a list",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "string_unicode": "not valid text (a lone surrogate code point)",
    "missing": "required",
    "extra_forbidden": "unknown field",
}


def not_blank(text: str) -> str:
    """A question or claim of whitespace only is empty, as an empty one is
    (both servers validate with this beside the NOT_BLANK pattern, which
    says the same to clients; this is Python's idea of whitespace, the one
    the Checker strips)."""
    if not text.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return text


def one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"


def fields_detail(errors: Iterable[Mapping[str, Any]]) -> str:
    """Pydantic's errors as one line: `where: what` for each, never the input."""
    reasons = [field_error(error) for error in errors]
    return one_line("; ".join(dict.fromkeys(reasons)) or "invalid arguments")


def field_error(error: Mapping[str, Any]) -> str:
    # FastAPI prefixes where the value came from (body, query): not a field.
    loc = [part for part in error.get("loc", ()) if part not in ("body", "query", "path", "header")]
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    return f"{where or 'arguments'}: {_problem(error.get('type', ''), error.get('ctx') or {}, error.get('msg', ''))}"


def _problem(kind: str, ctx: Mapping[str, Any], message: str) -> str:
    if kind in _TYPES:
        return _TYPES[kind]
    if kind in ("string_too_short", "too_short", "blank") and ctx.get("min_length", 1) <= 1:
        return "must not be empty"
    if kind in ("string_too_short", "string_too_long", "too_short", "too_long"):
        bound = "at least" if kind.endswith("short") else "at most"
        things = "characters" if kind.startswith("string") else "items"
        return f"{bound} {ctx['min_length' if kind.endswith('short') else 'max_length']:,} {things}"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == DATE_PATTERN:
        return "not a date (YYYY-MM-DD, YYYY-MM or YYYY)"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == NOT_BLANK:
        return "must not be empty"
    if kind in _BOUNDS and _BOUNDS[kind][1] in ctx:
        words, key = _BOUNDS[kind]
        return f"must be {words} {ctx[key]}"
    # Pydantic's own wording names what was expected, not what was given.
    return message[:1].lower() + message[1:] if message else "invalid"
