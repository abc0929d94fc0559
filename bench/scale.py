"""Indexing and search on Dask at archive scale: workers, shards, fan-out (issue 23).

    nice .venv/bin/python bench/scale.py                     # full FANG, all parts
    nice .venv/bin/python bench/scale.py --limit 10000 --queries 100

Indexing: the articles (the first ``--limit`` of ``--corpus``, written out as plain
JSON Lines so tasks can read byte ranges) are indexed as 2 shards on a LocalCluster
of 1 worker process and of 2, and on a cluster started by hand as a deployment
would (``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1):
articles/s, and the efficiency of 2 workers against one (rate ÷ 2 × rate of one).

Searching: ``--queries`` queries of ``bench/perf.py``'s mix (title words, broad
words, person and place filters; snippets and facets on) against the same
articles as 1 shard (an ordinary index), 2 and 4 shards, in this process and with
the shards held by actors on the hand-started cluster: p50/p95 in ms, and the
fan-out cost (cluster p50 minus in-process p50). Wall times on a shared machine:
the load average is printed; compare figures within one run.
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
sys.path.insert(0, ROOT)
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
        log = open(os.devnull, "w")
        self.procs = [subprocess.Popen([os.path.join(BIN, "dask"), "scheduler", "--host",
                                        "127.0.0.1", "--port", str(self.port),
                                        "--no-dashboard"], stdout=log, stderr=log)]
        time.sleep(3)
        for _ in range(workers):
            self.procs.append(subprocess.Popen(
                [os.path.join(BIN, "dask"), "worker", self.address, "--nthreads", "1",
                 "--no-dashboard"], stdout=log, stderr=log, cwd=ROOT))
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


def build(source, path, shards, client):
    """Index ``source`` into ``path`` as ``shards`` shards with tasks on ``client``:
    (wall seconds, articles added)."""
    from search import Archive

    shutil.rmtree(path, ignore_errors=True)
    t = time.perf_counter()
    summary = Archive.index(path, [source], shards=shards, cluster=client)
    return time.perf_counter() - t, summary.added


def time_search(archive, queries):
    """Per-query wall ms in one warm Archive (snippets and facets on)."""
    for q, filters in queries[:10]:
        archive.search(q, limit=10, snippets=2, facets=10, **filters)
    times = []
    for q, filters in queries:
        t = time.perf_counter()
        archive.search(q, limit=10, snippets=2, facets=10, **filters)
        times.append((time.perf_counter() - t) * 1000)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=10**9, help="articles (default: all)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workdir", default=None, help="keep the indexes here")
    parser.add_argument("--skip-index", action="store_true",
                        help="time searches on the indexes --workdir holds")
    parser.add_argument("--one-index", default=None,
                        help="an ordinary index of the same articles to use as 1 shard")
    args = parser.parse_args()

    from distributed import Client, LocalCluster
    from perf import make_queries, pct

    from cluster.archive import ShardedArchive
    from search import Archive

    workdir = args.workdir or tempfile.mkdtemp(prefix="fundstelle-scale-")
    os.makedirs(workdir, exist_ok=True)
    source = os.path.join(workdir, "articles.jsonl")
    if not args.skip_index:
        source, n = prepare(args.corpus, args.limit, workdir)
    else:
        with open(source, "rb") as f:
            n = sum(1 for _ in f)
    print(f"{n} articles; load average {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores; "
          f"workdir {workdir}", flush=True)

    rows = []
    if not args.skip_index:
        rates = {}
        for workers in (1, 2):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0")
            client = Client(cluster)
            seconds, added = build(source, os.path.join(workdir, f"local{workers}"), 2,
                                   client)
            client.close()
            cluster.close()
            rates[workers] = added / seconds
            rows.append((f"LocalCluster, {workers} worker(s), 2 shards", seconds,
                         rates[workers]))
            print(f"  {rows[-1][0]}: {seconds:.1f} s, {rates[workers]:.1f} articles/s",
                  flush=True)
        hand = HandCluster(2)
        try:
            seconds, added = build(source, os.path.join(workdir, "shards2"), 2, hand.client)
            rows.append(("dask scheduler + 2 dask workers, 2 shards", seconds,
                         added / seconds))
            print(f"  {rows[-1][0]}: {seconds:.1f} s", flush=True)
            seconds, added = build(source, os.path.join(workdir, "shards4"), 4, hand.client)
            rows.append(("dask scheduler + 2 dask workers, 4 shards", seconds,
                         added / seconds))
            print(f"  {rows[-1][0]}: {seconds:.1f} s", flush=True)
            if not args.one_index:
                seconds, added = build(source, os.path.join(workdir, "shards1"), 1,
                                       hand.client)
                rows.append(("dask scheduler + 2 dask workers, 1 index", seconds,
                             added / seconds))
                print(f"  {rows[-1][0]}: {seconds:.1f} s", flush=True)
        finally:
            hand.close()
        print("\nindexing | wall s | articles/s")
        for name, seconds, rate in rows:
            print(f"{name} | {seconds:.1f} | {rate:.1f}")
        print(f"efficiency of 2 workers against 1: {rates[2] / (2 * rates[1]):.2f}")

    one = args.one_index or os.path.join(workdir, "shards1")
    indexes = [("1 shard", one), ("2 shards", os.path.join(workdir, "shards2")),
               ("4 shards", os.path.join(workdir, "shards4"))]
    queries = make_queries(one, args.queries)
    print(f"\nsearch, {len(queries)} queries, load average {os.getloadavg()[0]:.1f}")
    print("index | in-process p50 / p95 ms | cluster (2 workers) p50 / p95 ms | "
          "fan-out p50 ms")
    hand = HandCluster(2)
    try:
        for name, path in indexes:
            here = Archive(path)
            local = time_search(here, queries)
            here.close()
            if not os.path.exists(os.path.join(path, "fundstelle-shards.json")):
                path = one_shard_folder(path, workdir)  # the same index, as shard 0 of 1
            there = ShardedArchive(path, cluster=hand.client)
            remote = time_search(there, queries)
            there.close()
            line = f"{name} | {pct(local, 50):.1f} / {pct(local, 95):.1f} | "
            line += (f"{pct(remote, 50):.1f} / {pct(remote, 95):.1f} | "
                     f"{pct(remote, 50) - pct(local, 50):+.1f}")
            print(line, flush=True)
    finally:
        hand.close()


if __name__ == "__main__":
    main()
