"""Questions over the bundled corpus, end to end: retrieval, answer, citations."""

from __future__ import annotations

import pytest

from consistency import Filters, InputError

from .conftest import assert_verbatim

DRONES = "How many drones were used in the record overnight attack?"


def test_record_attack_cites_both_the_539_and_the_500_passages(corpus_checker):
    answer = corpus_checker.ask(DRONES)
    assert answer.status == "conflict"  # the two figures disagree (tests/test_conflicts.py)
    quotes = {c.source: c.quote for c in answer.citations}
    assert (
        "A record 539 Iran-designed drones as well as 11 cruise and ballistic missiles"
        in quotes["001_30b2e4f4dd567c59"]
    )
    assert "swarms of 500 drones and missiles" in quotes["000_0a8b3b789f3cb1b7"]
    assert_verbatim(corpus_checker, answer.citations)
    for citation in answer.citations:
        assert f"[{citation.id}]" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "What was the population of Kyiv in 2020?",
        "How many tanks did Russia lose?",
        "What is the capital of France?",
        "Who won the 2018 World Cup?",
        "What is the GDP of Germany?",
    ],
)
def test_questions_the_corpus_cannot_answer_are_not_found(corpus_checker, question):
    answer = corpus_checker.ask(question)
    assert answer.status == "not_found"
    assert answer.citations == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many people were killed in the Sumy strike?", "killed at least two people"),
        ("How many counterattacks did Russia repel?", "repelled 68 counterattacks"),
        ("What range does the Fath-360 have?", "120-kilometer range"),
        ("How many missiles were fired in the Kerch bridge retaliation?", "84 cruise missiles"),
        ("How many Patriot systems has Germany sent to Ukraine?", "three Patriot systems"),
        ("Who is the head of GCHQ?", "Sir Jeremy Fleming"),
    ],
)
def test_answerable_questions_cite_the_sentence_that_answers(corpus_checker, question, expected):
    answer = corpus_checker.ask(question)
    assert answer.status == "answered"
    assert any(expected in c.quote for c in answer.citations)
    assert_verbatim(corpus_checker, answer.citations)


def test_json_output_is_the_contract_plus_llm_and_timings(corpus_checker):
    data = corpus_checker.ask(DRONES).model_dump(mode="json")
    assert set(data) == {
        "question", "status", "answer", "citations", "claims", "conflicts", "readings", "ambiguities", "llm", "timings"
    }  # fmt: skip
    assert {r["source"] for r in data["readings"]} >= {"000_0a8b3b789f3cb1b7", "001_30b2e4f4dd567c59"}
    assert set(data["citations"][0]) == {"id", "source", "title", "quote", "start", "end", "outlet", "published"}
    assert data["llm"] is None  # --llm none: no model was asked
    assert set(data["timings"]) == {"retrieve", "extract", "generate", "total"}
    assert data["timings"]["total"] >= data["timings"]["retrieve"] > 0


def test_source_filter_restricts_evidence(corpus_checker):
    answer = corpus_checker.ask(DRONES, filters=Filters(sources=["001_30b2e4f4dd567c59"]))
    assert {c.source for c in answer.citations} == {"001_30b2e4f4dd567c59"}


def test_file_id_filter_covers_every_article_of_a_multi_article_page(corpus_checker):
    answer = corpus_checker.ask(
        "How many drones did Ukraine shoot down?", filters=Filters(sources=["002_d34c1c6bf8382799"])
    )
    assert answer.citations and all(c.source.startswith("002_d34c1c6bf8382799#") for c in answer.citations)


def test_date_filter_keeps_only_sources_of_that_period(corpus_checker):
    passages = corpus_checker.retrieve(DRONES, filters=Filters(since="2025-01-01"))
    assert passages and {p.published for p in passages} == {"2025-07"}
    passages = corpus_checker.retrieve(DRONES, filters=Filters(until="2022-12-31"))
    assert passages and all(p.published.startswith("2022") for p in passages)


def test_top_k_bounds_the_passages_read(corpus_checker):
    assert len(corpus_checker.retrieve(DRONES, top_k=3)) == 3


@pytest.mark.parametrize("question", ["", "   ", "x" * 10_000])
def test_empty_or_huge_questions_are_refused_in_one_line(corpus_checker, question):
    with pytest.raises(InputError) as error:
        corpus_checker.ask(question)
    assert "\n" not in str(error.value)


def test_each_citation_says_who_published_it_and_when(corpus_checker):
    answer = corpus_checker.ask(DRONES)
    assert answer.citations
    for citation in answer.citations:
        source = corpus_checker.source(citation.source)
        assert source is not None and source.published
        assert (citation.outlet, citation.published) == (source.outlet, source.published)


def test_a_date_filter_that_is_not_a_date_is_refused(corpus_checker):
    with pytest.raises(InputError, match="since must be a date"):
        corpus_checker.ask(DRONES, filters=Filters(since="yesterday"))
