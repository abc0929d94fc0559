"""Ranking quality on German retrieval sets: Fundstelle's shipped defaults beside plain Whoosh.

For each set, the documents are indexed with ``fundstelle index`` and every query is run
through ``fundstelle search --batch`` (one process, shipped defaults); the same run indexes
the documents with plain Whoosh (``LanguageAnalyzer("de")``, OR grouping, BM25F defaults)
and searches them in-process. Prints MRR@10, nDCG@10 and Recall@10 for both. Asserts nothing.

Sets (from ``../shared/data/retrieval``): ``xquad-r-de``, ``xquad-de``, ``gnad-teaser-de``
and ``fang-title-de`` (28k news bodies, titles withheld: its documents come from
``fang-covid/articles.jsonl.gz``, ``label == "real"``, title removed).

    .venv/bin/python bench/quality.py                       # all sets (fang takes minutes)
    .venv/bin/python bench/quality.py --sets xquad-r-de,xquad-de
    .venv/bin/python bench/quality.py --sets fang-title-de --limit-docs 5000 --limit-queries 300
    .venv/bin/python bench/quality.py --sets fang-title-de --keep /tmp/quality --no-plain
    .venv/bin/python bench/quality.py --sets fang-title-de --keep /tmp/quality --no-plain \
        --cmd "../other/.venv/bin/python ../other/cli.py"      # another checkout, same index

``--keep DIR`` keeps each set's index in ``DIR/<set>`` and reuses it when it is there (the
ranking is query-side: one index serves a before/after pair); ``--cmd`` runs another
checkout's fundstelle.

``--limit-docs`` keeps the documents judged relevant for the kept queries and fills up with
others, so a quick run still scores every kept query (figures are then higher than on the full set).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SETS = ("xquad-r-de", "xquad-de", "gnad-teaser-de", "fang-title-de")
K = 10
SEED = 4


def fundstelle_cmd():
    """The console script of the venv that runs this bench, else ``python cli.py``."""
    exe = Path(sys.executable).with_name("fundstelle")
    return [str(exe)] if exe.exists() else [sys.executable, str(ROOT / "cli.py")]


def read_jsonl(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def read_qrels(path):
    qrels = defaultdict(dict)
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            qid, did, rel = line.rstrip("\n").split("\t")
            if int(rel) > 0:
                qrels[qid][did] = int(rel)
    return qrels


def load_set(name, data, limit_docs=None, limit_queries=None):
    """(docs, queries, qrels) of one set; docs as dicts with id, title, text."""
    folder = data / "retrieval" / name
    qrels = read_qrels(folder / "qrels.tsv")
    queries = [q for q in read_jsonl(folder / "queries.jsonl") if q["id"] in qrels]
    if limit_queries and len(queries) > limit_queries:
        queries = random.Random(SEED).sample(queries, limit_queries)
    if name == "fang-title-de":
        docs = [{"id": a["id"], "title": "", "text": a["text"]}
                for a in read_jsonl(data / "fang-covid" / "articles.jsonl.gz")
                if a.get("label") == "real"]
    else:
        docs = [{"id": d["id"], "title": d.get("title") or "", "text": d["text"]}
                for d in read_jsonl(folder / "docs.jsonl")]
    if limit_docs and len(docs) > limit_docs:
        needed = {d for q in queries for d in qrels[q["id"]]}
        keep = [d for d in docs if d["id"] in needed]
        rest = [d for d in docs if d["id"] not in needed]
        random.Random(SEED).shuffle(rest)
        keep += rest[:max(0, limit_docs - len(keep))]
        docs = keep
    return docs, queries, qrels


def metrics(runs, qrels, queries):
    """Mean MRR@10, nDCG@10 and Recall@10 over ``queries`` (missing runs score 0)."""
    mrr = ndcg = recall = 0.0
    for q in queries:
        rel = qrels[q["id"]]
        ranked = runs.get(q["id"], [])[:K]
        for i, d in enumerate(ranked):
            if d in rel:
                mrr += 1.0 / (i + 1)
                break
        dcg = sum((2 ** rel.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked))
        ideal = sorted(rel.values(), reverse=True)[:K]
        idcg = sum((2 ** r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
        ndcg += dcg / idcg if idcg else 0.0
        recall += len(set(ranked) & set(rel)) / len(rel)
    n = max(len(queries), 1)
    return {"MRR@10": mrr / n, "nDCG@10": ndcg / n, "Recall@10": recall / n}


def run_fundstelle(docs, queries, workdir, cmd=None, keep=None):
    """Index ``docs`` and answer ``queries`` through the CLI; return (runs, index s, search s).

    With ``keep`` (a folder) the index is built there once and reused.
    """
    docs_file = workdir / "docs.jsonl"
    with open(docs_file, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    queries_file = workdir / "queries.jsonl"
    with open(queries_file, "w", encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps({"id": q["id"], "text": q["text"]}, ensure_ascii=False) + "\n")
    index = (keep if keep is not None else workdir) / "fundstelle-index"
    cmd = (cmd or fundstelle_cmd()) + ["--index", str(index)]
    started = time.perf_counter()
    built = index.parent / "BUILT"
    marker = f"{len(docs)} documents\n"
    if not (built.exists() and built.read_text() == marker):
        # Exit status 1 also reports skipped articles (e.g. duplicate ids): not fatal here.
        done = subprocess.run(cmd + ["index", "--no-entities", "--rebuild", str(docs_file)],
                              check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
        if done.returncode not in (0, 1) or not index.exists():
            sys.exit(f"indexing failed ({done.returncode}): {done.stderr[-2000:]}")
        if keep is not None:
            built.write_text(marker)
    indexed = time.perf_counter() - started
    started = time.perf_counter()
    out = subprocess.run(cmd + ["search", "--batch", str(queries_file), "--limit", str(K)],
                         check=False, capture_output=True, text=True)
    # Exit status 1: some queries failed (e.g. stop words only); their lines carry the error.
    if out.returncode not in (0, 1):
        sys.exit(f"search failed ({out.returncode}): {out.stderr[-2000:]}")
    searched = time.perf_counter() - started
    runs = {}
    for line in out.stdout.splitlines():
        item = json.loads(line)
        runs[item["id"]] = [h["id"] for h in item.get("hits", [])]
    return runs, indexed, searched


def run_plain_whoosh(docs, queries, workdir):
    """The same with plain Whoosh: LanguageAnalyzer("de"), OR grouping, BM25F defaults."""
    from whoosh import fields, qparser
    from whoosh import index as whoosh_index
    from whoosh.analysis import LanguageAnalyzer

    analyzer = LanguageAnalyzer("de")
    schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                           title=fields.TEXT(analyzer=analyzer),
                           body=fields.TEXT(analyzer=analyzer))
    path = workdir / "plain-whoosh"
    path.mkdir()
    ix = whoosh_index.create_in(str(path), schema)
    started = time.perf_counter()
    writer = ix.writer(limitmb=256)
    for d in docs:
        writer.add_document(id=d["id"], title=d["title"], body=d["text"])
    writer.commit()
    indexed = time.perf_counter() - started
    parser = qparser.MultifieldParser(["title", "body"], schema, group=qparser.OrGroup)
    runs = {}
    started = time.perf_counter()
    with ix.searcher() as s:
        for q in queries:
            hits = s.search(parser.parse(q["text"]), limit=K)
            runs[q["id"]] = [h["id"] for h in hits]
    return runs, indexed, time.perf_counter() - started


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default=",".join(SETS),
                    help="comma-separated set names (default: all four)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="folder holding retrieval/ and fang-covid/ (default: ../shared/data)")
    ap.add_argument("--limit-docs", type=int, default=None,
                    help="index at most this many documents a set (judged ones kept)")
    ap.add_argument("--limit-queries", type=int, default=None,
                    help="run a seeded sample of this many queries a set")
    ap.add_argument("--no-plain", action="store_true", help="skip the plain Whoosh baseline")
    ap.add_argument("--cmd", default=None,
                    help="fundstelle command to run (default: this venv's fundstelle)")
    ap.add_argument("--keep", type=Path, default=None, metavar="DIR",
                    help="keep each set's index in DIR/<set> and reuse it when present")
    ap.add_argument("--runs", type=Path, default=None,
                    help="write each system's ranked ids per query as JSON into this folder")
    args = ap.parse_args(argv)

    rows = []
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        if name not in SETS:
            ap.error(f"unknown set {name!r}; choose from {', '.join(SETS)}")
        docs, queries, qrels = load_set(name, args.data, args.limit_docs, args.limit_queries)
        print(f"{name}: {len(docs):,} documents, {len(queries):,} queries", file=sys.stderr)
        workdir = Path(tempfile.mkdtemp(prefix=f"fundstelle-quality-{name}-"))
        try:
            cmd = shlex.split(args.cmd) if args.cmd else None
            keep = args.keep / name if args.keep else None
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
            systems = [("fundstelle", lambda d, q, w: run_fundstelle(d, q, w, cmd, keep))]
            if not args.no_plain:
                systems.append(("plain whoosh", run_plain_whoosh))
            for label, runner in systems:
                runs, t_index, t_search = runner(docs, queries, workdir)
                m = metrics(runs, qrels, queries)
                rows.append((name, label, m, t_index, t_search))
                print(f"  {label:<13} MRR@10 {m['MRR@10']:.3f}  nDCG@10 {m['nDCG@10']:.3f}  "
                      f"Recall@10 {m['Recall@10']:.3f}  (index {t_index:.0f} s, "
                      f"search {t_search:.0f} s)", file=sys.stderr)
                if args.runs:
                    args.runs.mkdir(parents=True, exist_ok=True)
                    out = args.runs / f"{name}.{label.replace(' ', '-')}.json"
                    out.write_text(json.dumps(runs), encoding="utf-8")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    limited = " (limited run)" if args.limit_docs or args.limit_queries else ""
    print(f"| set | system | MRR@10 | nDCG@10 | Recall@10 |{limited}")
    print("|---|---|---|---|---|")
    for name, label, m, _, _ in rows:
        print(f"| {name} | {label} | {m['MRR@10']:.3f} | {m['nDCG@10']:.3f} | "
              f"{m['Recall@10']:.3f} |")


if __name__ == "__main__":
    main()
