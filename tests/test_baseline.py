"""The CitationQueryEngine baseline with real parts: the bundled corpus in a
Chroma store on disk, the ONNX MiniLM, and SmolLM2-135M through our local
backend. SmolLM2's answers are poor; what is checked is what the baseline
itself guarantees: the engine searches our vectors as our retriever does,
and every citation is the engine's numbered source, verbatim in its source."""

from __future__ import annotations

import subprocess
import sys

import pytest

from consistency.eval.baseline import Baseline
from consistency.llm.backends import LLMUnavailable
from tests.conftest import with_llm

DRONES = "How many drones were used in the record overnight attack?"


@pytest.fixture(scope="module")
def baseline(corpus_checker, smollm_path) -> Baseline:
    # Three sources keep SmolLM's prompt short (the engine's own default is the checker's top_k).
    return Baseline(with_llm(corpus_checker, backend="local", model_path=smollm_path, n_ctx=2048), top_k=3)


@pytest.fixture(scope="module")
def answer(baseline):
    return baseline.ask(DRONES)


def test_importing_the_baseline_leaves_llama_index_unimported():
    code = "import sys, consistency.eval.baseline; print('llama_index.core' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("llm", [{"backend": "none"}, {"backend": "local", "model_path": "/nonexistent/model.gguf"}])
def test_without_a_working_llm_the_baseline_refuses_in_one_line(corpus_checker, llm):
    with pytest.raises(LLMUnavailable) as raised:
        Baseline(with_llm(corpus_checker, **llm))
    message = str(raised.value)
    assert message.startswith("the CitationQueryEngine baseline needs an LLM: ") and "\n" not in message


@pytest.mark.slow
def test_the_engine_searches_our_vectors_as_our_retriever_does(baseline, corpus_checker):
    ours = corpus_checker.store.nearest(corpus_checker.model.embed_one(DRONES), baseline.top_k)
    theirs = baseline.retrieve(DRONES)
    assert [p.id for p in theirs] == [p.id for p in ours]
    # Equal cosines: the engine embedded the question exactly as we do.
    assert [round(p.score, 5) for p in theirs] == [round(p.score, 5) for p in ours]
    # The nodes llama-index reads back are our passages, text and span.
    assert [(p.source_id, p.start, p.end, p.text) for p in theirs] == [
        (p.source_id, p.start, p.end, p.text) for p in ours
    ]


@pytest.mark.slow
def test_the_answer_is_the_engines_text_with_no_judgement_of_its_own(answer):
    assert answer.answer.strip() and answer.question == DRONES
    assert answer.status == "answered" and not answer.claims and not answer.conflicts
    assert answer.timings.total >= answer.timings.generate > 0


@pytest.mark.slow
def test_every_citation_is_a_verbatim_span_of_its_source(answer, corpus_checker):
    assert answer.citations
    for citation in answer.citations:
        source = corpus_checker.source(citation.source)
        assert citation.quote == source.text[citation.start : citation.end]
        assert citation.title == source.title


@pytest.mark.slow
def test_citations_are_numbered_as_the_engine_numbered_its_sources(answer, baseline):
    # Each passage fits one 512-token citation chunk, so Source n is the n-th passage retrieved.
    retrieved = baseline.retrieve(DRONES)
    assert [c.id for c in answer.citations] == list(range(1, len(retrieved) + 1))
    assert [(c.source, c.start, c.end) for c in answer.citations] == [(p.source_id, p.start, p.end) for p in retrieved]


@pytest.mark.slow
def test_chunks_smaller_than_a_passage_are_located_inside_it(baseline):
    """With citation chunks smaller than passages the engine numbers several
    overlapping pieces per passage; each is found verbatim within its own passage."""
    from llama_index.core import QueryBundle
    from llama_index.core.node_parser import SentenceSplitter

    engine = baseline.engine
    nodes = engine.retrieve(QueryBundle(DRONES))
    default_splitter, engine.text_splitter = engine.text_splitter, SentenceSplitter(chunk_size=24, chunk_overlap=6)
    try:
        numbered = engine._create_citation_nodes(nodes)
    finally:
        engine.text_splitter = default_splitter
    assert len(numbered) > len(nodes)
    citations = baseline._citations(numbered)
    assert [c.id for c in citations] == list(range(1, len(numbered) + 1))
    spans = {(n.node.metadata["source_id"], n.node.metadata["start"], n.node.metadata["end"]) for n in nodes}
    for citation in citations:
        assert any(s == citation.source and lo <= citation.start < citation.end <= hi for s, lo, hi in spans)


@pytest.mark.slow
def test_by_default_the_engine_retrieves_as_many_passages_as_our_pipeline(corpus_checker, smollm_path):
    checker = with_llm(corpus_checker, backend="local", model_path=smollm_path, n_ctx=2048)
    assert len(Baseline(checker).retrieve(DRONES)) == checker.settings.top_k == 8
