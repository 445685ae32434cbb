"""Benchmark: speeches of ~5,000 字 scored per second on one core, against two named peers.

Peers, run on the same documents in the same process:
- jieba.lcut on the text: the least any word-based checker pays per text, so a scorer
  slower than segmenting would be the bottleneck of the repair loop and of corpus evals;
- difflib.SequenceMatcher for the copying check (a draft against 3 examples): the naive
  way to find shared runs, against service.text.overlap's 28-character chunk index.

Usage: python evals/bench/bench_scoring.py [--corpus FILE] [--seconds S]
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from service.config import get_settings
from service.corpus.records import read_records
from service.knowledge.kit import default_kit
from service.retrieval.examples import Example
from service.schemas import Brief
from service.scoring import Scorer
from service.text.overlap import CHUNK, ExampleIndex, find_overlap

DOC_CHARS = 5000
SPEECH_KINDS = ("speech", "presiding", "pledge", "address")


def scaled_documents(texts: Sequence[str], size: int = DOC_CHARS) -> list[str]:
    """One document per text: it, then the others in turn, cut at a line once past `size`."""
    docs = []
    for start in range(len(texts)):
        lines: list[str] = []
        length, turn = 0, 0
        while length < size:
            for line in texts[(start + turn) % len(texts)].split("\n"):
                lines.append(line)
                length += len(line)
                if length >= size:
                    break
            turn += 1
        docs.append("\n".join(lines))
    return docs


def rate(work: Callable[[str], object], docs: Sequence[str], seconds: float) -> float:
    """Documents per second over whole rounds of docs, after one warm-up round."""
    for doc in docs:
        work(doc)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for doc in docs:
            work(doc)
        done += len(docs)
    return done / (time.perf_counter() - started)


def difflib_copying(draft: str, examples: Sequence[str]) -> int:
    """The naive copying check: characters in matching blocks of CHUNK or more, per example."""
    shared = 0
    for example in examples:
        matcher = difflib.SequenceMatcher(None, draft, example, autojunk=False)
        shared += sum(b.size for b in matcher.get_matching_blocks() if b.size >= CHUNK)
    return shared


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=get_settings().build_dir / "speeches.jsonl")
    parser.add_argument("--seconds", type=float, default=3.0, help="timing per measurement")
    args = parser.parse_args()
    if not args.corpus.is_file():
        print(f"找不到 {args.corpus}：请先运行 jianggao corpus build", file=sys.stderr)
        return 2
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, stated not assumed
    records = list(read_records(args.corpus))
    texts = [r.text for r in records if r.kind in SPEECH_KINDS]
    others = [r.text for r in records if r.kind not in SPEECH_KINDS] or texts[:1]
    docs = scaled_documents(texts)
    # Worst case: the examples are the same seeds, so most of every draft is "copied".
    examples = [
        Example("bench", "", None, "", original=text, removed=())
        for text in scaled_documents(texts[::-1])[:3]
    ]
    # Typical case: examples that share little with the drafts (the non-speech records).
    distinct = [
        Example("bench", "", None, "", original=text, removed=())
        for text in scaled_documents(others)[:3]
    ]
    mean_chars = sum(len(d) for d in docs) / len(docs)
    print(f"{len(docs)} 篇文档，平均 {mean_chars:.0f} 字；每项计时 {args.seconds:.0f} 秒，单核")

    scorer = Scorer(default_kit())
    corpus_rate = rate(scorer.score, docs, args.seconds)
    brief = Brief(speech_type="work_meeting", meeting="全市主题教育工作推进会", speaker="市委书记")
    index = ExampleIndex(examples)
    draft_rate = rate(lambda d: scorer.score(d, brief=brief, examples=index), docs, args.seconds)
    distinct_index = ExampleIndex(distinct)
    typical_rate = rate(
        lambda d: scorer.score(d, brief=brief, examples=distinct_index), docs, args.seconds
    )

    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    jieba_rate = rate(jieba.lcut, docs, args.seconds)
    chunk_rate = rate(lambda d: find_overlap(d, index), docs, args.seconds)
    texts_of_examples = [e.original for e in examples]
    difflib_rate = rate(lambda d: difflib_copying(d, texts_of_examples), docs, args.seconds)

    rows = [
        ("scorer, corpus mode (no brief)", corpus_rate),
        ("scorer, draft mode, brief + 3 distinct examples", typical_rate),
        ("scorer, draft mode, brief + 3 same-seed examples", draft_rate),
        ("peer: jieba.lcut (segmentation only)", jieba_rate),
        ("copying: 28-char chunk index, 3 examples", chunk_rate),
        ("peer: difflib.SequenceMatcher, 3 examples", difflib_rate),
    ]
    for name, value in rows:
        print(f"  {name:<48} {value:9.1f} docs/s")
    print(f"scorer (corpus mode) / jieba.lcut: {corpus_rate / jieba_rate:.1f}x")
    print(
        f"scorer (draft mode)  / jieba.lcut: {typical_rate / jieba_rate:.1f}x typical, "
        f"{draft_rate / jieba_rate:.1f}x worst case"
    )
    print(f"copying: chunk index / difflib:    {chunk_rate / difflib_rate:.1f}x")
    target = 200
    verdict = "达标" if corpus_rate >= target else "未达标"
    print(f"目标 ≥{target} docs/s（语料模式）：{verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
