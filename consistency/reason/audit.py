"""The store -> every conflict in it, without a question.

Claims are compared only with their nearest neighbours by context vector,
found with Chroma's HNSW index, and only within their own group (same
counted thing, unit or measure): the work grows about linearly with the
corpus instead of comparing every claim with every other. A large store is
read in parts: claims without their vectors (read for a batch of pairs at a
time), passages a page at a time (BENCHMARKS.md: 122,461 claims in 969 MB).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations, islice, product
from typing import TypeVar

import numpy as np

from ..extract.claims import find_claimant, group_keys
from ..index.store import Store
from ..models import AuditReport, Mention, Passage, StatedClaim
from ..text.countries import is_country
from ..text.dates import WrittenDate
from ..text.names import same_value
from ..text.sentences import sentence_spans
from ..text.terms import terms
from .citations import Citations, conflict_sentences
from .conflicts import collect_conflicts, rank, settle, value_conflict
from .interface import ClaimComparator, ClaimSet, Disagreement

# Nearest claims looked at per claim, over all groups: a claim's own group
# dominates its neighbourhood, since claims about drones sit in passages
# about drones.
NEIGHBOURS = 30
SMALL_GROUP = 60
BATCH = 512
PAIRS_AT_ONCE = 20_000  # candidate pairs compared, and their vectors held, at a time
_T = TypeVar("_T")


def audit(store: Store, comparator: ClaimComparator, limit: int | None = None) -> AuditReport:
    """Call inside `store.reading()`. Holds every claim's record (small) but
    neither their vectors nor the passages: vectors are read for a batch of
    candidate pairs at a time, and the passages a page at a time."""
    started = time.perf_counter()
    claim_set = ClaimSet([claim for page in store.claim_pages() for claim in page])
    found: dict[frozenset[str], Disagreement] = {}
    for pairs in batched(candidate_pairs(store, claim_set.claims), PAIRS_AT_ONCE):
        _compare(store, claim_set, pairs, comparator, found)
    disagreements = rank(settle(found) + restated_with_other_values(store.passage_pages))
    total = len(disagreements)
    if limit is not None:
        disagreements = disagreements[:limit]
    involved = {c.source_id for d in disagreements for c in d.claims}
    citations = Citations(conflict_sentences(disagreements, []), store.sources(sorted(involved)))
    return AuditReport(
        conflicts=[citations.conflict(d) for d in disagreements if citations.covers(d)],
        citations=citations.list,
        sources=store.counts()[0],
        claims=len(claim_set.claims),
        seconds=round(time.perf_counter() - started, 3),
        total=total,
    )


def batched(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _compare(
    store: Store,
    claim_set: ClaimSet,
    pairs: list[tuple[StatedClaim, StatedClaim]],
    comparator: ClaimComparator,
    found: dict[frozenset[str], Disagreement],
) -> None:
    """Compares the pairs in two steps: first as if their contexts were
    alike (a claim set without vectors says so), which every rule but the
    last can settle; then the pairs that would disagree, with their real
    vectors, read for them alone and let go afterwards."""
    likely = [(a, b) for a, b in pairs if comparator.compare(a, b, claim_set).disagreement is not None]
    claim_set.vectors = store.claim_vectors(sorted({c.id for pair in likely for c in pair}))
    try:
        collect_conflicts(claim_set, likely, comparator, found)
    finally:
        claim_set.vectors = {}


def candidate_pairs(store: Store, claims: list[StatedClaim]) -> Iterator[tuple[StatedClaim, StatedClaim]]:
    """Every pair inside a small group; nearest neighbours inside a large
    one. Each claim costs at most SMALL_GROUP comparisons either way. Made
    as they are compared, not gathered first: a large store has millions."""
    keys = {c.id: frozenset(group_keys(c)) for c in claims}
    members: dict[str, list[StatedClaim]] = defaultdict(list)
    for claim in claims:
        for key in keys[claim.id]:
            members[key].append(claim)
    for key, group in members.items():
        if len(group) <= SMALL_GROUP:
            for a, b in combinations(group, 2):
                # a pair in several small groups is made in the first of them
                if min(keys[a.id] & keys[b.id]) == key and not _told_of_other_places(a, b):
                    yield a, b
    large = list({c.id: c for group in members.values() if len(group) > SMALL_GROUP for c in group}.values())
    by_id = {c.id: c for c in claims}
    for begin in range(0, len(large), BATCH):
        for a, b in _neighbour_pairs(store, large[begin : begin + BATCH], by_id, keys):
            if not _told_of_other_places(a, b):
                yield a, b


def _told_of_other_places(a: StatedClaim, b: StatedClaim) -> bool:
    """Two sources that name places and none in common tell of two places:
    across a whole archive, "58 trucks reached X" and "5 trucks reached Y"
    are two convoys, though neither sentence names its place the way a
    claim's place is read. (A question's own sources are about one thing,
    so ask does not need this.) Two countries, or two sets of towns, with
    none in common are two places; a country against towns tells nothing."""
    mine, theirs = set(a.source_places), set(b.source_places)
    if not (mine and theirs) or mine & theirs:
        return False
    # A country one names may hold the other's towns: then nothing is told.
    countries = [any(is_country(place) for place in places) for places in (mine, theirs)]
    return countries[0] == countries[1]


def _neighbour_pairs(
    store: Store, batch: list[StatedClaim], by_id: dict[str, StatedClaim], keys: dict[str, frozenset[str]]
) -> list[tuple[StatedClaim, StatedClaim]]:
    """Each claim of the batch with its nearest claims of a group it is in."""
    vectors = store.claim_vectors([c.id for c in batch])
    batch = [c for c in batch if c.id in vectors]
    if not batch:
        return []
    pairs: dict[frozenset[str], tuple[StatedClaim, StatedClaim]] = {}
    near = store.claim_neighbours(np.stack([vectors[c.id] for c in batch]), NEIGHBOURS)
    for claim, neighbour_ids in zip(batch, near, strict=True):
        for other_id in neighbour_ids:
            other = by_id.get(other_id)
            if other is not None and other_id != claim.id and keys[claim.id] & keys[other_id]:
                pairs.setdefault(frozenset((claim.id, other_id)), (claim, other))
    return list(pairs.values())


# ---- the same sentence, another value ----------------------------------------

SAME_STATEMENT = 0.8  # Jaccard of two sentences' terms once their names and dates are taken out
MIN_STATEMENT_TERMS = 5


@dataclass
class _Statement:
    source_id: str
    title: str
    published: str | None
    start: int
    end: int
    text: str
    values: dict[str, list[Mention]]  # by kind
    rest: frozenset[str]


def restated_with_other_values(pages: Callable[[], Iterable[list[Passage]]]) -> list[Disagreement]:
    """Sources that make the same statement about the same subject with
    another date or name ("X was founded in 1856" / "X was founded in
    1900"; "the clean-up in X was led by A" / "by B"): their sentences'
    words agree once the values are taken out, every other value is the
    same, and one differs, compared by code. A name in the source's title is
    what the source is about, where the statement is made, not what it
    says: "Schools in X closed" and "Schools in Y closed", in articles about
    X and Y, do not conflict. Statements meet only through the values they
    share, and only where their values differ, so an archive repeating one
    template about thousands of places costs a pass over it, not a
    comparison of every pair. `pages` gives the passages a page at a time,
    twice: the first pass finds the groups whose values differ, the second
    keeps only their statements."""
    values_by_group: dict[int, set[str]] = defaultdict(set)
    for statement in _statements_of(pages()):
        for key, value in _group_keys(statement):
            values_by_group[hash(key)].add(value.key)
    disputed = {group for group, values in values_by_group.items() if len(values) > 1}
    del values_by_group
    groups: dict[tuple, dict[str, list[tuple[_Statement, Mention]]]] = defaultdict(lambda: defaultdict(list))
    for statement in _statements_of(pages()):
        for key, value in _group_keys(statement):
            if hash(key) in disputed:
                groups[key][value.key].append((statement, value))
    found: list[Disagreement] = []
    for (_, kind, _), by_value in groups.items():
        for one, other in combinations(by_value.values(), 2):
            for (a, x), (b, y) in product(one, other):
                same_statement = a.source_id != b.source_id and _jaccard(a.rest, b.rest) >= SAME_STATEMENT
                if same_statement and not _compatible(kind, x, y):
                    found.append(_value_conflict(kind, (a, x), (b, y)))
    return found


def _statements_of(pages: Iterable[list[Passage]]) -> Iterator[_Statement]:
    for page in pages:
        yield from _statements(page)


def _group_keys(statement: _Statement) -> Iterator[tuple[tuple, Mention]]:
    """For each value the statement could dispute, the group of statements
    it is compared within: the same first words and every other value the same."""
    for kind, mentions in statement.values.items():
        (value,) = mentions if len(mentions) == 1 else (None,)  # several of one kind: which answers is unclear
        if value is None or (kind != "date" and _in_title(value, statement.title)):
            continue
        others = frozenset((k, m.key) for k, ms in statement.values.items() if k != kind for m in ms)
        # A date alone is what the sentence says of a subject in its words
        # ("Harbor Mills was founded in 1856", where no name was read); a
        # name alone may be the subject itself.
        if others or kind == "date":
            yield (tuple(sorted(statement.rest))[:3], kind, others), value


def _in_title(mention: Mention, title: str) -> bool:
    """Whether the source's title names it (however the recogniser cut the name)."""
    return re.search(rf"(?<!\w){re.escape(mention.text.casefold())}(?!\w)", title.casefold()) is not None


def _statements(passages: list[Passage]) -> list[_Statement]:
    statements = []
    for passage in passages:
        for start, end in sentence_spans(passage.text):
            at, until = passage.start + start, passage.start + end
            values: dict[str, list[Mention]] = defaultdict(list)
            for mention in passage.mentions:
                if at <= mention.start and mention.end <= until and mention.kind != "group":
                    values[mention.kind].append(mention)
            if not values:
                continue
            text = passage.text[start:end]
            masked = text
            for mention in sorted((m for ms in values.values() for m in ms), key=lambda m: -m.start):
                masked = masked[: mention.start - at] + " " + masked[mention.end - at :]
            rest = frozenset(terms(masked))
            if len(rest) >= MIN_STATEMENT_TERMS:
                statements.append(
                    _Statement(passage.source_id, passage.title, passage.published, at, until, text, values, rest)
                )
    return statements


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / max(len(a | b), 1)


def _value_conflict(kind: str, *sides: tuple[_Statement, Mention]) -> Disagreement:
    measure = f"{'date' if kind == 'date' else kind} in “{_shorten(sides[0][0].text)}”"
    claims = [_value_claim(statement, mention, kind, measure) for statement, mention in sides]
    return value_conflict(claims[0].kind, measure, [[claim] for claim in claims])


def _compatible(kind: str, x: Mention, y: Mention) -> bool:
    if kind == "date":
        return _date(x.key).compatible(_date(y.key))
    return same_value(x.text, y.text)


def _date(iso: str) -> WrittenDate:
    return WrittenDate.from_iso(iso) or WrittenDate(0, None, None)


def _value_claim(statement: _Statement, mention: Mention, kind: str, measure: str) -> StatedClaim:
    return StatedClaim(
        id=f"{statement.source_id}~{statement.start}~{mention.start}",
        source_id=statement.source_id,
        title=statement.title,
        published=statement.published,
        start=statement.start,
        end=statement.end,
        sentence=statement.text,
        kind="date" if kind == "date" else "entity",
        measure=measure,
        category=mention.text,
        claimant=find_claimant(statement.text),
    )


def _shorten(text: str, words: int = 12) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")
