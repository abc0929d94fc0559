"""Reporter-style short queries over FANG (issue 18): nDCG@10 of our ranking beside two baselines.

The queries (``bench/reporter/queries.tsv``: qid, category, query) are what a reporter types to
find the articles about a story: two or three words in the categories ``topic`` (two topic
words), ``person`` (person + topic), ``place`` (place + topic), ``morph`` (the query's form of a
word differs from the articles') and ``noumlaut`` (typed without umlauts). Graded judgments
(``bench/reporter/judgments/<qid>.tsv``: doc_id, grade 0/1/2, one-line reason; ids only, never
article text) come from reading the pooled top 10 of the rankings:

- ``ours``: ``fundstelle search --batch`` with the shipped defaults on ``--index``
  (``--ours-cmd`` runs the fundstelle of another checkout);
- ``base``: the same on ``--base-index`` / ``--base-cmd``, to print before/after in one run;
- ``whoosh``: plain Whoosh, ``LanguageAnalyzer("de")`` on title and body, OR grouping, BM25F
  defaults;
- ``bm25``: plain Snowball BM25 over decompounded documents: one body field holding title and
  text, Whoosh's German tokenizer and stop words, our compound splitter (``index/compounds.py``)
  adding each compound's parts as plain words, Snowball German stems, BM25F defaults, no title
  field, no coordination; the query is analysed the same way and its terms joined with OR.

The two baseline indexes are built once into ``--workdir`` (about 8 minutes each on FANG) and
reused. ``--pool OUTDIR`` writes, per query, the unjudged documents of the rankings' top 10 as
``OUTDIR/<qid>.md`` (id, source, date, title, the beginning, every paragraph holding a query word)
in id order, without saying which ranking found them, and marks ``OUTDIR/READY``. Without it the
script prints nDCG@10 (gain = grade, log2 discount, ideal from all judged grades of the query)
per category and overall, for each ranking side by side, with the share of top-10 documents
judged; unjudged documents count as 0. Queries without a judged relevant document are left out
and counted. Asserts nothing.

    .venv/bin/python bench/reporter.py --index /work/data/fang-index
    .venv/bin/python bench/reporter.py --index IDX --rankings ours,base --base-index OLD_IDX
    .venv/bin/python bench/reporter.py --index IDX --ours-cmd "../other/.venv/bin/fundstelle"
    .venv/bin/python bench/reporter.py --index IDX --pool /work/data/reporter/pool
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import multiprocessing
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SET_DIR = ROOT / "bench" / "reporter"
QUERIES = SET_DIR / "queries.tsv"
JUDGMENTS = SET_DIR / "judgments"
CATEGORIES = ("topic", "person", "place", "morph", "noumlaut")
RANKINGS = ("ours", "base", "whoosh", "bm25")
K = 10
#: Characters of an article's beginning shown in the pool.
POOL_LEAD = 1200
#: Sign-flip permutations for the paired test between two rankings.
PERMUTATIONS = 20_000
SEED = 18


def default_corpus():
    """FANG's articles.jsonl.gz under ``shared/data`` beside this checkout or its parent."""
    for base in (ROOT.parent, ROOT.parent.parent):
        path = base / "shared" / "data" / "fang-covid" / "articles.jsonl.gz"
        if path.exists():
            return path
    return ROOT.parent / "shared" / "data" / "fang-covid" / "articles.jsonl.gz"


def default_index():
    return os.environ.get("FUNDSTELLE_INDEX") or "fundstelle-index"


def fundstelle_cmd():
    """The console script of the venv that runs this bench, else ``python cli.py``."""
    exe = Path(sys.executable).with_name("fundstelle")
    return [str(exe)] if exe.exists() else [sys.executable, str(ROOT / "cli.py")]


def read_queries(path=QUERIES):
    """The query set as dicts with qid, category, query, in file order."""
    queries = []
    with open(path, encoding="utf-8") as f:
        header = next(f).rstrip("\n").split("\t")
        if header != ["qid", "category", "query"]:
            sys.exit(f"{path}: header must be qid, category, query (tab-separated)")
        for n, line in enumerate(f, 2):
            if not line.strip():
                continue
            qid, category, query = line.rstrip("\n").split("\t")
            if category not in CATEGORIES:
                sys.exit(f"{path}:{n}: unknown category {category!r}")
            queries.append({"qid": qid, "category": category, "query": query})
    return queries


def read_judgments(folder=JUDGMENTS):
    """{qid: {doc_id: grade}} from ``<qid>.tsv`` files (doc_id, grade, reason)."""
    judged = {}
    for path in sorted(Path(folder).glob("*.tsv")):
        grades = {}
        with open(path, encoding="utf-8") as f:
            header = next(f, "").rstrip("\n").split("\t")
            if header != ["doc_id", "grade", "reason"]:
                sys.exit(f"{path}: header must be doc_id, grade, reason (tab-separated)")
            for n, line in enumerate(f, 2):
                if not line.strip():
                    continue
                fields = line.rstrip("\n").split("\t")
                if len(fields) != 3 or fields[1] not in ("0", "1", "2") or not fields[2].strip():
                    sys.exit(f"{path}:{n}: expected doc_id, grade 0/1/2 and a reason")
                if fields[0] in grades:
                    sys.exit(f"{path}:{n}: {fields[0]} is judged twice")
                grades[fields[0]] = int(fields[1])
        judged[path.stem] = grades
    return judged


def read_articles(corpus, wanted=None):
    """FANG articles as dicts; only the ids in ``wanted`` when given."""
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            if wanted is not None:
                # The id is the first field: skip the JSON parse of articles not wanted.
                m = re.match(r'\{"id": "([^"]+)"', line)
                if m and m.group(1) not in wanted:
                    continue
            if line.strip():
                a = json.loads(line)
                if wanted is None or a["id"] in wanted:
                    yield a


# --- rankings -------------------------------------------------------------------------------

def run_fundstelle(cmd, index, queries):
    """{qid: top-10 ids} from ``fundstelle search --batch`` (one process, shipped defaults)."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8",
                                     delete=False) as f:
        for q in queries:
            f.write(json.dumps({"id": q["qid"], "text": q["query"]}, ensure_ascii=False) + "\n")
        batch = f.name
    try:
        out = subprocess.run(cmd + ["--index", str(index), "search", "--batch", batch,
                                    "--limit", str(K)], capture_output=True, text=True)
    finally:
        os.unlink(batch)
    if out.returncode != 0:
        sys.exit(f"{shlex.join(cmd)} search on {index} failed ({out.returncode}): "
                 f"{out.stderr.strip()[-2000:]}")
    runs = {}
    for line in out.stdout.splitlines():
        item = json.loads(line)
        if item.get("error"):
            print(f"  {item['id']}: {item['error']}", file=sys.stderr)
        runs[item["id"]] = [h["id"] for h in item.get("hits", [])]
    return runs


def plain_parts_filter():
    """A Whoosh filter adding the parts of each compound as plain tokens after it.

    >>> [t.text for t in plain_parts_filter()(LowercaseFilter()(RegexTokenizer()("Beatmungsgeräte")))]
    ['beatmungsgeräte', 'beatmung', 'geräte']
    """
    from whoosh.analysis import Filter

    from index.compounds import CompoundSplitter

    class PlainPartsFilter(Filter):
        def __init__(self):
            self.parts = CompoundSplitter().parts

        def __call__(self, tokens):
            for t in tokens:
                word = t.text
                yield t
                if t.stopped:
                    continue
                for part in self.parts(word):
                    t.text = part.text
                    yield t

    return PlainPartsFilter()


def bm25_analyzer():
    """Whoosh's German tokenizer and stop words, compound parts, Snowball German stems."""
    from whoosh.analysis import LowercaseFilter, RegexTokenizer, StopFilter
    from whoosh.lang import stopwords_for_language

    from index.analysis import GermanStemFilter

    return (RegexTokenizer() | LowercaseFilter()
            | StopFilter(stoplist=stopwords_for_language("de"))
            | plain_parts_filter() | GermanStemFilter())


_ANALYZER = []


def _bm25_terms(article):
    """(id, the article's title and text as space-separated bm25 terms)."""
    if not _ANALYZER:
        _ANALYZER.append(bm25_analyzer())
    text = f"{article.get('title') or ''}\n{article.get('text') or ''}"
    return article["id"], " ".join(t.text for t in _ANALYZER[0](text))


def _built(path, count):
    marker = path / "BUILT"
    return marker.exists() and marker.read_text().strip() == str(count)


def build_baselines(names, corpus, workdir, procs=1):
    """Build the missing baseline indexes of ``names`` into ``workdir`` (once).

    With ``procs`` > 1 Whoosh's multiprocessing writer indexes into one segment per process;
    searches see the same collection statistics, so the ranking is the same.
    """
    from whoosh import fields
    from whoosh import index as whoosh_index
    from whoosh.analysis import LanguageAnalyzer, SpaceSeparatedTokenizer

    count_file = workdir / "corpus-count"
    if count_file.exists():
        count = int(count_file.read_text())
    else:
        count = sum(1 for _ in read_articles(corpus))
        workdir.mkdir(parents=True, exist_ok=True)
        count_file.write_text(str(count))
    for name in names:
        path = workdir / name
        if _built(path, count):
            continue
        path.mkdir(parents=True, exist_ok=True)
        if name == "whoosh":
            analyzer = LanguageAnalyzer("de")
            schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                                   title=fields.TEXT(analyzer=analyzer),
                                   body=fields.TEXT(analyzer=analyzer))
        else:
            # Documents are analysed here and indexed as space-separated terms, so the
            # index's pickled schema holds only Whoosh classes.
            schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                                   body=fields.TEXT(analyzer=SpaceSeparatedTokenizer()))
        print(f"building the {name} baseline in {path} ...", file=sys.stderr)
        started = time.perf_counter()
        ix = whoosh_index.create_in(str(path), schema)
        writer = (ix.writer(procs=procs, limitmb=128, multisegment=True) if procs > 1
                  else ix.writer(limitmb=256))
        if name == "whoosh":
            for a in read_articles(corpus):
                writer.add_document(id=a["id"], title=a.get("title") or "",
                                    body=a.get("text") or "")
        elif procs > 1:
            with multiprocessing.Pool(procs) as pool:
                for doc_id, terms in pool.imap(_bm25_terms, read_articles(corpus), 64):
                    writer.add_document(id=doc_id, body=terms)
        else:
            for a in read_articles(corpus):
                writer.add_document(id=a["id"], body=_bm25_terms(a)[1])
        writer.commit()
        (path / "BUILT").write_text(str(count))
        print(f"  {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)


def run_baseline(name, workdir, queries):
    """{qid: top-10 ids} of the ``whoosh`` or ``bm25`` baseline index in ``workdir``."""
    from whoosh import index as whoosh_index
    from whoosh import qparser
    from whoosh.query import NullQuery, Or, Term

    ix = whoosh_index.open_dir(str(workdir / name))
    runs = {}
    with ix.searcher() as s:
        if name == "whoosh":
            parser = qparser.MultifieldParser(["title", "body"], ix.schema,
                                              group=qparser.OrGroup)
        else:
            analyze = bm25_analyzer()
        for q in queries:
            if name == "whoosh":
                query = parser.parse(q["query"])
            else:
                terms = list(dict.fromkeys(t.text for t in analyze(q["query"])))
                query = Or([Term("body", t) for t in terms]) if terms else NullQuery
            runs[q["qid"]] = [h["id"] for h in s.search(query, limit=K)]
    return runs


def collect_runs(args, queries, names):
    runs = {}
    baselines = [n for n in names if n in ("whoosh", "bm25")]
    if baselines:
        build_baselines(baselines, args.corpus, args.workdir, args.procs)
    ours_cmd = shlex.split(args.ours_cmd) if args.ours_cmd else fundstelle_cmd()
    for name in names:
        if name == "ours":
            runs[name] = run_fundstelle(ours_cmd, args.index, queries)
        elif name == "base":
            base_cmd = shlex.split(args.base_cmd) if args.base_cmd else ours_cmd
            runs[name] = run_fundstelle(base_cmd, args.base_index or args.index, queries)
        else:
            runs[name] = run_baseline(name, args.workdir, queries)
    return runs


# --- pool -----------------------------------------------------------------------------------

def _fold(text):
    """Lowercase with umlauts and their two-letter spellings folded, for matching words."""
    text = text.lower().replace("ß", "ss")
    for a, b in (("ä", "a"), ("ö", "o"), ("ü", "u"), ("ae", "a"), ("oe", "o"), ("ue", "u")):
        text = text.replace(a, b)
    return text


def query_matchers(query):
    """{query word: its folded stem} (short words dropped), for finding paragraphs."""
    from index.analysis import stem_word

    stems = {}
    for word in re.findall(r"\w+", query):
        stem = _fold(stem_word(word))
        if len(stem) >= 3 and stem not in stems.values():
            stems[word] = stem
    return stems


def paragraph_hits(text, stems):
    """The query words whose stem occurs in ``text``: as a word's stem, or inside a word."""
    from index.analysis import stem_word

    raw = set(re.findall(r"\w+", text))
    words = {_fold(w) for w in raw}
    stemmed = {_fold(stem_word(w)) for w in raw}
    return [word for word, s in stems.items()
            if s in stemmed or (len(s) >= 4 and any(s in w for w in words))]


def _doc_key(doc_id):
    m = re.search(r"(\d+)$", doc_id)
    return (doc_id[:m.start()], int(m.group(1))) if m else (doc_id, 0)


def read_pooled(folders):
    """{qid: doc ids} already written to the pool files in ``folders`` (an earlier round)."""
    pooled = defaultdict(set)
    for folder in folders:
        for path in Path(folder).glob("*.md"):
            pooled[path.stem].update(re.findall(r"^## (\S+)", path.read_text(encoding="utf-8"),
                                                flags=re.M))
    return pooled


def write_pool(outdir, queries, runs, judged, corpus, pooled=None):
    """Write one ``<qid>.md`` per query with its unjudged top-10 documents; then ``READY``.

    Documents in ``pooled`` ({qid: ids} of an earlier round still being judged) are left out.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    ready = outdir / "READY"
    if ready.exists():
        ready.unlink()
    todo = {}
    for q in queries:
        done = set(judged.get(q["qid"], {})) | (pooled or {}).get(q["qid"], set())
        docs = {d for r in runs.values() for d in r.get(q["qid"], [])[:K] if d not in done}
        todo[q["qid"]] = sorted(docs, key=_doc_key)
    wanted = {d for docs in todo.values() for d in docs}
    articles = {a["id"]: a for a in read_articles(corpus, wanted)}
    total = 0
    for q in queries:
        stems = query_matchers(q["query"])
        lines = [f"# {q['qid']} · {q['category']} · `{q['query']}`", "",
                 f"{len(todo[q['qid']])} documents to judge, in id order. Paragraphs are "
                 f"marked with the query words whose stem they hold.",
                 "Grades: 2 about the combination the query asks for; 1 the combination is a "
                 "side topic, or one aspect only partly; 0 not about it.", ""]
        for doc_id in todo[q["qid"]]:
            a = articles.get(doc_id)
            if a is None:
                lines += [f"## {doc_id}", "", "(not in the corpus)", ""]
                continue
            text = a.get("text") or ""
            lines += [f"## {doc_id}", "",
                      f"{a.get('source', '')} · {(a.get('date') or '')[:10]} · "
                      f"{len(text):,} characters",
                      f"**{a.get('title') or '(no title)'}**",
                      f"title holds: {', '.join(paragraph_hits(a.get('title') or '', stems)) or '-'}",
                      "", "### Beginning", "", text[:POOL_LEAD].strip(), ""]
            shown, offset = [], 0
            for para in text.split("\n"):
                start, offset = offset, offset + len(para) + 1
                if start + len(para) <= POOL_LEAD or not para.strip():
                    continue
                hits = paragraph_hits(para, stems)
                if hits:
                    shown.append(f"[{', '.join(hits)}] {para.strip()}")
            lines += ["### Paragraphs with query words after the beginning", ""]
            lines += [f"- {p}" for p in shown] if shown else ["(none)"]
            lines.append("")
        (outdir / f"{q['qid']}.md").write_text("\n".join(lines), encoding="utf-8")
        total += len(todo[q["qid"]])
    ready.write_text(f"{len(queries)} queries, {total} documents to judge\n")
    print(f"pool: {total} documents over {len(queries)} queries in {outdir}", file=sys.stderr)


# --- scores ---------------------------------------------------------------------------------

def ndcg(ranked, grades):
    """nDCG@10 with gain = grade; None when the query has no judged relevant document."""
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:K]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    if not idcg:
        return None
    return sum(grades.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:K])) / idcg


def paired_p(a, b, seed=SEED):
    """Two-sided p of a paired sign-flip permutation test on per-query differences."""
    diffs = [x - y for x, y in zip(a, b)]
    observed = abs(sum(diffs))
    if not diffs or not observed:
        return 1.0
    rng = random.Random(seed)
    hits = sum(abs(sum(d if rng.random() < 0.5 else -d for d in diffs)) >= observed - 1e-12
               for _ in range(PERMUTATIONS))
    return (hits + 1) / (PERMUTATIONS + 1)


def report(queries, runs, judged, names):
    """Print nDCG@10 per category and overall, with the share of top-10 documents judged."""
    per_query = {n: {} for n in names}
    share = {n: defaultdict(lambda: [0, 0]) for n in names}
    unscored = []
    for q in queries:
        grades = judged.get(q["qid"], {})
        for n in names:
            top = runs[n].get(q["qid"], [])[:K]
            for cat in (q["category"], "all"):
                share[n][cat][0] += sum(d in grades for d in top)
                share[n][cat][1] += len(top)
        scores = {n: ndcg(runs[n].get(q["qid"], []), grades) for n in names}
        if any(v is None for v in scores.values()):
            unscored.append(q["qid"])
            continue
        for n in names:
            per_query[n][q["qid"]] = scores[n]

    def cell(n, cat, qids):
        vals = [per_query[n][qid] for qid in qids]
        judged_n, total = share[n][cat]
        pct = f"{100 * judged_n / total:.0f}%" if total else "-"
        return f"{sum(vals) / len(vals):.3f} ({pct})" if vals else f"- ({pct})"

    print(f"| category | queries | {' | '.join(names)} |")
    print("|---|---|" + "---|" * len(names))
    for cat in CATEGORIES + ("all",):
        qids = [q["qid"] for q in queries if q["qid"] in per_query[names[0]]
                and (cat == "all" or q["category"] == cat)]
        total_q = sum(1 for q in queries if cat == "all" or q["category"] == cat)
        if not total_q:
            continue
        label = f"**{cat}**" if cat == "all" else cat
        print(f"| {label} | {len(qids)} of {total_q} | "
              + " | ".join(cell(n, cat, qids) for n in names) + " |")
    print("\nnDCG@10 (gain = grade 0/1/2), in brackets the share of the ranking's top-10 "
          "documents that are judged; unjudged documents count as 0.")
    for n in names:
        missing = share[n]["all"][1] - share[n]["all"][0]
        if missing:
            print(f"{n}: {missing} unjudged documents in its top 10s (run --pool to judge them)")
    if unscored:
        print(f"left out, no judged relevant document: {len(unscored)} queries "
              f"({', '.join(unscored)})")
    scored = [q["qid"] for q in queries if q["qid"] in per_query[names[0]]]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            p = paired_p([per_query[a][q] for q in scored], [per_query[b][q] for q in scored])
            print(f"{a} vs {b}: paired permutation test p = {p:.3f} over {len(scored)} queries")


def select_queries(queries, spec):
    if not spec or spec == "all":
        return queries
    if spec in ("odd", "even"):
        want = 1 if spec == "odd" else 0
        return [q for q in queries if int(re.sub(r"\D", "", q["qid"])) % 2 == want]
    keep = {s.strip() for s in spec.split(",")}
    return [q for q in queries if q["qid"] in keep]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", default=default_index(),
                    help="our index (default: $FUNDSTELLE_INDEX, else ./fundstelle-index)")
    ap.add_argument("--ours-cmd", default=None,
                    help="fundstelle command for 'ours' (default: this venv's fundstelle)")
    ap.add_argument("--base-index", default=None, help="index for 'base' (default: --index)")
    ap.add_argument("--base-cmd", default=None, help="fundstelle command for 'base' "
                    "(default: --ours-cmd)")
    ap.add_argument("--rankings", default="ours,whoosh,bm25",
                    help=f"comma-separated, from {', '.join(RANKINGS)} (default: ours,whoosh,bm25)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/fundstelle-reporter"),
                    help="where the baseline indexes are kept (default: /tmp/fundstelle-reporter)")
    ap.add_argument("--corpus", type=Path, default=default_corpus(),
                    help="FANG articles.jsonl.gz (default: ../shared/data/fang-covid/...)")
    ap.add_argument("--queries", type=Path, default=QUERIES, help="queries.tsv to use")
    ap.add_argument("--judgments", type=Path, default=JUDGMENTS,
                    help="folder of <qid>.tsv judgments")
    ap.add_argument("--qids", default="all",
                    help="'all', 'odd', 'even' or a comma-separated list of qids")
    ap.add_argument("--pool", type=Path, default=None, metavar="OUTDIR",
                    help="write the unjudged top-10 documents per query to OUTDIR for judging")
    ap.add_argument("--pooled", type=Path, action="append", default=[], metavar="DIR",
                    help="with --pool: leave out the documents of an earlier pool folder "
                         "(repeatable), for a second round while the first is judged")
    ap.add_argument("--procs", type=int, default=1,
                    help="processes for building a baseline index (default: 1)")
    ap.add_argument("--runs", type=Path, default=None,
                    help="also write each ranking's top 10 per query as JSON to this file")
    args = ap.parse_args(argv)

    names = [n.strip() for n in args.rankings.split(",") if n.strip()]
    for n in names:
        if n not in RANKINGS:
            ap.error(f"unknown ranking {n!r}; choose from {', '.join(RANKINGS)}")
    if not args.corpus.exists():
        ap.error(f"no FANG corpus at {args.corpus}; give --corpus")
    if any(n in ("ours", "base") for n in names) and not Path(args.index).is_dir():
        ap.error(f"no index in {args.index}; give --index or set $FUNDSTELLE_INDEX")
    queries = select_queries(read_queries(args.queries), args.qids)
    judged = read_judgments(args.judgments)
    runs = collect_runs(args, queries, names)
    if args.runs:
        args.runs.write_text(json.dumps(runs, indent=1), encoding="utf-8")
    if args.pool:
        write_pool(args.pool, queries, runs, judged, args.corpus, read_pooled(args.pooled))
    else:
        report(queries, runs, judged, names)


if __name__ == "__main__":
    main()
