"""Schema-guided decoding for the local model: the reply's fixed parts are
fed to the model, only its values are generated.

A grammar-constrained reply such as {"answers": true, "sentences": [1],
"answer": "500 drones"} costs one decoding step per token, and most of its
tokens are keys and punctuation that the schema fixes. On 2 CPU cores a
step costs about 0.1 s, while feeding the same tokens in one batch costs a
fraction of that. So for the flat schemas the readers and the judge use
(booleans, integers, enums, strings, arrays of integers, every property
required) the JSON is written here, key by key, and the model is asked
only for what it decides, greedily, over the tokens the value's type
allows. The reply is JSON the schema accepts. Any other schema is left to
llama.cpp's grammar (`Guide.supports` says which).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_DIGITS = 6
Value = bool | int | str | list[int]


class Guide:
    """Writes schema-shaped replies with one llama-cpp-python `Llama`."""

    def __init__(self, llama: Any):
        self.llama = llama
        self.n_vocab = llama.n_vocab()
        self.digits = {self._first(str(d)): d for d in range(10)}
        self.commas = {self._first(t) for t in (",", " ,", ", ")}
        self.closers = {self._first(t) for t in ("]", " ]", "],", "]}")}
        self.logits = np.zeros(self.n_vocab, dtype=np.single)
        self.budget = 0
        # Fixed text waits here until the model must decide, so that it is
        # tokenized as one piece ("]," is one token, not two).
        self.pending = ""

    @staticmethod
    def supports(schema: dict) -> bool:
        """A flat object whose properties are all required and of a type
        written here."""
        properties = schema.get("properties") or {}
        if schema.get("type") != "object" or not properties:
            return False
        if set(schema.get("required") or []) != set(properties):
            return False
        return all(_kind(spec) is not None for spec in properties.values())

    def reply(
        self, prompt: list[int], schema: dict, max_tokens: int, on_token: Callable[[str], None] | None = None
    ) -> str:
        """The JSON reply to `prompt` (tokens of the formatted chat)."""
        self.budget = max_tokens
        self.pending = ""
        self._start(prompt)
        values: dict[str, Value] = {}
        properties = list(schema["properties"].items())
        for index, (key, spec) in enumerate(properties):
            opening = ("{" if index == 0 else ", ") + json.dumps(key) + ":"
            self._feed_text(opening)
            last = index == len(properties) - 1
            values[key] = self._value(spec, last)
        text = json.dumps(values, ensure_ascii=False)
        if on_token:
            on_token(text)
        return text

    # ---- one value per type -------------------------------------------------

    def _value(self, spec: dict, last: bool) -> Value:
        kind = _kind(spec)
        if kind == "boolean":
            return self._choose([" true", " false"], last) == " true"
        if kind == "enum":
            return json.loads(self._choose([" " + json.dumps(v) for v in spec["enum"]], last))
        if kind == "integer":
            self._feed_text(" ")
            return self._integer(self.commas | {self._first("}")}) or 0
        if kind == "integers":
            return self._integers(spec.get("maxItems"))
        return self._string(spec.get("maxLength"), last)

    def _choose(self, options: list[str], last: bool) -> str:
        """The option whose tokens the model prefers, token by token."""
        tokenized = {option: self._tokens(option) for option in options}
        live = list(options)
        position = 0
        while len(live) > 1:
            candidates = {tokenized[o][position] for o in live if position < len(tokenized[o])}
            if not candidates:
                break
            self._flush()
            best = max(candidates, key=lambda token: self.logits[token])
            live = [o for o in live if position < len(tokenized[o]) and tokenized[o][position] == best]
            if len(live) == 1:
                break
            self._feed([best])  # a prefix the options share
            position += 1
        chosen = live[0]
        if not last:
            self._feed(tokenized[chosen][position:])
        return chosen

    def _integer(self, ends: set[int]) -> int | None:
        """Digits until the model would write something else (a comma, a
        bracket); None when it writes no digit at all."""
        digits = ""
        while len(digits) < MAX_DIGITS and self.budget > 0:
            allowed = set(self.digits) | (ends if digits else set())
            token = self._pick(allowed)
            if token not in self.digits:
                break
            digits += str(self.digits[token])
            self._feed([token])
        return int(digits) if digits else None

    def _integers(self, max_items: int | None) -> list[int]:
        # An empty array is one token of its own (" []"), which the model
        # could not choose after " [" had been written for it.
        if self._choose([" []", " ["], last=False) == " []":
            return []
        items: list[int] = []
        while self.budget > 0 and (max_items is None or len(items) < max_items):
            if not items and self._pick(set(self.digits) | self.closers) in self.closers:
                break
            number = self._integer(self.commas | self.closers)
            if number is None:
                break
            items.append(number)
            if self._pick(self.commas | self.closers) in self.closers:
                break
            self._feed_text(", ")
        self._feed_text("]")
        return items

    def _string(self, max_length: int | None, last: bool) -> str:
        if self._choose([' ""', ' "'], last=False) == ' ""':
            return ""
        written = b""
        eog = self._end_of_generation
        while self.budget > 0:
            self._flush()
            self.budget -= 1
            token = int(np.argmax(self.logits))
            if eog(token):
                break
            piece = self.llama.detokenize([token])
            if b'"' in piece:
                written += piece[: piece.index(b'"')]
                break
            written += piece
            if max_length is not None and len(written.decode("utf-8", "ignore")) >= max_length:
                break
            self._feed([token])
        text = written.decode("utf-8", "ignore").rstrip("\\")
        text = text[:max_length] if max_length is not None else text
        if not last:
            self._feed_text('"')
        return text

    # ---- the model's state ------------------------------------------------------

    def _start(self, prompt: list[int]) -> None:
        """Evaluates the prompt, reusing what the model already holds of it
        (the cached system prompt, the question shared by several calls)."""
        llama = self.llama
        held = llama.input_ids[: llama.n_tokens].tolist()
        common = 0
        for mine, theirs in zip(held, prompt, strict=False):
            if mine != theirs:
                break
            common += 1
        llama.n_tokens = min(common, len(prompt) - 1)  # at least one token to read logits from
        self._evaluate(prompt[llama.n_tokens :])

    def _pick(self, allowed: set[int]) -> int:
        self._flush()
        self.budget -= 1
        ids = np.fromiter(allowed, dtype=np.intc)
        return int(ids[np.argmax(self.logits[ids])])

    def _feed_text(self, text: str) -> None:
        self.pending += text

    def _feed(self, tokens: list[int]) -> None:
        self._flush()
        self._evaluate(tokens)

    def _flush(self) -> None:
        if self.pending:
            tokens, self.pending = self._tokens(self.pending), ""
            self._evaluate(tokens)

    def _evaluate(self, tokens: list[int]) -> None:
        if not tokens:
            return
        self.llama.eval(tokens)
        pointer = self.llama._ctx.get_logits_ith(-1)
        self.logits = np.ctypeslib.as_array(pointer, shape=(self.n_vocab,)).copy()

    def _tokens(self, text: str) -> list[int]:
        return list(self.llama.tokenize(text.encode(), add_bos=False, special=False))

    def _first(self, text: str) -> int:
        return self._tokens(text)[0]

    def _end_of_generation(self, token: int) -> bool:
        import llama_cpp

        return bool(llama_cpp.llama_vocab_is_eog(self.llama._model.vocab, token))


def _kind(spec: dict) -> str | None:
    kind = spec.get("type")
    if "enum" in spec and kind == "string" and all(isinstance(v, str) for v in spec["enum"]):
        return "enum"
    if kind in ("boolean", "integer", "string"):
        return kind
    if kind == "array" and (spec.get("items") or {}).get("type") == "integer" and not spec.get("minItems"):
        return "integers"
    return None
