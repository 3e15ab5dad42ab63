"""What a question cannot be answered from is said in one line by the
Checker itself, so that the CLI, the HTTP API and the MCP server all say it:
an empty store (with how to fill it) and a source id the store does not hold.
An answer would only say "not found", which reads as if the sources had been
searched."""

from __future__ import annotations

import pytest

from consistency import Filters, InputError

from .conftest import ARTICLE, write

HOW = "`consistency ingest PATH`, POST /ingest or the MCP ingest tool"

KHARKIV = "How many drones were launched at Kharkiv?"


def test_an_empty_store_is_named_with_how_to_fill_it(empty_checker):
    empty = f"the store {empty_checker.store.location} is empty: add sources first ({HOW})"
    for attempt in (
        lambda: empty_checker.ask(KHARKIV),
        lambda: empty_checker.check("Russia launched 42 drones at Kharkiv"),
        lambda: empty_checker.retrieve(KHARKIV),
        lambda: empty_checker.audit(),
    ):
        with pytest.raises(InputError) as raised:
            attempt()
        assert str(raised.value) == empty


def test_a_bad_question_or_date_is_reported_before_the_empty_store(empty_checker):
    with pytest.raises(InputError, match="the question is empty"):
        empty_checker.ask("  ")
    with pytest.raises(InputError, match="must be a date"):
        empty_checker.ask(KHARKIV, filters=Filters(since="last week"))


def test_unknown_source_ids_are_named_and_known_ones_are_not(empty_checker, tmp_path):
    empty_checker.ingest([write(tmp_path / "docs" / "kharkiv.txt", ARTICLE)])
    with pytest.raises(InputError) as raised:
        empty_checker.ask(KHARKIV, filters=Filters(sources=["kharkiv", "nope", "gone", "nope"]))
    assert str(raised.value) == "unknown sources 'nope', 'gone': the store holds no source or file with that id"
    with pytest.raises(InputError, match="unknown source 'nope':"):
        empty_checker.check("Russia launched 42 drones at Kharkiv", filters=Filters(sources=["nope"]))
    answer = empty_checker.ask(KHARKIV, filters=Filters(sources=["kharkiv"]))
    assert answer.status == "answered" and "42 drones" in answer.citations[0].quote
