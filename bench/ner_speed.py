"""Speed of the person/place extractor on real articles: articles and tokens per CPU second.

    .venv/bin/python bench/ner_speed.py [CORPUS] [COUNT] [--passes 2] [--against REV] [--warm N]
                                        [--batch 50]

Reads COUNT articles (default 2,000) spread evenly over CORPUS, JSON Lines with ``title`` and
``text`` (default: the FANG-COVID file in ``../shared``; ``.gz`` is read as gzip), and times
extraction on one core with ``time.process_time`` for two ways, each pass with a new extractor
of each way (a cold cache, as an indexing worker starts a batch); the two take turns on every
batch of ``--batch`` articles, which first, so that a change in the machine's load mid-pass
falls on both alike:

- ``batched``: what an indexing worker does, ``EntityExtractor.extract_many`` over each batch
  (one ``tag_many`` call: NumPy, the model's weights read from its file);
- ``crfsuite``: ``extract`` of each article of the batch with crfsuite's tagger and every
  feature string of ``FeatureCache``, as before ``ModelFeatures``; tokenizing and the article
  rules are the current ones in both.

``--against REV`` times ``extract`` of each article with the entity extractor as it is at git
revision REV (``main``, ``HEAD~1``; ``index/entities.py`` or the package ``index/entities/``)
instead of ``crfsuite``, and checks that both give every
article exactly the same persons and places, and that ``tag_many`` (over batches) gives every
sentence REV's ``tag``'s tags and its marginal probabilities within 1e-9 (it prints the largest
difference and the lines of articles that differ, and exits 1 if any do). With ``--batch 0`` the
current tree is timed on ``extract`` per article too. ``--warm N`` gives each new extractor the
feature cache (``new_features``) of another extractor run over N other articles of CORPUS, as an
indexing worker of a later batch starts with what earlier batches' workers carried back
(``EntityExtractor.carry_features``, up to ``CARRY_LIMIT`` tokens); an extractor without
``carry_features`` (a REV before it) stays cold, as its workers did.

Prints articles and tokens per CPU second and CPU seconds per 1,000 articles of each pass and,
with ``--batch 0``, time per token by article length and the slowest articles (by their line
number in CORPUS; no text is printed). CPU seconds on a shared machine vary by ±25 % with the
load: compare figures from one run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import importlib
import importlib.util
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.entities import EntityExtractor, document_lowercase, tokenize  # noqa: E402

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
    """The entity extractor as it is at git revision ``rev``, imported as a module of its own.

    Up to the split into a package that is ``index/entities.py`` alone (its model and word lists
    are read from this tree's ``index``); after it, ``index/entities/`` with the rest of that
    revision's ``index/`` (its relative imports stay within it), unpacked to a temporary folder
    and imported as the package ``index_at_REV``."""
    safe = "".join(c if c.isalnum() else "_" for c in rev)
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", rev,
                             "index/entities.py"], check=True, capture_output=True, text=True)
    if not listed.stdout.strip():
        return _package_at(rev, safe)
    source = _source_at(rev, "index/entities.py")
    if "from index.crf import" in source:  # its NumPy tagger, index/crf.py of the same revision
        crf = _module_from_source("crf_at_" + safe, _source_at(rev, "index/crf.py"), rev)
        source = source.replace("from index.crf import", f"from {crf.__name__} import")
    return _module_from_source("entities_at_" + safe, source, rev)


def _source_at(rev: str, path: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], check=True,
                          capture_output=True, text=True).stdout


def _module_from_source(name: str, source: str, rev: str):
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(ROOT / "index" / f"{name}.py")  # MODEL_DIR, DATA_DIR: this index/
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source, f"{rev}:{name}", "exec"), module.__dict__)
    return module


def _package_at(rev: str, safe: str):
    """``index.entities`` of revision ``rev`` (a package), with that revision's ``index/``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "index"], check=True,
                             capture_output=True).stdout
    folder = Path(tempfile.mkdtemp(prefix=f"index_at_{safe}_"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    name = "index_at_" + safe
    spec = importlib.util.spec_from_file_location(
        name, folder / "index" / "__init__.py", submodule_search_locations=[str(folder / "index")])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    return importlib.import_module(name + ".entities")


_WARM = {}  # way → an extractor run over the warm-up articles


def new_extractor(way, warm_up=()):
    """A new extractor of one way of tagging: ``"all"``, ``"model"`` or a module to load it from;
    with the features another one cached over ``warm_up`` articles, if it can carry them."""
    ex = (EntityExtractor if way in ("all", "model") else way.EntityExtractor).load()
    if way == "all":
        ex.model_features = None  # tag() then hands FeatureCache's lists to the tagger
        ex.rows = None  # and extract() tags with crfsuite
    if warm_up and hasattr(ex, "carry_features"):
        if way not in _WARM:
            _WARM[way] = new_extractor(way)
            for _, title, text in warm_up:
                _WARM[way].extract(title, text)
        ex.carry_features(_WARM[way].new_features(0))
    return ex


def timed_pass(articles, extractors, batches) -> list[tuple[list[float], list]]:
    """For each extractor, CPU seconds per article and the entities found; the extractors take
    turns on each batch of articles. ``batches[k]``: extractor ``k`` takes a batch in one
    ``extract_many`` call (its time is spread evenly over the batch's articles), else
    ``extract`` of each article."""
    out = [([], []) for _ in extractors]
    clock = time.process_time
    size = max(batches) or 1
    for n, b in enumerate(range(0, len(articles), size)):
        batch = [(title, text) for _, title, text in articles[b:b + size]]
        for k in range(len(extractors)):
            k = (k + n) % len(extractors)
            ex = extractors[k]
            start = clock()
            if batches[k]:
                found = list(ex.extract_many(batch, batch=batches[k]))
                cpu = [(clock() - start) / len(batch)] * len(batch)
            else:
                found, cpu = [], []
                for title, text in batch:
                    found.append(ex.extract(title, text))
                    cpu.append(clock() - start)
                    start = clock()
            out[k][0].extend(cpu)
            out[k][1].extend((e.persons, e.places) for e in found)
    return out


def same_tags(articles, ex, other, batch: int) -> tuple[list[int], float, int]:
    """Line numbers of the articles whose tags differ between ``ex.tag_many`` (over batches) and
    ``other.tag``, or whose marginals differ by more than 1e-9; the largest difference, and how
    many marginals of name tags were compared."""
    differ, largest, compared = [], 0.0, 0
    size = batch or 1
    for b in range(0, len(articles), size):
        chunk = articles[b:b + size]
        prepared = [(s, document_lowercase(s)) for s in
                    (tokenize(title) + tokenize(text) if title.strip() else tokenize(text)
                     for _, title, text in chunk)]
        for (line, _, _), (sentences, doc_lower), (tags, probs) in zip(
                chunk, prepared, ex.tag_many(prepared)):
            want_tags, want_probs = other.tag(sentences, doc_lower)
            gaps = [abs(a - b) for p, q in zip(probs, want_probs) for a, b in zip(p, q)]
            compared += sum(p != 1.0 for q in want_probs for p in q)
            largest = max(largest, max(gaps, default=0.0))
            if tags != want_tags or max(gaps, default=0.0) > 1e-9:
                differ.append(line)
    return differ, largest, compared


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("count", nargs="?", type=int, default=2000)
    parser.add_argument("--passes", type=int, default=2, help="passes, each with new extractors")
    parser.add_argument("--slowest", type=int, default=8)
    parser.add_argument("--against", metavar="REV",
                        help="time and check against the entity extractor at this git revision")
    parser.add_argument("--warm", type=int, default=0, metavar="N",
                        help="start with the features cached over N other articles")
    parser.add_argument("--batch", type=int, default=50, metavar="N",
                        help="articles per extract_many call of the current tree (0: extract)")
    args = parser.parse_args(argv)

    articles = read_spread(args.corpus, args.count)
    timed = {line for line, _, _ in articles}
    warm_up = [a for a in read_spread(args.corpus, args.warm, offset=1) if a[0] not in timed] \
        if args.warm else []
    ways = [(f"batched ({args.batch} a call)" if args.batch else "extract", "model"),
            ("crfsuite", "all")]
    if args.against:
        ways[1] = (f"at {args.against}", module_at(args.against))
    batches = [args.batch, 0]
    tokens = [sum(len(s) for s in tokenize(title) + tokenize(text)) for _, title, text in articles]
    chars = [len(title) + len(text) for _, title, text in articles]
    print(f"{len(articles)} articles from {args.corpus.name}, {sum(tokens):,} tokens, median "
          f"{sorted(chars)[len(chars) // 2]:,} characters; load average {os.getloadavg()[0]:.1f}")
    if warm_up:
        print(f"extractors that carry features start with those of {len(warm_up)} other articles")
    current, found = [], {}
    for p in range(args.passes):
        timed_ways = timed_pass(articles, [new_extractor(way, warm_up) for _, way in ways],
                                batches)
        for (label, way), (times, found[label]) in zip(ways, timed_ways):
            cpu = sum(times)
            print(f"pass {p + 1}, {label:20s}: {len(articles) / cpu:6.1f} articles/CPU-s, "
                  f"{sum(tokens) / cpu / 1000:6.1f}k tokens/CPU-s, "
                  f"{1000 * cpu / len(articles):5.2f} CPU-s per 1,000 articles ({cpu:.1f} CPU-s)")
            if way == "model":
                current = times if not current else [min(a, b) for a, b in zip(current, times)]
    differ = [articles[i][0] for i, (a, b) in enumerate(zip(*found.values())) if a != b]
    print(f"\n{len(articles) - len(differ)} of {len(articles)} articles with the same persons and "
          f"places both ways" + (f"; differ: lines {differ[:20]}" if differ else ""))
    if args.against:
        tagged, largest, compared = same_tags(articles, new_extractor("model"),
                                              new_extractor(ways[1][1]), args.batch)
        print(f"{len(articles) - len(tagged)} of {len(articles)} articles with the same tags and "
              f"marginals within 1e-9 (largest difference {largest:.1e} over {compared:,} "
              f"marginals of name tags)" + (f"; differ: lines {tagged[:20]}" if tagged else ""))
        differ += tagged

    if args.batch:  # per-article times are batch averages: nothing to say by length
        return 1 if args.against and differ else 0
    print(f"\n{ways[0][0]}, best of the passes, by article length:")
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
