"""Claims without numbers, judged: what code keeps of an LLM's stance per
source, and what the typed judge reads on its own. The LLM here is a
recorded one (fixed replies, as `llm`'s MockModel does) because what is
under test is the verification of what a model says; a real model reads in
test_llm.py. Store, embedding model and NER are real."""

from __future__ import annotations

import re

import pytest

from consistency import Checker
from consistency.extract.question import Question
from consistency.models import Verdict
from consistency.reason.check import RuleJudge
from consistency.reason.judge import ReadingJudge
from consistency.reason.llm_judge import LLMJudge, claim_values
from consistency.reason.llm_reader import LLMReader
from consistency.reason.typed import TypedReader
from consistency.text.names import same_value

from .conftest import RecordedLLM, assert_verbatim
from .test_readers import corpus

SUMMIT = {
    "one.txt": (
        "2025-05-02",
        "Summit venue\n\nThe trade ministers will meet in Lisbon next month, the organisers said on Friday. "
        "The talks are expected to last two days.",
    ),
    "two.txt": (
        "2025-05-03",
        "Ministers to gather\n\nThe trade ministers will meet in Lisbon in June, according to the agenda. "
        "Delegations from forty countries are expected.",
    ),
    "three.txt": (
        "2025-05-03",
        "Change of plans\n\nThe trade ministers will meet in Madrid instead, an official said on Saturday. "
        "The venue was changed after a strike.",
    ),
}


def stances_with(checker: Checker, claim: str, reply_for) -> tuple[dict[str, bool], RecordedLLM]:
    """Each source's verified stance (True: supports) on `claim` with a
    recorded LLM whose reply to a source's prompt is
    `reply_for(number)`, `number` being that of the prompt's sentence about
    the meeting, and the LLM (its prompts)."""
    asked = Question.analyse(claim)
    evidence = checker._evidence(asked, None, None)  # what Checker.check hands its judge
    probe = RecordedLLM([])
    LLMJudge(probe, typed_judge(checker), checker.scorer).stances(asked, evidence)
    replies = [reply_for(meeting_sentence(prompt)) for prompt in probe.prompts]
    llm = RecordedLLM(replies)
    found = LLMJudge(llm, typed_judge(checker), checker.scorer).stances(asked, evidence)
    by_llm = {s.source_id: s.supports for s in (found.stances if found else []) if s.reader == "llm"}
    return by_llm, llm


def meeting_sentence(prompt: str) -> int:
    return int(re.findall(r"^\[(\d+)\] .*ministers will meet", prompt, re.M)[0])


def typed_judge(checker: Checker):
    return checker.with_reader("typed").judge


def YES(sentence: int) -> dict:
    return {"sentence": sentence, "same": "yes"}


def NO(sentence: int) -> dict:
    return {"sentence": sentence, "same": "no"}


@pytest.fixture(scope="module")
def summit(tmp_path_factory) -> Checker:
    return corpus(tmp_path_factory.mktemp("summit"), SUMMIT)


def test_a_claims_names_and_dates_are_read_by_kind():
    values = claim_values("The trade ministers will meet in Lisbon in June 2025.")
    assert ("place", "Lisbon") in {(v.kind, v.text) for v in values}
    assert any(v.kind == "date" and "June 2025" in v.text for v in values)


def test_an_llm_support_stands_only_where_the_sentence_holds_the_claims_names(summit):
    # The model says "same" to every source, Madrid's included.
    by_llm, llm = stances_with(summit, "The trade ministers will meet in Lisbon.", lambda first: YES(first))
    assert len(llm.prompts) == 3
    assert by_llm == {"one": True, "two": True}  # "Madrid" does not hold "Lisbon": code drops that yes


def test_an_llm_contradiction_needs_another_value_of_the_claims_kind(summit):
    # The model says "different" to every source: only Madrid's can stand.
    by_llm, _ = stances_with(summit, "The trade ministers will meet in Lisbon.", lambda first: NO(first))
    assert by_llm == {"three": False}


def test_a_stance_on_a_sentence_it_was_not_shown_is_dropped(summit):
    by_llm, _ = stances_with(summit, "The trade ministers will meet in Lisbon.", lambda first: YES(999))
    assert by_llm == {}


def test_a_stance_on_a_sentence_about_another_matter_is_dropped(summit):
    # "Delegations from forty countries are expected." follows the Lisbon
    # sentence, so Lisbon is in its context, but it says nothing of a meeting.
    by_llm, _ = stances_with(summit, "The trade ministers will meet in Lisbon.", lambda number: YES(number + 1))
    assert "two" not in by_llm and "one" not in by_llm


def test_the_llm_judges_verdict_is_combined_by_code(summit):
    probe = RecordedLLM([])
    claim = "The trade ministers will meet in Lisbon."
    asked = Question.analyse(claim)
    LLMJudge(probe, typed_judge(summit), summit.scorer).stances(asked, summit._evidence(asked, None, None))
    llm = RecordedLLM([NO(meeting_sentence(p)) if "Madrid" in p else YES(meeting_sentence(p)) for p in probe.prompts])
    judge = LLMJudge(llm, typed_judge(summit), summit.scorer)
    verdict = Checker(settings=summit.settings, model=summit.model, judge=judge).check(claim)
    assert verdict.verdict == "disputed"
    assert {c.source for c in verdict.citations} == {"one", "two", "three"}
    assert "Madrid" in verdict.explanation.split("At odds with")[1]
    quote = {c.id: c.quote for c in verdict.citations}
    assert all("Madrid" in quote[n] for n in verdict.contradicting) and verdict.contradicting
    assert all("Madrid" not in quote[n] for n in verdict.supporting) and verdict.supporting


def test_a_claim_with_a_figure_never_reaches_the_model(summit):
    llm = RecordedLLM([])
    judge = LLMJudge(llm, typed_judge(summit), summit.scorer)
    Checker(settings=summit.settings, model=summit.model, judge=judge).check(
        "Delegations from forty countries are expected in Lisbon."
    )
    assert llm.prompts == []  # figures are compared by code


def test_a_claim_about_one_country_is_not_supported_by_a_sentence_about_another(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": ("", "Defence news\n\nSweden announced 12 new patrol boats for its navy on Monday."),
            "b.txt": ("", "Navy orders\n\nSweden announced 12 new patrol boats, its navy said."),
        },
    )
    about_sweden = checker.check("Sweden announced 12 new patrol boats.")
    about_japan = checker.check("Japan announced 12 new patrol boats.")
    assert about_sweden.verdict == "supported"
    assert about_japan.verdict in ("not_found", "contradicted"), about_japan.explanation


# Claims with a figure that the rules cannot place: the sources count the
# claim's things in other words, or name the claim's capital as its country.
AID = {
    "one.txt": (
        "2025-03-02",
        "Flood relief\n\nNorway has sent four water-treatment units to Kenya from its own stocks, the ministry said. "
        "The units reached the coast on Monday.",
    ),
    "two.txt": (
        "2025-03-03",
        "Relief arrives\n\nFour water-treatment units from Norway have reached Kenya, officials said on Tuesday. "
        "Aid workers expect more shipments.",
    ),
    "three.txt": (
        "2025-03-04",
        "Pledges\n\nNorway has pledged $40 million in flood aid to Kenya over the next three years. "
        "Denmark said on Monday it would send 1,200 tents a day to the region.",
    ),
}


@pytest.fixture(scope="module")
def aid(tmp_path_factory) -> Checker:
    return corpus(tmp_path_factory.mktemp("aid"), AID)


def figure_judge(checker: Checker, llm: RecordedLLM):
    """The product's typed judge with an LLM reading claims' figures, as
    `Checker.judge` builds it when the LLM reads."""
    return ReadingJudge(
        RuleJudge(checker.scorer, checker.comparator), TypedReader(), checker.scorer, amount_reader=LLMReader(llm)
    )


def check_with(checker: Checker, claim: str, reply_for) -> tuple[Verdict, RecordedLLM]:
    """`claim` checked with a recorded LLM whose reply to a source's prompt
    is `reply_for(prompt)` (one dry run first, to see the prompts)."""
    probe = RecordedLLM([])
    Checker(settings=checker.settings, model=checker.model, judge=figure_judge(checker, probe)).check(claim)
    llm = RecordedLLM([reply_for(prompt) for prompt in probe.prompts])
    judged = Checker(settings=checker.settings, model=checker.model, judge=figure_judge(checker, llm)).check(claim)
    return judged, llm


def units_sentence(prompt: str) -> dict:
    """The reply a reader gives that takes "water-treatment units" for the
    claim's "water purifiers", in the claim's own words."""
    found = re.findall(r"^\[(\d+)\] .*water-treatment units", prompt, re.M)
    if not found:
        return {"answers": False, "sentences": [], "answer": ""}
    return {"answers": True, "sentences": [int(found[0])], "answer": "four water purifiers"}


def test_a_claims_figure_in_other_words_is_read_by_the_llm_and_compared_by_code(aid):
    same, llm = check_with(aid, "Oslo has sent Kenya four water purifiers from its own stocks.", units_sentence)
    assert llm.prompts and all("how many water purifiers" in p for p in llm.prompts)
    assert "4" not in llm.prompts[0].split("\n")[0] and "four" not in llm.prompts[0].split("\n")[0]
    assert same.verdict == "supported", same.explanation
    # Shown as the sources write it, never in the model's words.
    assert "four water-treatment units" in same.explanation.lower() and "purifiers [" not in same.explanation
    assert_verbatim(aid, same.citations)
    more, _ = check_with(aid, "Oslo has sent Kenya nine water purifiers.", units_sentence)
    assert more.verdict == "contradicted", more.explanation


def test_a_figure_the_model_reads_wrongly_is_never_a_verdict(aid):
    def invented(prompt: str) -> dict:
        reply = units_sentence(prompt)
        return {**reply, "answer": "nine water purifiers"} if reply["answers"] else reply

    judged, llm = check_with(aid, "Oslo has sent Kenya nine water purifiers.", invented)
    assert llm.prompts and judged.verdict == "not_found"  # "nine" is in no cited sentence


def test_a_capital_stands_for_its_country_and_no_other_place():
    assert same_value("Oslo", "Norway") and same_value("Norway", "Oslo") and same_value("Washington", "United States")
    assert not same_value("Bergen", "Norway") and not same_value("Oslo", "Bergen") and not same_value("Oslo", "Denmark")


def test_a_claim_about_a_capital_is_judged_by_its_countrys_figures_and_no_others(aid):
    assert aid.check("Oslo has pledged $40 million in flood aid to Kenya.").verdict == "supported"
    assert aid.check("Oslo has pledged $90 million in flood aid to Kenya.").verdict == "contradicted"
    # Denmark's tents and a rate are no one's figures but their own.
    assert aid.check("Stockholm has pledged $90 million in flood aid to Kenya.").verdict == "not_found"
    assert aid.check("Norway has sent 500 tents to Kenya.").verdict == "not_found"
