"""The baseline the eval harness compares our pipeline with: plain
llama-index `CitationQueryEngine`, default prompts, over the same Chroma
passages, the same MiniLM vectors and the same LLM backend.

Only the components are shared, so a difference in the scores is what our
pipeline adds (hybrid retrieval, code-decided numbers and conflicts,
validated prose), not a different model or store. The engine never abstains
or flags conflicts itself: its answers are `answered` with no claims, and
the harness judges abstention from the text alike for both systems.

llama-index costs ~1.7 s to import: it is imported on first use, never when
this module is.

    baseline = Baseline(checker)
    answer = baseline.ask("How many drones were used in the record overnight attack?")
"""

from __future__ import annotations

import math
import re
import time
from functools import cache, cached_property
from typing import TYPE_CHECKING

from ..checker import validate_question
from ..index.embed import BATCH_SIZE, MODEL_NAME, MiniLM
from ..index.store import passage_from_metadata
from ..llm.backends import LLM, LLMUnavailable, Message
from ..models import Answer, Citation, Passage, Source, Timings

if TYPE_CHECKING:
    from ..checker import Checker

NUM_OUTPUT = 256  # tokens the engine reserves for the answer; also our max_tokens

# CitationQueryEngine rewrites each chunk it shows the LLM as
# "Source <n>:\n<chunk>\n"; the answer cites it as [n].
_SOURCE_LABEL = re.compile(r"Source (\d+):\n(.*)\n", re.DOTALL)


class Baseline:
    """Answers a question the plain llama-index way. Raises LLMUnavailable
    (one line) when the checker has no LLM: the engine cannot answer without one."""

    def __init__(self, checker: Checker, top_k: int | None = None):
        self.checker = checker
        self.top_k = top_k or checker.settings.top_k
        llm = checker.open_llm()
        if llm is None:
            problem = (checker.llm_problem or "the LLM backend is none").splitlines()[0]
            raise LLMUnavailable(f"the CitationQueryEngine baseline needs an LLM: {problem}")
        self.llm: LLM = llm

    @cached_property
    def engine(self):
        """The CitationQueryEngine, built on first use (imports llama-index)."""
        from llama_index.core import VectorStoreIndex
        from llama_index.core.query_engine import CitationQueryEngine

        embedding = _embedding_class()(self.checker.model, model_name=MODEL_NAME, embed_batch_size=BATCH_SIZE)
        index = VectorStoreIndex.from_vector_store(self.checker.store.vectors, embed_model=embedding)
        llm = _llm_class()(self.llm, context_window=self.checker.settings.llm.n_ctx, num_output=NUM_OUTPUT)
        return CitationQueryEngine.from_args(index, llm=llm, similarity_top_k=self.top_k)

    def retrieve(self, question: str) -> list[Passage]:
        """The passages the engine's retriever finds, best first; `score` is
        the cosine similarity, comparable with our retriever's."""
        from llama_index.core import QueryBundle

        return [_as_passage(node) for node in self.engine.retrieve(QueryBundle(validate_question(question)))]

    def ask(self, question: str) -> Answer:
        """The engine's answer, with one verified citation per numbered source."""
        from llama_index.core import QueryBundle

        started = time.perf_counter()
        query = QueryBundle(validate_question(question))
        # retrieve + synthesize is the engine's own query(), split to time each step.
        nodes = self.engine.retrieve(query)
        retrieved = time.perf_counter()
        response = self.engine.synthesize(query, nodes)
        done = time.perf_counter()
        return Answer(
            question=query.query_str,
            status="answered",
            answer=(response.response or "").strip(),
            citations=self._citations(response.source_nodes),
            timings=Timings(retrieve=retrieved - started, generate=done - retrieved, total=done - started),
        )

    def _citations(self, source_nodes) -> list[Citation]:
        sources = self.checker.store.sources([n.node.metadata.get("source_id", "") for n in source_nodes])
        located = (_citation(n.node, sources) for n in source_nodes)
        return [citation for citation in located if citation is not None]


def _citation(node, sources: dict[str, Source]) -> Citation | None:
    """The chunk the engine showed as "Source n", found verbatim in its
    stored source inside the passage it came from. None when it is not
    there: a span is never guessed."""
    label = _SOURCE_LABEL.fullmatch(node.get_content())
    source = sources.get(node.metadata.get("source_id", ""))
    if label is None or source is None or not label[2]:
        return None
    chunk = label[2]
    start = source.text.find(chunk, node.metadata.get("start", 0), node.metadata.get("end", len(source.text)))
    if start < 0:
        return None
    return Citation(
        id=int(label[1]),
        source=source.id,
        title=source.title,
        quote=chunk,
        start=start,
        end=start + len(chunk),
        outlet=source.outlet,
        published=source.published,
    )


def _as_passage(scored) -> Passage:
    passage = passage_from_metadata(scored.node.node_id, scored.node.get_content(), scored.node.metadata)
    # llama-index's Chroma store reports exp(-distance); Chroma's distance is 1 - cosine.
    passage.score = 1.0 + math.log(scored.score) if scored.score else 0.0
    return passage


# ---- llama-index adapters -------------------------------------------------------
# Defined on first use: subclassing needs llama-index imported.


@cache
def _embedding_class():
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class MiniLMEmbedding(BaseEmbedding):
        """Our MiniLM for llama-index. Queries and passages are embedded the
        same way (no query prefix), exactly as our retriever and ingest do."""

        _model: MiniLM = PrivateAttr()

        def __init__(self, model: MiniLM, **fields):
            super().__init__(**fields)
            self._model = model

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._model.embed_one(query).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._model.embed_one(text).tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._model.embed(texts).tolist()

    return MiniLMEmbedding


@cache
def _llm_class():
    from llama_index.core.base.llms.types import (
        ChatMessage,
        ChatResponse,
        CompletionResponse,
        LLMMetadata,
        MessageRole,
    )
    from llama_index.core.llms import CustomLLM
    from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
    from pydantic import PrivateAttr

    roles = {MessageRole.SYSTEM: "system", MessageRole.ASSISTANT: "assistant"}

    class ConsistencyLLM(CustomLLM):
        """Our LLM (local llama.cpp, OpenAI or a compatible server) for
        llama-index. A chat model: the engine's prompt goes to the backend
        as a user message, under the model's own chat template."""

        context_window: int
        num_output: int
        _llm: LLM = PrivateAttr()

        def __init__(self, llm: LLM, **fields):
            super().__init__(**fields)
            self._llm = llm

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(
                context_window=self.context_window,
                num_output=self.num_output,
                is_chat_model=True,
                model_name=self._llm.label,
            )

        def _reply(self, messages: list[Message]) -> str:
            return self._llm.chat(messages, max_tokens=self.num_output).text

        @llm_chat_callback()
        def chat(self, messages: list[ChatMessage], **kwargs) -> ChatResponse:
            ours = [Message(role=roles.get(m.role, "user"), content=m.content or "") for m in messages]
            return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=self._reply(ours)))

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs) -> CompletionResponse:
            return CompletionResponse(text=self._reply([Message(role="user", content=prompt)]))

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs):
            # The engine does not stream (streaming=False); one piece suffices.
            yield self.complete(prompt, formatted=formatted, **kwargs)

    return ConsistencyLLM
