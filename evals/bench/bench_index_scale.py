"""Benchmark: the saved corpus index at an archive's scale (10,000 and 100,000 speeches).

Speeches are generated from the seeds' sentences as in bench_retrieval.py. For each size:
the index build (tokenising on every core, fitting, saving), its size on disk, the load
time and memory of worker processes that map it (one worker alone, then four at once,
from /proc/PID/smaps_rollup: what loading and 200 searches added to each worker's RSS
and PSS), search latency (type filter + MMR), top-5 agreement with an index fitted in
memory, and how far a main index plus a delta of added speeches ranks from a full refit.

Usage: python evals/bench/bench_index_scale.py [--docs 10000 100000] [--queries N] [--seed S]

Measured on the project machine (2 cores, shared with another session's tests), defaults,
about 9 minutes in all (memory is what loading and searching added to a worker; p50/p99 of
one search call):

    10000 speeches: built in 5.7 s on 2 cores, 175 MB on disk
      1 worker(s): load 0.005 s; p50/p99 ms: search 1.6/3.5 (first time 1.6/3.6),
        sections 1.6/3.7; index memory per worker RSS 119 MB PSS 118 MB (anonymous 7 MB)
      4 worker(s): load 0.013 s; p50/p99 ms: search 2.7/22.1, sections 2.8/22.6;
        per worker RSS 119 MB PSS 35 MB (anonymous 7 MB), together PSS 140 MB
      mapped vs in memory, top 5: 100.0% shared, 100.0% identical
      main 9810 + delta 190 (added at 6 ms each) vs full refit, top 5: 99.6% shared,
        97.5% identical
    100000 speeches: built in 81.0 s on 2 cores, 1761 MB on disk
      1 worker(s): load 0.004 s; p50/p99 ms: search 9.8/29.0 (first time 9.3/29.3),
        sections 9.8/27.2; index memory per worker RSS 787 MB PSS 785 MB (anonymous 10 MB)
      4 worker(s): load 0.050 s; p50/p99 ms: search 31.1/146.6, sections 31.1/202.0;
        per worker RSS 786 MB PSS 205 MB (anonymous 10 MB), together PSS 820 MB
      mapped vs in memory, top 5: 100.0% shared, 100.0% identical
      main 98100 + delta 1900 (added at 71 ms each) vs full refit, top 5: 98.4% shared,
        95.5% identical

Four workers hold 1.05× (10,000: 1.2×) what one holds: the arrays and records.jsonl are
file pages shared through the page cache, and what each worker adds of its own (parsed
hits, a search's arrays) stays near 10 MB. Four workers searching at once on two cores
queue for them, hence their latency. A build took 69–142 s at 100,000 between runs (the
machine is shared); tokenising is most of it. The section search was 22.4/54.7 ms at
100,000 when it scored every section: sections are now ordered by role and a search scores
only its role's span of each column (cProfile: scoring was 55% of it, the pool's
argpartition over all 400,000 sections 20%, now only the same-type tier when it fills the
pool). Each document's distinct terms, stored for MMR, add 17% on disk (1502 → 1761 MB).
Adding a speech refits the delta alone (the main's arrays are mapped, not refitted), but
the whole delta each time: its cost grows with the delta (6 ms per add at 190, 12 ms at
300, 71 ms on average up to 1,900 at 100,000; sorting the delta's (term, document) pairs
is most of it). The delta's documents score exactly as in a full refit; the main's keep
the idf and mean length of their own build, which is the whole difference measured above.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evals.bench.bench_retrieval import make_queries, seed_sentences, synthetic_records
from service.corpus.records import CorpusRecord
from service.cpu import cores
from service.knowledge.kit import default_kit
from service.retrieval.index import CorpusIndex, Vocabulary
from service.retrieval.saved import build_index, load_index

TYPE = "progress"


def rollup(pid: int | str = "self") -> dict[str, int]:
    """Rss and Pss of a process in kB, from /proc/PID/smaps_rollup."""
    found = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss", "Pss_Anon", "Pss_File"):
            found[name] = int(rest.split()[0])
    return found


def worker(index_dir: str, queries_file: str) -> None:
    """One worker: load the index, search, report; steps paced by the parent on stdin."""
    kit = default_kit()
    queries: list[str] = json.loads(Path(queries_file).read_text(encoding="utf-8"))
    kit.segmenter.tokens(queries[0])
    print("ready", flush=True)
    sys.stdin.readline()
    before = rollup()
    started = time.perf_counter()
    index = load_index(Path(index_dir), kit.segmenter)
    load_s = time.perf_counter() - started
    latencies: dict[str, list[float]] = {"cold": [], "search": [], "sections": []}
    for query in queries:  # the first search of each query maps pages never touched before
        started = time.perf_counter()
        index.search(query, speech_type=TYPE, k=5)
        latencies["cold"].append((time.perf_counter() - started) * 1000)
    for query in queries:
        started = time.perf_counter()
        index.search(query, speech_type=TYPE, k=5)
        middle = time.perf_counter()
        index.search_sections(query, "point", speech_type=TYPE, k=3)
        latencies["search"].append((middle - started) * 1000)
        latencies["sections"].append((time.perf_counter() - middle) * 1000)
    print("searched", flush=True)
    sys.stdin.readline()  # every worker holds its index now
    after = rollup()
    grown = {k: after[k] - before[k] for k in after}
    print(json.dumps({"load_s": load_s, "ms": latencies, "kb": grown}), flush=True)


def run_workers(index_dir: Path, queries_file: Path, n: int) -> list[dict[str, Any]]:
    """n worker processes, loading and searching together; each one's figures."""
    command = [sys.executable, __file__, "--worker", str(index_dir), str(queries_file)]
    procs = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(n)
    ]
    for step in ("ready", "searched"):
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == step
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
    results = []
    for proc in procs:
        assert proc.stdout is not None
        results.append(json.loads(proc.stdout.readline()))
        proc.wait()
    return results


def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def ids(hits: Sequence[Any]) -> list[str]:
    return [h.record.id for h in hits]


def agreement(a: CorpusIndex, b: CorpusIndex, queries: list[str]) -> tuple[float, float]:
    """Share of top-5 results shared, and of queries with the same top 5 in the same order,
    over plain BM25, search (type + MMR) and point sections."""
    shared, same = [], []
    for query in queries:
        for x, y in zip(top5s(a, query), top5s(b, query), strict=True):
            shared.append(len(set(x) & set(y)) / max(len(x), 1))
            same.append(x == y)
    return float(np.mean(shared)), float(np.mean(same))


def top5s(index: CorpusIndex, query: str) -> list[list[Any]]:
    sections = index.search_sections(query, "point", k=5)
    return [
        [r for r, _ in index.top_k(query, 5)],
        ids(index.search(query, speech_type=TYPE, k=5)),
        [(h.record.id, h.section_index) for h in sections],
    ]


def in_memory(index: CorpusIndex, records: list[CorpusRecord], n: int) -> CorpusIndex:
    """The first n records fitted in memory from the saved index's term ids (no mapping)."""
    encoded = [index.terms_of(i) for i in range(n)]
    vocab = Vocabulary(index.vocab.terms)
    return CorpusIndex.fitted(records[:n], encoded, vocab, segmenter=index.segmenter)


def measure(n: int, sentences: list[str], args: argparse.Namespace, tmp: Path) -> None:
    segmenter = default_kit().segmenter
    records = synthetic_records(sentences, n, args.seed)
    index_dir = tmp / f"index-{n}"
    started = time.perf_counter()
    build_index(records, index_dir, segmenter)
    build_s = time.perf_counter() - started
    gc.collect()  # this process maps nothing while the workers are measured
    print(f"\n{n} speeches: built in {build_s:.1f} s on {cores()} cores, "
          f"{disk_mb(index_dir):.0f} MB on disk")  # fmt: skip
    queries = make_queries(sentences, args.queries, args.seed)
    queries_file = tmp / "queries.json"
    queries_file.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    for count in (1, 4):
        found = run_workers(index_dir, queries_file, count)
        rss = [f["kb"]["Rss"] / 1e3 for f in found]
        pss = [f["kb"]["Pss"] / 1e3 for f in found]
        anon = [f["kb"].get("Pss_Anon", 0) / 1e3 for f in found]

        def ms(name: str, found: list[dict[str, Any]] = found) -> str:
            times = np.concatenate([f["ms"][name] for f in found])
            return f"{np.percentile(times, 50):.1f}/{np.percentile(times, 99):.1f}"

        print(f"  {count} worker(s): load {max(f['load_s'] for f in found):.3f} s; "
              f"p50/p99 ms: search {ms('search')} (first time {ms('cold')}), "
              f"sections {ms('sections')}; index memory per worker RSS {np.mean(rss):.0f} MB "
              f"PSS {np.mean(pss):.0f} MB (anonymous {np.mean(anon):.0f} MB), "
              f"together PSS {sum(pss):.0f} MB")  # fmt: skip

    loaded = load_index(index_dir, segmenter)
    reference = in_memory(loaded, records, n)
    shared, same = agreement(loaded, reference, queries)
    print(f"  mapped vs in memory, top 5: {shared:.1%} shared, {same:.1%} identical")

    delta = int(n * args.delta_share)
    main = in_memory(loaded, records, n - delta)
    started = time.perf_counter()
    for record in records[n - delta :]:
        main.add(record)
    add_ms = (time.perf_counter() - started) / max(delta, 1) * 1000
    assert main.delta is not None and len(main.delta) == delta
    shared, same = agreement(main, reference, queries)
    print(f"  main {n - delta} + delta {delta} (added at {add_ms:.0f} ms each) vs full refit, "
          f"top 5: {shared:.1%} shared, {same:.1%} identical")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20240)
    parser.add_argument("--delta-share", type=float, default=0.019)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    sentences = seed_sentences()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.docs:
            measure(n, sentences, args, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
