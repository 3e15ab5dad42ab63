"""The eval harness: its scoring on hand-made answers, its files, and the
regression guard over the real gold set with the real pipeline (--llm none)."""

from __future__ import annotations

import json

import pytest

from consistency import InputError
from consistency.config import bundled_path
from consistency.eval.harness import (
    GoldClaim,
    GoldItem,
    abstains,
    citation_scores,
    evaluate,
    flags_conflict,
    load_jsonl,
    score_item,
    split_of,
)
from consistency.eval.report import write
from consistency.models import Answer, Citation, Conflict, ConflictSide

GOLD = bundled_path("eval") / "gold.jsonl"
CLAIMS = bundled_path("eval") / "claims.jsonl"

# Measured with --llm none (the typed reader) on 2026-12-05 08:40 UTC (`consistency
# eval`, all 54 items and 21 claims): see README.md. The guard fails if a
# change loses more than the margin, answers an unanswerable question or
# shows a figure no source states.
MEASURED_ACCURACY = 0.94
MEASURED_CONFLICT_F1 = 1.0
MEASURED_CLAIM_ACCURACY = 0.95
MARGIN = 0.05

RECORD = GoldItem(
    id="t",
    question="How many drones?",
    category="conflict-across",
    answerable=True,
    values=[500, 539],
    quotes=["swarms of 500 drones", "A record 539 drones"],
    conflict=True,
)
Q1 = "Ukraine endured swarms of 500 drones and missiles."
Q2 = "A record 539 drones as well as 11 missiles were used."


def cited(text: str, status: str = "answered", conflicts=()) -> Answer:
    citations = [
        Citation(id=1, source="a", title="A", quote=Q1, start=0, end=len(Q1)),
        Citation(id=2, source="b", title="B", quote=Q2, start=0, end=len(Q2)),
    ]
    return Answer(question="q", status=status, answer=text, citations=citations, conflicts=list(conflicts))


SIDES = Conflict(
    kind="numeric",
    severity="minor",
    summary="s",
    explanation="e",
    sides=[ConflictSide(value="500", citations=[1]), ConflictSide(value="550", citations=[2])],
)


def test_a_right_answer_with_both_sides_scores_everything():
    answer = cited(
        "Ukraine endured swarms of 500 drones and missiles [1]. A record 539 drones as well as 11 "
        "missiles were used [2]. "
        "The sources disagree: 500 [1] vs 539 + 11 = 550 [2].",
        status="conflict",
        conflicts=[SIDES],
    )
    result = score_item(RECORD, answer, 1.0)
    assert result.correct and result.evidence and result.conflict_flagged
    assert result.citation.statements == result.citation.supported == 3  # 550 is derived from [2]


def test_a_number_missing_from_the_answer_is_a_wrong_answer():
    result = score_item(RECORD, cited("Russia used 539 drones [2]."), 1.0)
    assert not result.correct and "500" in result.missing
    assert not result.conflict_flagged


def test_numbers_are_compared_as_values():
    item = RECORD.model_copy(update={"values": [10000, 2200000000], "quotes": []})
    assert score_item(item, cited("About ten thousand troops and $2.2 billion [1]."), 1.0).correct


def test_an_invented_number_is_an_unsupported_statement_and_its_citation_irrelevant():
    score = citation_scores(cited("Russia used 1,000 tanks [1]. It used 539 drones [1][2]."))
    assert (score.statements, score.supported) == (2, 1)
    assert (score.citations, score.relevant) == (3, 1)  # [1] adds nothing to the 539 statement


def test_an_uncited_number_counts_against_recall():
    score = citation_scores(cited("Russia used 539 drones. Ukraine endured swarms of 500 drones and missiles [1]."))
    assert (score.statements, score.supported) == (2, 1)


def test_abstention_is_read_from_the_status_or_a_refusal_without_numbers():
    assert abstains(Answer(question="q", status="not_found", answer="The stored sources do not answer this question."))
    assert abstains(
        Answer(question="q", status="answered", answer="The provided sources do not mention how many tanks were lost.")
    )
    assert not abstains(
        Answer(question="q", status="answered", answer="Russia lost 1,000 tanks, although the sources do not say when.")
    )


def test_the_war_called_a_conflict_is_not_a_flagged_disagreement():
    assert not flags_conflict(cited("8,000 troops could soon join the conflict in Ukraine [1]."))
    assert not flags_conflict(cited("Estimates vary but do not contradict one another: 500 [1], 539 [2]."))
    assert flags_conflict(cited("The figures differ: Source 1 says 500 but Source 2 reports 539, a discrepancy."))


def test_the_split_is_fixed_and_about_half():
    items = load_jsonl(GOLD, GoldItem)
    held_out = [i for i in items if split_of(i.id) == "held-out"]
    assert 0.35 < len(held_out) / len(items) < 0.65
    assert split_of("record-attack-drones") == split_of("record-attack-drones")


def test_bad_gold_files_are_refused_in_one_line(tmp_path):
    with pytest.raises(InputError, match="no such gold file"):
        load_jsonl(tmp_path / "missing.jsonl", GoldItem)
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(InputError, match="empty"):
        load_jsonl(tmp_path / "empty.jsonl", GoldItem)
    (tmp_path / "bad.jsonl").write_text(json.dumps({"id": "x", "question": "q"}) + "\n")
    with pytest.raises(InputError, match=r"bad.jsonl:1: category") as error:
        load_jsonl(tmp_path / "bad.jsonl", GoldItem)
    assert "\n" not in str(error.value)


def test_the_gold_sets_are_what_the_issue_asks_for():
    items = load_jsonl(GOLD, GoldItem)
    claims = load_jsonl(CLAIMS, GoldClaim)
    assert len(items) >= 40 and sum(not i.answerable for i in items) >= 5 and len(claims) >= 15
    assert {"conflict-across", "conflict-within", "numeric", "near-different", "qualitative", "unanswerable"} <= {
        i.category for i in items
    }
    assert {c.verdict for c in claims} == {"supported", "contradicted", "disputed", "not_found"}


@pytest.mark.slow
def test_regression_guard_on_the_gold_set(corpus_checker, tmp_path):
    """The whole gold set through the real pipeline (--llm none), and the
    report files it writes."""
    report = evaluate(corpus_checker, GOLD, CLAIMS)
    total = report.runs[0].total
    assert total.items == len(load_jsonl(GOLD, GoldItem))
    assert total.accuracy >= MEASURED_ACCURACY - MARGIN, total
    assert total.conflict_f1 >= MEASURED_CONFLICT_F1 - MARGIN, total
    assert total.claim_accuracy >= MEASURED_CLAIM_ACCURACY - MARGIN, total
    assert total.abstention == 1.0 and total.invented == 0 and total.false_flags == 0, total
    assert total.citation_recall is not None and total.latency_p95 is not None
    markdown, chart = write(report, tmp_path, "run")
    assert "| answer accuracy |" in markdown.read_text() and chart.read_bytes()[:4] == b"\x89PNG"


def test_a_plain_engine_citing_source_n_is_scored_like_our_markers():
    score = citation_scores(cited("According to Source 2, a record 539 drones as well as 11 missiles were used."))
    assert (score.statements, score.supported, score.citations, score.relevant) == (1, 1, 1, 1)
    assert score_item(RECORD.model_copy(update={"values": [539]}), cited("Source 2 says 539 drones."), 1.0).correct
