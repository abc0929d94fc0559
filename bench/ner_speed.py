"""Speed of the person/place extractor on real articles: articles and tokens per CPU second.

    .venv/bin/python bench/ner_speed.py [CORPUS] [COUNT] [--passes 2]

Reads COUNT articles (default 2,000) spread evenly over CORPUS, JSON Lines with ``title`` and
``text`` (default: the FANG-COVID file in ``../shared``; ``.gz`` is read as gzip), and times
``EntityExtractor.extract`` on one core with ``time.process_time``, alternating two ways of
tagging on the same articles, each with a new extractor (a cold feature cache, as an indexing
worker starts every batch):

- ``model features``: what the extractor does, only the features the model knows, as bytes;
- ``all features``: every feature string of ``FeatureCache`` handed to the tagger, as before
  ``ModelFeatures``; tokenizing and the article rules are the current ones in both.

Prints articles and tokens per CPU second of each pass, time per token by article length, and
the slowest articles (by their line number in CORPUS; no text is printed). CPU seconds on a
shared machine vary by ±25 % with the load: compare figures from one run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.entities import EntityExtractor, tokenize  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "fang-covid" / "articles.jsonl.gz"
LENGTH_BUCKETS = (2_000, 5_000, 10_000, 30_000, 100_000)


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else \
        path.open(encoding="utf-8")


def read_spread(path: Path, count: int) -> list[tuple[int, str, str]]:
    """(line number, title, text) of ``count`` articles spread evenly over the file."""
    with _open(path) as fh:
        total = sum(1 for _ in fh)
    step = max(total / max(count, 1), 1.0)
    wanted = {int(i * step) for i in range(min(count, total))}
    out = []
    with _open(path) as fh:
        for n, line in enumerate(fh):
            if n in wanted:
                row = json.loads(line)
                out.append((n + 1, row.get("title") or "", row.get("text") or ""))
    return out


def timed_pass(articles, all_features: bool) -> list[float]:
    """CPU seconds of ``extract`` per article, with a new extractor."""
    ex = EntityExtractor.load()
    if all_features:
        ex.model_features = None  # tag() then hands FeatureCache's lists to the tagger
    times = []
    clock = time.process_time
    for _, title, text in articles:
        start = clock()
        ex.extract(title, text)
        times.append(clock() - start)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("count", nargs="?", type=int, default=2000)
    parser.add_argument("--passes", type=int, default=2, help="alternations of the two ways")
    parser.add_argument("--slowest", type=int, default=8)
    args = parser.parse_args(argv)

    articles = read_spread(args.corpus, args.count)
    tokens = [sum(len(s) for s in tokenize(title) + tokenize(text)) for _, title, text in articles]
    chars = [len(title) + len(text) for _, title, text in articles]
    print(f"{len(articles)} articles from {args.corpus.name}, {sum(tokens):,} tokens, median "
          f"{sorted(chars)[len(chars) // 2]:,} characters; load average {os.getloadavg()[0]:.1f}")
    current = []
    for p in range(args.passes):
        for label, all_features in (("model features", False), ("all features", True)):
            times = timed_pass(articles, all_features)
            cpu = sum(times)
            print(f"pass {p + 1}, {label:14s}: {len(articles) / cpu:6.1f} articles/CPU-s, "
                  f"{sum(tokens) / cpu / 1000:6.1f}k tokens/CPU-s ({cpu:.1f} CPU-s)")
            if not all_features:
                current = times if not current else [min(a, b) for a, b in zip(current, times)]

    print("\nmodel features, best of the passes, by article length:")
    print("| characters | articles | ms/article | µs/token |\n|---|---|---|---|")
    low = 0
    for high in LENGTH_BUCKETS + (None,):
        rows = [i for i, c in enumerate(chars) if c >= low and (high is None or c < high)]
        if rows:
            cpu = sum(current[i] for i in rows)
            print(f"| {low:,}–{'' if high is None else f'{high:,}'} | {len(rows)} | "
                  f"{1000 * cpu / len(rows):.1f} | {1e6 * cpu / max(1, sum(tokens[i] for i in rows)):.1f} |")
        low = high
    print(f"\nslowest articles (line in {args.corpus.name}):")
    for i in sorted(range(len(articles)), key=lambda i: -current[i])[:args.slowest]:
        print(f"  line {articles[i][0]}: {1000 * current[i]:.0f} ms, {chars[i]:,} characters, "
              f"{tokens[i]:,} tokens, {1e6 * current[i] / max(1, tokens[i]):.1f} µs/token")
    return 0


if __name__ == "__main__":
    sys.exit(main())
