"""Scale benchmark: a news archive on a Chroma server, fed by ingest workers.
Prints figures, asserts nothing.

    python benchmarks/bench_scale.py build --articles 20000 --workers 2 --workdir /tmp/scale
    python benchmarks/bench_scale.py query --workdir /tmp/scale
    python benchmarks/bench_scale.py throughput --articles 2000 --workdir /tmp/scale-rate

`build` writes N synthetic articles with planted conflicts, starts a real
`chroma run` keeping its data in the work folder, and runs W `consistency
ingest --shard K/W` worker processes against it: wall time, passages per
second, each worker's peak RSS, the store's size on disk, and whether every
file was stored once. `query` starts the server again on the same data and
measures a cold `consistency ask` (a fresh process, without and with the
lexical index kept in the local cache) beside the same command on the
bundled corpus, warm ask and check latency in one process, and `consistency
audit` (time, peak RSS, and the conflicts it finds against those planted).
`throughput` ingests the same N articles with 1 and then 2 workers into
fresh servers, on a quiet machine, for the rate alone.

Every article is about a place of its own (an invented name), so a conflict
between two articles that were not planted as a pair is a false flag by
construction. Planted pairs are one article and a copy with one value
changed: a figure (numeric), the date something happened (date) or who led
something (entity). Every command runs with `--llm none` (the typed reader),
so figures do not depend on which models the venv holds; the output records
that, the commit, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' server helpers
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ingest_ask import machine, without_llm

from tests.server_process import running_chroma

SYLLABLES = (
    "bra cor dal ven fis gor hal ist jor kel lum mar nev osk pra quil ros sten tal urm "
    "vel wes yar zon ab eth in ol ur an"
).split()
PEOPLE = ["Mara Lindqvist", "Oren Falk", "Ines Moravec", "Tomas Reiter", "Lea Sandoval", "Piet Harmsen"]
OUTLETS = ["Harbour Post", "Valley Courier", "Northern Wire", "City Ledger", "Evening Standard-Gazette"]
MONTHS = "January February March April May June July August September October November December".split()

# Every sentence names the article's own place: nothing ties two articles
# together except a planted pair.
TITLES = ["{n} drones launched at {place} overnight", "Power cut to {homes} homes in {place}"]
LEAD = "Russia launched {n} drones at {place} overnight on {date}, officials in {place} said."
DETAILS = [
    "Air defences around {place} shot down {k} of the drones before dawn.",
    "Power was cut to {homes} homes in {place} and the district around it.",
    "At least {dead} people were killed in {place} when debris struck a residential block.",
    "Firefighters in {place} worked for {hours} hours to put out fires at a warehouse.",
    "Repairs to the substation in {place} will cost about {money} million euros, the operator said.",
    "Schools in {place} moved lessons online for {days} days after the attack.",
    "A convoy of {trucks} trucks carrying food reached {place} on the following day.",
    "Officials in {place} urged residents to stay close to shelters during alerts.",
]
DATED = "The old bridge over the river in {place} reopened to traffic on {when} after repairs, the council said."
LED = "The clean-up in {place} was led by {person}, the head of the local rescue service."


def place_name(number: int) -> str:
    """A unique invented place name for every number below 30**4 (spread
    over the syllables: 7919 and 30**4 have no common factor)."""
    parts, rest = [], (number * 7919 + 4321) % len(SYLLABLES) ** 4
    for _ in range(4):
        rest, digit = divmod(rest, len(SYLLABLES))
        parts.append(SYLLABLES[digit])
    return "".join(parts).capitalize()


def article_values(number: int, rng: random.Random) -> dict:
    """What an article about place `number` says; a planted copy changes one value."""
    n = rng.randrange(40, 700)
    return {
        "place": place_name(number),
        "n": n,
        "k": rng.randrange(5, n),
        "homes": f"{rng.randrange(1_000, 250_000):,}",
        "dead": rng.randrange(1, 40),
        "hours": rng.randrange(2, 72),
        "money": rng.randrange(5, 900),
        "days": rng.randrange(2, 20),
        "trucks": rng.randrange(3, 60),
        "date": f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2022, 2025)}",
        "when": f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2022, 2025)}",
        "person": rng.choice(PEOPLE),
    }


def render(values: dict, title: str, details: list[str]) -> str:
    """Title, then paragraphs of one to three sentences, as news is written
    (`details` gives each sentence's template and the size of its paragraph)."""
    sentences = [LEAD, *details, DATED, LED]
    paragraphs, begin = [], 0
    for size in paragraph_sizes(len(sentences)):
        paragraphs.append(" ".join(s.format(**values) for s in sentences[begin : begin + size]))
        begin += size
    return f"{title.format(**values)}\n\n" + "\n\n".join(paragraphs) + "\n"


def paragraph_sizes(sentences: int) -> list[int]:
    """1, 2, 3, 1, 2, 3...: fixed, so that a planted copy has the same paragraphs."""
    sizes, left, size = [], sentences, 1
    while left:
        sizes.append(min(size, left))
        left -= sizes[-1]
        size = size % 3 + 1
    return sizes


def changed(values: dict, kind: str, rng: random.Random) -> dict:
    """The same values with one changed, as another outlet might report it."""
    other = dict(values)
    if kind == "numeric":
        other["n"] = values["n"] + rng.choice([-1, 1]) * max(5, values["n"] // 3)
    elif kind == "date":
        day, month, year = values["when"].split()
        other["when"] = f"{(int(day) + 9) % 28 + 1} {month} {year}"
    else:
        other["person"] = rng.choice([p for p in PEOPLE if p != values["person"]])
    return other


def write_corpus(folder: Path, articles: int, planted: dict[str, int], seed: int) -> dict[str, str]:
    """`articles` files in `folder` with a metadata.json of outlets and
    dates, the planted pairs spread among them (a pair's copy counts as an
    article); returns {source id: kind} of both files of every pair."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    kinds = [kind for kind, count in planted.items() for _ in range(count)]
    rng.shuffle(kinds)
    step = articles // (len(kinds) + 1) if kinds else articles + 1
    metadata: dict[str, dict] = {}
    pairs: dict[str, str] = {}
    written = 0
    for number in range(articles):
        if written >= articles:
            break
        values, title = article_values(number, rng), rng.choice(TITLES)
        details = rng.sample(DETAILS, rng.randint(4, 7))
        published = f"{rng.randint(2022, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        name = f"a{number:06d}"
        files = {name: (values, rng.choice(OUTLETS))}
        if kinds and number % step == step - 1 and written + 2 <= articles:
            kind = kinds.pop()
            files[f"{name}-{kind}"] = (changed(values, kind, rng), "Planted Tribune")
            pairs.update(dict.fromkeys(files, kind))
        for stem, (said, outlet) in files.items():
            (folder / f"{stem}.txt").write_text(render(said, title, details), encoding="utf-8")
            metadata[f"{stem}.txt"] = {"outlet": outlet, "published": published}
            written += 1
    (folder / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    return pairs


# ---- processes ----------------------------------------------------------------


def environment(cache: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", CONSISTENCY_LLM="none", CONSISTENCY_CONFIG=os.devnull)
    if cache is not None:
        env["CONSISTENCY_CACHE"] = str(cache)
    return env


@contextmanager
def chroma_server(data: Path) -> Iterator[str]:
    """A real `chroma run` on loopback keeping its data in `data` (its log beside it)."""
    with open(data.parent / "chroma.log", "a") as log, running_chroma(data, log) as url:
        yield url


@dataclass
class Finished:
    output: str
    seconds: float
    peak_rss_mb: float


def start(*args: str, env: dict[str, str], output: Path) -> tuple[subprocess.Popen, float]:
    """`consistency ARGS` in a process of its own, its stdout in a file (an
    audit's JSON can be larger than a pipe holds while we wait)."""
    with open(output, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "consistency", *args], env=env, stdout=out, stderr=subprocess.DEVNULL
        )
    return process, time.perf_counter()


def wait(process: subprocess.Popen, began: float, output: Path) -> Finished:
    """Waits for it: its output, wall seconds and peak RSS (its own, from wait4)."""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    text = output.read_text(encoding="utf-8")
    if process.returncode not in (0, 1):  # 1: a verdict (not found, contradicted), not a failure
        sys.exit(f"{' '.join(map(str, process.args[2:4]))} failed with status {process.returncode}")
    return Finished(text, seconds, usage.ru_maxrss / 1024)


def run(*args: str, env: dict[str, str], work: Path) -> Finished:
    output = work / "output.json"
    return wait(*start(*args, env=env, output=output), output)


def disk_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1024 / 1024


# ---- phases -------------------------------------------------------------------


def ingest_with_workers(corpus: Path, url: str, workers: int, work: Path) -> dict:
    """W `consistency ingest --shard K/W` processes at once; each one's report and RSS."""
    started = []
    for k in range(1, workers + 1):
        output = work / f"ingest-{k}-of-{workers}.json"
        args = ("ingest", str(corpus), "--chroma-url", url, "--shard", f"{k}/{workers}", "--json")
        started.append((*start(*args, env=environment(work / "cache"), output=output), output))
    began = min(when for _, when, _ in started)
    finished = [wait(process, when, output) for process, when, output in started]
    seconds = time.perf_counter() - began
    reports = [json.loads(f.output) for f in finished]
    files = [f for report in reports for f in report["files"]]
    paths = [f["path"] for f in files]
    passages = sum(f["chunks"] for f in files)
    return {
        "workers": workers,
        "seconds": round(seconds, 1),
        "files": len(files),
        "files_handled_twice": len(paths) - len(set(paths)),
        "outcomes": {o: sum(f["outcome"] == o for f in files) for o in sorted({f["outcome"] for f in files})},
        "passages": passages,
        "passages_per_s": round(passages / seconds, 1),
        "files_per_worker": [len(r["files"]) for r in reports],
        "worker_peak_rss_mb": [round(f.peak_rss_mb) for f in finished],
    }


def build(args: argparse.Namespace) -> dict:
    work = Path(args.workdir)
    corpus, data = work / "articles", work / "chroma"
    if data.exists():
        sys.exit(f"{data} exists: build writes a fresh store (remove the work folder first)")
    planted = {"numeric": args.planted, "date": args.planted // 2, "entity": args.planted // 2}
    figures: dict = {"machine": machine(), "articles": args.articles, "planted": planted}
    print(f"[{time.strftime('%H:%M:%S')}] writing {args.articles} articles", file=sys.stderr)
    pairs = write_corpus(corpus, args.articles, planted, args.seed)
    (work / "pairs.json").write_text(json.dumps(pairs), encoding="utf-8")
    data.mkdir(parents=True)
    with chroma_server(data) as url:
        print(f"[{time.strftime('%H:%M:%S')}] ingest, {args.workers} worker(s)", file=sys.stderr)
        figures["ingest"] = ingest_with_workers(corpus, url, args.workers, work)
        stored = json.loads(
            run("sources", "--chroma-url", url, "--json", env=environment(work / "cache"), work=work).output
        )
        figures["stored_sources"] = len(stored)
        figures["stored_source_ids_unique"] = len({s["id"] for s in stored}) == len(stored)
    figures["store_on_disk_mb"] = round(disk_mb(data))
    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return figures


def throughput(args: argparse.Namespace) -> dict:
    work = Path(args.workdir)
    corpus = work / "articles"
    write_corpus(corpus, args.articles, {}, args.seed)
    figures: dict = {"machine": machine(), "articles": args.articles, "runs": []}
    for workers in (1, 2):
        data = work / f"chroma-{workers}"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        with chroma_server(data) as url:
            print(f"[{time.strftime('%H:%M:%S')}] ingest, {workers} worker(s)", file=sys.stderr)
            figures["runs"].append(ingest_with_workers(corpus, url, workers, work))
    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return figures


QUESTION = "How many drones were launched at {place} overnight?"
CLAIM = "Russia launched {n} drones at {place} overnight."


def query(args: argparse.Namespace) -> dict:
    work = Path(args.workdir)
    pairs = json.loads((work / "pairs.json").read_text(encoding="utf-8"))
    figures: dict = {"machine": machine()}
    figures["cold_ask_bundled"] = cold_ask_bundled(work)
    with chroma_server(work / "chroma") as url:
        figures["cold_ask"] = cold_ask(url, work)
        figures["warm"] = warm(url, pairs, args.repeats)
        figures["audit"] = audit(url, pairs, work)
    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return figures


def cold_ask(url: str, work: Path) -> dict:
    """A fresh `consistency ask` process: first with an empty local cache
    (the lexical index is built from the server and kept), then with it."""
    cache = work / "cold-cache"
    shutil.rmtree(cache, ignore_errors=True)
    question = QUESTION.format(place=place_name(7))
    runs = [run("ask", question, "--chroma-url", url, "--json", env=environment(cache), work=work) for _ in range(3)]
    return {
        "question": question,
        "without_kept_index_s": round(runs[0].seconds, 2),
        "with_kept_index_s": [round(r.seconds, 2) for r in runs[1:]],
        "peak_rss_mb": round(max(r.peak_rss_mb for r in runs)),
        "status": json.loads(runs[-1].output)["status"],
    }


def cold_ask_bundled(work: Path) -> dict:
    """The same command on the bundled corpus in an embedded store: the baseline."""
    store = Path(tempfile.mkdtemp(prefix="bundled-", dir=work))
    env = environment(work / "cache")
    run("ingest", str(bundled_corpus()), "--store", str(store), "--json", env=env, work=work)
    question = "How many drones were launched in the record attack?"
    runs = [run("ask", question, "--store", str(store), "--json", env=env, work=work) for _ in range(3)]
    shutil.rmtree(store, ignore_errors=True)
    return {"question": question, "seconds": [round(r.seconds, 2) for r in runs]}


def bundled_corpus() -> Path:
    from consistency.config import bundled_path

    return bundled_path("corpus")


def warm(url: str, pairs: dict[str, str], repeats: int) -> dict:
    """ask and check in this process, after one warm-up question."""
    from consistency import Checker

    checker = Checker(settings=without_llm(Path("unused")).model_copy(update={"chroma_url": url}))
    numeric = sorted({int(name[1:7]) for name, kind in pairs.items() if kind == "numeric"})[:20]
    planted = {int(name[1:7]) for name in pairs}
    stored = checker.status().sources
    plain = [n for n in range(3, stored - len(pairs), max(1, stored // 25)) if n not in planted][:20]
    checker.ask(QUESTION.format(place=place_name(plain[0])))
    asks, statuses = [], {"planted": {}, "plain": {}}
    for _ in range(repeats):
        for group, numbers in (("planted", numeric), ("plain", plain)):
            for number in numbers:
                began = time.perf_counter()
                answer = checker.ask(QUESTION.format(place=place_name(number)))
                asks.append(time.perf_counter() - began)
                statuses[group][answer.status] = statuses[group].get(answer.status, 0) + 1
    checks, verdicts = [], {}
    for number in plain:
        launched = re.search(r"launched (\d+) drones", checker.source(f"a{number:06d}").text)
        assert launched is not None
        began = time.perf_counter()
        verdict = checker.check(CLAIM.format(n=launched.group(1), place=place_name(number)))
        checks.append(time.perf_counter() - began)
        verdicts[verdict.verdict] = verdicts.get(verdict.verdict, 0) + 1
    return {
        "store_passages": checker.status().passages,
        "ask_p50_ms": round(1000 * statistics.median(asks)),
        "ask_p95_ms": round(1000 * sorted(asks)[int(0.95 * (len(asks) - 1))]),
        "asks": len(asks),
        "ask_statuses": statuses,
        "check_p50_ms": round(1000 * statistics.median(checks)),
        "check_verdicts_on_true_claims": verdicts,
    }


def audit(url: str, pairs: dict[str, str], work: Path) -> dict:
    """`consistency audit` in a process of its own; conflicts against the planted pairs."""
    finished = run("audit", "--chroma-url", url, "--json", env=environment(work / "cache"), work=work)
    report = json.loads(finished.output)
    source_of = {c["id"]: c["source"] for c in report["citations"]}
    found: dict[str, set[str]] = {}
    false_flags = []
    for conflict in report["conflicts"]:
        ids = {source_of[n].split("#")[0] for side in conflict["sides"] for n in side["citations"]}
        stems = {i.split("-")[0] for i in ids}
        if len(stems) == 1 and all(i in pairs for i in ids) and len(ids) == 2:
            found.setdefault(pairs[next(iter(ids))], set()).add(next(iter(stems)))
        else:
            false_flags.append({"kind": conflict["kind"], "sources": sorted(ids), "summary": conflict["summary"]})
    planted = {
        kind: sum(1 for name, k in pairs.items() if k == kind and "-" not in name) for kind in set(pairs.values())
    }
    return {
        "seconds": round(finished.seconds, 1),
        "process_peak_rss_mb": round(finished.peak_rss_mb),
        "claims": report["claims"],
        "conflicts": len(report["conflicts"]),
        "planted": planted,
        "found": {kind: len(found.get(kind, set())) for kind in planted},
        "recall": round(sum(len(v) for v in found.values()) / max(1, sum(planted.values())), 3),
        "false_flags": len(false_flags),
        "false_flag_examples": false_flags[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("phase", choices=["build", "query", "throughput"])
    parser.add_argument("--workdir", required=True, help="where the articles and the server's data live")
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2, help="ingest workers for build (default 2)")
    parser.add_argument("--planted", type=int, default=60, help="numeric pairs; half as many date and entity pairs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2, help="passes over the warm questions")
    args = parser.parse_args()
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    figures = {"build": build, "query": query, "throughput": throughput}[args.phase](args)
    out = Path(args.workdir) / f"figures-{args.phase}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2))
    print(f"saved in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
