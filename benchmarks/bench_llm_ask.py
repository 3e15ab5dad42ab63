"""`ask` with an LLM over 10 questions on the bundled corpus: p50 and p95.

    python benchmarks/bench_llm_ask.py [--llm local] [--model-path FILE] [--cold]

Each question is asked in one warm process (the CLI's cost is that plus
start-up, printed separately with --cold: a fresh process per question, as
`consistency ask` runs). Prints per-question timings, the LLM's status and
the figures for BENCHMARKS.md. Run it on an idle machine: llama.cpp on 2
cores slows down sharply when anything else holds a core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from consistency import Checker
from consistency.config import LLMSettings, Settings

QUESTIONS = [
    "How many drones were used in the record overnight attack?",
    "How many missiles did Russia launch in the record attack?",
    "How many people were killed in the attack on Kyiv?",
    "What kind of missile hit Dnipro?",
    "How many North Korean troops are in Russia?",
    "How many Patriot systems does Ukraine want?",
    "How many drones did Ukraine shoot down?",
    "What range does the Oreshnik missile have?",
    "How many Russian soldiers die each day?",
    "How many tanks did Canada send to Mars?",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--llm", default="local")
    parser.add_argument("--model-path", type=Path)
    parser.add_argument("--cold", action="store_true", help="also time a fresh `consistency ask` process per question")
    args = parser.parse_args()
    store = Path(tempfile.mkdtemp(prefix="bench-llm-")) / "store"
    llm = LLMSettings.from_env(backend=args.llm, model_path=args.model_path)
    checker = Checker(settings=Settings.from_env(store).model_copy(update={"llm": llm}))
    checker.ingest_bundled_corpus()
    started = time.perf_counter()
    checker.open_llm()
    print(f"model: {checker.llm_description()}  (opened in {time.perf_counter() - started:.1f} s)")
    totals, generates = [], []
    for question in QUESTIONS:
        answer = checker.ask(question)
        t = answer.timings
        totals.append(t.total)
        if answer.llm and answer.llm.status in ("verified", "repaired", "rejected"):
            generates.append(t.generate)
        status = answer.llm.status if answer.llm else "-"
        print(
            f"{t.total:6.1f} s  (retrieve {t.retrieve:.2f}, extract {t.extract:.2f}, generate "
            f"{t.generate:.1f})  {answer.status:9} llm {status:9} {question}"
        )
    print(f"\nwarm process, all 10: p50 {statistics.median(totals):.1f} s, p95 {percentile(totals, 0.95):.1f} s")
    if generates:
        print(
            f"questions the LLM wrote ({len(generates)}): p50 {statistics.median(generates):.1f} s, p95 "
            f"{percentile(generates, 0.95):.1f} s of generation"
        )
    if args.cold:
        cold = []
        for question in QUESTIONS:
            command = [
                sys.executable,
                "-m",
                "consistency",
                "ask",
                question,
                "--store",
                str(store),
                "--llm",
                args.llm,
                "--json",
            ]
            if args.model_path:
                command += ["--model-path", str(args.model_path)]
            began = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True, check=True)
            cold.append(time.perf_counter() - began)
            print(f"{cold[-1]:6.1f} s  fresh process  {json.loads(result.stdout)['status']:9} {question}")
        print(
            f"\nfresh `consistency ask` per question: p50 {statistics.median(cold):.1f} s, p95 "
            f"{percentile(cold, 0.95):.1f} s"
        )


if __name__ == "__main__":
    main()
