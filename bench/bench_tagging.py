"""Throughput of the tagger on a synthetic corpus, beside dateparser's search_dates.

    .venv/bin/python bench/bench_tagging.py [--reports 1000] [--baseline 200]

The corpus recombines sentences of our demo reports (data/demo_reports/*.txt, header
stripped) with gazetteer names swapped in, into reports of about 3-5 KB. Everything
runs in one process on one core; the lexicon is built (and its automaton compiled)
before timing starts, as a worker does once.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reports.tagging import TAGGER_VERSION, tag  # noqa: E402
from reports.tagging.lexicon import bundled_lexicon  # noqa: E402
from reports.tagging.offline_export import parse_report_file  # noqa: E402
from reports.tagging.sentences import split_sentences  # noqa: E402

_FALLBACK = [
    "The SDF captured {p} from ISIS on Thursday, SDF spokesperson Mustafa Bali said.",
    "Heavy fighting continues between ISIS militants and the Syrian Democratic Forces in {p}.",
    "Coalition airstrikes hit ISIS positions near {p} over the past 5 days.",
    "ISIS fighters retook the village of {p} in late November 2018.",
    "The regime forces advanced towards {p} on Monday.",
]


def load_sentences() -> list[str]:
    sents = []
    for f in sorted((ROOT / "data" / "demo_reports").glob("*.txt")):
        _, body = parse_report_file(f.read_text(encoding="utf-8"))
        sents += [body[s.start:s.end] for s in split_sentences(body)]
    for f in sorted(Path(os.environ.get("TIDEMARK_SHARED_DIR", ROOT.parent / "shared")).glob("seeds/*.txt")):
        body = f.read_text(encoding="utf-8")
        sents += [body[s.start:s.end] for s in split_sentences(body)]
    return [s for s in sents if len(s) > 30]


def gazetteer_names() -> list[str]:
    with (ROOT / "data" / "gazetteer" / "syria_east.csv").open(encoding="utf-8") as fh:
        return [row["name"] for row in csv.DictReader(fh)]


def build_corpus(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    sents = load_sentences()
    names = gazetteer_names()
    swap = re.compile(r"\b(Hajin|Hajeen|Bahrah|Bahra|Behran|Qalaat|Albu Khatir|Abu Hassan|Raqqa|Tanf|al-Shaafah|"
                      r"Abu Hamam|Xiranice)\b")
    if not sents:
        sents = [t.format(p="{p}") for t in _FALLBACK]
    corpus = []
    for _ in range(n):
        target = rng.randint(3000, 5000)
        paras, size = [], 0
        while size < target:
            para = " ".join(rng.choice(sents) for _ in range(rng.randint(2, 5)))
            para = swap.sub(lambda m: rng.choice(names), para).replace("{p}", rng.choice(names))
            paras.append(para)
            size += len(para) + 2
        corpus.append("\n\n".join(paras))
    return corpus


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--baseline", type=int, default=200, help="reports given to dateparser (it is slow)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="instead of timing, profile tag() over N reports with cProfile and print the hot spots")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    corpus = build_corpus(args.reports)
    kb = statistics.mean(len(r.encode()) for r in corpus) / 1024
    lexicon = bundled_lexicon()
    pub = dt.date(2018, 12, 14)
    tag(corpus[0], published=pub, lexicon=lexicon)  # builds and caches the automaton
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for text in corpus[: args.profile]:
            tag(text, published=pub, lexicon=lexicon)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return 0
    rates, cpu_rates, claims = [], [], 0
    for _ in range(args.rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        claims = 0
        for text in corpus:
            claims += len(tag(text, published=pub, lexicon=lexicon).claims)
        rates.append(len(corpus) / (time.perf_counter() - t0))
        cpu_rates.append(len(corpus) / (time.process_time() - c0))
    tag_rate = max(rates)

    from dateparser.search import search_dates

    base = corpus[: args.baseline]
    settings = {"RELATIVE_BASE": dt.datetime(2018, 12, 14), "PREFER_DATES_FROM": "past"}
    search_dates(base[0][:200], languages=["en"], settings=settings)  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    for text in base:
        search_dates(text, languages=["en"], settings=settings)
    dp_rate = len(base) / (time.perf_counter() - t0)
    dp_cpu = len(base) / (time.process_time() - c0)

    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    print(f"tagger {TAGGER_VERSION}; python {platform.python_version()}; nproc {os.cpu_count()}; cpu {cpu}")
    print(f"corpus: {len(corpus)} reports, mean {kb:.1f} KB; {claims} claims per round")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"tag() alone, one core: best {tag_rate:.0f} reports/s wall "
          f"(rounds: {', '.join(f'{r:.0f}' for r in rates)}); {max(cpu_rates):.0f} reports/s of CPU time")
    print(f"dateparser search_dates alone, one core, {len(base)} reports: {dp_rate:.1f} reports/s wall; "
          f"{dp_cpu:.1f} reports/s of CPU time")
    print(f"ratio: tag() is {tag_rate / dp_rate:.1f}x the throughput of search_dates alone (wall), "
          f"{max(cpu_rates) / dp_cpu:.1f}x (CPU time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
