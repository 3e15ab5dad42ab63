"""A short text -> the noun phrase at a point in it, by part of speech.

Questions say what they ask for in a noun phrase ("what sort of vehicle hit
the barrier", "how many unmanned aircraft did they send"), and where that
phrase ends is a matter of grammar, not of word lists: "hit" is a verb
there, so the head is "vehicle". spaCy's small English pipeline (the one that reads
mentions at ingest) tags the words; without it, a rougher rule by word
shape serves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..text.lexicon import PHRASE_ENDS
from .mentions import parsing_pipeline, pipeline, tagging_lock

# Parts of speech a noun phrase is made of (its head is the last noun).
_IN_PHRASE = frozenset({"ADJ", "NOUN", "PROPN", "NUM", "DET", "PART", "PUNCT", "X", "SYM"})
_JOINERS = frozenset({"-", "'s", "’s"})
_DETERMINERS = frozenset("the a an this that these those its their his her our my your".split())


@dataclass(frozen=True)
class NounPhrase:
    head: str
    text: str  # from its first word to its head: "mobile air-defence batteries"
    nouns: tuple[str, ...] = ()  # its nouns in order, the head last: ("casualty", "rate")


def noun_phrase(text: str, start: int = 0) -> NounPhrase | None:
    """The noun phrase that opens text[start:] (None when it opens with none)."""
    tokens = _tagged(text)
    if tokens is None:
        return _by_shape(text, start)
    first_index = None
    head_end = None
    head = None
    nouns: list[str] = []
    previous_end, previous_word = start, ""
    for word, pos, at in tokens:
        if at < start:
            continue
        # "air-defence", "the council's": one word to a reader, several to spaCy.
        joined = at == previous_end and at > start and (word in _JOINERS or word[:1] in "'’" or previous_word == "-")
        previous_word = word
        if pos not in _IN_PHRASE and not joined:
            break
        if pos == "PUNCT" and not joined and word not in "-’'":
            break
        if pos == "DET" and head is not None:
            break  # "missile hit the city": a determiner after a noun opens another phrase
        if first_index is None and pos not in ("DET", "PART", "PUNCT"):
            first_index = at
        if pos in ("NOUN", "PROPN") or (joined and head is not None):
            head, head_end = (head + word if joined and head else word), at + len(word)
            if joined and nouns:
                nouns[-1] = head
            else:
                nouns.append(head)
        previous_end = at + len(word)
    if head is None or first_index is None or head_end is None:
        return None
    return NounPhrase(head=head, text=text[first_index:head_end], nouns=tuple(nouns))


@lru_cache(maxsize=512)
def _tagged(text: str) -> tuple[tuple[str, str, int], ...] | None:
    nlp = pipeline()
    if nlp is None:
        return None
    with tagging_lock():
        doc = nlp(text[:2000])
    return tuple((token.text, token.pos_, token.idx) for token in doc)


def _by_shape(text: str, start: int) -> NounPhrase | None:
    """Without a tagger: up to five words, ending before a word that looks
    like a verb or opens another phrase."""
    head = None
    head_end = start
    first = None
    nouns: list[str] = []
    words = list(re.finditer(r"[A-Za-z][\w’'-]*|\S", text[start:]))
    for index, word in enumerate(words):
        lowered = word.group().lower()
        if index >= 5 or lowered in PHRASE_ENDS or not word.group()[0].isalpha():
            break
        if head is not None and re.search(r"(?:ed|ing|ly)$", lowered):
            break
        following = words[index + 1].group().lower() if index + 1 < len(words) else ""
        if head is not None and following in _DETERMINERS:
            break
        if lowered in _DETERMINERS and head is None:
            continue
        first = start + word.start() if first is None else first
        head, head_end = word.group(), start + word.end()
        nouns.append(head)
    if head is None or first is None:
        return None
    return NounPhrase(head=head, text=text[first:head_end], nouns=tuple(nouns))


def main_verb_at(text: str) -> int | None:
    """Where the first verb (or auxiliary) of `text` starts: what comes
    before it is the subject ("The plant | was designed by ...")."""
    tokens = _tagged(text)
    if tokens is None:
        match = re.search(r"\b(?:is|was|are|were|has|have|had|did|does|do)\b|\b\w+ed\b", text)
        return match.start() if match else None
    return next((at for _, pos, at in tokens if pos in ("VERB", "AUX")), None)


def modifies_a_noun(text: str, end: int) -> bool:
    """Is the word ending at `end` a modifier of the noun after it ("Canadian
    troops", "Canada's ships"), rather than a value of its own?"""
    if re.match(r"[’']s\b", text[end : end + 2]):
        return True
    tokens = _tagged(text)
    if tokens is None:
        return bool(re.match(r"\s+[a-z]+s\b", text[end:]))
    following = next(((word, pos) for word, pos, at in tokens if at >= end and word.strip()), None)
    return following is not None and following[1] == "NOUN" and following[0][:1].islower()


_SUBJECT_KINDS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "NORP": "group", "LOC": "place"}
_SAYING_LEMMAS = frozenset("say tell claim report announce state add confirm estimate note warn insist".split())


@lru_cache(maxsize=512)
def subject_names(text: str) -> tuple[tuple[str, str], ...]:
    """The names (with their kind) that a sentence's subject gives, by
    dependency parse: "Sweden announced ..." -> Sweden; "Canada's ships
    sank ..." -> Canada; "A record 539 boats were used" -> none. Of a
    report ("X said that Y did ..."), the subject of what is reported."""
    nlp = parsing_pipeline()
    if nlp is None:
        return ()
    with tagging_lock():
        doc = nlp(text[:2000])
    found: list[tuple[str, str]] = []
    for sentence in doc.sents:
        predicate = sentence.root
        reported = [c for c in predicate.children if c.dep_ == "ccomp"]
        if predicate.lemma_ in _SAYING_LEMMAS and reported:
            predicate = reported[0]
        for subject in (c for c in predicate.children if c.dep_ in ("nsubj", "nsubjpass")):
            for token in [subject, *(c for c in subject.children if c.dep_ in ("poss", "compound", "amod"))]:
                if token.ent_type_ in _SUBJECT_KINDS:
                    entity = next(e for e in doc.ents if e.start <= token.i < e.end)
                    found.append((entity.text, _SUBJECT_KINDS[entity.label_]))
        break  # the first sentence: a claim is one
    return tuple(dict.fromkeys(found))
