"""LLM backends behind one small interface: `chat(messages) -> Completion`.

- `local`: llama-cpp-python in this process, with the default GGUF from its
  PyPI parts (model_files.py) or any GGUF given by path;
- `openai`: api.openai.com with OPENAI_API_KEY;
- `openai-compatible`: any server speaking the OpenAI chat API (vLLM,
  Ollama, llama.cpp's server) at a base URL;
- `none`: no LLM; answers stay extractive.

The model never decides a fact. It writes prose around facts that code
found (write.py) and reads one passage at a time for extraction
(llm_claims.py); code validates everything it returns.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import json
import os
import pickle
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel

from ..config import LLMSettings, cache_dir
from ..errors import ConsistencyError
from .guided import Guide
from .model_files import DEFAULT_MODEL_NAME, default_model_path, parts_installed

TokenCallback = Callable[[str], None]
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


class LLMUnavailable(ConsistencyError):
    """The chosen backend cannot start or answer; the message says why in one line."""


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class Completion(BaseModel):
    text: str
    seconds: float


class LLM(ABC):
    backend: str
    model: str

    @property
    def label(self) -> str:
        return f"{self.backend}:{self.model}"

    @abstractmethod
    def chat(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        schema: dict | None = None,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        """Greedy completion. With `schema`, the reply is JSON matching it
        (grammar-constrained where the backend supports it)."""


# ---- local: llama-cpp-python --------------------------------------------------

_LOADED: dict[tuple[str, int], Any] = {}
_LOAD_LOCK = threading.Lock()


@atexit.register
def _close_models() -> None:
    # Freed while the interpreter still works: llama-cpp-python's own
    # finalizers fail noisily during shutdown.
    for llama in _LOADED.values():
        llama.close()
    _LOADED.clear()


class LocalLLM(LLM):
    backend = "local"

    def __init__(self, model_path: Path, model_name: str | None = None, n_ctx: int = 4096, threads: int | None = None):
        _require_llama_cpp()
        self.path = Path(model_path)
        if not self.path.is_file():
            raise LLMUnavailable(f"no model file at {self.path}")
        self.model = model_name or self.path.stem
        self.n_ctx = n_ctx
        self.threads = threads or max(1, os.cpu_count() or 1)
        # One generation at a time: two on 2 cores are each slower than one after the other.
        self._lock = threading.Lock()
        self._prefixes: dict[str, list[int]] = {}
        self._guide_instance: Guide | None = None
        self._llama = self._load()

    def _load(self):
        import llama_cpp

        key = (str(self.path.resolve()), self.n_ctx)
        with _LOAD_LOCK:
            if key not in _LOADED:
                try:
                    _LOADED[key] = llama_cpp.Llama(
                        model_path=str(self.path),
                        n_ctx=self.n_ctx,
                        n_threads=self.threads,
                        n_batch=512,
                        seed=0,
                        verbose=False,
                    )
                except (ValueError, RuntimeError, OSError) as error:
                    raise LLMUnavailable(
                        f"cannot load the model {self.path.name}: {str(error).splitlines()[0]}"
                    ) from None
            return _LOADED[key]

    def chat(self, messages, *, max_tokens=256, schema=None, on_token=None) -> Completion:
        started = time.perf_counter()
        response_format = {"type": "json_object", "schema": schema} if schema else None
        with self._lock:
            if messages and messages[0].role == "system":
                self._prime(messages[0])
            if schema and Guide.supports(schema):
                text = self._guide().reply(self._prompt_tokens(messages), schema, max_tokens, on_token)
                return Completion(text=text, seconds=time.perf_counter() - started)
            stream = self._llama.create_chat_completion(
                messages=cast(Any, [m.model_dump() for m in messages]),
                max_tokens=max_tokens,
                temperature=0.0,
                response_format=response_format,
                stream=True,
            )
            text = _collect(stream, on_token)
        return Completion(text=text, seconds=time.perf_counter() - started)

    def _prime(self, system: Message) -> None:
        """Puts the system prompt's state in the model before the call.

        Prompt tokens cost ~20/s on 2 cores here, and the system prompt is
        the same every time: its evaluated state is saved to disk once and
        loaded in 0.4 s by later processes. llama.cpp then reuses that prefix
        and evaluates only the question and evidence."""
        tokens = self._prefix_tokens(system.content)
        if not tokens or self._llama._input_ids.tolist()[: len(tokens)] == tokens:
            return
        key = hashlib.sha256(
            f"{self.path.resolve()}:{self.path.stat().st_size}:{self.n_ctx}:{system.content}".encode()
        ).hexdigest()[:24]
        state_file = cache_dir() / "prefix-states" / f"{key}.pickle"
        try:
            if state_file.is_file():
                self._llama.load_state(pickle.loads(state_file.read_bytes()))
                return
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            state_file.unlink(missing_ok=True)  # a broken cache entry is rebuilt below
        self._llama.reset()
        self._llama.eval(tokens)
        try:
            state_file.parent.mkdir(parents=True, exist_ok=True)
            partial = state_file.with_name(f"{state_file.name}.{os.getpid()}")
            partial.write_bytes(pickle.dumps(self._llama.save_state()))
            partial.replace(state_file)
        except OSError:
            pass  # no cache: the next process evaluates the prefix again

    def _prefix_tokens(self, system_text: str) -> list[int]:
        """The tokens every chat with this system prompt starts with, found by
        formatting two chats with the model's own template."""
        if system_text not in self._prefixes:
            formatter = self._formatter()
            if formatter is None:
                self._prefixes[system_text] = []
                return []
            system = {"role": "system", "content": system_text}
            chats: list[Any] = [[system, {"role": "user", "content": text}] for text in ("A", "B")]
            one, two = (formatter(messages=chat).prompt for chat in chats)
            prefix = os.path.commonprefix([one, two])  # noqa: RUF071 - a common string prefix, not a path
            self._prefixes[system_text] = self._tokenize_prompt(prefix)
        return self._prefixes[system_text]

    def _prompt_tokens(self, messages: list[Message]) -> list[int]:
        """The whole chat, formatted and tokenized as llama-cpp-python's chat
        handler does, ready for the model's reply."""
        formatter = self._formatter()
        if formatter is None:
            raise LLMUnavailable(f"the model {self.path.name} has no chat template")
        return self._tokenize_prompt(formatter(messages=[m.model_dump() for m in messages]).prompt)

    def _tokenize_prompt(self, prompt: str) -> list[int]:
        return self._llama.tokenize(prompt.encode(), add_bos=False, special=True)

    def _formatter(self):
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = self._llama.metadata.get("tokenizer.chat_template")
        if not template:
            return None
        model = self._llama._model
        eos = model.token_get_text(self._llama.token_eos()) if self._llama.token_eos() != -1 else ""
        bos = model.token_get_text(self._llama.token_bos()) if self._llama.token_bos() != -1 else ""
        return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)

    def _guide(self) -> Guide:
        if self._guide_instance is None:
            self._guide_instance = Guide(self._llama)
        return self._guide_instance


def _collect(stream, on_token: TokenCallback | None) -> str:
    pieces = []
    for chunk in stream:
        choices = chunk.get("choices") if isinstance(chunk, dict) else chunk.choices
        if not choices:
            continue
        delta = choices[0]["delta"] if isinstance(choices[0], dict) else choices[0].delta
        piece = (delta.get("content") if isinstance(delta, dict) else delta.content) or ""
        if piece:
            pieces.append(piece)
            if on_token:
                on_token(piece)
    return "".join(pieces)


# ---- remote: OpenAI and compatible servers ------------------------------------


class RemoteLLM(LLM):
    def __init__(self, backend: str, model: str, base_url: str | None, api_key: str, timeout: float, retries: int):
        import openai

        self.backend = backend
        self.model = model
        self.base_url = base_url or "https://api.openai.com/v1"
        # The client retries connection errors, 429 and 5xx with exponential
        # backoff; its default 600 s read timeout is far too patient for a CLI.
        self._client = openai.OpenAI(base_url=self.base_url, api_key=api_key, timeout=timeout, max_retries=retries)
        self._timeout = timeout
        self._schema_style = "json_schema"  # OpenAI's; some servers want json_object + schema

    def chat(self, messages, *, max_tokens=256, schema=None, on_token=None) -> Completion:
        import openai

        started = time.perf_counter()
        try:
            try:
                text = self._complete(messages, max_tokens, schema, on_token)
            except openai.APIStatusError as error:
                if not schema or self._schema_style != "json_schema" or "response_format" not in str(error.message):
                    raise
                # llama.cpp's server takes a schema only as json_object + schema.
                self._schema_style = "json_object"
                text = self._complete(messages, max_tokens, schema, on_token)
        except openai.AuthenticationError:
            raise LLMUnavailable(f"{self.backend}: the API key was refused by {self.base_url}") from None
        except openai.NotFoundError:
            raise LLMUnavailable(f"{self.backend}: model {self.model!r} not found at {self.base_url}") from None
        except openai.APITimeoutError:
            raise LLMUnavailable(f"{self.backend}: no reply from {self.base_url} within {self._timeout:g} s") from None
        except openai.APIConnectionError:
            raise LLMUnavailable(f"{self.backend}: cannot reach the LLM server at {self.base_url}") from None
        except openai.APIStatusError as error:
            raise LLMUnavailable(
                f"{self.backend}: the server answered HTTP {error.status_code}: {_first_line(error.message)}"
            ) from None
        return Completion(text=text, seconds=time.perf_counter() - started)

    def _complete(
        self, messages: list[Message], max_tokens: int, schema: dict | None, on_token: TokenCallback | None
    ) -> str:
        extra: dict[str, Any] = {}
        if schema and self._schema_style == "json_schema":
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "result", "schema": schema, "strict": True},
            }
        elif schema:
            extra["response_format"] = {"type": "json_object", "schema": schema}
        stream = self._client.chat.completions.create(
            model=self.model,
            messages=cast(Any, [m.model_dump() for m in messages]),
            max_tokens=max_tokens,
            temperature=0.0,
            stream=True,
            **extra,
        )
        return _collect(stream, on_token)


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:200] if text and text.strip() else "no detail"


# ---- choosing a backend ---------------------------------------------------------


def _require_llama_cpp() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        raise LLMUnavailable("the local LLM needs llama-cpp-python (pip install 'consistency[local]')")


def local_available(settings: LLMSettings) -> bool:
    has_runtime = importlib.util.find_spec("llama_cpp") is not None
    return has_runtime and (settings.model_path is not None or parts_installed())


def resolve_backend(settings: LLMSettings) -> str:
    """`auto` means the local model when it is installed, else none."""
    if settings.backend != "auto":
        return settings.backend
    return "local" if local_available(settings) else "none"


def open_llm(settings: LLMSettings, on_assemble: Callable[[int, int], None] | None = None) -> LLM | None:
    """The configured backend, ready to use; None for `none`. Raises
    LLMUnavailable with a one-line reason when it cannot start."""
    backend = resolve_backend(settings)
    if backend == "none":
        return None
    if backend == "local":
        if settings.model_path is not None:
            return LocalLLM(settings.model_path, n_ctx=settings.n_ctx, threads=settings.threads)
        _require_llama_cpp()  # before assembling a 1.1 GB file it could not run
        try:
            path = default_model_path(on_assemble)
        except ConsistencyError as error:
            raise LLMUnavailable(str(error)) from None
        return LocalLLM(path, model_name=DEFAULT_MODEL_NAME, n_ctx=settings.n_ctx, threads=settings.threads)
    if backend == "openai":
        key = settings.api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            raise LLMUnavailable("--llm openai needs OPENAI_API_KEY")
        return RemoteLLM(
            "openai", settings.model or DEFAULT_OPENAI_MODEL, settings.base_url, key, settings.timeout, settings.retries
        )
    if backend == "openai-compatible":
        if not settings.base_url:
            raise LLMUnavailable("--llm openai-compatible needs a base URL (--llm-url or CONSISTENCY_LLM_URL)")
        # Local servers ignore the key, but the client insists on one.
        key = settings.api_key or os.environ.get("OPENAI_API_KEY") or "not-needed"
        return RemoteLLM(
            "openai-compatible", settings.model or "default", settings.base_url, key, settings.timeout, settings.retries
        )
    raise LLMUnavailable(f"unknown LLM backend {backend!r}; choose local, openai, openai-compatible or none")


def parse_json(text: str) -> dict:
    """A schema-constrained reply; a reply that is not JSON is the model's
    failure, reported as such."""
    try:
        value = json.loads(text, strict=False)  # grammars may let raw newlines into strings
    except json.JSONDecodeError as error:
        raise ValueError(f"the model's reply is not JSON ({error.msg})") from None
    if not isinstance(value, dict):
        raise ValueError("the model's reply is not a JSON object")
    return value
