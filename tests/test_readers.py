"""The readers and what code decides from their readings, on corpora that
are not the bundled one (elections, films, companies): a real store, the
real embedding model and spaCy. The LLM reader's verification is tested
with recorded replies (what a model might answer, good and bad), as the
answer validator is; tests/test_llm.py runs it with a real model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from consistency import Checker
from consistency.extract.question import Question
from consistency.models import Answer
from consistency.reason.answer import ReadingAnswerer
from consistency.reason.decide import _claimant_terms
from consistency.reason.llm_reader import LLMReader
from consistency.text.countries import countries_acting, countries_meant, is_demonym
from consistency.text.names import name_key

from .conftest import RecordedLLM, assert_verbatim, write

ELECTION = {
    "a.txt": (
        "2024-03-05",
        "Vote count in Lakeside\n\nOfficials said 12,400 ballots were cast in the Lakeside mayoral election "
        "on Sunday, a record turnout for the town.\n\nThe winner, Maria Ortega, took office on Monday.",
    ),
    "b.txt": (
        "2024-03-05",
        "Lakeside election\n\nThe Lakeside mayoral election on Sunday drew 15,900 ballots, the town clerk "
        "reported.\n\nMaria Ortega won the race by a wide margin.",
    ),
    "c.txt": (
        "2024-03-06",
        "Results\n\nAbout 15,000 ballots were cast in the Lakeside mayoral election, according to the "
        "county.\n\nThe count ended late on Sunday night.",
    ),
}
FOUNDING = {
    "one.txt": ("", "Harbor Mills\n\nHarbor Mills was founded in 1856 by a group of weavers in the river valley."),
    "two.txt": ("", "Harbor Mills history\n\nHarbor Mills was founded in 1856 by a group of weavers in the valley."),
    "three.txt": ("", "About Harbor Mills\n\nHarbor Mills was founded in 1900 by a group of weavers in the valley."),
}
FILMS = {
    "first.txt": (
        "",
        "Northern Light (1998 film)\n\nNorthern Light (1998 film) is a drama film directed by Anna Berg. "
        "It follows a lighthouse keeper through one winter.",
    ),
    "second.txt": (
        "",
        "Northern Light (2015 film)\n\nNorthern Light (2015 film) is a thriller film directed by Paul Reyes. "
        "It follows a detective in a northern town.",
    ),
}


def corpus(tmp_path: Path, articles: dict[str, tuple[str, str]], **checker) -> Checker:
    folder = tmp_path / "docs"
    for name, (_, text) in articles.items():
        write(folder / name, text)
    write(
        folder / "metadata.json",
        json.dumps({name: {"published": date} for name, (date, _) in articles.items() if date}),
    )
    built = Checker(store=tmp_path / "store", **checker)
    assert built.ingest([folder]).ok
    return built


def test_amounts_of_any_thing_conflict_and_overlapping_estimates_do_not(tmp_path):
    checker = corpus(tmp_path, ELECTION)
    answer = checker.ask("How many ballots were cast in the Lakeside mayoral election?")
    assert answer.status == "conflict"
    pairs = [{side.value for side in conflict.sides} for conflict in answer.conflicts]
    assert {"12,400 ballots", "15,900 ballots"} in pairs and all(c.kind == "numeric" for c in answer.conflicts)
    assert not any("15,900 ballots" in pair and "About 15,000 ballots" in pair for pair in pairs)  # they overlap
    assert {r.source for r in answer.readings} == {"a", "b", "c"}


def test_a_date_stated_by_one_source_against_two_is_a_date_conflict_that_names_the_majority(tmp_path):
    checker = corpus(tmp_path, FOUNDING)
    answer = checker.ask("When was Harbor Mills founded?")
    assert answer.status == "conflict"
    (conflict,) = answer.conflicts
    assert conflict.kind == "date"
    assert [side.value for side in conflict.sides] == ["1856", "1900"]  # the more supported first
    assert "More sources give 1856 (2 against 1)" in conflict.explanation
    audit = checker.audit()
    assert any(c.kind == "date" and {"1856", "1900"} <= {s.value for s in c.sides} for c in audit.conflicts)


def test_things_that_share_a_name_are_an_ambiguity_not_a_conflict(tmp_path):
    checker = corpus(tmp_path, FILMS)
    answer = checker.ask("Who directed Northern Light?")
    assert answer.conflicts == [] and answer.status == "answered"
    (ambiguity,) = answer.ambiguities
    assert {"Anna Berg", "Paul Reyes"} <= {part for side in ambiguity.readings for part in re.split(r": ", side.value)}


def test_a_name_against_another_name_is_an_entity_conflict(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "x.txt": ("", "Quarry Works\n\nThe Quarry Works plant was designed by the architect Lena Holt in 1930."),
            "y.txt": (
                "",
                "Quarry Works plant\n\nThe Quarry Works plant was designed by the architect Omar Voss in 1930.",
            ),
        },
    )
    answer = checker.ask("Who designed the Quarry Works plant?")
    assert answer.status == "conflict" and answer.conflicts[0].kind == "entity"
    assert {"Lena Holt", "Omar Voss"} == {s.value for s in answer.conflicts[0].sides}
    assert checker.check("The Quarry Works plant was designed by Lena Holt.").verdict == "disputed"


PLANT = {
    "report.txt": (
        "2024-05-02",
        "Acme Foods to shut Ohio plant\n\nAcme Foods will close its Ohio plant next year, two people familiar "
        "with the plan said.\n\nThe plant employs about 400 workers.",
    ),
    "reply.txt": (
        "2024-05-03",
        "Acme responds\n\nAcme Foods denied reports that it will close its Ohio plant, saying production "
        "there would continue.\n\nThe company did not say whether it would cut jobs in Ohio.",
    ),
}


@pytest.mark.parametrize(
    "sentence, stance",
    [
        ("Acme Foods will close its Ohio plant next year, people familiar with the plan said.", "yes"),
        ("Acme Foods denied reports that it will close its Ohio plant.", "no"),
        ("Reports of a closure of the Ohio plant, which Acme denied, spread on Monday.", "no"),
        ("Acme Foods will not close its Ohio plant.", "no"),
        ("Acme Foods will close the Ohio plant, but not before June.", "yes"),  # the "not" is about June
        ("Acme Foods is not only closing the Ohio plant but also a depot.", "yes"),  # an idiom negates nothing
        ("Acme Foods did not say whether it would close the Ohio plant.", None),  # declines to say
        ("Will Acme Foods close its Ohio plant?", None),  # a headline's question asserts nothing
    ],
)
def test_a_sentence_says_yes_or_no_by_what_its_negation_governs(sentence, stance):
    from consistency.reason.stance import stance_of
    from consistency.text.terms import terms

    assert stance_of(sentence, frozenset(terms("acme foods close ohio plant"))) == stance


def test_a_yes_or_no_question_whose_sources_assert_and_deny_is_a_conflict(tmp_path):
    checker = corpus(tmp_path, PLANT)
    answer = checker.ask("Will Acme Foods close its Ohio plant?")
    assert answer.status == "conflict"
    (conflict,) = answer.conflicts
    assert conflict.kind == "qualitative" and {s.value.split()[0] for s in conflict.sides} == {"yes", "no"}
    assert {(r.source, r.kind) for r in answer.readings} == {("report", "stance"), ("reply", "stance")}
    assert "did not say whether" not in answer.answer  # declining to say is neither
    assert_verbatim(checker, answer.citations)


def test_sources_that_all_assert_the_same_answer_yes_without_a_conflict(tmp_path):
    checker = corpus(tmp_path, {"report.txt": PLANT["report.txt"]})
    answer = checker.ask("Will Acme Foods close its Ohio plant?")
    assert answer.status == "answered" and not answer.conflicts
    assert answer.answer.startswith("Says so:")


def test_the_typed_reader_abstains_when_no_sentence_gives_what_is_asked(tmp_path):
    checker = corpus(tmp_path, ELECTION)
    assert checker.ask("How many people were injured in the Lakeside election?").status == "not_found"
    assert checker.ask("When did the Lakeside bridge open?").status == "not_found"


def read_with(checker: Checker, replies: list[dict], question: str):
    llm = RecordedLLM(replies)
    reader = ReadingAnswerer(LLMReader(llm), checker.scorer)
    answer = Checker(settings=checker.settings, model=checker.model, reader=reader).ask(question)
    return answer, llm


def one_reading(checker: Checker, question: str, answer: str, off: str = "") -> Answer:
    """The answer when the LLM reads `answer` off the first sentence offered
    to it, in whichever source, that starts with `off`, and finds nothing in
    the other sources."""
    _, probe = read_with(checker, [], question)
    replies: list[dict] = []
    for prompt in probe.prompts:
        numbers = re.findall(rf"^\[(\d+)\] {off}", prompt, re.M)  # `off` is a pattern: ".*Baxter"
        if numbers and not any(reply["answers"] for reply in replies):
            replies.append({"answers": True, "sentences": [int(numbers[0])], "answer": answer})
        else:
            replies.append({"answers": False})
    assert any(reply["answers"] for reply in replies), probe.prompts
    return read_with(checker, replies, question)[0]


def test_an_llm_reading_must_cite_offered_sentences_and_state_only_what_they_say(tmp_path):
    checker = corpus(tmp_path, ELECTION)
    question = "How many ballots were cast in the Lakeside mayoral election?"
    _, probe = read_with(checker, [], question)
    replies = []
    for prompt in probe.prompts:  # one reply per source, in the order it was asked
        number = int(re.findall(r"^\[(\d+)\]", prompt, re.M)[0])
        if "12,400" in prompt:
            replies.append({"answers": True, "sentences": [number], "answer": "12,400 ballots were cast"})
        elif "15,900" in prompt:
            replies.append(
                {"answers": True, "sentences": [99], "answer": "15,900 ballots"}
            )  # a sentence it was not shown
        else:
            replies.append(
                {"answers": True, "sentences": [number], "answer": "1,000,000 ballots"}
            )  # an invented number
    answer, _ = read_with(checker, replies, question)
    assert [r.answer for r in answer.readings if r.reader == "llm"] == ["12,400 ballots were cast"]
    assert answer.llm.status == "repaired"
    assert "not offered" in answer.llm.note and "which its sentences do not" in answer.llm.note
    assert "1,000,000" not in answer.answer


def test_when_every_llm_reading_fails_none_is_shown_and_the_typed_readings_that_verify_stand(tmp_path):
    checker = corpus(tmp_path, ELECTION)
    question = "How many ballots were cast in the Lakeside mayoral election?"
    replies = [{"answers": True, "sentences": [1], "answer": "Seventy thousand ballots, officials said"}] * 3
    answer, _ = read_with(checker, replies, question)
    assert answer.llm.status == "rejected" and answer.llm.draft
    assert all(r.reader == "typed" for r in answer.readings) and "Seventy" not in answer.answer
    assert {r.source for r in answer.readings} == {"a", "b", "c"}  # what the typed reader reads, verified


def test_an_llm_that_finds_nothing_leaves_what_code_verifies_of_the_typed_reading(tmp_path):
    checker = corpus(tmp_path, FOUNDING)
    replies = [{"answers": False, "sentences": [], "answer": ""}] * 3
    answer, llm = read_with(checker, replies, "When was Harbor Mills founded?")
    assert len(llm.prompts) == 3 and answer.llm.status == "verified" and answer.status == "conflict"


def test_sources_are_read_one_call_each_with_the_question_first(tmp_path):
    checker = corpus(tmp_path, ELECTION)
    question = "How many ballots were cast in the Lakeside mayoral election?"
    _, llm = read_with(checker, [], question)
    assert len(llm.prompts) == 3
    assert all(prompt.startswith(f"Question: {question}") for prompt in llm.prompts)


def test_the_product_names_no_place_person_or_weapon_of_the_bundled_corpus():
    package = Path(__file__).resolve().parent.parent / "consistency"
    names = re.compile(
        r"ukrain|kyiv|kiev|russia|moscow|kremlin|putin|zelensk|trump|dnipro|kharkiv|sumy|donetsk|kursk|yemen|houthi|"
        r"oreshnik|korea|crimea|patriot|icbm|intercontinental|iran|blinken|gchq|kerch",
        re.IGNORECASE,
    )
    offending = [
        f"{path.relative_to(package)}:{number}: {line.strip()}"
        for path in package.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if names.search(line)
    ]
    assert offending == []  # code, comments and examples alike: users bring their own corpus


@pytest.mark.parametrize("reader", ["typed", "rules"])
def test_every_reader_cites_verbatim_spans(corpus_checker, reader):
    answer = corpus_checker.with_reader(reader).ask("How many drones were used in the record overnight attack?")
    for citation in answer.citations:
        assert corpus_checker.source(citation.source).text[citation.start : citation.end] == citation.quote


@pytest.mark.parametrize(
    ("text", "start", "head", "phrase"),
    [
        ("what sort of vehicle hit the barrier", 13, "vehicle", "vehicle"),
        ("how many unmanned aircraft did they send", 9, "aircraft", "unmanned aircraft"),
        ("the city's casualty rate rose", 0, "rate", "city's casualty rate"),
        ("mobile air-defence batteries were moved", 0, "batteries", "mobile air-defence batteries"),
    ],
)
def test_a_noun_phrase_ends_where_grammar_ends_it(text, start, head, phrase):
    from consistency.extract.grammar import noun_phrase

    found = noun_phrase(text, start)
    assert found is not None and (found.head, found.text) == (head, phrase)


def test_the_subject_of_a_sentence_or_of_what_it_reports_is_named():
    from consistency.extract.grammar import subject_names

    assert ("Sweden", "place") in subject_names("Sweden announced new patrol boats on Monday.")
    assert ("Canada", "place") in subject_names("Officials said that Canada had ordered six ships.")
    assert subject_names("A record 539 boats were used in the exercise.") == ()


def test_a_thing_asked_in_other_words_is_counted_by_meaning_and_another_thing_is_not(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": ("", "Overnight strikes\n\nThe army said 120 locally built drones were launched overnight."),
            "b.txt": ("", "Air raid\n\nOfficials said 120 drones were launched at the city overnight."),
        },
    )
    reworded = checker.ask("How many unmanned aircraft were launched overnight?")
    assert reworded.status == "answered" and "120" in reworded.answer
    other_thing = checker.ask("How many tanks were launched overnight?")
    assert other_thing.status == "not_found"


def test_citation_markers_never_fall_inside_a_quoted_title_that_ends_in_a_question_mark():
    from consistency.models import Conflict, ConflictSide
    from consistency.reason.explain import cited_explanation

    conflict = Conflict(
        kind="qualitative",
        severity="major",
        summary="s",
        explanation="The sources give 2 different answers: yes in “Will the plant close?”; no in “Acme replies”. "
        "More sources give yes.",
        sides=[ConflictSide(value="yes", citations=[1]), ConflictSide(value="no", citations=[2])],
    )
    assert cited_explanation(conflict) == (
        "The sources give 2 different answers: yes in “Will the plant close?”; no in “Acme replies” [1][2]. "
        "More sources give yes [1][2]."
    )


def test_an_amount_the_model_words_its_own_way_is_shown_as_the_source_writes_it(tmp_path):
    checker = corpus(tmp_path, ELECTION)
    question = "How many ballots were cast in the Lakeside mayoral election?"
    _, probe = read_with(checker, [], question)

    def reply(prompt: str) -> dict:
        found = re.findall(r"^\[(\d+)\] .*12,400", prompt, re.M)
        if not found:
            return {"answers": False, "sentences": [], "answer": ""}
        return {"answers": True, "sentences": [int(found[0])], "answer": "12,400 votes were recorded"}

    replies = [reply(prompt) for prompt in probe.prompts]
    answer, _ = read_with(checker, replies, question)
    assert [r.answer for r in answer.readings if r.reader == "llm"] == ["12,400 ballots"]
    assert "votes were recorded" not in answer.answer


HIRING = {
    "jobs.txt": (
        "2024-06-01",
        "Recruitment scheme\n\nHundreds of Kenyan men were hired by Baxter Logistics, a firm registered in "
        "Mombasa, to work on farms abroad, the labour ministry said.",
    ),
}


def test_a_nationality_used_as_an_adjective_is_not_taken_for_a_name(tmp_path):
    checker = corpus(tmp_path, HIRING)
    question = "What firm hired the men from Kenya?"
    adjective = one_reading(checker, question, "Kenyan", off=".*Baxter")
    assert "Kenyan" not in [r.answer for r in adjective.readings] and "describes a noun" in adjective.llm.note
    named = one_reading(checker, question, "Baxter Logistics", off=".*Baxter")
    assert [r.answer for r in named.readings if r.reader == "llm"] == ["Baxter Logistics"]
    # spaCy's small model tags some band names as peoples: only a people's
    # name (a country's demonym) is taken for a descriptor.
    assert is_demonym(name_key("Kenyan")) and not is_demonym(name_key("Bananarama"))


RALLY = {
    "rally.txt": (
        "2024-09-02",
        "Rally in the square\n\nThe organisers said 12,000 people attended the rally on Sunday. "
        "Police said 4,000 people attended the rally.",
    ),
}
WRECK = {
    "wreck.txt": ("2024-02-11", "The wreck\n\nDivers said the vessel found off the cape was a steam trawler."),
}


def test_two_figures_one_reading_takes_from_two_sentences_are_compared_and_quoted_as_written(tmp_path):
    checker = corpus(tmp_path, RALLY)
    question = "How many people attended the rally?"
    _, probe = read_with(checker, [], question)
    numbers = [int(n) for n in re.findall(r"^\[(\d+)\] .*(?:12,000|4,000)", probe.prompts[0], re.M)]
    answer, _ = read_with(checker, [{"answers": True, "sentences": numbers, "answer": "4,000 to 12,000"}], question)
    assert answer.status == "conflict"
    assert [r.answer for r in answer.readings if r.reader == "llm"] == ["12,000 people; 4,000 people"]


def test_the_bare_noun_asked_about_is_no_kind_of_it(tmp_path):
    checker = corpus(tmp_path, WRECK)
    question = "What kind of vessel was found off the cape?"
    bare, _ = read_with(checker, [{"answers": True, "sentences": [1], "answer": "vessel"}], question)
    assert "names no kind of vessel" in bare.llm.note and "vessel" not in [r.answer for r in bare.readings]
    kind, _ = read_with(checker, [{"answers": True, "sentences": [1], "answer": "steam trawler"}], question)
    assert [r.answer for r in kind.readings if r.reader == "llm"] == ["steam trawler"]


@pytest.mark.parametrize(
    ("question", "answer", "kept"),
    [
        ("What sport is Ann Lee associated with?", "Ann Lee associated with rowing", "rowing"),
        ("When was the bridge opened?", "The bridge was opened on 4 May 1931", "on 4 May 1931"),
        ("Who designed the bridge?", "Ann Lee", "Ann Lee"),
        ("Who designed the bridge?", "the bridge", "the bridge"),  # all question words: left to fail on its own
    ],
)
def test_a_readers_answer_loses_the_question_it_restates(question, answer, kept):
    from consistency.reason.verify import without_the_question

    assert without_the_question(answer, Question.analyse(question)) == kept


STRIKES = {
    "strikes.txt": (
        "",
        "Strikes across the north\n\n"
        "In the Marrow Bay region, a strike hit a depot, leading to at least six casualties and 16 wounded, "
        "the governor said. Further north, drone strikes in the city of Velmora killed at least two people "
        "and injured 12. Rescue crews worked through the night.",
    ),
}


def test_a_place_the_question_names_chooses_between_events_however_it_is_worded(tmp_path):
    assert Question.analyse("How many casualties did the drone attack on Velmora cause?").places == ["velmora"]
    assert Question.analyse("What followed the siege of Tarnholt?").places == ["tarnholt"]
    assert Question.analyse("How many strikes on Monday?").places == []
    checker = corpus(tmp_path, STRIKES)
    answer = checker.ask("How many casualties did the drone attack on Velmora cause?")
    assert answer.status == "answered"
    quotes = [citation.quote for citation in answer.citations]
    assert all("Velmora" in quote for quote in quotes) and not any("Marrow" in quote for quote in quotes)


class CountingEmbedder:
    """The real MiniLM, counting the texts it is asked to embed."""

    def __init__(self, model):
        self.model, self.embedded = model, 0
        self.dimension = model.dimension

    def embed(self, texts):
        self.embedded += len(texts)
        return self.model.embed(texts)

    def embed_one(self, text):
        return self.embed([text])[0]


def test_sentence_vectors_are_kept_between_questions_and_change_no_score(corpus_checker):
    from consistency.reason.scoring import TermsAndMeaning

    question = Question.analyse("How many drones were used in the record overnight attack?")
    evidence = corpus_checker._evidence(question, None, None)
    counting = CountingEmbedder(corpus_checker.model)
    scorer = TermsAndMeaning(counting)
    first = scorer.score(question, evidence)
    embedded_first = counting.embedded
    again = scorer.score(question, evidence)
    assert counting.embedded == embedded_first + 1  # only the question, this time
    fresh = TermsAndMeaning(corpus_checker.model).score(question, evidence)
    assert (
        [(s.source_id, s.start, round(s.score, 6)) for s in again]
        == [(s.source_id, s.start, round(s.score, 6)) for s in first]
        == [(s.source_id, s.start, round(s.score, 6)) for s in fresh]
    )


OUTPOST = {
    "outpost.txt": (
        "",
        "Raids on the Kessel outpost\n\n"
        "Officials said the raiders had been using toxic weapons for months. "
        "Inspectors found evidence of widespread use of choking agents (chlorine gas) against the Kessel outpost "
        "by the raiders. The outpost was evacuated on Friday.",
    ),
}


def test_a_phrase_that_restates_the_question_is_no_answer_and_the_sentence_that_answers_is_read(tmp_path):
    checker = corpus(tmp_path, OUTPOST)
    answer = checker.ask("What toxic weapon were the raiders accused of using against the Kessel outpost?")
    assert answer.status == "answered"
    assert "chlorine gas" in answer.answer and "toxic weapons" not in answer.answer


AID = {
    "summer.txt": (
        "2025-07-10",
        "Norland and Velmora\n\nNorland has allocated about $40bn in assistance to Velmora since the war began "
        "in March 2022. About $15bn of it has gone to military support.",
    ),
    "autumn.txt": (
        "2024-11-20",
        "Southern aid\n\nThe Haldane Institute reports that southern nations have allocated around $65 billion "
        "in aid to Velmora, surpassing the $22 billion provided by Norland.",
    ),
}


def test_a_running_total_reported_months_apart_is_one_total_and_its_figures_conflict(tmp_path):
    checker = corpus(tmp_path, AID)
    asked = "How much aid has Norland given Velmora since the war began?"
    assert Question.analyse(asked).running_total
    answer = checker.ask(asked)
    assert answer.status == "conflict"
    (conflict,) = answer.conflicts
    assert {side.value for side in conflict.sides} == {"$22 billion", "about $40bn"}
    assert "different report dates (2024-11-20 vs 2025-07-10)" in conflict.explanation


def test_a_part_of_a_running_total_in_the_source_that_states_the_total_is_no_rival_total(tmp_path):
    summer = (
        "2025-07-10",
        "Norland and Velmora\n\nNorland has allocated about $40bn in assistance to Velmora since the war began "
        "in March 2022. Of that aid to Velmora, Norland has given about $15bn in military support.",
    )
    checker = corpus(tmp_path, {"summer.txt": summer})
    answer = checker.ask("How much aid has Norland given Velmora since the war began?")
    assert {c.text for c in answer.claims} == {"about $40bn", "about $15bn"}  # both read, as parts of one story
    assert answer.conflicts == [] and answer.status == "answered"


@pytest.mark.parametrize(
    ("question", "running"),
    [
        ("How many people have fled the region so far?", True),
        ("How many drones were launched over the past week?", False),  # a period, not a growing total
        ("How many drones were launched in the attack?", False),
    ],
)
def test_a_question_says_when_it_asks_for_a_running_total(question, running):
    assert Question.analyse(question).running_total is running


def test_words_that_ask_are_not_words_the_sources_must_state():
    event = Question.analyse("Do officials agree on how big the Velmora garrison is?").event_text.split()
    assert "velmora" in event and "garrison" in event
    assert not {"agree", "big"} & set(event)


BORDER = {
    "estonia.txt": (
        "2025-03-02",
        "Troops at the border\n\nAccording to Estonian Defense Ministry spokesperson Mari Tamm, intelligence "
        "indicates that about 4,000 Norlandic soldiers are stationed near the border.",
    ),
    "allies.txt": (
        "2025-03-02",
        "Border build-up\n\nAllied officials estimated that 6,000 to 7,000 Norlandic troops are stationed "
        "near the border.",
    ),
}


def test_a_claimant_named_by_its_capital_and_another_spelling_is_the_one_whose_word_is_given(tmp_path):
    checker = corpus(tmp_path, BORDER)
    everyone = checker.ask("How many Norlandic troops are stationed near the border?")
    assert everyone.status == "conflict"  # about 4,000 against 6,000 to 7,000
    asked = checker.ask("What is Tallinn's defence ministry estimate of Norlandic troops near the border?")
    assert asked.status == "answered" and {r.source for r in asked.readings} == {"estonia"}


@pytest.mark.parametrize(
    ("asked", "said", "shared"),
    [
        ("Tallinn", "Estonian officials", {"country:Estonia"}),  # a capital and a people stand for their country
        ("the defence ministry", "the Defense Ministry", {"defens", "ministri"}),  # British and American spelling
        ("Sudan", "South Sudanese officials", set()),  # one country is not another that shares a word
    ],
)
def test_a_claimant_is_matched_however_it_is_written(asked, said, shared):
    assert _claimant_terms(asked) & _claimant_terms(said) == shared


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        ("aid from Oslo to Tallinn", ["Norway", "Estonia"]),  # capitals that act stand for their countries
        ("Norwegian help for the Estonian authorities", ["Norway", "Estonia"]),
        ("the strike on Tallinn", []),  # where something happens, a capital is the city
        ("floods in Estonia", ["Estonia"]),
        ("American officials", ["United States"]),  # a people several territories share: the largest
    ],
)
def test_countries_a_text_names_as_actors(text, countries):
    assert [country for _, _, country in countries_acting(text)] == countries


def test_the_longest_name_of_a_people_is_read():
    assert countries_meant("South Sudanese troops and Khartoum's envoy") == {"South Sudan", "Sudan"}
    assert countries_meant("Kenyan runners in Nairobi") == {"Kenya"}


def conflict_between(checker: Checker, question: str, sources: set[str]) -> Answer:
    answer = checker.ask(question)
    assert answer.status == "conflict", answer.model_dump_json(indent=1)
    assert {r.source for r in answer.readings} == sources
    return answer


# The two capitals as words of a corpus, so that a question naming them weighs them.
CAPITALS_AS_PLACES = ("2025-04-01", "City marathon\n\nThe Tallinn marathon drew 12,000 runners, many from Oslo.")
RELIEF = {
    "ministry.txt": (
        "2025-04-02",
        "Flood relief\n\nNorway has delivered 40 field hospitals to Estonia, its ministry said on Wednesday.",
    ),
    "agency.txt": (
        "2025-04-02",
        "Relief convoy\n\nNorwegian officials said 55 field hospitals went to the Estonian authorities.",
    ),
    "marathon.txt": CAPITALS_AS_PLACES,
}


def test_countries_named_by_their_capitals_in_the_question_are_found_under_their_names(tmp_path):
    # Neither source writes "Oslo" or "Tallinn": the governments the question
    # names by their capitals are "Norway" and "the Estonian authorities" there.
    asked = "How many field hospitals has Oslo sent to Tallinn?"
    conflict_between(corpus(tmp_path, RELIEF), asked, {"ministry", "agency"})


FRONT = {
    "front.txt": (
        "2025-05-06",
        "Fighting near Narva\n\nThe Norlandic defence ministry claimed its troops overcame several Estonian "
        "brigades and repelled 12 counterattacks near Narva on Monday.",
    ),
}


def test_whose_things_are_counted_does_not_decide_what_kind_of_thing_they_are(tmp_path):
    # "Estonian counter-offensives" is closer to "several Estonian brigades"
    # than to "12 counterattacks" only by the people they share.
    question = "How many Estonian counter-offensives did Norland say it repulsed near Narva?"
    answer = one_reading(corpus(tmp_path, FRONT), question, "12 counterattacks")
    assert answer.status == "answered", answer.model_dump_json(indent=1)
    assert "12 counterattacks" in answer.answer


COUNTRY_AID = {
    "ministry.txt": (
        "2025-06-10",
        "Aid to Estonia\n\nNorwegian assistance to Estonia has reached about $4bn since 2022, the ministry said.",
    ),
    "tracker.txt": (
        "2025-06-10",
        "Aid tracker\n\nDonors have allocated $9bn to the Baltic states, including $2bn provided by Norway to Estonia.",
    ),
    "marathon.txt": CAPITALS_AS_PLACES,
}


def test_a_sentence_naming_the_countries_otherwise_is_read_beside_one_in_the_questions_words(tmp_path):
    # The tracker's sentence shares no word with the question: only its
    # countries, named otherwise. It must still rank among those read, and
    # its figure for the country asked about be told from the other.
    asked = "What is the total value of Norwegian assistance to Tallinn since 2022?"
    answer = conflict_between(corpus(tmp_path, COUNTRY_AID), asked, {"ministry", "tracker"})
    # Of the tracker's two sums, the one nearest the country asked about.
    assert [c.summary for c in answer.conflicts] == ["USD pledged: $2bn vs about $4bn"]


RAID = {
    "raid.txt": (
        "2025-08-02",
        "Night raid on Velmora\n\nThe overnight raid on Velmora killed 14 people and wounded 30, officials said. "
        "Norland launched 120 drones in the raid.",
    ),
}


def test_how_big_an_event_was_is_answered_by_what_made_it_up_not_by_what_it_did(tmp_path):
    checker = corpus(tmp_path, RAID)
    answer = checker.ask("How big was the overnight raid on Velmora?")
    assert answer.status == "answered", answer.model_dump_json(indent=1)
    assert "120 drones" in answer.answer and "14 people" not in answer.answer and "30" not in answer.answer
    # Asked for the toll, the toll answers.
    assert "14 people" in checker.ask("How many people did the overnight raid on Velmora kill?").answer


NAMESAKES = {
    "chess.txt": (
        "2024-02-01",
        "Mara Velm\n\nMara Velm is associated with the sport of chess: the grandmaster won the Norland Open "
        "in 2019 and the Velmora Cup in 2021.",
    ),
    "rowing.txt": ("2024-02-03", "Rowing profile\n\nMara Velm, a rower from Lakeside, has won two national titles."),
}


def test_each_source_about_a_shared_name_is_read_even_when_another_matches_the_question_better(tmp_path):
    # Two people called Mara Velm: the rower's sentence shares few words with the
    # question, far fewer than the chess player's, and is an answer too.
    checker = corpus(tmp_path, NAMESAKES)
    _, probe = read_with(checker, [], "What sport is Mara Velm associated with?")
    assert len(probe.prompts) == 2, probe.prompts
    assert any("a rower from Lakeside" in prompt for prompt in probe.prompts)


def test_a_source_that_names_someone_by_the_last_name_alone_is_read_and_its_answer_kept(tmp_path):
    # A fragment that never gives the full name: "Velm" is Mara Velm once
    # introduced, so its sentence is read and its answer verified.
    checker = corpus(
        tmp_path,
        {
            "chess.txt": ("2024-02-01", "Mara Velm\n\nMara Velm, a grandmaster, won the Norland Open in 2019."),
            "rowing.txt": NAMESAKES["rowing.txt"],
            "club.txt": (
                "2024-02-05",
                "Club news\n\nThe club honoured its oldest members last week. "
                "Velm was inducted into the regional golf hall of fame in 1992.",
            ),
        },
    )
    answer = one_reading(checker, "What sport is Mara Velm associated with?", "golf", off="Velm was inducted")
    assert any("Velm was inducted" in citation.quote for citation in answer.citations), answer.answer
    assert "golf" in answer.answer


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("The hall was founded in 1874.", [1874]),
        ("Kessel, born in 1975, made 20 appearances.", [1975]),
        ("It was built 1893-1896 and again in 1901–02.", [1893, 1896, 1901]),
        ("They counted 1,975 ballots, $1975 in fees and 1975.5 tonnes.", []),
        ("Model AB-1975 ran at 1975% load.", []),
    ],
)
def test_a_year_is_a_date_at_a_sentences_end_before_a_comma_and_at_either_end_of_a_span(text, years):
    from consistency.text.dates import find_date_values

    assert [date.year for date in find_date_values(text)] == years


def test_a_date_the_sentence_ties_to_something_else_gives_way_to_the_one_it_writes_beside_the_event(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "kessel.txt": (
                "",
                "Doran Kessel\n\nDoran Kessel, born in 1975, made 20 appearances in his first season and "
                "28 appearances during the 1993 campaign.",
            )
        },
    )
    answer = one_reading(checker, "When was Doran Kessel born?", "1993", off="Doran Kessel, born")
    assert answer.status == "answered", answer.answer
    assert answer.answer.startswith("1975"), answer.answer


SONG = {
    "song.txt": (
        "",
        'Night Harbour (song)\n\nNight Harbour "Night Harbour" is a song written by Ilse Maren. '
        "It was originally recorded by Teodor Vass in 1958, but this recording was never released.",
    ),
    "album.txt": (
        "",
        'Album review\n\nThe trio\'s album includes their single "Night Harbour" and the Grammy-winning '
        '"Low Tide". They recorded it in March.',
    ),
    "studio.txt": ("", "Studio notes\n\nMost songs on the record were recorded live, and two were recorded twice."),
}


def test_who_did_something_is_the_name_the_sentence_gives_as_its_doer(tmp_path):
    # "recorded by X" answers who recorded it; the writer named just before does not.
    answer = corpus(tmp_path, SONG).with_reader("typed").ask('Who recorded "Night Harbour"?')
    assert answer.status == "answered", answer.answer
    assert answer.answer.startswith("Teodor Vass"), answer.answer


def test_a_name_used_only_inside_a_compound_word_is_no_answer(tmp_path):
    answer = one_reading(corpus(tmp_path, SONG), 'Who recorded "Night Harbour"?', "Grammy", off="The trio")
    assert "Grammy:" not in answer.answer and not answer.conflicts, answer.answer


COPIES = {
    "one.txt": ("", "Harbor Mills\n\nHarbor Mills was founded in 1856 by a group of weavers in the river valley."),
    "mirror.txt": (
        "",
        "Mirror\n\nHistory [edit] Harbor Mills was founded in 1856 by a group of weavers in the river valley, "
        "records say.",
    ),
    "two.txt": ("", "Harbor Mills history\n\nHarbor Mills was founded in 1858 by weavers."),
    "three.txt": ("", "About Harbor Mills\n\nHarbor Mills was founded in 1900 by a group of millers."),
    "four.txt": ("", "Valley towns\n\nThe town of Harbor Mills, founded 1861, grew around its mill."),
    "five.txt": ("", "Local records\n\nParish books date the settlement at Harbor Mills to 1849."),
}


def test_a_copy_of_a_source_is_read_without_taking_the_place_of_a_source_that_says_something_else(tmp_path):
    checker = corpus(tmp_path, COPIES)
    _, probe = read_with(checker, [], "When was Harbor Mills founded?")
    read = " ".join(probe.prompts)
    assert "river valley, records say" in read  # the copy is read ...
    assert all(year in read for year in ("1856", "1858", "1900", "1861")), probe.prompts  # ... and four others


def test_a_span_of_years_is_one_answer_and_spans_that_differ_conflict_as_written(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": ("", "Orrin House\n\nThe Orrin House was built in 1810-11 for a local craftsman."),
            "b.txt": ("", "Orrin House history\n\nThe Orrin House was built in 1810-11 by a local craftsman."),
            "c.txt": ("", "About the Orrin House\n\nThe Orrin House was built in 1910-11 for a local craftsman."),
        },
    )
    answer = checker.with_reader("typed").ask("When was the Orrin House built?")
    assert answer.status == "conflict", answer.answer
    sides = sorted(side.value for conflict in answer.conflicts for side in conflict.sides)
    assert sides == ["1810-11", "1910-11"], sides


def test_a_copy_that_ranks_below_four_other_sources_is_still_read_as_a_copy(tmp_path):
    # The copy's sentence is diluted with other words, so four sources that
    # say something else rank above it: it is read as a copy, beside them.
    checker = corpus(
        tmp_path,
        {
            **{name: COPIES[name] for name in ("one.txt", "two.txt", "three.txt", "four.txt")},
            "mirror.txt": (
                "",
                "Almanac page\n\nAs an old almanac page about mills, looms, river barges, canal tolls and the "
                "weavers' guild recalls at length, Harbor Mills was founded in 1856 by a group of weavers in "
                "the river valley.",
            ),
        },
    )
    _, probe = read_with(checker, [], "When was Harbor Mills founded?")
    read = " ".join(probe.prompts)
    assert all(year in read for year in ("1858", "1900", "1861")), probe.prompts
    assert "almanac page about mills" in read, probe.prompts
