"""Indexing and search on Dask at archive scale: workers, shards, fan-out (issue 23).

    nice .venv/bin/python bench/scale.py                     # full FANG, all parts
    nice .venv/bin/python bench/scale.py --limit 10000 --queries 100
    nice .venv/bin/python bench/scale.py --workdir DIR --parts local1   # one run

Indexing: the articles (the first ``--limit`` of ``--corpus``, written out as plain
JSON Lines so tasks can read byte ranges) are indexed as 2 shards on a LocalCluster
of 1 worker process and of 2, and as 4 shards on a cluster started by hand as a
deployment would (``dask scheduler`` and two ``dask worker`` processes on
127.0.0.1): wall and CPU seconds (user+system of this process, every worker and
the scheduler: on a shared machine CPU is the figure that compares), articles/s,
and the efficiency of 2 workers against one (rate ÷ 2 × rate of one). ``--parts``
runs one run at a time (full FANG takes a quarter of an hour a run on 2 cores).

Searching: ``--queries`` queries of ``bench/perf.py``'s mix (title words, broad
words, person and place filters; snippets and facets on) against the same
articles as 1 shard (an ordinary index), 2 and 4 shards, in this process and with
the shards held by actors on the hand-started cluster: p50/p95 in ms, and the
fan-out cost (cluster p50 minus in-process p50), and the CPU a query costs. Wall
times on a shared machine: the load average is printed; compare within one run.

CPU per article (``--parts cpu``): the first ``--cpu-articles`` articles indexed by
``fundstelle index --procs 1`` and as 2 shards on a LocalCluster of 1 worker process,
with this tree's code and, with ``--against REV``, REV's (exported with ``git
archive``), alternating, ``--rounds`` times; CPU of every process (the Dask build's
from the worker and the process holding scheduler, nanny and client).

    nice .venv/bin/python bench/scale.py --workdir DIR --parts cpu --against HEAD~3
"""

import argparse
import gzip
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: The 'cpu' part runs a build of another revision's code in a subprocess (its tree
#: first on sys.path, which LocalCluster's worker processes inherit).
CODE = os.environ.get("FUNDSTELLE_SCALE_TREE", ROOT)
sys.path.insert(0, CODE)
sys.path.insert(0, os.path.join(ROOT, "bench"))
DEFAULT_CORPUS = os.path.join(ROOT, "..", "shared", "data", "fang-covid", "articles.jsonl.gz")
BIN = os.path.dirname(sys.executable)


def prepare(corpus, limit, workdir):
    """The first ``limit`` articles of ``corpus`` as a plain .jsonl file; their number."""
    out = os.path.join(workdir, "articles.jsonl")
    opener = gzip.open if corpus.endswith(".gz") else open
    with opener(corpus, "rb") as f, open(out, "wb") as o:
        n = 0
        for line in itertools.islice(f, limit):
            if line.strip():
                o.write(line)
                n += 1
    return out, n


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HandCluster:
    """``dask scheduler`` and ``dask worker`` processes started as a deployment would."""

    def __init__(self, workers=2):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        from cluster.dask import QUIET_DASK

        log = open(os.devnull, "w")
        env = dict(os.environ, **{"DASK_" + k.upper().replace(".", "__").replace("-", "_"): v
                                  for k, v in QUIET_DASK.items()})
        self.procs = [subprocess.Popen([os.path.join(BIN, "dask"), "scheduler", "--host",
                                        "127.0.0.1", "--port", str(self.port),
                                        "--no-dashboard"], stdout=log, stderr=log, env=env)]
        time.sleep(3)
        for _ in range(workers):
            self.procs.append(subprocess.Popen(
                [os.path.join(BIN, "dask"), "worker", self.address, "--nthreads", "1",
                 "--no-dashboard"], stdout=log, stderr=log, cwd=ROOT, env=env))
        from distributed import Client
        self.client = Client(self.address, timeout="30s")
        self.client.wait_for_workers(workers, timeout=120)

    def close(self):
        self.client.close()
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


def one_shard_folder(index, workdir):
    """A sharded folder of one shard that is ``index`` itself (a symbolic link), so an
    ordinary index is searched through an actor like the sharded ones."""
    from cluster.manifest import Manifest

    folder = os.path.join(workdir, "as-one-shard")
    shutil.rmtree(folder, ignore_errors=True)
    m = Manifest.open_or_create(folder, 1)
    os.symlink(os.path.abspath(index), m.shard_path(0))
    return folder


def cpu_seconds(client=None):
    """User+system CPU seconds so far of this process and, with ``client``, of the
    cluster's worker processes and scheduler (each process's own, read there)."""
    import resource

    def own():
        import psutil
        t = psutil.Process().cpu_times()
        return t.user + t.system + t.children_user + t.children_system

    r = resource.getrusage(resource.RUSAGE_SELF)
    total = r.ru_utime + r.ru_stime
    if client is not None:
        total += sum(client.run(own).values())
        try:
            total += client.run_on_scheduler(own)
        except Exception:  # a scheduler that refuses run_on_scheduler: workers only
            pass
    return total


def build(source, path, shards, client):
    """Index ``source`` into ``path`` as ``shards`` shards with tasks on ``client``:
    (wall seconds, CPU seconds of this process, the workers and the scheduler,
    articles added)."""
    from search import Archive

    shutil.rmtree(path, ignore_errors=True)
    cpu = cpu_seconds(client)
    t = time.perf_counter()
    summary = Archive.index(path, [source], shards=shards, cluster=client)
    wall = time.perf_counter() - t
    return wall, cpu_seconds(client) - cpu, summary.added


def time_search(archive, queries, client=None):
    """Per-query wall ms in one warm Archive (snippets and facets on), and the CPU
    seconds of the timed queries (this process, plus the workers with ``client``)."""
    for q, filters in queries[:10]:
        archive.search(q, limit=10, snippets=2, facets=10, **filters)
    times = []
    cpu = cpu_seconds(client)
    for q, filters in queries:
        t = time.perf_counter()
        archive.search(q, limit=10, snippets=2, facets=10, **filters)
        times.append((time.perf_counter() - t) * 1000)
    return times, cpu_seconds(client) - cpu


def cpu_one_build(source, path, shards=2):
    """A Dask build of ``source`` on a new LocalCluster of one worker process, with the
    code first on sys.path: (wall s, CPU s of all processes, CPU s of this process,
    articles added). Cluster start and stop are outside the figures."""
    from distributed import Client, LocalCluster

    try:
        from cluster.dask import local_cluster
    except ImportError:  # an older tree
        cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                               dashboard_address=":0")
    else:
        cluster = local_cluster(1)
    client = Client(cluster)
    try:
        own = cpu_seconds()
        wall, cpu, added = build(source, path, shards, client)
        own = cpu_seconds() - own
    finally:
        client.close()
        cluster.close()
    return wall, cpu, own, added


def cpu_part(source, workdir, articles, against, rounds):
    """``--parts cpu``: CPU per article of the ordinary pipeline and of Dask builds."""
    import json
    import resource

    sample = os.path.join(workdir, f"cpu-{articles}.jsonl")
    if not os.path.exists(sample):
        with open(source, "rb") as f, open(sample, "wb") as o:
            o.writelines(itertools.islice(f, articles))
    trees = [("this tree", ROOT)]
    if against:
        old = os.path.join(workdir, f"tree-{against}")
        if not os.path.exists(old):
            os.makedirs(old)
            subprocess.run(f"git -C {ROOT} archive {against} | tar -x -C {old}", shell=True,
                           check=True)
            table = os.path.join(ROOT, "index", "data", "de_words.table")
            if os.path.exists(table):  # built on first use: not a cost of the build
                shutil.copy(table, os.path.join(old, "index", "data"))
            subprocess.run([sys.executable, "-m", "compileall", "-q", old], check=True)
        trees.append((against, old))
    print(f"\nCPU per article, {articles} articles, 2 shards on 1 worker (load "
          f"{os.getloadavg()[0]:.1f})\nbuild | wall s | CPU s (all processes) | of which "
          "scheduler+nanny+client | CPU ms an article", flush=True)
    for r in range(rounds):
        runs = trees + [("plain", None)]
        for label, tree in (runs if r % 2 == 0 else runs[::-1]):
            out = os.path.join(workdir, "cpu-index")
            shutil.rmtree(out, ignore_errors=True)
            if tree is None:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t = time.perf_counter()
                subprocess.run([os.path.join(BIN, "fundstelle"), "--index", out, "index",
                                "--procs", "1", sample], check=True,
                               stderr=subprocess.DEVNULL)
                wall = time.perf_counter() - t
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
                own, name = 0.0, "fundstelle index --procs 1"
            else:
                env = dict(os.environ, FUNDSTELLE_SCALE_TREE=tree)
                done = subprocess.run([sys.executable, os.path.abspath(__file__),
                                       "--cpu-one", out, "--workdir", workdir,
                                       "--corpus", sample], env=env, check=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                wall, cpu, own, _ = json.loads(done.stdout.decode().splitlines()[-1])
                name = f"Dask, {label}"
            print(f"{name} | {wall:.1f} | {cpu:.1f} | {own:.1f} | "
                  f"{cpu / articles * 1000:.1f} (load {os.getloadavg()[0]:.1f})", flush=True)
    shutil.rmtree(os.path.join(workdir, "cpu-index"), ignore_errors=True)


#: The indexing runs: (part name, folder, shards, what runs the tasks).
BUILDS = [("local1", "local1", 2, "LocalCluster, 1 worker process"),
          ("local2", "shards2", 2, "LocalCluster, 2 worker processes"),
          ("hand", "shards4", 4, "dask scheduler + 2 dask worker processes")]


def index_part(name, folder, shards, label, source, workdir):
    """One indexing run of BUILDS; prints and returns its row."""
    from distributed import Client

    from cluster.dask import local_cluster

    hand = cluster = None
    if name == "hand":
        hand = HandCluster(2)
        client = hand.client
    else:
        cluster = local_cluster(int(name[-1]))
        client = Client(cluster)
    try:
        load = os.getloadavg()[0]
        wall, cpu, added = build(source, os.path.join(workdir, folder), shards, client)
    finally:
        if hand is not None:
            hand.close()
        else:
            client.close()
            cluster.close()
    row = (f"{label}, {shards} shards", wall, cpu, added / wall, load, os.getloadavg()[0])
    print(f"{row[0]} | {wall:.1f} | {cpu:.1f} | {row[3]:.1f} | {load:.1f}–{row[5]:.1f}",
          flush=True)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=10**9, help="articles (default: all)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workdir", default=None, help="keep the indexes here")
    parser.add_argument("--parts", default="local1,local2,hand,search",
                        help="what to run, comma-separated: local1 (2 shards on a "
                             "LocalCluster of 1 worker), local2 (the same on 2 workers: "
                             "the 2-shard index), hand (4 shards on a hand-started "
                             "cluster of 2 workers), search (1, 2, 4 shards)")
    parser.add_argument("--one-index", default=None,
                        help="an ordinary index of the same articles to use as 1 shard "
                             "(default: build it in the workdir)")
    parser.add_argument("--cpu-articles", type=int, default=5000,
                        help="articles for --parts cpu (default 5000)")
    parser.add_argument("--against", default=None,
                        help="a git revision whose Dask build --parts cpu also runs")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of --parts cpu")
    parser.add_argument("--cpu-one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    parts = args.parts.split(",")
    if args.cpu_one:  # one build of --parts cpu, in a subprocess: a JSON line
        import json
        print(json.dumps(cpu_one_build(args.corpus, args.cpu_one)))
        return

    from perf import make_queries, pct

    from cluster.archive import ShardedArchive
    from search import Archive

    workdir = args.workdir or tempfile.mkdtemp(prefix="fundstelle-scale-")
    os.makedirs(workdir, exist_ok=True)
    source = os.path.join(workdir, "articles.jsonl")
    if not os.path.exists(source):
        source, n = prepare(args.corpus, args.limit, workdir)
    else:
        with open(source, "rb") as f:
            n = sum(1 for _ in f)
    print(f"{n} articles; load average {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores; "
          f"workdir {workdir}", flush=True)

    one = args.one_index or os.path.join(workdir, "shards1")
    if not args.one_index and "search" in parts and not os.path.exists(one):
        from index.build import index_paths
        print("building the 1-shard index in this process (2 procs)", flush=True)
        index_paths(one, [source], procs=2)

    if "cpu" in parts:
        cpu_part(source, workdir, args.cpu_articles, args.against, args.rounds)

    builds = [b for name in parts for b in BUILDS if b[0] == name]  # in the order asked
    if builds:
        print("\nindexing | wall s | CPU s (all processes) | articles/s | load average "
              "(start–end)", flush=True)
        rows = {b[0]: index_part(*b, source, workdir) for b in builds}
        if "local1" in rows and "local2" in rows:
            wall = rows["local2"][3] / (2 * rows["local1"][3])
            cpu = rows["local1"][2] / rows["local2"][2]
            print(f"efficiency of 2 workers against 1: {wall:.2f} by wall "
                  f"(rate ÷ 2 × rate of one); CPU of one ÷ CPU of two {cpu:.2f}")

    if "search" not in parts:
        return
    indexes = [("1 shard", one), ("2 shards", os.path.join(workdir, "shards2")),
               ("4 shards", os.path.join(workdir, "shards4"))]
    queries = make_queries(one, args.queries)
    print(f"\nsearch, {len(queries)} queries, load average {os.getloadavg()[0]:.1f}")
    print("index | in-process p50 / p95 ms, CPU ms a query | cluster (2 workers) p50 / p95 "
          "ms, CPU ms a query (all processes) | fan-out p50 ms", flush=True)
    hand = HandCluster(2)
    try:
        for name, path in indexes:
            here = Archive(path)
            local, local_cpu = time_search(here, queries)
            here.close()
            if not os.path.exists(os.path.join(path, "fundstelle-shards.json")):
                path = one_shard_folder(path, workdir)  # the same index, as shard 0 of 1
            there = ShardedArchive(path, cluster=hand.client)
            remote, remote_cpu = time_search(there, queries, hand.client)
            there.close()
            line = (f"{name} | {pct(local, 50):.1f} / {pct(local, 95):.1f}, "
                    f"{local_cpu / len(queries) * 1000:.1f} | ")
            line += (f"{pct(remote, 50):.1f} / {pct(remote, 95):.1f}, "
                     f"{remote_cpu / len(queries) * 1000:.1f} | "
                     f"{pct(remote, 50) - pct(local, 50):+.1f}")
            print(line + f" (load {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        hand.close()


if __name__ == "__main__":
    main()
