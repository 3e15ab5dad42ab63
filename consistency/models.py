"""The shared vocabulary: every stage takes and returns these models.

Data flows one way: files -> Source -> Passage -> (Claim) -> Answer.
The JSON output contract (DESIGN.md) is `Answer.model_dump_json()`.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field


class Source(BaseModel):
    """One article, cleaned. Every citation is a slice of `text`."""

    id: str
    title: str
    outlet: str | None = None
    published: str | None = Field(None, description="ISO date: YYYY-MM-DD, YYYY-MM or YYYY")
    path: str = Field(description="the file the article came from")
    text: str
    content_hash: str = Field(description="sha256 of the raw file the source came from")


MentionKind = Literal["person", "organisation", "place", "group", "thing", "date"]


class Mention(BaseModel):
    """A name or a date a passage mentions, by its span in the source text."""

    start: int
    end: int
    kind: MentionKind
    text: str
    key: str = Field(description="what code compares: the folded name, or the ISO date")


class Passage(BaseModel):
    """A chunk of a source, with its character span in `Source.text`."""

    id: str
    source_id: str
    title: str
    start: int
    end: int
    text: str
    published: str | None = None
    score: float = 0.0
    mentions: list[Mention] = Field(default_factory=list, description="names and dates in the passage (read at ingest)")


class Quantity(BaseModel):
    """A stated amount as an interval. Conflicts are decided on these, by code."""

    # Open intervals ("at least 14") have high = inf; keep it through JSON.
    model_config = ConfigDict(ser_json_inf_nan="constants")

    text: str = Field(description="the words that state it, e.g. 'more than 330 missiles'")
    start: int = Field(description="offset of `text` in the sentence (or source) it was read from")
    end: int
    low: float
    high: float = Field(description="math.inf when open-ended ('at least 14')")
    point: float | None = Field(None, description="the number as stated, when one number was stated")
    qualifier: str = Field(description="exact, about, almost, at_least, more_than, up_to, fewer_than, range or vague")
    unit: str | None = Field(None, description="counted thing(s) joined by '+', a currency (USD) or a measure (km, %)")
    things: list[str] = Field(default_factory=list, description="counted things; two or more are counted together")
    owner: str | None = Field(None, description="whose things, when the phrase says: 'French' in '48 French drones'")
    role: str | None = Field(None, description="launched, shot_down, killed, injured, deployed, pledged, ...")
    equivalent: str | None = Field(None, description="the same amount in another currency, as written")


# numeric: an amount; qualitative: a class or description ("an intermediate-range
# missile"); date: when; entity: who or what by name.
ClaimKind = Literal["numeric", "qualitative", "date", "entity"]


class StatedClaim(BaseModel):
    """What one sentence of one source asserts: an amount (numeric) or a
    classification (qualitative), with the sentence's span for citing it."""

    id: str
    source_id: str
    title: str
    published: str | None = None
    start: int = Field(description="the sentence's span in the source text")
    end: int
    sentence: str
    kind: ClaimKind
    measure: str = Field(
        description="what is measured or classified: 'drones', 'drones+missiles', 'USD', 'missile class'"
    )
    quantity: Quantity | None = Field(None, description="numeric claims; offsets are into the source text")
    category: str | None = Field(
        None, description="qualitative claims: the class asserted, e.g. 'long-range ballistic missile'"
    )
    claimant: str | None = Field(None, description="who says so, where the sentence names them")
    scope: str | None = Field(
        None, description="the period the amount covers when stated: 'in june', 'daily', 'since ...'"
    )
    event_date: str | None = Field(
        None, description="the date the sentence gives the event, ISO, when it gives a full one"
    )
    places: list[str] = Field(default_factory=list, description="places the sentence puts the event in")
    source_places: list[str] = Field(default_factory=list, description="every place the source mentions")
    context_free: bool = Field(
        False, description="a claim under check, with no article around it: any period or place fits"
    )

    @property
    def amount(self) -> Quantity:
        """The quantity of a numeric claim; asking a qualitative one for it is a bug."""
        if self.quantity is None:
            raise ValueError(f"claim {self.id} states no amount")
        return self.quantity


class Citation(BaseModel):
    id: int
    source: str
    title: str
    quote: str = Field(description="verbatim: equals the source text between start and end")
    start: int
    end: int
    # Who published the quote and when: dates are a common cause of conflicts.
    outlet: str | None = None
    published: str | None = Field(None, description="the source's publication date (YYYY-MM-DD, YYYY-MM or YYYY)")


class Claim(BaseModel):
    text: str
    value: float | None
    low: float | None
    high: float | None
    unit: str | None
    qualifier: str
    source: str
    citation: int | None


class ConflictSide(BaseModel):
    value: str
    citations: list[int]


class Conflict(BaseModel):
    kind: Literal["numeric", "qualitative", "date", "entity"]
    severity: Literal["minor", "major"]
    summary: str
    explanation: str
    sides: list[ConflictSide]

    def sides_text(self, joiner: str = " vs ") -> str:
        """ "500 drones and missiles [1] vs 539 drones + 11 missiles = 550 [2]"."""
        return joiner.join(f"{side.value} {''.join(f'[{n}]' for n in side.citations)}" for side in self.sides)

    def shared_citations(self) -> set[int]:
        """Sentences that state the values of more than one side ("X called
        it A, but Y called it B"). Each side's claim is really in them, but
        shown under every side they read as the same evidence for opposite
        answers: pages show them once, below the sides."""
        seen = [n for side in self.sides for n in set(side.citations)]
        return {n for n in seen if seen.count(n) > 1}


AnswerStatus = Literal["answered", "conflict", "not_found"]
GenerationStatus = Literal["verified", "repaired", "rejected", "unavailable", "skipped"]


class Generation(BaseModel):
    """What the LLM did for this answer. Facts (claims, values, conflicts,
    status) are decided by code whatever happens here."""

    backend: str = Field(description="local | openai | openai-compatible")
    model: str
    prompt: str | None = Field(None, description="prompt name@version")
    status: GenerationStatus = Field(
        description="verified: shown as written; repaired: unverifiable sentences removed; "
        "rejected: failed validation, the extractive answer is shown; unavailable: the backend could not run; "
        "skipped: nothing to write (no answer in the sources)"
    )
    note: str | None = Field(None, description="why it was repaired, rejected or unavailable")
    draft: str | None = Field(None, description="the model's text before validation, when it was changed or rejected")


class Timings(BaseModel):
    """Seconds spent in each stage."""

    retrieve: float = 0.0
    extract: float = Field(0.0, description="claims, comparisons and citations (code)")
    generate: float = Field(0.0, description="the LLM writing the answer")
    total: float = 0.0


class Reading(BaseModel):
    """What one source gives as the answer, as it words it, with the
    citations of the sentences that say so. Code has checked that every
    number, date and name of `answer` is in those sentences."""

    source: str
    answer: str
    citations: list[int]
    kind: Literal["amount", "date", "name", "text", "stance"] = Field(
        description="what the answer is: an amount, a date, a name, a description, or (stance) a yes-or-no "
        "question's answer, which code reads off the cited sentence"
    )
    about: str | None = Field(None, description="what the source says the answer is about, when it names it")
    reader: str = Field("typed", description="who read it: llm, or typed (no model, or where the model's failed)")


class Ambiguity(BaseModel):
    """The sources answer about different things that share a name: each
    reading stands, and none is a conflict."""

    summary: str
    readings: list[ConflictSide] = Field(description="each thing's answer, with its citations")


class Answer(BaseModel):
    question: str
    status: AnswerStatus
    answer: str
    citations: list[Citation] = []
    claims: list[Claim] = []
    conflicts: list[Conflict] = []
    readings: list[Reading] = Field([], description="each source's answer, checked by code")
    ambiguities: list[Ambiguity] = Field([], description="different things that share a name, each answered")
    llm: Generation | None = Field(None, description="absent when no LLM was asked (--llm none)")
    timings: Timings | None = None
    # The code-written conflict and estimate paragraphs, which the LLM's
    # prose never replaces.
    facts_text: str = Field("", exclude=True)


VerdictLabel = Literal["supported", "contradicted", "disputed", "not_found"]


class Verdict(BaseModel):
    """A claim checked against the stored sources."""

    claim: str
    verdict: VerdictLabel
    explanation: str
    citations: list[Citation] = []
    claims: list[Claim] = Field([], description="the stored claims the check compared, each with its citation")
    conflicts: list[Conflict] = Field([], description="where the sources disagree with the claim or among themselves")
    supporting: list[int] = Field([], description="the citations whose sentences support the claim")
    contradicting: list[int] = Field([], description="the citations whose sentences contradict the claim")


class AuditReport(BaseModel):
    """Every conflict in the store, most severe first."""

    conflicts: list[Conflict]
    citations: list[Citation]
    sources: int
    claims: int
    seconds: float
    total: int | None = Field(None, description="conflicts in the whole store, of which `conflicts` are the first")


class Filters(BaseModel):
    """Restricts retrieval to some sources and/or a publication period."""

    sources: list[str] | None = None
    since: str | None = Field(None, description="ISO date; sources published on or after")
    until: str | None = Field(None, description="ISO date; sources published on or before")


class SourceInfo(BaseModel):
    id: str
    title: str
    outlet: str | None
    published: str | None
    path: str
    chunks: int
    claims: int | None = Field(default=None, description="claims read from it; unknown for stores written before 12-05")


IngestOutcome = Literal["added", "updated", "moved", "duplicate", "unchanged", "failed"]
INGEST_OUTCOMES: tuple[IngestOutcome, ...] = get_args(IngestOutcome)


class FileResult(BaseModel):
    path: str
    outcome: IngestOutcome
    sources: list[str] = []
    chunks: int = 0
    error: str | None = None


class IngestReport(BaseModel):
    files: list[FileResult] = []

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.outcome == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def changed(self) -> bool:
        """Whether the ingest wrote anything to the store."""
        return any(f.outcome in ("added", "updated", "moved") for f in self.files)

    def count(self, outcome: IngestOutcome) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)


class StoreProblem(BaseModel):
    """One thing in a store that does not hold together."""

    source: str | None = Field(None, description="the source it concerns; None for the store as a whole")
    path: str | None = Field(None, description="the file that source came from")
    problem: str


class StoreCheck(BaseModel):
    """What `verify` found, and what `--repair` did about it."""

    location: str
    sources: int
    passages: int
    claims: int
    problems: list[StoreProblem] = []
    repaired: list[str] = Field([], description="what the repair did, a line each")

    @property
    def ok(self) -> bool:
        return not self.problems


class StoreStatus(BaseModel):
    location: str
    backend: Literal["persistent", "http"]
    sources: int
    passages: int
    claims: int
    embedding_model: str
    llm: str
    needs_repair: str | None = Field(None, description="why `consistency verify --repair` should be run, if it should")
