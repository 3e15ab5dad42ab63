"""Sentence spans and passages: verbatim slices, within the model's limit."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from consistency.index.embed import MAX_TOKENS, shared_model
from consistency.ingest.chunk import MAX_PASSAGE_TOKENS, passage_spans
from consistency.text.sentences import sentence_spans

from .conftest import CORPUS


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_abbreviations_initials_and_decimals_do_not_end_sentences():
    text = (
        "Pentagon press secretary Maj. Gen. Pat Ryder spoke. The U.S. Defense Department said 2.2 "
        "billion. J. Smith agreed."
    )
    assert sentences(text) == [
        "Pentagon press secretary Maj. Gen. Pat Ryder spoke.",
        "The U.S. Defense Department said 2.2 billion.",
        "J. Smith agreed.",
    ]


def test_quotes_close_sentences_and_paragraphs_always_break():
    text = "“It helps us,” he said. “We win.” Then more\nA heading\nNext line."
    assert sentences(text) == ["“It helps us,” he said.", "“We win.”", "Then more", "A heading", "Next line."]


def test_passages_of_the_corpus_are_verbatim_and_fit_the_model():
    model = shared_model()
    text = next(CORPUS.glob("002_*.txt")).read_text(encoding="utf-8")
    spans = passage_spans(text, model.count_tokens)
    assert spans == sorted(spans)
    for start, end in spans:
        piece = text[start:end]
        assert piece == piece.strip() and piece
        assert model.count_tokens(piece) <= MAX_TOKENS
    # Nothing but whitespace falls between passages.
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert not text[end:start].strip()


def test_a_sentence_longer_than_a_passage_is_cut_at_words():
    model = shared_model()
    text = " ".join(f"word{i}" for i in range(600)) + "."
    spans = passage_spans(text, model.count_tokens)
    assert len(spans) > 1
    assert all(model.count_tokens(text[s:e]) <= MAX_PASSAGE_TOKENS for s, e in spans)
    assert " ".join(text[s:e] for s, e in spans) == text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=600))
def test_sentence_and_passage_spans_never_crash_and_stay_inside_the_text(text):
    for start, end in sentence_spans(text):
        assert 0 <= start < end <= len(text)
    for start, end in passage_spans(text, lambda s: len(s.split()) + 2):
        assert 0 <= start < end <= len(text)
