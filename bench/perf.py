"""Indexing and search speed at archive scale, beside plain Whoosh measured in the same run.

    nice python bench/perf.py --corpus ../shared/data/fang-covid/articles.jsonl.gz \\
        --sizes 5000,10000,20000,41242

For each size the script takes that many articles spread evenly over the
corpus (the whole file, read as given, when the size covers it) and builds
three indexes, each in a child process whose process tree is watched for peak
memory:

* ``whoosh``: plain Whoosh, ``LanguageAnalyzer("de")``, title and body stored,
  default writer, one process: the baseline;
* ``ours``: ``fundstelle index`` without entities (``--no-entities``);
* ``ours+ent``: ``fundstelle index`` with persons and places.

It then runs ``--queries`` realistic searches on the ``ours+ent`` index, warm
in one process (snippets, person and place facets, some with a person or
place filter, some as broad as ``Corona``), and times a cold
``fundstelle search`` command. The machine may be shared: wall time, CPU time
and the load average are printed, with the CPU time the hypervisor gave to
others (steal), so compare figures within one run.

``--workdir DIR`` keeps the ``ours+ent`` indexes; ``--queries-only --workdir DIR`` then times
the queries again on them (after a change to searching) without indexing anything.

``--index DIR`` times the queries on an existing index (full FANG: ``/work/data/fang-index``)
without building anything; with ``--against ROOT`` (another checkout, e.g. main's code
exported by ``git archive``) the same queries are timed with that code too, in alternating
child processes, so the two p95s come from one run on one machine state. Process CPU time
per query is printed beside wall time: on a shared machine it is the steadier figure.

    python bench/perf.py --index /work/data/fang-index --against /tmp/main-code --rounds 3

``--same-output`` with ``--index`` and ``--against`` checks instead that the checkouts give
the same answers: each query of the mix in five variants (pages 1 and 2, short snippets,
none, date order), compared as JSON, and the same over an index of ``samples/`` built in
a temporary folder. A change meant to make searching faster must show 0 differences.

    python bench/perf.py --index /work/data/fang7 --against /tmp/main-code --same-output

``--profile`` instead profiles one serial indexing run of the first size with
pyinstrument (``pip install pyinstrument``) and prints where the time goes.
"""

import argparse
import gzip
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
DEFAULT_CORPUS = os.path.join(ROOT, "..", "shared", "data", "fang-covid", "articles.jsonl.gz")
BROAD = ["Corona", "Pandemie", "Impfstoff", "Lockdown", "Maske", "Regierung", "Virus",
         "Deutschland", "Krise", "Test"]


# --- corpus ------------------------------------------------------------------------------------

def _open(path):
    return gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else \
        open(path, encoding="utf-8")


def count_lines(path):
    with _open(path) as f:
        return sum(1 for line in f if line.strip())


def subset(corpus, size, total, workdir):
    """A JSON Lines file with ``size`` articles spread evenly over the corpus, and its text MB."""
    if size >= total:
        return corpus, _text_mb(corpus)
    out = os.path.join(workdir, f"subset-{size}.jsonl")
    step = total / size
    wanted = {int(i * step) for i in range(size)}
    with _open(corpus) as f, open(out, "w", encoding="utf-8") as o:
        n = 0
        for line in f:
            if not line.strip():
                continue
            if n in wanted:
                o.write(line)
            n += 1
    return out, _text_mb(out)


def _text_mb(path):
    total = 0
    with _open(path) as f:
        for line in f:
            if line.strip():
                a = json.loads(line)
                total += len((a.get("title") or "").encode("utf-8", "surrogatepass"))
                total += len((a.get("text") or "").encode("utf-8", "surrogatepass"))
    return total / 1e6


# --- measuring a child process ------------------------------------------------------------------

def _tree_pids(root_pid):
    """A process and all its descendants."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(name))
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def _rss_mb(pids):
    """Sum of the processes' resident memory, from ``statm`` (cheap to read)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total * _PAGE_MB


def _pss_mb(pids):
    """Sum of the processes' proportional set sizes (``smaps_rollup``).

    PSS splits the pages forked workers share with their parent among them, so
    the sum is what the tree really occupies. Reading it walks every page table:
    about 10 ms of CPU per 400 MB process.
    """
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run_measured(cmd, env=None):
    """Run ``cmd``; return (wall s, cpu s, (peak tree RSS MB, peak tree PSS MB), stdout).

    The watcher must not slow down what it measures: reading every process's
    PSS five times a second took about 16% of a core from a parallel indexing
    run on two cores (three processes of 300-400 MB). It reads the cheap RSS
    sum every 0.2 s, and the PSS sum once a second or sooner when the RSS sum
    has grown by 2% since the last PSS reading; the process tree is listed once
    a second.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    peak = [0.0, 0.0]
    done = threading.Event()

    def watch():
        pids, listed, pss_at, rss_at_pss = [proc.pid], 0.0, 0.0, 0.0
        while not done.wait(0.2):
            now = time.monotonic()
            if now - listed >= 1.0:
                pids, listed = _tree_pids(proc.pid), now
            rss = _rss_mb(pids)
            peak[0] = max(peak[0], rss)
            if rss > 1.02 * rss_at_pss or now - pss_at >= 1.0:
                peak[1] = max(peak[1], _pss_mb(pids))
                pss_at, rss_at_pss = now, rss

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    out, err = proc.communicate()
    done.set()
    t.join()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    cpu = float(out.strip().splitlines()[-1]) if out.strip() else float("nan")
    return wall, cpu, tuple(peak), out


def dir_mb(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 1e6


# --- the three indexers (run as child processes) ------------------------------------------------

def child_whoosh(src, out):
    """Plain Whoosh with its German analyzer: the baseline."""
    from whoosh import fields
    from whoosh import index as whoosh_index
    from whoosh.analysis import LanguageAnalyzer

    schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                           title=fields.TEXT(analyzer=LanguageAnalyzer("de"), stored=True),
                           body=fields.TEXT(analyzer=LanguageAnalyzer("de"), stored=True))
    os.makedirs(out, exist_ok=True)
    ix = whoosh_index.create_in(out, schema)
    w = ix.writer()
    with _open(src) as f:
        for line in f:
            if line.strip():
                a = json.loads(line)
                w.add_document(id=str(a["id"]), title=a.get("title") or "",
                               body=a.get("text") or "")
    w.commit()


def child_ours(src, out, entities, procs, batch_size=None):
    from index.build import index_paths
    from index.store import BATCH_SIZE

    s = index_paths(out, [src], entities=entities, procs=procs,
                    batch_size=batch_size or BATCH_SIZE)
    if s.failed:
        print(f"{s.failed} articles failed", file=sys.stderr)


def _child_main(argv):
    kind, src, out = argv[:3]
    if kind == "whoosh":
        child_whoosh(src, out)
    else:
        child_ours(src, out, entities=kind == "ours+ent", procs=int(argv[3]),
                   batch_size=int(argv[4]) if len(argv) > 4 else None)
    # Our CPU time and that of our (reaped) worker processes, for the parent.
    t = os.times()
    print(t.user + t.system + t.children_user + t.children_system)


# --- queries ------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-ZÄÖÜ][a-zäöüß]{4,}")


def make_queries(index_path, n, seed=7):
    """``n`` realistic queries: title words (1–4), broad words, person/place filters."""
    from index.analysis import GERMAN_STOPWORDS
    from search import SearchEngine

    rnd = random.Random(seed)
    with SearchEngine(index_path) as e:
        titles = [f.get("title") or "" for f in e.searcher.all_stored_fields()]
        persons = [v.value for v in e.columns("person").browse(None, n=200)]
        places = [v.value for v in e.columns("place").browse(None, n=200)]
    words = [w for t in titles for w in _WORD.findall(t) if w.lower() not in GERMAN_STOPWORDS]
    queries = []
    for i in range(n):
        kind = i % 10
        if kind == 0:
            queries.append((rnd.choice(BROAD), {}))
        elif kind in (1, 2) and persons:
            queries.append((rnd.choice(words + BROAD), {"person": [rnd.choice(persons[:60])]}))
        elif kind == 3 and places:
            queries.append((rnd.choice(words + BROAD), {"place": [rnd.choice(places[:60])]}))
        else:
            k = rnd.choice((1, 1, 2, 2, 3, 4))
            queries.append((" ".join(rnd.sample(words, k)), {}))
    return queries


def time_queries(index_path, queries):
    """Per-query wall times (ms) in one warm process, with snippets and facets."""
    from search import SearchEngine

    with SearchEngine(index_path) as e:
        for q, filters in queries[:10]:  # warm-up: facet columns, caches, OS page cache
            e.search(q, limit=10, snippets=2, facets=10, **filters)
        times = []
        for q, filters in queries:
            t = time.perf_counter()
            e.search(q, limit=10, snippets=2, facets=10, **filters)
            times.append((time.perf_counter() - t) * 1000)
    return times


#: Run in a child process with a checkout's root first on sys.path: that checkout's code
#: times the queries (argv: root, index, queries JSON); prints wall and CPU ms as JSON.
_TIMER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from search import SearchEngine
queries = json.load(open(sys.argv[3], encoding="utf-8"))
with SearchEngine(sys.argv[2]) as e:
    for q, filters in queries[:10]:
        e.search(q, limit=10, snippets=2, facets=10, **filters)
    wall, cpu = [], []
    for q, filters in queries:
        t, c = time.perf_counter(), time.process_time()
        e.search(q, limit=10, snippets=2, facets=10, **filters)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
print(json.dumps({"wall": wall, "cpu": cpu}))
"""


#: Like _TIMER, but prints each query's whole answer (``to_dict()``, also of page 2 and of
#: variants with three short snippets and with none) as one JSON line.
_ANSWERS = """
import json, sys
sys.path.insert(0, sys.argv[1])
from search import SearchEngine
queries = json.load(open(sys.argv[3], encoding="utf-8"))
variants = [dict(limit=10, snippets=2, facets=10), dict(limit=10, offset=10, snippets=2),
            dict(limit=5, snippets=3, fragment_chars=120), dict(limit=10, snippets=0),
            dict(limit=10, snippets=1, sort="date")]
with SearchEngine(sys.argv[2]) as e:
    for q, filters in queries:
        for v in variants:
            try:
                out = e.search(q, **v, **filters).to_dict()
            except Exception as exc:  # the same error both ways is the same answer
                out = {"error": type(exc).__name__, "message": str(exc)}
            print(json.dumps([q, filters, v, out], ensure_ascii=False, sort_keys=True))
"""


def sample_queries(index_path):
    """Queries over a small index (the bundled samples): each title's words one by one,
    in pairs and whole, and each title's first word with a ``*``."""
    from search import SearchEngine

    with SearchEngine(index_path) as e:
        titles = [f.get("title") or "" for f in e.searcher.all_stored_fields()]
    queries = []
    for title in titles:
        words = _WORD.findall(title)
        queries += [(w, {}) for w in words]
        queries += [(" ".join(words[i:i + 2]), {}) for i in range(0, len(words) - 1, 2)]
        if words:
            queries += [(title, {}), (words[0][:5] + "*", {})]
    return queries


def same_output(index_path, queries, roots):
    """Run ``queries`` (five variants each) with each checkout of ``roots``; print how many
    answers differ from the first checkout's (no ``seconds``: the answers carry none)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False,
                                     encoding="utf-8") as f:
        json.dump(queries, f, ensure_ascii=False)
        qfile = f.name
    try:
        answers = [subprocess.run([sys.executable, "-c", _ANSWERS, root, index_path, qfile],
                                  capture_output=True, text=True, check=True,
                                  cwd=root).stdout.splitlines() for root in roots]
    finally:
        os.unlink(qfile)
    for root, got in zip(roots[1:], answers[1:]):
        differ = [(a, b) for a, b in zip(answers[0], got) if a != b]
        errors = sum('"error": ' in a for a in got)
        print(f"{index_path}: {len(answers[0])} answers ({len(queries)} queries x 5 variants, "
              f"{errors} of them errors); {root} vs {roots[0]}: "
              f"{len(differ) + abs(len(got) - len(answers[0]))} differ")
        for a, b in differ[:3]:
            print(f"  {roots[0]}: {a[:400]}\n  {root}: {b[:400]}")
    return answers


def compare_queries(index_path, n, roots, rounds):
    """Time the same ``n`` queries on ``index_path`` with each checkout of ``roots``,
    alternating child processes for ``rounds`` rounds; print p50/p95 per checkout."""
    queries = make_queries(index_path, n)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False,
                                     encoding="utf-8") as f:
        json.dump(queries, f, ensure_ascii=False)
        qfile = f.name
    try:
        results = {root: {"wall": [], "cpu": []} for root in roots}
        for r in range(rounds):
            for root in roots:
                load = os.getloadavg()[0]
                out = subprocess.run([sys.executable, "-c", _TIMER, root, index_path, qfile],
                                     capture_output=True, text=True, check=True, cwd=root)
                got = json.loads(out.stdout.strip().splitlines()[-1])
                for k in ("wall", "cpu"):
                    results[root][k].append(got[k])
                print(f"  round {r + 1} {root}: wall p50 {pct(got['wall'], 50):.1f} "
                      f"p95 {pct(got['wall'], 95):.1f} ms, cpu p50 {pct(got['cpu'], 50):.1f} "
                      f"p95 {pct(got['cpu'], 95):.1f} ms (load {load:.1f})", flush=True)
    finally:
        os.unlink(qfile)
    print(f"\n{len(queries)} queries on {index_path}, {rounds} rounds; per checkout the round "
          "with the lowest p95 (the least disturbed by other load)")
    print("| code | wall p50 / p95 ms | CPU p50 / p95 ms | CPU s, all queries "
          "| per-query minimum: wall p50 / p95 | CPU p50 / p95 ms |")
    print("|---|---|---|---|---|---|")
    for root in roots:
        wall = min(results[root]["wall"], key=lambda t: pct(t, 95))
        cpu = min(results[root]["cpu"], key=lambda t: pct(t, 95))
        # Each query's fastest run over the rounds: on a loaded machine the figure
        # closest to what the code costs (another process's burst hits one run).
        wall_min = [min(t) for t in zip(*results[root]["wall"])]
        cpu_min = [min(t) for t in zip(*results[root]["cpu"])]
        print(f"| {root} | {pct(wall, 50):.1f} / {pct(wall, 95):.1f} "
              f"| {pct(cpu, 50):.1f} / {pct(cpu, 95):.1f} | {sum(cpu) / 1000:.2f} "
              f"| {pct(wall_min, 50):.1f} / {pct(wall_min, 95):.1f} "
              f"| {pct(cpu_min, 50):.1f} / {pct(cpu_min, 95):.1f} |")


def cold_start(index_path, query="Corona Impfstoff", runs=3):
    """Median wall seconds of a whole ``fundstelle search`` command, and of ``import cli``."""
    # ``python -m cli`` is what the ``fundstelle`` script runs, from this checkout.
    cmd = [sys.executable, "-m", "cli", "--index", index_path, "search", query]
    full, imp = [], []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                       cwd=ROOT)
        full.append(time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import cli, search.engine"], check=True, cwd=ROOT)
        imp.append(time.perf_counter() - t)
    return statistics.median(full), statistics.median(imp)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# --- main ---------------------------------------------------------------------------------------

def profile(corpus, size, workdir, entities):
    from pyinstrument import Profiler

    from index.build import index_paths

    total = count_lines(corpus)
    src, _ = subset(corpus, size, total, workdir)
    out = os.path.join(workdir, "profile-ix")
    shutil.rmtree(out, ignore_errors=True)
    p = Profiler()
    p.start()
    index_paths(out, [src], entities=entities, procs=1)
    p.stop()
    print(p.output_text(unicode=True, color=False, show_all=False))


def steal_seconds():
    """CPU seconds the hypervisor gave to others, all cores (``/proc/stat``; 0 elsewhere).

    A virtual machine's process CPU times grow when its host is busy: steal shows it.
    """
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS, help="JSON Lines (.gz) articles")
    ap.add_argument("--sizes", default="5000,10000,20000,41242", help="comma-separated sizes")
    ap.add_argument("--queries", type=int, default=250, help="queries per size")
    ap.add_argument("--procs", type=int, default=os.cpu_count() or 1, help="indexing workers")
    ap.add_argument("--skip-baseline", action="store_true", help="skip plain Whoosh")
    ap.add_argument("--batch-size", type=int, default=0,
                    help="articles per commit (default: fundstelle's own)")
    ap.add_argument("--workdir", help="keep indexes here (default: a temporary folder)")
    ap.add_argument("--profile", action="store_true", help="profile serial indexing instead")
    ap.add_argument("--entities", action="store_true", help="with --profile: include entities")
    ap.add_argument("--queries-only", action="store_true",
                    help="time queries on the ours+ent indexes an earlier run kept in --workdir")
    ap.add_argument("--index", help="time queries on this existing index only (no building)")
    ap.add_argument("--against", action="append", default=[], metavar="ROOT",
                    help="with --index: also time another checkout's code (repeatable)")
    ap.add_argument("--rounds", type=int, default=2,
                    help="with --index: alternating rounds per checkout (default: 2)")
    ap.add_argument("--same-output", action="store_true",
                    help="with --index and --against: instead of timing, check that every "
                         "checkout gives the same answers (JSON) to the query mix, and to "
                         "queries over an index of the bundled samples")
    args = ap.parse_args()

    if args.index and args.same_output:
        roots = [ROOT] + args.against
        same_output(args.index, make_queries(args.index, args.queries), roots)
        with tempfile.TemporaryDirectory(prefix="perf-samples-") as tmp:
            from index.build import index_paths
            index_paths(tmp, [os.path.join(ROOT, "samples")], procs=1)
            same_output(tmp, sample_queries(tmp), roots)
        return
    if args.index:
        compare_queries(args.index, args.queries, [ROOT] + args.against, args.rounds)
        return
    workdir = args.workdir or tempfile.mkdtemp(prefix="fundstelle-perf-")
    os.makedirs(workdir, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.profile:
        profile(args.corpus, sizes[0], workdir, args.entities)
        return
    if args.queries_only and not args.workdir:
        ap.error("--queries-only needs the --workdir of an earlier run")
    total = count_lines(args.corpus)
    print(f"corpus {args.corpus}: {total} articles; {os.cpu_count()} cores; "
          f"procs {args.procs}; workdir {workdir}", flush=True)
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    rows = []
    for size in sizes:
        src, text_mb = subset(args.corpus, size, total, workdir)
        n = min(size, total)
        row = {"size": n, "text_mb": text_mb}
        kinds = (["whoosh"] if not args.skip_baseline else []) + ["ours", "ours+ent"]
        if args.queries_only:
            kinds = []
        for kind in kinds:
            out = os.path.join(workdir, f"ix-{kind}-{n}")
            shutil.rmtree(out, ignore_errors=True)
            load = os.getloadavg()[0]
            steal = steal_seconds()
            wall, cpu, peak, _ = run_measured(
                [sys.executable, __file__, "_child", kind, src, out, str(args.procs),
                 str(args.batch_size)], env=env)
            row[kind] = {"s": wall, "cpu": cpu, "rate": n / wall, "mbs": text_mb / wall,
                         "mb": dir_mb(out), "rss": peak[1], "load": load}
            print(f"  {n:>6} {kind:<9} {wall:7.1f} s wall {cpu:7.1f} s cpu {n / wall:6.0f} art/s "
                  f"{text_mb / wall:5.2f} MB/s  index {dir_mb(out):6.0f} MB "
                  f"({dir_mb(out) / text_mb:.2f}x text)  peak PSS {peak[1]:5.0f} MB "
                  f"(RSS sum {peak[0]:.0f})  load {load:.1f}  steal {steal_seconds() - steal:.1f} s",
                  flush=True)
            if kind == "whoosh":
                shutil.rmtree(out, ignore_errors=True)
        ix = os.path.join(workdir, f"ix-ours+ent-{n}")
        queries = make_queries(ix, args.queries)
        times = time_queries(ix, queries)
        row["p50"], row["p95"], row["max"] = pct(times, 50), pct(times, 95), max(times)
        row["cold"], row["import"] = cold_start(ix)
        print(f"  {n:>6} queries   {len(times)}: p50 {row['p50']:.1f} ms  p95 {row['p95']:.1f} ms"
              f"  max {row['max']:.0f} ms; cold `fundstelle search` {row['cold']:.2f} s "
              f"(imports {row['import']:.2f} s)", flush=True)
        shutil.rmtree(os.path.join(workdir, f"ix-ours-{n}"), ignore_errors=True)
        rows.append(row)
    print_table(rows, args)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


def print_table(rows, args):
    print()
    print("| articles | text MB | whoosh s (art/s) | ours s (art/s) | × whoosh | × whoosh by CPU "
          "| ours+ent s (art/s, MB/s) | index MB (× text) | peak PSS MB | query p50 / p95 ms "
          "| cold search s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "ours" not in r:  # --queries-only
            print(f"| {r['size']} | {r['text_mb']:.0f} | — | — | — | — | — | — | — "
                  f"| {r['p50']:.1f} / {r['p95']:.1f} | {r['cold']:.2f} |")
            continue
        w = r.get("whoosh")
        o, e = r["ours"], r["ours+ent"]
        base = f"{w['s']:.0f} ({w['rate']:.0f})" if w else "—"
        ratio = f"{o['rate'] / w['rate']:.2f}" if w else "—"
        # Articles per CPU second: what the code costs, whatever the cores and the load.
        cpu_ratio = f"{w['cpu'] / o['cpu']:.2f}" if w else "—"
        print(f"| {r['size']} | {r['text_mb']:.0f} | {base} | {o['s']:.0f} ({o['rate']:.0f}) | {ratio} "
              f"| {cpu_ratio} "
              f"| {e['s']:.0f} ({e['rate']:.0f}, {e['mbs']:.2f}) | {e['mb']:.0f} ({e['mb'] / r['text_mb']:.2f}) "
              f"| {max(o['rss'], e['rss']):.0f} | {r['p50']:.1f} / {r['p95']:.1f} | {r['cold']:.2f} |")
    print("\nbaseline peak PSS: " + ", ".join(
        f"{r['size']}: {r['whoosh']['rss']:.0f} MB" for r in rows if r.get("whoosh")))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _child_main(sys.argv[2:])
    else:
        main()
