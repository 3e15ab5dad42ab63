"""The reader without an LLM: per source, the best candidate sentence that
holds a value of the asked type, and that value.

No corpus vocabulary: the answer type and the counted noun come from the
question (extract/question.py), amounts from the quantity parser, names and
dates from spaCy's mentions (read at ingest), classes from the noun phrases
whose head is the noun the question asks a kind of. It is the fast path and
the fallback, and it abstains when nothing fits: the candidates were
chosen by retrieval and scoring, and verification still checks every
reading it makes.
"""

from __future__ import annotations

import re

from ..extract.question import Question
from ..models import Mention
from ..text.dates import dates_by_nearness
from ..text.lexicon import PHRASE_ENDS, singular
from ..text.names import name_key
from ..text.terms import terms
from .interface import Candidate, DraftCallback, ReaderResult, Reading, SourceCandidates
from .stance import stance_of

# A sentence must score this well for its name, date or class to be an
# answer (amounts have the stricter checks of counted thing, role and event).
NAME_SCORE = 0.35  # names and dates: the mention's type already narrows them down
KIND_SCORE = 0.45  # a phrase with the asked head noun is a looser signal
PROSE_SCORE = 0.55  # a sentence shown as the answer itself, when no phrase names a kind
SECOND_SENTENCE = 0.65  # a source's second amount sentence is read when it scores this close to its best


class TypedReader:
    """The `EvidenceReader` of types: needs no model, answers in milliseconds."""

    name = "typed"

    def __init__(self, every_value: bool = False):
        # A claim under check wants every value a source gives, not its best one.
        self.every_value = every_value

    def read(
        self, question: Question, candidates: list[SourceCandidates], on_draft: DraftCallback | None = None
    ) -> ReaderResult:
        readings: list[Reading] = []  # in milliseconds: no draft to show
        for group in candidates:
            readings.extend(self._source(question, group))
        return ReaderResult(readings=readings)

    def _source(self, question: Question, group: SourceCandidates) -> list[Reading]:
        """The source's best sentences that give a value of the asked type:
        up to two sentences for an amount (verification keeps those that
        count what is asked), the first that names one otherwise."""
        ranked = sorted(group.sentences, key=lambda s: -s.score)
        source_id = group.source.id
        every_value = self.every_value or question.compares
        if question.answer_type == "stance":
            return self._stances(question, ranked, source_id)
        if question.answer_type == "amount":
            best = ranked[0].score
            return [Reading(source_id, [s.number], s.text) for s in ranked[:3] if s.score >= SECOND_SENTENCE * best]
        if question.answer_type in ("person", "organisation", "place"):
            named = [(name, s) for s in ranked if s.score >= NAME_SCORE and (name := self._name(question, s))]
            named.sort(key=lambda pair: -pair[0][1])
            return [Reading(source_id, [s.number], name[0].text) for name, s in named[: 3 if every_value else 1]]
        found: list[Reading] = []
        for sentence in ranked:
            if sentence.score < (NAME_SCORE if question.answer_type == "date" else KIND_SCORE):
                break
            values = self._values(question, sentence)
            found += [Reading(source_id, [sentence.number], value) for value in values[:2]]
            if found and not every_value:
                return found
        if found:
            return found
        if question.answer_type == "thing":
            # Prose: shown, not compared; never a sentence that only says the
            # question's own "toxic weapons" back to it.
            prose = [s for s in ranked if s.score >= PROSE_SCORE and not restates_the_kind(question, s.text)]
            return [Reading(source_id, [prose[0].number], prose[0].text)] if prose else []
        return []

    @staticmethod
    def _stances(question: Question, ranked: list[Candidate], source_id: str) -> list[Reading]:
        """A yes-or-no question: the source's best sentence of each stance it
        takes (one that asserts what is asked, one that denies it); code
        reads the stance again when it verifies the reading."""
        chosen: dict[str, Candidate] = {}
        for sentence in ranked:
            if sentence.score < KIND_SCORE:
                break
            stance = stance_of(sentence.text, question.event_terms)
            if stance is not None:
                chosen.setdefault(stance, sentence)
        return [Reading(source_id, [s.number], s.text) for s in chosen.values()]

    def _values(self, question: Question, sentence: Candidate) -> list[str]:
        if question.answer_type == "date":
            return _nearest_date(question, sentence.text)
        return kind_phrases(question, sentence.text)

    def _name(self, question: Question, sentence: Candidate) -> tuple[Mention, float] | None:
        """The name of the asked kind that the question does not already
        give, and how well it answers: an apposition to the noun the
        question asks about ("X, a company ...") best, else nearness to the
        question's own words."""
        # The small NER model often takes a person for an organisation and the
        # other way round: both are read, the asked kind ranks first.
        wanted: set[str] = {question.answer_type}
        if question.answer_type in ("person", "organisation"):
            wanted |= {"person", "organisation", "group"}
        asked = set(name_key(question.text).split())
        names = [m for m in sentence.mentions if m.kind in wanted and not set(m.key.split()) <= asked]
        if not names:
            return None
        words = list(re.finditer(r"[\w’'-]+", sentence.text))
        head = [w for w in words if question.head and singular(w.group()) == question.head]
        question_terms = set(terms(question.event_text))
        anchors = [
            sentence.start + w.start() for w in head or [w for w in words if set(terms(w.group())) & question_terms]
        ]

        def rank(mention: Mention) -> float:
            value = sentence.score + (0.1 if mention.kind == question.answer_type else 0.0)
            after = sentence.text[mention.end - sentence.start : mention.end - sentence.start + 40]
            if question.head and re.match(rf",?\s+(?:an?|the)\s+(?:[\w-]+\s+)?{re.escape(question.head)}", after, re.I):
                value += 0.3  # "X, a company registered in ..."
            agent = re.search(r"([\w’'-]+)\s+by\s+$", sentence.text[: mention.start - sentence.start])
            if agent and set(terms(agent.group(1))) & question_terms:
                value += 0.3  # "originally recorded by X", asked who recorded it
            if anchors:
                value -= 0.002 * min(min(abs(mention.start - a), abs(mention.end - a)) for a in anchors)
            return value

        best = max(names, key=rank)
        return best, rank(best)


def restates_the_kind(question: Question, text: str) -> bool:
    """Does `text` name the asked noun only as the question does ("toxic
    weapons" for "what toxic weapon")?"""
    return bool(question.head) and not kind_phrases(question, text) and bool(_restated(question, text))


def _restated(question: Question, text: str) -> list[str]:
    asked = set(terms(question.text))
    head = re.escape(question.head or "")
    return [
        m.group()
        for m in re.finditer(rf"[\w’'-]+\s+{head}(?:e?s)?\b", text, re.IGNORECASE)
        if set(terms(m.group())) <= asked and len(set(terms(m.group()))) > 1
    ]


def kind_phrases(question: Question, text: str) -> list[str]:
    """Noun phrases of `text` whose head is the noun the question asks a
    kind of ("What kind of missile ...?" -> "an intermediate-range
    missile"), more specific than the bare noun and not the question's own."""
    if not question.head:
        return []
    head = re.escape(question.head)
    asked = set(terms(question.text))
    phrases = []
    for match in re.finditer(rf"((?:[\w’'-]+\s+){{0,3}})({head}(?:e?s)?)\b", text, re.IGNORECASE):
        words = match.group(1).split()
        while words and (words[0].lower() in PHRASE_ENDS or words[0].lower() in {"its", "their", "his", "her"}):
            words = words[1:]
        kept: list[str] = []
        for word in reversed(words):  # modifiers run back from the head to a phrase-ending word
            if word.lower() in PHRASE_ENDS or word.endswith(","):
                break
            kept.insert(0, word)
        phrase = " ".join([*kept, match.group(2)])
        possessive = any(w.endswith(("’s", "'s", "’", "'")) for w in kept)
        # A kind is named by what classifies it ("ballistic", "medium-range",
        # a name), not by a verb form or a word that only counts or ranks.
        kept = [w for w in kept if not re.search(r"(?:ed|ing)$", w.lower()) and w.lower() not in _NOT_CLASSIFYING]
        if (
            kept
            and not possessive
            and singular(kept[-1]) != question.head
            and name_key(phrase) not in name_key(question.text)
            and not set(terms(phrase)) <= asked  # the question's own words, in another number or form
        ):
            phrases.append(phrase)
    return list(dict.fromkeys(phrases))


_NOT_CLASSIFYING = frozenset(
    "key new old other some many several various certain more most such own main major minor first last same different "
    "further additional these those any all both each every few large small big huge top latest recent".split()
)


def _nearest_date(question: Question, text: str) -> list[str]:
    """The date, as the sentence writes it, nearest the question's own words
    ("born", "released", "established"), the fullest first on a tie."""
    ranked = dates_by_nearness(text, set(terms(question.event_text)))
    return [text[ranked[0].start : ranked[0].end]] if ranked else []
