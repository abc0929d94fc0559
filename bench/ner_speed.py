"""Speed of the person/place extractor on real articles: articles and tokens per CPU second.

    .venv/bin/python bench/ner_speed.py [CORPUS] [COUNT] [--passes 2] [--against REV] [--warm N]

Reads COUNT articles (default 2,000) spread evenly over CORPUS, JSON Lines with ``title`` and
``text`` (default: the FANG-COVID file in ``../shared``; ``.gz`` is read as gzip), and times
``EntityExtractor.extract`` on one core with ``time.process_time`` for two ways of tagging,
each pass with a new extractor of each way (a cold feature cache, as an indexing worker starts
a batch); the two take turns on every article, which first, so that a change in the machine's
load mid-pass falls on both alike:

- ``model features``: what the extractor does, only the features the model knows, as bytes;
- ``all features``: every feature string of ``FeatureCache`` handed to the tagger, as before
  ``ModelFeatures``; tokenizing and the article rules are the current ones in both.

``--against REV`` times ``index/entities.py`` as it is at git revision REV (``main``, ``HEAD~1``)
instead of ``all features``, and checks that both give every article exactly the same persons
and places, and that ``tag`` gives every sentence the same tags and the same marginal
probabilities, to the last bit (it prints the lines of articles that differ, and exits 1 if any
do). ``--warm N`` gives each new extractor the feature cache (``new_features``) of another
extractor run over N other articles of CORPUS, as an indexing worker of a later batch starts
with what earlier batches' workers carried back (``EntityExtractor.carry_features``, up to
``CARRY_LIMIT`` tokens); an extractor without ``carry_features`` (a REV before it) stays
cold, as its workers did.

Prints articles and tokens per CPU second of each pass, time per token by article length, and
the slowest articles (by their line number in CORPUS; no text is printed). CPU seconds on a
shared machine vary by ±25 % with the load: compare figures from one run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import importlib.util
import os
import subprocess
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


def read_spread(path: Path, count: int, offset: int = 0) -> list[tuple[int, str, str]]:
    """(line number, title, text) of ``count`` articles spread evenly over the file.

    ``offset`` > 0 takes the lines that many after each of those (other articles, as far as
    the spacing allows)."""
    with _open(path) as fh:
        total = sum(1 for _ in fh)
    step = max(total / max(count, 1), 1.0)
    wanted = {(int(i * step) + offset) % total for i in range(min(count, total))}
    out = []
    with _open(path) as fh:
        for n, line in enumerate(fh):
            if n in wanted:
                row = json.loads(line)
                out.append((n + 1, row.get("title") or "", row.get("text") or ""))
    return out


def module_at(rev: str):
    """``index/entities.py`` as it is at git revision ``rev``, imported as a module of its own
    (its model and word lists are read from this tree's ``index``)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:index/entities.py"],
                            check=True, capture_output=True, text=True).stdout
    name = "entities_at_" + "".join(c if c.isalnum() else "_" for c in rev)
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(ROOT / "index" / f"{name}.py")  # MODEL_DIR, DATA_DIR: this index/
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source, f"{rev}:index/entities.py", "exec"), module.__dict__)
    return module


_WARM = {}  # way → an extractor run over the warm-up articles


def new_extractor(way, warm_up=()):
    """A new extractor of one way of tagging: ``"all"``, ``"model"`` or a module to load it from;
    with the features another one cached over ``warm_up`` articles, if it can carry them."""
    ex = (EntityExtractor if way in ("all", "model") else way.EntityExtractor).load()
    if way == "all":
        ex.model_features = None  # tag() then hands FeatureCache's lists to the tagger
    if warm_up and hasattr(ex, "carry_features"):
        if way not in _WARM:
            _WARM[way] = new_extractor(way)
            for _, title, text in warm_up:
                _WARM[way].extract(title, text)
        ex.carry_features(_WARM[way].new_features(0))
    return ex


def timed_pass(articles, extractors) -> list[tuple[list[float], list]]:
    """For each extractor, CPU seconds of ``extract`` per article and the entities found; the
    extractors take turns on each article."""
    out = [([], []) for _ in extractors]
    clock = time.process_time
    for n, (_, title, text) in enumerate(articles):
        for k in range(len(extractors)):
            k = (k + n) % len(extractors)
            start = clock()
            e = extractors[k].extract(title, text)
            out[k][0].append(clock() - start)
            out[k][1].append((e.persons, e.places))
    return out


def same_tags(articles, ex, other) -> list[int]:
    """Line numbers of the articles whose tags or marginals differ between two extractors."""
    differ = []
    for line, title, text in articles:
        sentences = tokenize(title) + tokenize(text) if title.strip() else tokenize(text)
        if ex.tag(sentences) != other.tag(sentences):
            differ.append(line)
    return differ


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("count", nargs="?", type=int, default=2000)
    parser.add_argument("--passes", type=int, default=2, help="passes, each with new extractors")
    parser.add_argument("--slowest", type=int, default=8)
    parser.add_argument("--against", metavar="REV",
                        help="time and check against index/entities.py at this git revision")
    parser.add_argument("--warm", type=int, default=0, metavar="N",
                        help="start with the features cached over N other articles")
    args = parser.parse_args(argv)

    articles = read_spread(args.corpus, args.count)
    timed = {line for line, _, _ in articles}
    warm_up = [a for a in read_spread(args.corpus, args.warm, offset=1) if a[0] not in timed] \
        if args.warm else []
    ways = [("model features", "model"), ("all features", "all")]
    if args.against:
        ways[1] = (f"at {args.against}", module_at(args.against))
    tokens = [sum(len(s) for s in tokenize(title) + tokenize(text)) for _, title, text in articles]
    chars = [len(title) + len(text) for _, title, text in articles]
    print(f"{len(articles)} articles from {args.corpus.name}, {sum(tokens):,} tokens, median "
          f"{sorted(chars)[len(chars) // 2]:,} characters; load average {os.getloadavg()[0]:.1f}")
    if warm_up:
        print(f"extractors that carry features start with those of {len(warm_up)} other articles")
    current, found = [], {}
    for p in range(args.passes):
        timed_ways = timed_pass(articles, [new_extractor(way, warm_up) for _, way in ways])
        for (label, way), (times, found[label]) in zip(ways, timed_ways):
            cpu = sum(times)
            print(f"pass {p + 1}, {label:14s}: {len(articles) / cpu:6.1f} articles/CPU-s, "
                  f"{sum(tokens) / cpu / 1000:6.1f}k tokens/CPU-s ({cpu:.1f} CPU-s)")
            if way == "model":
                current = times if not current else [min(a, b) for a, b in zip(current, times)]
    differ = [articles[i][0] for i, (a, b) in enumerate(zip(*found.values())) if a != b]
    print(f"\n{len(articles) - len(differ)} of {len(articles)} articles with the same persons and "
          f"places both ways" + (f"; differ: lines {differ[:20]}" if differ else ""))
    if args.against:
        tagged = same_tags(articles, new_extractor("model"), new_extractor(ways[1][1]))
        print(f"{len(articles) - len(tagged)} of {len(articles)} articles with the same tags and "
              f"marginals" + (f"; differ: lines {tagged[:20]}" if tagged else ""))
        differ += tagged

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
    return 1 if args.against and differ else 0


if __name__ == "__main__":
    sys.exit(main())
