"""Conflicts found by code: positives in both directions, and the negatives
that must not be flagged (different events, measures, entities, subsets,
currency conversions). Real store, real embeddings."""

from __future__ import annotations

import json

import pytest

from consistency import Checker

from .conftest import assert_verbatim, write

DRONES = "How many drones were used in the record overnight attack?"


def audit_pairs(report) -> list[set[str]]:
    """Each conflict as the set of its sides' labels."""
    return [{side.value for side in conflict.sides} for conflict in report.conflicts]


def summaries(report) -> str:
    return "\n".join(conflict.summary for conflict in report.conflicts)


# ---- the bundled corpus ----------------------------------------------------


def test_record_attack_question_reports_the_conflict_and_the_11_missiles(corpus_checker):
    answer = corpus_checker.ask(DRONES)
    assert answer.status == "conflict"
    (conflict,) = answer.conflicts
    assert conflict.kind == "numeric"
    assert "11 cruise and ballistic missiles" in conflict.explanation and "550" in conflict.explanation
    assert "aggregation vs breakdown" in conflict.explanation
    cited = {c.id: c for c in answer.citations}
    quotes = [cited[n].quote for side in conflict.sides for n in side.citations]
    assert any("539" in q for q in quotes) and any("500 drones and missiles" in q for q in quotes)
    assert {c.value for c in answer.claims} >= {500.0, 539.0}
    assert all(claim.citation in cited for claim in answer.claims)
    # The 48-drone attack of 2024 is another event: not cited as evidence.
    assert not any("48 Russian drones" in c.quote for c in answer.citations)


def test_audit_of_the_corpus_finds_the_known_conflicts(corpus_checker):
    report = corpus_checker.audit()
    text = summaries(report)
    assert "500 drones and missiles vs 539 Iran-designed drones + 11 cruise and ballistic missiles = 550" in text
    assert "83 Russian (and Iranian imported) missiles vs 84 cruise missiles" in text  # within one article
    # One counts a force, the other troops: both count people, so the audit sets them side by side.
    assert "10,000-strong North Korean force vs 11,000 to 12,000 North Korean troops" in text
    assert any(
        c.kind == "qualitative" and "intercontinental" in c.summary and "intermediate-range" in c.summary
        for c in report.conflicts
    )
    severities = [c.severity for c in report.conflicts]
    assert severities == sorted(severities, key=lambda s: s != "major")
    for conflict in report.conflicts:
        for side in conflict.sides:
            assert side.citations


def test_a_limited_audit_says_how_many_conflicts_the_store_holds(corpus_checker):
    everything = corpus_checker.audit()
    first = corpus_checker.audit(limit=1)
    assert first.conflicts == everything.conflicts[:1]
    assert first.total == everything.total == len(everything.conflicts) > 1


def test_sides_run_in_the_order_the_summary_names_them(corpus_checker):
    """The heading, the JSON `sides` and the report's columns read the same
    way: "83 ... vs 84 ..." shows 83 first."""
    conflicts = corpus_checker.audit().conflicts
    assert conflicts
    for conflict in conflicts:
        values = [side.value for side in conflict.sides]
        assert conflict.summary.endswith(": " + " vs ".join(values)), (conflict.summary, values)
        assert conflict.summary.index(values[0]) < conflict.summary.index(values[1])


def test_audit_of_the_corpus_does_not_flag_different_events_entities_or_subsets(corpus_checker):
    text = summaries(corpus_checker.audit())
    assert "two civilians" not in text and "at least two people" not in text  # Dnipro, Sumy, Zaporizhzhia strikes
    assert "six Ukrainian aerial drones" not in text  # vs 48 Russian drones: different sides' drones
    assert "up to 8,000" not in text  # expected to join the fight, a subset of those stationed
    assert "$126 billion" not in text and "€118 billion" not in text  # a currency and its conversion
    assert "120-kilometer" not in text  # Fath-360 range vs Oreshnik reach: different weapons
    assert "330 missiles" not in text  # June's total, not one night's attack
    assert "One recruit" not in text  # a person introduced ("One recruit, identified only as ..."), not a count


# ---- synthetic pairs: one store per case ------------------------------------


def corpus(tmp_path, articles: dict[str, tuple[str, str]]) -> Checker:
    """articles: file name -> (published, text)."""
    folder = tmp_path / "docs"
    for name, (_, text) in articles.items():
        write(folder / name, text)
    write(folder / "metadata.json", json.dumps({name: {"published": date} for name, (date, _) in articles.items()}))
    checker = Checker(store=tmp_path / "store")
    assert checker.ingest([folder]).ok
    return checker


ATTACK = (
    "Kharkiv attack\n\nRussia launched {n} drones at Kharkiv overnight, the regional governor "
    "said on Monday. Air defences worked through the night."
)


@pytest.mark.parametrize(("first", "second"), [(300, 450), (450, 300)])
def test_a_numeric_conflict_is_found_whichever_source_comes_first(tmp_path, first, second):
    checker = corpus(
        tmp_path, {"a.txt": ("2024-05-06", ATTACK.format(n=first)), "b.txt": ("2024-05-06", ATTACK.format(n=second))}
    )
    (conflict,) = checker.audit().conflicts
    assert [side.value for side in conflict.sides] == ["300 drones", "450 drones"]  # the lower figure first
    assert conflict.summary.endswith("300 drones vs 450 drones")
    assert conflict.severity == "major"  # a third apart


def test_close_figures_are_a_minor_conflict_and_overlapping_estimates_none(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": ("2024-05-06", ATTACK.format(n=412)),
            "b.txt": ("2024-05-06", ATTACK.format(n=431)),
            "c.txt": ("2024-05-06", ATTACK.format(n="about 420")),
        },
    )
    conflicts = checker.audit().conflicts
    assert [c.severity for c in conflicts] == ["minor"]
    assert {side.value for side in conflicts[0].sides} == {"412 drones", "431 drones"}


def test_different_places_are_different_events(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": (
                "2024-05-06",
                "Strike report\n\nA Russian strike in Sumy killed 12 people on Monday, officials said.",
            ),
            "b.txt": (
                "2024-05-06",
                "Strike report\n\nA Russian strike in Odesa killed 30 people on Monday, officials said.",
            ),
        },
    )
    assert checker.audit().conflicts == []


def test_a_country_and_a_region_in_it_do_not_make_two_events(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": (
                "2024-05-06",
                "Clashes\n\nFighting in the Varna region killed 40 soldiers on Monday, the army said.",
            ),
            "b.txt": ("2024-05-06", "Clashes\n\nFighting in Bulgaria killed 65 soldiers on Monday, the army said."),
        },
    )
    assert [c.kind for c in checker.audit().conflicts] == ["numeric"]


def test_a_city_in_a_country_and_another_region_of_it_are_two_events(tmp_path):
    """The country both name does not make them one place: the finest
    places they name (a city, a region) differ."""
    checker = corpus(
        tmp_path,
        {
            "a.txt": (
                "2024-05-06",
                "Clashes\n\nA strike in the city of Ruse in Bulgaria injured 12 people on Monday, officials said.",
            ),
            "b.txt": (
                "2024-05-06",
                "Clashes\n\nA strike in the Varna region injured 16 people on Monday, officials said.",
            ),
        },
    )
    assert checker.audit().conflicts == []


def test_reports_months_apart_are_different_events(tmp_path):
    checker = corpus(
        tmp_path, {"a.txt": ("2023-01-10", ATTACK.format(n=300)), "b.txt": ("2024-06-01", ATTACK.format(n=450))}
    )
    assert checker.audit().conflicts == []


def test_shot_down_is_not_launched(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": ("2024-05-06", ATTACK.format(n=60)),
            "b.txt": (
                "2024-05-06",
                "Kharkiv attack\n\nUkraine's air force shot down 41 drones over Kharkiv overnight, the "
                "regional governor said on Monday.",
            ),
        },
    )
    assert checker.audit().conflicts == []


def test_different_sides_drones_are_different_entities(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": (
                "2024-05-06",
                "Drone war\n\nUkraine said it shot down 48 Russian drones overnight over the north of the country.",
            ),
            "b.txt": (
                "2024-05-06",
                "Drone war\n\nMoscow said it shot down 6 Ukrainian drones overnight over the north of the country.",
            ),
        },
    )
    assert checker.audit().conflicts == []


def test_a_subset_is_complementary_not_a_conflict(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": (
                "2024-10-30",
                "Troops\n\nUp to 8,000 North Korean troops are expected to join the fighting in the coming "
                "days, officials said.",
            ),
            "b.txt": (
                "2024-10-30",
                "Troops\n\nAbout 10,000 North Korean troops are stationed in Russia, officials said on Wednesday.",
            ),
        },
    )
    assert checker.audit().conflicts == []


def test_a_currency_and_its_conversion_are_one_claim(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": (
                "2024-11-10",
                "Aid\n\nEuropean nations have allocated around €118 billion ($126 billion) in aid to "
                "Ukraine, the institute said.",
            ),
            "b.txt": (
                "2024-11-10",
                "Aid\n\nEuropean nations have allocated €118 billion in aid to Ukraine, the institute reported.",
            ),
        },
    )
    assert checker.audit().conflicts == []


def test_aggregate_against_breakdown_in_both_directions(tmp_path):
    aggregate = (
        "Record attack\n\nUkraine endured the biggest overnight air attack of the war, with 500 "
        "drones and missiles fired at Kyiv."
    )
    breakdown = (
        "Record attack\n\nA record 539 drones as well as 11 missiles were fired at Kyiv overnight in "
        "the biggest air attack of the war."
    )
    for names in (("a.txt", "b.txt"), ("b.txt", "a.txt")):
        checker = corpus(
            tmp_path / names[0], {names[0]: ("2025-07-04", aggregate), names[1]: ("2025-07-04", breakdown)}
        )
        (conflict,) = checker.audit().conflicts
        assert "539 drones + 11 missiles = 550" in conflict.summary
        assert "aggregation vs breakdown" in conflict.explanation


def test_claimants_and_dates_are_named_as_causes(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": (
                "2024-05-06",
                "Kharkiv attack\n\nRussia launched 300 drones at Kharkiv overnight, according to Ukraine's air force.",
            ),
            "b.txt": (
                "2024-05-20",
                "Kharkiv attack\n\nRussia launched 120 drones at Kharkiv overnight, according to the Russian "
                "defence ministry.",
            ),
        },
    )
    (conflict,) = checker.audit().conflicts
    assert "different claimants" in conflict.explanation and "Ukraine's air force" in conflict.explanation
    assert "different report dates" in conflict.explanation


# ---- check -------------------------------------------------------------------


def test_a_claim_about_one_attack_is_not_judged_by_a_months_total(corpus_checker):
    verdict = corpus_checker.check("Russia launched 100 drones in the record overnight attack")
    assert verdict.verdict == "contradicted"
    assert "539" in verdict.explanation and "5,000" not in verdict.explanation  # 5,000 drones: June's total


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("Russia repelled 68 counterattacks in Donetsk", "supported"),
        ("Russia repelled 90 counterattacks in Donetsk", "contradicted"),
        ("Russia launched 100 drones in the record overnight attack", "contradicted"),
        ("Russia launched 539 drones in the record overnight attack", "disputed"),
        ("The missile that struck Dnipro was an ICBM", "disputed"),
        ("Russia lost 1,000 tanks in the battle for Kyiv", "not_found"),
        ("Russian strikes in Sumy killed 40 people", "not_found"),  # "at least two" neither states nor denies 40
        # No number: judged by the name it states, read from the sources like an answer.
        ("Zelenskyy spoke with Trump about air defence", "supported"),
    ],
)
def test_check_gives_a_verdict_with_cited_evidence(corpus_checker, claim, verdict):
    result = corpus_checker.check(claim)
    assert result.verdict == verdict, result.explanation
    if verdict in ("supported", "contradicted", "disputed"):
        assert result.claims
        assert_verbatim(corpus_checker, result.citations)
    # The evidence for and against, as the verdict was decided.
    assert bool(result.supporting) == (verdict in ("supported", "disputed")), result
    assert bool(result.contradicting) == (verdict in ("contradicted", "disputed")), result
    # (One sentence may do both: "Kyiv called it an ICBM, Moscow an intermediate-range missile".)
    assert set(result.supporting + result.contradicting) <= {c.id for c in result.citations}


def test_the_evidence_for_and_against_a_disputed_figure_is_each_sides_quote(corpus_checker):
    result = corpus_checker.check("Russia launched 539 drones in the record overnight attack")
    quote = {c.id: c.quote for c in result.citations}
    assert all("539" in quote[n] for n in result.supporting)
    assert all("500 drones and missiles" in quote[n] for n in result.contradicting)


def test_event_dates_in_the_sentences_tell_two_attacks_apart(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": (
                "",
                "Kharkiv attack\n\nRussia launched 300 drones at Kharkiv on 3 May 2024, the regional governor said.",
            ),
            "b.txt": (
                "",
                "Kharkiv attack\n\nRussia launched 120 drones at Kharkiv on 19 May 2024, the regional governor said.",
            ),
            "c.txt": (
                "",
                "Kharkiv attack\n\nRussia launched 190 drones at Kharkiv on May 19, 2024, according to the air force.",
            ),
        },
    )
    (conflict,) = checker.audit().conflicts  # only the two reports of 19 May disagree
    assert {side.value for side in conflict.sides} == {"120 drones", "190 drones"}


def test_consistent_but_different_figures_are_reported_as_varying_estimates(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "a.txt": (
                "2024-11-05",
                "Troops\n\nMore than 10,000 North Korean troops are deployed in Russia, according to Seoul.",
            ),
            "b.txt": (
                "2024-11-05",
                "Troops\n\nAbout 11,000 North Korean troops are deployed in Russia, according to Kyiv.",
            ),
        },
    )
    answer = checker.ask("How many North Korean troops are deployed in Russia?")
    assert answer.status == "answered" and answer.conflicts == []
    assert "Estimates vary" in answer.answer and "More than 10,000" in answer.answer and "About 11,000" in answer.answer


# ---- the same words about another subject ---------------------------------

TOWNS = ["Velmora", "Norland", "Ostrava", "Tallinn", "Bergen", "Tromso"]


def town_report(town: str, lead: str) -> str:
    return (
        f"Storm in {town}\n\nSchools in {town} moved lessons online for two days after the storm. "
        f"The clean-up in {town} was led by {lead}, the head of the local rescue service."
    )


def test_the_same_statement_about_other_places_is_not_a_conflict_but_another_name_for_one_place_is(tmp_path):
    articles = {f"{town.lower()}.txt": ("", town_report(town, "Mara Lindqvist")) for town in TOWNS}
    articles["velmora-2.txt"] = ("", town_report("Velmora", "Oren Falk"))
    report = corpus(tmp_path, articles).audit()
    (conflict,) = [c for c in report.conflicts if c.kind == "entity"]
    assert {side.value for side in conflict.sides} == {"Mara Lindqvist", "Oren Falk"}
    assert not any(town in c.summary.split(":")[-1] for c in report.conflicts for town in TOWNS)


def test_statements_meet_only_through_a_value_they_share(tmp_path, monkeypatch):
    """A template repeated about many places costs a pass, not a
    comparison of every pair."""
    from consistency.reason import audit

    places = [f"{town} {n}" for n in range(8) for town in TOWNS]
    articles = {f"{place}.txt": ("", town_report(place, "Mara Lindqvist")) for place in places}
    checker = corpus(tmp_path, articles)
    compared = []
    monkeypatch.setattr(audit, "_jaccard", lambda a, b: compared.append(1) or len(a & b) / max(len(a | b), 1))
    assert audit.restated_with_other_values(checker.store.passage_pages) == []
    assert len(compared) < len(articles)  # every pair would be 48 * 47 / 2 = 1,128 per statement


def convoy(town: str, trucks: int) -> str:
    return (
        f"Storm relief for {town}\n\nA convoy of {trucks} trucks carrying food reached {town} on the following day. "
        f"Officials in {town} said more help would come."
    )


def test_the_audit_does_not_set_against_each_other_sources_that_tell_of_other_towns(tmp_path):
    checker = corpus(
        tmp_path,
        {
            "velmora.txt": ("", convoy("Velmora", 58)),
            "norland.txt": ("", convoy("Norland", 5)),
            "velmora-wire.txt": ("", convoy("Velmora", 12)),
        },
    )
    (conflict,) = checker.audit().conflicts
    assert {side.value for side in conflict.sides} == {"58 trucks", "12 trucks"}


def test_a_place_does_not_run_across_lines():
    from consistency.extract.claims import find_places

    assert find_places("Storm in Velmora\n\nRussia said nothing. Help reached the port of Norland Bay.") == {
        "velmora",
        "norland bay",
    }


def test_a_name_read_by_the_recogniser_does_not_run_across_lines(tmp_path):
    checker = corpus(tmp_path, {f"t{n}.txt": ("", town_report(f"Ostrava {n}", "Mara Lindqvist")) for n in range(3)})
    mentions = [m for p in checker.store.all_passages() for m in p.mentions]
    assert mentions and not any("\n" in m.text for m in mentions)
    assert any(m.text == "Ostrava 0" for m in mentions)
