"""The validator, fed hand-written bad answers: nothing unverified is shown."""

from __future__ import annotations

from consistency.llm.validate import validate
from consistency.models import Citation
from consistency.text.sentences import split_sentences

CITATIONS = [
    Citation(
        id=1, source="a", title="A", quote="Russia fired 500 drones and missiles at Ukraine overnight.", start=0, end=57
    ),
    Citation(
        id=2,
        source="b",
        title="B",
        quote="Russia launched 539 drones as well as 11 missiles, the air force said.",
        start=0,
        end=70,
    ),
]
FACTS = (
    "The sources disagree (major numeric conflict): 500 drones and missiles [1] vs 539 drones + 11 missiles = 550 [2]."
)


def test_a_faithful_answer_is_verified():
    draft = "One outlet reports 500 drones and missiles [1]. Another counts 539 drones and 11 missiles [2]."
    checked = validate(draft, CITATIONS, FACTS, conflict=True)
    assert checked.status == "verified"
    assert checked.text == draft


def test_a_number_from_code_facts_is_allowed():
    checked = validate(
        "The air force's figures add up to 550 drones and missiles [2].", CITATIONS, FACTS, conflict=True
    )
    assert checked.status == "verified"


def test_an_invented_number_is_removed():
    draft = "Russia used 539 drones [2]. In total 1,000 tanks took part [2]."
    checked = validate(draft, CITATIONS, FACTS, conflict=True)
    assert checked.status == "repaired"
    assert checked.text == "Russia used 539 drones [2]."
    assert "1,000" in checked.problems[0]


def test_a_number_must_be_in_the_quote_it_cites_not_just_any_quote():
    checked = validate("Russia launched 539 drones [1].", CITATIONS, "", conflict=False)
    assert checked.status == "rejected"


def test_a_citation_that_does_not_exist_is_rejected():
    checked = validate("Russia launched 539 drones [7].", CITATIONS, FACTS, conflict=True)
    assert checked.status == "rejected"
    assert "[7]" in checked.problems[0]


def test_an_uncited_statement_is_removed():
    checked = validate(
        "The attack was the largest of the war. Russia launched 539 drones [2].", CITATIONS, FACTS, conflict=True
    )
    assert checked.status == "repaired"
    assert checked.text == "Russia launched 539 drones [2]."


def test_softening_a_conflict_is_refused():
    draft = "Both sources agree that about 500 drones were used [1][2]. Russia launched 539 drones [2]."
    checked = validate(draft, CITATIONS, FACTS, conflict=True)
    assert checked.text == "Russia launched 539 drones [2]."
    assert "agree" in checked.problems[0]


def test_agreement_words_are_fine_when_there_is_no_conflict():
    assert validate("Officials confirmed 11 missiles [2].", CITATIONS, "", conflict=False).status == "verified"


def test_numbers_are_compared_as_values_not_strings():
    citations = [
        Citation(id=1, source="a", title="A", quote="Aid reached $1.2 million and 2,500 tonnes.", start=0, end=41)
    ]
    assert (
        validate("Aid reached 1,200,000 dollars and 2500 tonnes [1].", citations, "", conflict=False).status
        == "verified"
    )
    assert validate("Aid reached 1.3 million dollars [1].", citations, "", conflict=False).status == "rejected"


def test_an_empty_or_chatty_reply_is_rejected():
    assert validate("", CITATIONS, FACTS, conflict=True).status == "rejected"
    assert validate("I cannot help with that.", CITATIONS, FACTS, conflict=True).status == "rejected"


def test_markers_after_the_full_stop_stay_with_their_sentence():
    assert split_sentences("It was 539 drones. [2] Another said 500. [1]") == [
        "It was 539 drones. [2]",
        "Another said 500. [1]",
    ]
    assert split_sentences("A total of 1.5 million [1]. Next one [2].") == [
        "A total of 1.5 million [1].",
        "Next one [2].",
    ]
