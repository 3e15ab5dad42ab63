"""Ingest and ask benchmark: prints figures, asserts nothing.

    python benchmarks/bench_ingest_ask.py                 # 5,000 synthetic articles
    python benchmarks/bench_ingest_ask.py --articles 200  # a quick check
    python benchmarks/bench_ingest_ask.py --json

In one process it measures:
  1. the ceiling: `MiniLM.embed` on the very passage texts ingest produces;
  2. `Checker.ingest` on the bundled corpus and on N generated news
     articles, as passages/s and as a share of that ceiling;
  3. warm `Checker.ask` latency (no LLM) on the resulting store;
  4. the process's peak RSS.
Everything goes through the product API; the store lives in a temp folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from consistency import Checker
from consistency.config import DEFAULT_MAX_FILE_MB, LLMSettings, Settings, bundled_path
from consistency.index.embed import MiniLM
from consistency.ingest.files import find_files
from consistency.ingest.read import read_file

TARGET_INGEST_SHARE = 80.0  # % of raw embedding throughput
TARGET_ASK_P50_MS = 100.0
TARGET_PEAK_RSS_MB = 1536.0

# ---- the synthetic corpus -------------------------------------------------

CITIES = [
    "Kharkiv",
    "Odesa",
    "Dnipro",
    "Lviv",
    "Zaporizhzhia",
    "Mykolaiv",
    "Kherson",
    "Sumy",
    "Poltava",
    "Chernihiv",
    "Vinnytsia",
    "Rivne",
    "Lutsk",
    "Uzhhorod",
    "Ternopil",
    "Cherkasy",
]
REGIONS = ["the north-east", "the southern coast", "the Donbas", "the western border", "the central plains"]
ACTORS = [
    ("Olena Marchenko", "the regional governor"),
    ("Taras Hrytsenko", "the mayor"),
    ("Iryna Bondar", "a spokeswoman for the emergency service"),
    ("Mark Ellison", "a NATO official"),
    ("Anna Kowalska", "Poland's deputy foreign minister"),
    ("Pieter de Vries", "a Dutch intelligence analyst"),
    ("Serhiy Lysenko", "the head of the air force"),
    ("Claire Dubois", "an EU energy commissioner"),
]
OUTLETS = ["Reuters", "the Associated Press", "local media", "state television", "the ministry"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

TOPICS = {
    "attack": {
        "titles": [
            "Russia launches {n} drones at {city} in overnight attack",
            "{city} hit by {n} drones and {m} missiles, officials say",
        ],
        "lead": [
            "Russia launched {n} drones and {m} missiles at {city} overnight on {weekday}, {date}, {outlet} reported.",
            "Air defences shot down {k} of the {n} drones sent towards {city} before dawn on {date}.",
        ],
        "detail": [
            "At least {dead} people were killed and {hurt} injured when debris struck a residential block.",
            "Firefighters worked for {hours} hours to put out fires at a warehouse and an energy substation.",
            "Power was cut to {homes} homes in {city} and the surrounding district.",
            "It was the largest attack on {city} since the start of the year, according to the air force.",
        ],
    },
    "energy": {
        "titles": [
            "{city} power plant repaired after {hours}-hour outage",
            "Blackouts hit {homes} homes across {region}",
        ],
        "lead": [
            "Engineers restored electricity to {homes} homes in {city} on {date} after a {hours}-hour outage.",
            "Grid operator Ukrenergo said on {weekday} that {pct} per cent of capacity in {region} had been damaged.",
        ],
        "detail": [
            "The company said repairs to the transformer at {city} would cost about {money} million euros.",
            "Hospitals in {city} switched to generators while crews replaced {k} damaged cables.",
            "Rolling blackouts of up to {shift} hours a day are planned for {region} until the spring.",
            "Imports from Poland and Slovakia covered {pct} per cent of the shortfall, officials said.",
        ],
    },
    "aid": {
        "titles": ["EU pledges {money} million euros in aid for {city}", "{count} aid convoys reach {region}"],
        "lead": [
            "The European Union pledged {money} million euros on {date} to rebuild schools and clinics in {city}.",
            "A convoy of {count} trucks carrying food and medicine reached {city} on {weekday}, {date}.",
        ],
        "detail": [
            "The money will pay for {k} new shelters and the repair of {count} schools, the commission said.",
            "About {pct} per cent of the aid is reserved for families displaced from {region}.",
            "Volunteers said {hurt} families in {city} were still waiting for heating supplies.",
            "Donors meeting in Warsaw agreed to review the programme again in {month}.",
        ],
    },
    "front": {
        "titles": [
            "Ukrainian forces retake village near {city}",
            "Fighting intensifies along {k}-kilometre front in {region}",
        ],
        "lead": [
            "Ukrainian troops recaptured a village {k} kilometres east of {city} on {date}, the general staff said.",
            "Russian forces mounted {count} assaults along the front in {region} on {weekday}, {outlet} reported.",
        ],
        "detail": [
            "Commanders said {dead} Russian soldiers were killed and {hurt} wounded in the fighting.",
            "The village had been occupied for {hours} days and about {homes} residents had left before it fell.",
            "Analysts said the advance gave Kyiv control of a road used to supply {city}.",
            "Artillery fire continued through the night, with {count} shells reported near the river.",
        ],
    },
}
GENERAL = [
    "\u201cWe will rebuild everything that was destroyed,\u201d said {actor}, {role}.",
    "{actor}, {role}, told reporters the figures were preliminary and could rise.",
    "{actor} said on {weekday} that partners had promised more help before {month}.",
    "The Kremlin did not comment on the reports, which could not be independently verified.",
    "Officials in {city} urged residents to stay close to shelters during air-raid alerts.",
    "The war has displaced about {pct} per cent of the population of {region}, according to the United Nations.",
    "Schools in {city} moved lessons online for {hours} days after the latest events.",
]


def article_cast(rng: random.Random) -> dict:
    """One article's place, people and date, shared by all its sentences."""
    actor, role = rng.choice(ACTORS)
    return {
        "city": rng.choice(CITIES),
        "region": rng.choice(REGIONS),
        "actor": actor,
        "role": role,
        "outlet": rng.choice(OUTLETS),
        "weekday": rng.choice(WEEKDAYS),
        "month": rng.choice(MONTHS),
        "date": f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2022, 2025)}",
    }


def sentence_numbers(rng: random.Random) -> dict:
    n = rng.randrange(40, 700)
    return {
        "n": n,
        "m": rng.randrange(2, 60),
        "k": rng.randrange(5, n),
        "dead": rng.randrange(1, 40),
        "hurt": rng.randrange(3, 120),
        "hours": rng.randrange(2, 72),
        "shift": rng.randrange(2, 12),
        "homes": f"{rng.randrange(1_000, 250_000):,}",
        "pct": rng.randrange(5, 80),
        "money": rng.randrange(5, 900),
        "count": rng.randrange(3, 60),
    }


def synthetic_article(rng: random.Random) -> str:
    """A title line, a blank line, 3-6 paragraphs of 1-3 sentences, 120-200 words."""
    topic = TOPICS[rng.choice(sorted(TOPICS))]
    while True:
        cast, headline = article_cast(rng), sentence_numbers(rng)  # the title and lead share their numbers
        title = rng.choice(topic["titles"]).format(**cast, **headline)
        sentences = [rng.choice(topic["lead"]).format(**cast, **headline)]
        for template in rng.sample(topic["detail"] + GENERAL, rng.randint(5, 10)):
            sentences.append(template.format(**cast, **sentence_numbers(rng)))
        paragraphs = split_into_paragraphs(sentences, rng)
        body = "\n\n".join(" ".join(p) for p in paragraphs)
        if 3 <= len(paragraphs) <= 6 and 120 <= len(body.split()) <= 200:
            return f"{title}\n\n{body}\n"


def split_into_paragraphs(sentences: list[str], rng: random.Random) -> list[list[str]]:
    paragraphs, rest = [], list(sentences)
    while rest:
        take = rng.randint(1, 3)
        paragraphs.append(rest[:take])
        rest = rest[take:]
    return paragraphs


def write_synthetic_corpus(folder: Path, articles: int, seed: int) -> Path:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for number in range(articles):
        (folder / f"article_{number:05d}.txt").write_text(synthetic_article(rng), encoding="utf-8")
    return folder


QUESTIONS = [
    # the synthetic corpus
    "How many drones did Russia launch at Kharkiv overnight?",
    "How many people were killed in the attack on Odesa?",
    "How many homes lost power in Dnipro?",
    "How much will the transformer repairs in Zaporizhzhia cost?",
    "How much aid did the European Union pledge for Mykolaiv?",
    "How many aid trucks reached Kherson?",
    "Which village near Sumy did Ukrainian forces retake?",
    "What did Olena Marchenko say about rebuilding?",
    "What share of capacity in the Donbas was damaged?",
    "How long did the power outage in Poltava last?",
    "How many Russian soldiers were killed near Chernihiv?",
    "What did Claire Dubois promise before winter?",
    "Where did the donors meet to review the aid programme?",
    # the bundled corpus
    "How many drones and missiles were used in the record overnight attack?",
    "What did Radek Sikorski say about Putin?",
    "Which governments said Russia used chemical weapons in Ukraine?",
    "What did Trump and Zelenskyy discuss on Friday?",
    "Which ballistic missile is Iran expected to send to Russia?",
    "Did the US say Russia's invasion of Ukraine had failed?",
    "What did James Rushton say about the Kremlin's troops?",
]

# ---- measurements ---------------------------------------------------------


class TimedMiniLM(MiniLM):
    """The product's model, adding up the time spent in `embed`, so that
    ingest's time splits into embedding and everything else."""

    def __init__(self) -> None:
        super().__init__()
        self.embed_seconds = 0.0
        self.embedded_texts = 0

    def embed(self, texts):
        start = time.perf_counter()
        try:
            return super().embed(texts)
        finally:
            self.embed_seconds += time.perf_counter() - start
            self.embedded_texts += len(texts)


def passage_texts(folder: Path, model: MiniLM) -> list[str]:
    """The passages ingest would embed, read by the ingest stage itself."""
    texts = []
    for candidate in find_files([folder]):
        read = read_file(candidate.path, candidate.path.stem, model.count_tokens, DEFAULT_MAX_FILE_MB)
        texts.extend(p.text for p in read.passages)
    return texts


def raw_embedding(texts: list[str], model: MiniLM) -> dict:
    wordpieces = sum(model.count_tokens(t) for t in texts)
    with stopwatch() as clock:
        model.embed(texts)
    seconds = clock["wall"]
    return {
        "passages": len(texts),
        "wordpieces": wordpieces,
        "seconds": seconds,
        "cores_used": clock["cores_used"],
        "passages_per_s": len(texts) / seconds,
        "wordpieces_per_s": wordpieces / seconds,
    }


def ingest(checker: Checker, folder: Path, raw: dict) -> dict:
    model = checker.model
    embed_seconds, embedded_texts = model.embed_seconds, model.embedded_texts
    with stopwatch() as clock:
        report = checker.ingest([folder])
    seconds = clock["wall"]
    if not report.ok:
        sys.exit(f"ingest failed: {report.failed[0].error}")
    passages = sum(f.chunks for f in report.files)
    embedding = model.embed_seconds - embed_seconds
    rate = passages / seconds
    return {
        "files": len(report.files),
        "passages": passages,
        "same_passages_as_raw": passages == raw["passages"],
        "seconds": seconds,
        "cores_used": clock["cores_used"],
        "passages_per_s": rate,
        "share_of_raw_pct": 100 * rate / raw["passages_per_s"],
        "embedding_s": embedding,
        "other_s": seconds - embedding,
        "texts_embedded": model.embedded_texts - embedded_texts,
    }


def ask_latency(checker: Checker, questions: list[str], repeats: int) -> dict:
    first_ask_ms = 1000 * timed(checker.ask, questions[0])  # builds the lexical index
    samples, statuses = [], {}
    embed_seconds = checker.model.embed_seconds
    for _ in range(repeats):
        for question in questions:
            start = time.perf_counter()
            answer = checker.ask(question)
            samples.append(1000 * (time.perf_counter() - start))
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
    percentiles = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "questions": len(questions),
        "repeats": repeats,
        "first_ask_ms": first_ask_ms,
        "p50_ms": percentiles[49],
        "p95_ms": percentiles[94],
        "max_ms": max(samples),
        "question_embedding_mean_ms": 1000 * (checker.model.embed_seconds - embed_seconds) / len(samples),
        "statuses": {k: v // repeats for k, v in sorted(statuses.items())},
    }


def start_up(store: Path, model: TimedMiniLM) -> tuple[Checker, float]:
    """Model session, store and write path loaded, so that the timed stages
    measure steady work rather than one-time imports."""
    start = time.perf_counter()
    model.embed(["warm-up"])
    checker = Checker(settings=without_llm(store), model=model)
    _ = checker.store.vectors  # opens Chroma and imports llama-index (the first write would)
    return checker, time.perf_counter() - start


def timed(function, *args) -> float:
    with stopwatch() as clock:
        function(*args)
    return clock["wall"]


@contextmanager
def stopwatch() -> Iterator[dict]:
    """Wall seconds of the block, and how many cores this process kept busy
    meanwhile (below the machine's count when others share the CPU)."""
    clock: dict = {}
    wall, cpu = time.perf_counter(), time.process_time()
    yield clock
    clock["wall"] = time.perf_counter() - wall
    clock["cores_used"] = (time.process_time() - cpu) / clock["wall"]


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


NO_LLM = "none (--llm none: the typed reader, whatever models the venv holds)"


def machine(llm_backend: str = NO_LLM) -> dict:
    """What a figure depends on: the machine, its load, the commit and the LLM backend."""
    return {
        "cores": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "code": code_version(),
        "llm_backend": llm_backend,
    }


def without_llm(store: Path) -> Settings:
    """Settings that pin the typed reader: in a venv with a local model,
    `Checker` would otherwise pick it (backend auto) and time the LLM."""
    return Settings.from_env(store).model_copy(update={"llm": LLMSettings.from_env(backend="none")})


def code_version() -> str:
    """The commit measured, and whether the product code had uncommitted
    changes (CONSISTENCY_BENCH_COMMIT names it when run from a copy without git)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1]
        ).stdout.strip()

    try:
        edited = git("status", "--porcelain", "--", "consistency")
        return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes in consistency/" if edited else "")
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("CONSISTENCY_BENCH_COMMIT", "unknown")


def run(articles: int, seed: int, repeats: int) -> dict:
    started = time.perf_counter()
    figures = {"machine": machine(), "articles": articles, "seed": seed}
    model = TimedMiniLM()
    with tempfile.TemporaryDirectory(prefix="bench-consistency-") as tmp:
        bundled = bundled_path("corpus")
        synthetic = write_synthetic_corpus(Path(tmp) / "synthetic", articles, seed)
        checker, figures["start_up_s"] = start_up(Path(tmp) / "store", model)
        progress("raw embedding")
        raw_bundled = raw_embedding(passage_texts(bundled, model), model)
        raw_synthetic = raw_embedding(passage_texts(synthetic, model), model)
        figures["raw_embedding"] = {"bundled": raw_bundled, "synthetic": raw_synthetic}
        progress("ingest")
        figures["ingest"] = {
            "bundled": ingest(checker, bundled, raw_bundled),
            "synthetic": ingest(checker, synthetic, raw_synthetic),
        }
        progress("ask")
        figures["ask"] = ask_latency(checker, QUESTIONS, repeats)
        figures["ask"]["store_passages"] = checker.status().passages
    figures["peak_rss_mb"] = peak_rss_mb()
    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    figures["total_s"] = time.perf_counter() - started
    return figures


# ---- output ---------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def print_report(f: dict) -> None:
    m = f["machine"]
    print(
        f"code {m['code']}; LLM {m['llm_backend']}; machine: {m['cores']} cores, "
        f"load average at start {m['load_average_at_start']}, end {f['load_average_at_end']}, "
        f"Python {m['python']}, {m['platform']}"
    )
    print(f"start-up (model session, store open, llama-index import): {f['start_up_s']:.1f} s")
    for corpus in ("bundled", "synthetic"):
        raw, ing = f["raw_embedding"][corpus], f["ingest"][corpus]
        label = "bundled corpus" if corpus == "bundled" else f"synthetic corpus ({f['articles']:,} articles)"
        print(f"\n{label}: {ing['files']:,} files, {raw['passages']:,} passages, {raw['wordpieces']:,} wordpieces")
        print(
            f"  raw embedding  {raw['passages_per_s']:8.1f} passages/s  {raw['wordpieces_per_s']:8.0f} wordpieces/s  "
            f"({raw['seconds']:.1f} s, {raw['cores_used']:.1f} cores busy)"
        )
        print(
            f"  ingest         {ing['passages_per_s']:8.1f} passages/s  = {ing['share_of_raw_pct']:.0f}% of raw "
            f"({ing['seconds']:.1f} s, {ing['cores_used']:.1f} cores busy; target >= "
            f"{TARGET_INGEST_SHARE:.0f}%: {verdict(ing['share_of_raw_pct'] >= TARGET_INGEST_SHARE)})"
        )
        print(
            f"    of which embedding {ing['embedding_s']:.1f} s ({ing['texts_embedded']:,} texts; "
            f"the passages took {raw['seconds']:.1f} s raw), other work {ing['other_s']:.1f} s"
        )
        if not ing["same_passages_as_raw"]:
            print(f"  note: ingest stored {ing['passages']:,} passages, the reader gave {raw['passages']:,}")
    a = f["ask"]
    print(
        f"\nask (warm, no LLM) on {a['store_passages']:,} passages, {a['questions']} questions x {a['repeats']}: "
        f"p50 {a['p50_ms']:.0f} ms, p95 {a['p95_ms']:.0f} ms, max {a['max_ms']:.0f} ms "
        f"(first ask {a['first_ask_ms']:.0f} ms; target p50 < {TARGET_ASK_P50_MS:.0f} ms: "
        f"{verdict(a['p50_ms'] < TARGET_ASK_P50_MS)})"
    )
    print(
        f"  question embedding {a['question_embedding_mean_ms']:.0f} ms of each ask on average; "
        f"answers per pass: {a['statuses']}"
    )
    print(
        f"\npeak RSS: {f['peak_rss_mb']:.0f} MB (target < {TARGET_PEAK_RSS_MB:.0f} MB: "
        f"{verdict(f['peak_rss_mb'] < TARGET_PEAK_RSS_MB)})"
    )
    print(f"total: {f['total_s']:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000, help="synthetic articles to generate (default 5000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic corpus (default 1)")
    parser.add_argument("--repeats", type=int, default=3, help="passes over the question list (default 3)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = run(args.articles, args.seed, args.repeats)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print_report(figures)


if __name__ == "__main__":
    main()
