"""Answer -> the same answer in the LLM's words, validated.

The LLM gets the question, the numbered evidence (the verified citations)
and the facts code decided (claims, conflicts), and writes a short answer
with [n] markers. validate.py checks it; the code-written conflict
paragraphs are appended whatever the model wrote, so it cannot remove or
soften a conflict. Status, claims, conflicts and citations never change.
"""

from __future__ import annotations

from ..models import Answer, Generation
from .backends import LLM, LLMUnavailable, Message, TokenCallback
from .prompts import load
from .validate import validate

MAX_ANSWER_TOKENS = 160


def write_answer(answer: Answer, llm: LLM, on_token: TokenCallback | None = None) -> Answer:
    system, user = load("answer.system"), load("answer.user")
    generation = Generation(backend=llm.backend, model=llm.model, prompt=user.label, status="skipped")
    if answer.status == "not_found" or not answer.citations:
        # Code found no answer: the model is not asked to find one.
        return answer.model_copy(update={"llm": generation})
    messages = [
        Message(role="system", content=system.fill()),
        Message(
            role="user", content=user.fill(question=answer.question, evidence=evidence(answer), facts=facts(answer))
        ),
    ]
    try:
        draft = llm.chat(messages, max_tokens=MAX_ANSWER_TOKENS, on_token=on_token).text
    except LLMUnavailable as error:
        return answer.model_copy(
            update={"llm": generation.model_copy(update={"status": "unavailable", "note": str(error)})}
        )
    checked = validate(draft, answer.citations, answer.facts_text, conflict=bool(answer.conflicts))
    note = "; ".join(checked.problems) or None
    if checked.status == "rejected":
        rejected = generation.model_copy(update={"status": "rejected", "note": note, "draft": draft})
        return answer.model_copy(update={"llm": rejected})
    text = "\n\n".join(part for part in (checked.text, answer.facts_text) if part)
    done = generation.model_copy(
        update={"status": checked.status, "note": note, "draft": draft if checked.problems else None}
    )
    return answer.model_copy(update={"answer": text, "llm": done})


def evidence(answer: Answer) -> str:
    # Titles are left out: prompt tokens cost ~50 ms each on 2 cores.
    return "\n".join(f"[{c.id}] {c.quote}" for c in answer.citations)


def facts(answer: Answer) -> str:
    """What code established, in as few tokens as will do: the model needs
    the sides of each conflict, not the reasoning behind it."""
    lines = []
    for conflict in answer.conflicts:
        lines.append(f"The sources disagree: {conflict.sides_text(' versus ')}.")
    return "\n".join(lines) or "No conflict between the sources."
