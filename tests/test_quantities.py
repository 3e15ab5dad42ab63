"""The quantity parser: the ground truth conflicts are decided on."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consistency.extract.quantities import find_quantities


def only(text: str):
    (quantity,) = find_quantities(text)
    return quantity


@pytest.mark.parametrize(
    ("text", "low", "high", "qualifier", "unit"),
    [
        ("A record 539 Iran-designed drones were used.", 539, 539, "exact", "drone"),
        ("swarms of 500 drones and missiles intended", 500, 500, "exact", "drone+missile"),
        ("estimated that 11,000 to 12,000 North Korean troops could be in Russia", 11_000, 12_000, "range", "troop"),
        ("between 20 and 30 drones were shot down", 20, 30, "range", "drone"),
        ("more than 10,000 North Korean soldiers are deployed", 10_000, math.inf, "more_than", "soldier"),
        ("at least 11 Yemenis who returned", 11, math.inf, "at_least", "people"),
        ("up to 8,000 North Korean troops could soon join", 0, 8_000, "up_to", "troop"),
        ("fewer than 50 tanks remain", 0, 50, "fewer_than", "tank"),
        ("approximately 1,200 casualties daily", 1_080, 1_320, "about", "casualty"),
        ("almost 80 ballistic missiles", 72, 80, "almost", "missile"),
        ("Hundreds of Yemeni men have been recruited", 200, 1_999, "vague", "man"),
        ("three Patriot systems to Kyiv", 3, 3, "exact", "system"),
        ("a dozen drones", 12, 12, "exact", "drone"),
        ("a $2.2 billion aid package", 2.2e9, 2.2e9, "exact", "USD"),
        ("about $175bn in assistance", 157.5e9, 192.5e9, "about", "USD"),
        ("with its 120-kilometer range", 120, 120, "exact", "km"),
        ("an 800-kilometer reach", 800, 800, "exact", "km"),
        ("a 150-kilogram warhead", 150, 150, "exact", "kg"),
        ("spending over 2% of GDP", 2, math.inf, "more_than", "%"),
        ("repelled 68 counterattacks in the area", 68, 68, "exact", "counterattack"),
        # A period something is spread over is that period; a time something lasted beyond is more.
        ("a loan paid over two years", 2, 2, "exact", "years"),
        ("the talks went on for over two years", 2, math.inf, "more_than", "years"),
    ],
)
def test_amounts_become_intervals_with_units(text, low, high, qualifier, unit):
    quantity = only(text)
    assert (quantity.low, quantity.qualifier, quantity.unit) == (pytest.approx(low), qualifier, unit)
    assert quantity.high == pytest.approx(high) if math.isfinite(high) else quantity.high == math.inf


def test_breakdown_is_two_claims_and_aggregate_is_one():
    breakdown = find_quantities(
        "A record 539 Iran-designed drones as well as 11 cruise and ballistic missiles were used"
    )
    assert [(q.point, q.things) for q in breakdown] == [(539, ["drone"]), (11, ["missile"])]
    assert only("swarms of 500 drones and missiles").things == ["drone", "missile"]
    separate = find_quantities("84 cruise missiles and 24 drones attacked civilians")
    assert [q.things for q in separate] == [["missile"], ["drone"]]


@pytest.mark.parametrize(
    ("text", "things"),
    [
        # What is counted is read from the phrase, whatever the corpus is about.
        ("Officials counted 1,204 ballots and 30 spoiled papers", ["ballot"]),
        ("the company cut 4,500 jobs last quarter", ["job"]),
        ("fewer than 50 tanks remain", ["tank"]),
        ("a 10,000-strong force", ["people"]),
        ("at least 11 Yemenis who returned", ["people"]),
        ("16 wounded", ["people"]),  # a participle counts by its role: the wounded are people
        ("three Patriot systems to the front", ["system"]),
        ("120 flights and 14 trains were cancelled", ["flight"]),
    ],
)
def test_the_counted_thing_is_the_head_noun_after_the_number(text, things):
    assert find_quantities(text)[0].things == things


@pytest.mark.parametrize(
    ("text", "counted"),
    [
        # The amount noun before a bare figure names what it measures.
        ("The population was 741 at the 2010 census.", [("741", ["people"])]),
        ("Marlow had a population of 219,126 in 1991.", [("219,126", ["people"])]),
        ("The number of applicants stood at 3,000.", [("3,000", ["applicant"])]),
        ("Inhabitants numbered 1,200 and residents 900.", [("1,200", ["people"]), ("900", ["people"])]),
        # Nothing named: the figure stays unknown rather than guessed.
        ("The total was 45.", [("45", [])]),
        ("She retired at the age of 55; the rate was 5.", [("55", []), ("5", [])]),
        ("They said 45.", [("45", [])]),
    ],
)
def test_an_amount_noun_before_a_bare_figure_is_what_it_counts(text, counted):
    assert [(q.text, q.things) for q in find_quantities(text)] == counted


def test_a_currency_with_its_conversion_in_brackets_is_one_claim():
    quantities = find_quantities("European nations have allocated around €118 billion ($126 billion) in aid to Ukraine")
    assert len(quantities) == 1
    assert quantities[0].unit == "EUR" and quantities[0].equivalent == "$126 billion"


@pytest.mark.parametrize(
    "text",
    [
        "The full-scale invasion began in February 2022.",
        "It happened on 24 February and again on March 3.",
        "held on the 60th day of the brutal war",
        "Call +44 20 7946 0958 after 10:30 tomorrow.",
        "since Winston Churchill attended in 1944",
        "a weapon based on the RS-26 Rubezh and the Fath-360 design",
        "The 2010 census was the last; the 1998 election was close.",  # a year naming one thing, not a count
        "its population was down at 2010 [ 2 ] and rose again.[7]",  # reference marks of a web page
    ],
)
def test_years_dates_ordinals_times_phones_and_model_names_are_not_quantities(text):
    assert find_quantities(text) == []


def test_roles_come_from_the_nearest_verb():
    sumy = find_quantities("Russian strikes in Sumy killed at least two people and injured 12.")
    assert [(q.role, q.things) for q in sumy] == [("killed", ["people"]), ("injured", ["people"])]
    downed = find_quantities("Out of 83 Russian (and Iranian imported) missiles fired, 45 were shot down")
    assert [(q.point, q.role, q.things) for q in downed] == [
        (83, "launched", ["missile"]),
        (45, "shot_down", ["missile"]),
    ]


def test_offsets_point_at_the_words_that_state_the_amount():
    text = "Officials said that more than 330 missiles were launched in June."
    quantity = only(text)
    assert text[quantity.start : quantity.end] == quantity.text == "more than 330 missiles"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_the_parser_never_crashes_and_spans_stay_in_the_text(text):
    for quantity in find_quantities(text):
        assert 0 <= quantity.start < quantity.end <= len(text)
        assert quantity.low <= quantity.high


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "about",
                "more than",
                "up to",
                "500",
                "11,000",
                "to",
                "drones",
                "and",
                "missiles",
                "$",
                "bn",
                "(",
                ")",
                "%",
                "-kilometer",
                "hundreds",
                "of",
                "2022",
                " ",
                "killed",
            ]
        ),
        max_size=30,
    )
)
def test_the_parser_never_crashes_on_number_heavy_text(tokens):
    text = " ".join(tokens)
    for quantity in find_quantities(text):
        assert text[quantity.start : quantity.end] == quantity.text


@pytest.mark.parametrize(
    ("text", "counted"),
    [
        ("One recruit, identified only as Omar, described the front.", []),
        ("One resident, who asked not to be named, said 40 homes burned.", ["40 homes"]),
        ("One soldier was killed and three were wounded.", ["One soldier", "three"]),
    ],
)
def test_one_person_introduced_is_not_a_count_of_one(text, counted):
    assert [q.text for q in find_quantities(text)] == counted
