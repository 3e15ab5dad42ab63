"""The RAMDocs harness: answer matching, scoring rules, the loader's errors,
and real runs (real Chroma on disk, the real embedding model, --llm none)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consistency.errors import InputError
from consistency.eval.ramdocs import RamdocsReport, RowResult, load_rows, mentions, run_ramdocs, score
from consistency.models import Answer, Conflict, ConflictSide

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "ramdocs" / "dev.jsonl"


# ---- matching --------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, text",
    [
        ("3,559 people", "there were 3559 residents"),
        ("10,000 people", "2010 10,000 180.5 %"),
        ("1.2 million", "1,200,000 visitors"),
        ("1893-1896", "built between 1893 and 1896"),
        ("about 1835", "built c. 1835"),
        ("June 19, 1910", "He was born on 19 June 1910 in Halifax."),
        ("3 July 1750", "born July 3, 1750"),
        ("29 March, 1814", "on 29 March 1814"),
        ("May 30, 1994", "introduced 1994-05-30"),
        ("March 1814", "In March, 1814 the army"),
        ("Hockey", "a Canadian ice hockey player"),
        ("The Beatles", "recorded by the beatles."),
        ("A novel", "is a 1992 novel by"),
        ('Football (soccer) ."', "plays football for Altrincham"),
        ("Mario Sábato", "directed by Mario Sabato"),
        ("Blitzen Trapper", "Blitzen-Trapper"),
    ],
)
def test_answer_is_mentioned(answer, text):
    assert mentions(answer, text)


@pytest.mark.parametrize(
    "answer, text",
    [
        ("3,559 people", "there were 3,560 people"),
        ("3,559 people", "3 559"),  # two numbers, neither is 3559
        ("1893-1896", "built in 1893"),  # every number of the answer is needed
        ("June 19, 1910", "born in June 1910"),  # the day is missing
        ("June 19, 1910", "born 19 July 1910"),
        ("June 19, 1910", "On June 19 he left; in 1910 he was born."),  # not one date
        ("Frank Oz", "directed by Frank Ozzie"),
        ("Writer and comedian", "a comedian and writer"),  # words in order
        ("Hockey", ""),
    ],
)
def test_answer_is_not_mentioned(answer, text):
    assert not mentions(answer, text)


# ---- scoring an Answer -----------------------------------------------------

ROW = {
    "question": "What is the population of Broken Bow?",
    "documents": [{"text": "...", "type": "misinfo", "answer": "10,000 people"}],
    "disambig_entity": ["Broken Bow, Nebraska"],
    "gold_answers": ["3,559 people"],
    "wrong_answers": ["10,000 people", "10,000 people"],
}


def row(**changes):
    from consistency.eval.ramdocs import RamdocsRow

    return RamdocsRow.model_validate({**ROW, **changes})


def answer(prose: str, sides: list[str] = (), status: str | None = None) -> Answer:
    """An Answer shaped as answer.py writes it: prose, then the code's
    conflict paragraph (kept in facts_text)."""
    conflicts = [
        Conflict(
            kind="numeric",
            severity="major",
            summary="",
            explanation="",
            sides=[ConflictSide(value=s, citations=[1]) for s in sides],
        )
    ]
    facts = f"The sources disagree (major numeric conflict): {' vs '.join(sides)}." if sides else ""
    return Answer(
        question=ROW["question"],
        status=status or ("conflict" if sides else "answered"),
        answer="\n\n".join(part for part in (prose, facts) if part),
        facts_text=facts,
        conflicts=conflicts if sides else [],
    )


def test_a_wrong_answer_named_by_a_conflict_side_is_flagged_not_accepted():
    result = score(
        1,
        row(),
        answer("There were 3,559 people [1]. There were 10,000 people [2].", sides=["3,559 people", "10,000 people"]),
    )
    assert result.wrong_answers == ["10,000 people"]  # counted once
    assert result.wrong_flagged == ["10,000 people"]
    assert result.wrong_as_answer == []
    assert result.gold_found == [True]
    assert result.predicted_conflict and result.expected_conflict
    assert result.exact_match


def test_a_wrong_answer_in_the_prose_with_no_conflict_is_accepted():
    result = score(1, row(), answer("There were 3,559 people [1]. There were 10,000 people [2]."))
    assert result.wrong_as_answer == ["10,000 people"]
    assert result.gold_found == [True]
    assert not result.exact_match


def test_a_conflict_about_another_value_does_not_flag_the_wrong_answer():
    prose = "There were 3,559 people and 900 families [1]. There were 10,000 people and 950 families [2]."
    result = score(1, row(), answer(prose, sides=["900 families", "950 families"]))
    assert result.wrong_as_answer == ["10,000 people"]
    assert result.wrong_flagged == []


def test_a_wrong_answer_only_in_the_conflict_paragraph_is_flagged():
    result = score(1, row(), answer("There were 3,559 people [1].", sides=["3,559 people", "10,000 people"]))
    assert result.wrong_flagged == ["10,000 people"] and result.wrong_as_answer == []
    assert result.exact_match


def test_not_found_reports_nothing():
    result = score(1, row(), answer("The population was 3,559 people.", status="not_found"))
    assert result.gold_found == [False] and result.wrong_as_answer == []
    assert not result.exact_match


def test_a_wrong_answer_that_is_also_gold_is_not_counted_wrong():
    ambiguous = row(gold_answers=["A novel", "A film"], wrong_answers=["A video game", "a film"])
    assert ambiguous.wrong == ["A video game"]
    assert ambiguous.ambiguous


def test_report_metrics():
    def result(
        index: int, gold: bool, accepted: bool, predicted: bool, expected: bool, wrong: bool = True
    ) -> RowResult:
        return RowResult(
            index=index,
            question="q",
            status="answered",
            gold_answers=["g"],
            gold_found=[gold],
            wrong_answers=["w"] if wrong else [],
            wrong_as_answer=["w"] if accepted else [],
            wrong_flagged=[],
            predicted_conflict=predicted,
            expected_conflict=expected,
            ambiguous=False,
        )

    report = RamdocsReport(
        rows=[
            result(1, gold=True, accepted=False, predicted=True, expected=True),
            result(2, gold=True, accepted=True, predicted=False, expected=True),
            result(3, gold=False, accepted=False, predicted=True, expected=False),
            result(4, gold=True, accepted=False, predicted=False, expected=False, wrong=False),
        ],
        seconds=8.0,
    )
    assert report.gold_recall == 0.75
    assert report.misinformation_flagged == pytest.approx(2 / 3)
    assert report.conflict_precision == 0.5 and report.conflict_recall == 0.5 and report.conflict_f1 == 0.5
    assert report.exact_match == 0.5  # rows 1 and 4
    assert report.seconds_per_row == 2.0
    assert RamdocsReport(rows=[], seconds=0).conflict_precision is None
    missed = RamdocsReport(rows=[result(1, gold=True, accepted=False, predicted=False, expected=True)], seconds=1.0)
    assert missed.conflict_precision is None and missed.conflict_recall == 0.0 and missed.conflict_f1 == 0.0
    assert "exact match: 50.0%" in report.summary()


# ---- loading ---------------------------------------------------------------


def test_load_rows_reads_a_file_and_skips_blank_lines(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(ROW) + "\n\n" + json.dumps(ROW) + "\n", encoding="utf-8")
    rows = load_rows(path)
    assert len(rows) == 2 and rows[0].gold_answers == ["3,559 people"]


@pytest.mark.parametrize(
    "content, message",
    [
        (json.dumps(ROW) + "\n{not json\n", "line 2: not valid JSON"),
        (json.dumps({k: v for k, v in ROW.items() if k != "gold_answers"}), "line 1: missing field 'gold_answers'"),
        (
            json.dumps({**ROW, "documents": [{"text": "x", "type": "rumour", "answer": "y"}]}),
            "line 1: bad field 'documents.0.type'",
        ),
        ("\n\n", "no rows"),
    ],
)
def test_load_rows_errors_are_one_line(tmp_path, content, message):
    path = tmp_path / "rows.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as error:
        load_rows(path)
    assert "\n" not in str(error.value)


def test_load_rows_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_rows(tmp_path / "absent.jsonl")


# ---- end to end ------------------------------------------------------------

CENSUS = (
    "Broken Bow is a city in Custer County, Nebraska. At the 2010 census, the population was {} "
    "people living in Broken Bow."
)
FILM = "Death at a Funeral is a 2007 black comedy film directed by {}. The screenplay was written by Dean Craig."
E2E_ROWS = [
    {  # a numeric misinfo document, asked as a count: code finds the conflict
        "question": "How many people lived in Broken Bow at the 2010 census?",
        "documents": [
            {"text": CENSUS.format("3,559"), "type": "correct", "answer": "3,559 people"},
            {"text": CENSUS.format("10,000"), "type": "misinfo", "answer": "10,000 people"},
        ],
        "disambig_entity": ["Broken Bow, Nebraska"],
        "gold_answers": ["3,559 people"],
        "wrong_answers": ["10,000 people"],
    },
    {  # the same documents asked as RAMDocs asks: "population" names no counted thing
        "question": "What is the population of Broken Bow?",
        "documents": [
            {"text": CENSUS.format("3,559"), "type": "correct", "answer": "3,559 people"},
            {"text": CENSUS.format("10,000"), "type": "misinfo", "answer": "10,000 people"},
            {
                "text": "The Broken Bow Municipal Airport serves the city with two runways.",
                "type": "noise",
                "answer": "unknown",
            },
        ],
        "disambig_entity": ["Broken Bow, Nebraska"],
        "gold_answers": ["3,559 people"],
        "wrong_answers": ["10,000 people"],
    },
    {  # a misinformed name: not a kind of disagreement the product compares
        "question": 'Who is the director of the film "Death at a Funeral"?',
        "documents": [
            {"text": FILM.format("Frank Oz"), "type": "correct", "answer": "Frank Oz"},
            {"text": FILM.format("Quentin Tarantino"), "type": "misinfo", "answer": "Quentin Tarantino"},
        ],
        "disambig_entity": ["Death at a Funeral (2007 film)"],
        "gold_answers": ["Frank Oz"],
        "wrong_answers": ["Quentin Tarantino"],
    },
    {  # a document ingest refuses (no article text) is recorded; the row is still asked
        "question": "How many people lived in Broken Bow at the 2010 census?",
        "documents": [
            {"text": CENSUS.format("3,559"), "type": "correct", "answer": "3,559 people"},
            {"text": "Privacy | Cookies", "type": "noise", "answer": "unknown"},
        ],
        "disambig_entity": ["Broken Bow, Nebraska"],
        "gold_answers": ["3,559 people"],
        "wrong_answers": [],
    },
]


@pytest.fixture(scope="module")
def e2e_report(tmp_path_factory) -> RamdocsReport:
    path = tmp_path_factory.mktemp("ramdocs") / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in E2E_ROWS), encoding="utf-8")
    seen: list[int] = []
    report = run_ramdocs(load_rows(path), on_row=lambda result: seen.append(result.index))
    assert seen == [1, 2, 3, 4]
    return report


def test_numeric_misinformation_is_flagged_as_a_conflict(e2e_report):
    census = e2e_report.rows[0]
    assert census.status == "conflict" and census.predicted_conflict
    assert census.gold_found == [True]
    assert census.wrong_flagged == ["10,000 people"] and census.wrong_as_answer == []
    assert census.exact_match


def test_a_population_question_flags_the_planted_figure(e2e_report):
    # "population" counts people, so the census claims fit the question and
    # 3,559 vs 10,000 is a conflict: the planted figure is a flagged side.
    population = e2e_report.rows[1]
    assert population.status == "conflict" and population.predicted_conflict
    assert population.gold_found == [True]
    assert population.wrong_flagged == ["10,000 people"] and population.wrong_as_answer == []
    assert population.exact_match


def test_a_misinformed_name_is_flagged_as_a_conflict(e2e_report):
    # Names are compared: the planted director stands against the right one.
    film = e2e_report.rows[2]
    assert film.gold_found == [True]
    assert film.wrong_flagged == ["Quentin Tarantino"] and film.wrong_as_answer == []
    assert film.predicted_conflict and film.expected_conflict


def test_a_refused_document_is_recorded_and_the_row_still_answers(e2e_report):
    refused = e2e_report.rows[3]
    assert refused.error is None
    assert refused.rejected_documents == ["doc-02.txt: no article text found (only page furniture or markup)"]
    assert refused.gold_found == [True] and refused.exact_match


def test_e2e_report(e2e_report):
    assert e2e_report.conflict_precision == 1.0
    assert e2e_report.conflict_recall == 1.0
    assert e2e_report.conflict_f1 == 1.0
    assert e2e_report.seconds > 0
    assert all(r.seconds >= r.ingest_seconds + r.ask_seconds > 0 for r in e2e_report.rows)
    assert all(r.llm is None for r in e2e_report.rows)  # --llm none (conftest)


def test_the_markdown_report_sets_readers_side_by_side_and_names_the_misses(e2e_report, tmp_path):
    from consistency.eval.report import write_ramdocs

    missed = e2e_report.model_copy(update={"rows": [*e2e_report.rows[:1], _missed_row()]})
    page = write_ramdocs({"typed": e2e_report, "other": missed}, tmp_path, "run", "dev.jsonl", "none", "now")
    text = page.read_text(encoding="utf-8")
    assert "| metric | reader typed | reader other |" in text
    assert f"| conflict recall | {e2e_report.conflict_recall:.0%} |" in text
    assert "row 99 (answered): Who won? gold ['Ann'], accepted wrong ['Bob']" in text


def _missed_row() -> RowResult:
    return RowResult(
        index=99,
        question="Who won?",
        status="answered",
        answer="Bob won.",
        gold_answers=["Ann"],
        gold_found=[False],
        wrong_answers=["Bob"],
        wrong_as_answer=["Bob"],
        wrong_flagged=[],
        predicted_conflict=False,
        expected_conflict=True,
        ambiguous=False,
    )


def test_a_row_whose_documents_are_all_refused_is_not_found():
    from consistency.config import Settings

    rows = [
        row(
            question="How many people lived in Broken Bow?",
            documents=[{"text": CENSUS.format("3,559"), "type": "correct", "answer": "x"}],
        )
    ]
    report = run_ramdocs(rows, Settings.from_env().model_copy(update={"max_file_mb": 0}))
    only = report.rows[0]
    assert only.status == "not_found" and only.error is None
    assert "the limit is 0 MB" in only.rejected_documents[0]
    assert only.gold_found == [False] and not only.exact_match


def test_a_failing_row_is_a_miss_not_a_crash():
    report = run_ramdocs([row(question="   "), row()])
    failed, fine = report.rows
    assert failed.status == "error" and failed.error.startswith("InputError: ")
    assert failed.gold_found == [False] and not failed.exact_match and not failed.predicted_conflict
    assert fine.error is None  # the run went on


@pytest.mark.slow
@pytest.mark.skipif(not DEV.is_file(), reason="the RAMDocs dev split is not checked out beside the repository")
def test_first_dev_rows_make_a_well_formed_report():
    report = run_ramdocs(load_rows(DEV)[:10])
    assert len(report.rows) == 10
    assert [r.index for r in report.rows] == list(range(1, 11))
    assert all(r.seconds > 0 and r.status in ("answered", "conflict", "not_found") for r in report.rows)
    for metric in (report.gold_recall, report.misinformation_flagged, report.exact_match):
        assert metric is not None and 0.0 <= metric <= 1.0
    assert report.seconds >= sum(r.seconds for r in report.rows) * 0.99
    RamdocsReport.model_validate_json(report.model_dump_json())  # round-trips as JSON
