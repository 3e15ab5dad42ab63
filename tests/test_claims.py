"""Claims read from sentences: who says so, the period, places, dates,
missile classes; and what a question asks to be counted."""

from __future__ import annotations

import pytest

from consistency.extract.claims import extract_claims, find_claimant, find_places, find_scope, nearest_claimant
from consistency.extract.question import Question
from consistency.models import Source
from consistency.text.dates import find_event_date


def claims_of(text: str, published: str | None = "2024-11"):
    return extract_claims(Source(id="s", title="t", path="p", text=text, content_hash="h", published=published))


@pytest.mark.parametrize(
    ("sentence", "claimant"),
    [
        ("The attack involved 79 drones, according to Ukraine’s air force.", "Ukraine’s air force"),
        (
            "This was echoed by the U.S. Defense Department, which estimated that 11,000 troops were there.",
            "U.S. Defense Department",
        ),
        (
            "Ukrainian President Volodymyr Zelenskyy recently claimed that 11,000 troops were deployed.",
            "Ukrainian President Volodymyr Zelenskyy",
        ),
        ("Russian forces took five settlements, according to Russian state media.", "Russian state media"),
        ("It rained all day in the capital.", None),
    ],
)
def test_the_claimant_is_who_the_sentence_attributes_it_to(sentence, claimant):
    assert find_claimant(sentence) == claimant


def test_periods_places_and_event_dates():
    assert find_scope("Russia had in June launched more than 330 missiles") == "in june"
    assert find_scope("compensate for its daily toll of 1,200 casualties") == "rate"
    assert find_scope("allocated $175bn since the invasion began") == "cumulative"
    assert find_scope("A record 539 drones were used in an attack") is None
    assert find_places("Russian strikes in Ukraine’s northeastern city of Sumy killed two") == {"ukraine", "sumy"}
    assert find_places("in the Zaporizhzhia region, a strike hit a facility") == {"zaporizhzhia"}
    assert find_places("In March, Trump said") == set()
    assert find_event_date("on Monday, 12 March 2023, officials said") == "2023-03-12"
    assert find_event_date("on March 3, 2024") == "2024-03-03"
    assert find_event_date("since February 2022") is None


def test_numeric_claims_carry_their_sentence_span_and_source_offsets():
    text = (
        "Kharkiv attack\n\nRussia launched 42 drones at Kharkiv overnight, the governor said. Air "
        "defences shot down 30 of them."
    )
    claims = claims_of(text)
    assert [(c.quantity.point, c.quantity.role) for c in claims] == [(42, "launched"), (30, "shot_down")]
    for claim in claims:
        assert text[claim.start : claim.end] == claim.sentence
        assert text[claim.quantity.start : claim.quantity.end] == claim.quantity.text
    assert claims[0].places == ["kharkiv"] and claims[0].claimant is None


def test_the_claimant_of_each_value_is_the_name_nearest_before_it():
    sentence = (
        "Kyiv initially described the weapon as an intercontinental ballistic missile, "
        "but Moscow clarified it as an intermediate-range missile."
    )
    assert nearest_claimant(sentence, sentence.index("an intercontinental")) == "Kyiv"
    assert nearest_claimant(sentence, sentence.index("an intermediate")) == "Moscow"


@pytest.mark.parametrize(
    ("question", "answer_type", "counted", "role", "head"),
    [
        ("How many drones were used in the record overnight attack?", "amount", ["drone"], "launched", None),
        ("How many drones did Ukraine shoot down?", "amount", ["drone"], "shot_down", None),
        ("How many people were killed in Sumy?", "amount", ["people"], "killed", None),
        ("How many people did the barrage kill and injure?", "amount", ["people"], None, None),
        ("How many North Korean soldiers are in Russia?", "amount", ["soldier"], None, None),
        ("When was the cathedral established?", "date", [], None, None),
        ("Who directed the film Death at a Funeral?", "person", [], None, None),
        ("Which company recruited the men?", "organisation", [], None, "company"),
        ("Where did the storm make landfall?", "place", [], None, None),
        ("What kind of missile hit the city?", "thing", [], None, "missile"),
        ("What sport is Ronald Powell associated with?", "thing", [], None, "sport"),
    ],
)
def test_a_question_is_read_for_its_answer_type_and_what_it_counts(question, answer_type, counted, role, head):
    asked = Question.analyse(question)
    assert (asked.answer_type, asked.counted, asked.role, asked.head) == (answer_type, counted, role, head)


def test_money_distance_times_places_and_things_set_apart():
    assert {"USD", "EUR"} <= Question.analyse("How much aid has the US given Ukraine?").units
    assert "km" in Question.analyse("What range does the new missile have?").units
    assert Question.analyse("How many drones did Russia use in its October 2022 barrage?").dates == ["2022-10"]
    assert Question.analyse("How many people were hurt in Zaporizhzhia?").places == ["zaporizhzhia"]
    assert Question.analyse("How many missiles, as opposed to drones, were used?").excluded == ["drone"]
    assert not Question.analyse("Who is the head of the agency?").names_a_measure


@pytest.mark.parametrize(
    "question",
    [
        "Leaving the drones aside, how many missiles were fired?",
        "Setting aside drones, how many missiles were fired?",
        "How many missiles, leaving out the drones, were fired?",
        "Putting the armed drones aside, how many missiles were fired?",
    ],
)
def test_what_a_question_sets_aside_is_excluded_and_no_word_a_source_must_state(question):
    asked = Question.analyse(question)
    assert asked.excluded == ["drone"] and asked.counted == ["missile"]
    assert not {"drones", "aside", "leaving", "setting", "putting", "out"} & set(asked.event_text.split())


@pytest.mark.parametrize(
    ("question", "claimant"),
    [
        ("What is Tallinn's defence ministry estimate of the troops at the border?", "Tallinn's defence ministry"),
        ("What is the army's count of the dead?", "army"),
        ("What was Reuters' tally of the votes?", "Reuters"),
        ("What's the count of the votes?", None),
        ("What is the city's population estimate?", None),  # the city is what is counted, not who counts
    ],
)
def test_whose_estimate_a_question_asks_for_is_its_claimant(question, claimant):
    assert Question.analyse(question).claimant == claimant
