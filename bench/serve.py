"""HTTP API throughput and latency of `fundstelle serve`, beside `fundstelle search --batch`.

    .venv/bin/python bench/serve.py [--index /work/data/fang7] [--clients 1,4,16]
        [--workers 1,2] [--cache on,off] [--queries 200] [--seconds 20] [--think 0.5]
        [--indexing-corpus sample-300.jsonl]

For each server setting (``--workers`` × ``--cache``: the cache of answers at its
default size, or off with ``--cache-size 0``) it starts `fundstelle serve` on a free
port of 127.0.0.1, and for each client count sends the same fixed mix of queries
(``bench/perf.py``'s ``make_queries``: title words, broad words, a third with a
person or place filter; limit 10, 2 snippets, 10 facets each, the API's defaults)
to ``/api/search`` for ``--seconds``, each client on its own keep-alive
connection, as fast as answers come (a saturating script: latency then grows
with the queue, about clients ÷ throughput). It prints requests/s, p50/p95/p99
in ms (all queries, and the keyword queries alone: the goal is p95 ≤ 60 ms at 16
clients), errors, and the share of answers the server took from its cache (its
``x-cache`` header). The mix repeats: with the cache on, every query after its first
time is a cache hit, so the cache-on rows say what repeated searches cost and the
cache-off rows what every new search costs; read both. With ``--think``, the most
clients run once more, each pausing between requests as a person reading results
would.

Beside it: the keyword queries through one `fundstelle search --batch` process
(same snippets and facets), wall time with and without its start-up.

With ``--indexing-corpus``, a small index is built in a temporary folder from the
first half of that JSON Lines file and served while a `fundstelle index` run adds
the second half, committing every 25 articles; clients query all the while and
every failed request is counted. The index given by ``--index`` is only read.
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

from perf import make_queries, pct  # noqa: E402

DEFAULT_INDEX = "/work/data/fang7"
DEFAULT_CORPUS = next(
    (p for p in (os.path.join(ROOT, "..", "shared", "data", "fang-covid", "sample-300.jsonl"),
                 "/work/shared/data/fang-covid/sample-300.jsonl") if os.path.exists(p)), "")


def fundstelle(*args):
    return [sys.executable, "-c", "import cli; cli.run()", *args]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`fundstelle serve` in a child process; stopped with SIGTERM."""

    def __init__(self, index, workers=1, cache=True):
        self.port = free_port()
        self.proc = subprocess.Popen(
            fundstelle("--index", index, "serve", "--port", str(self.port),
                       "--workers", str(workers), *(() if cache else ("--cache-size", "0"))),
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise SystemExit("the server did not start: " + self.proc.stderr.read())
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                conn.request("GET", "/api/search?q=Corona")  # warm: first query loads columns
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not answer in 120 s")
                time.sleep(0.2)

    def stop(self):
        self.proc.terminate()
        code = self.proc.wait(60)
        err = self.proc.stderr.read()
        if code != 0 or "Traceback" in err:
            print(f"  server exit {code}: {err.strip()[-500:]}")


def query_path(q, filters):
    pairs = [("q", q)] + [(k, v) for k, vals in filters.items() for v in vals]
    return "/api/search?" + urllib.parse.urlencode(pairs)


def load(port, paths, clients, seconds=None, stop=None, think=0.0):
    """Send ``paths`` round robin from ``clients`` threads for ``seconds`` (or until ``stop``).

    Each client waits ``think`` seconds after an answer (0: as fast as the server answers).

    Returns (requests done, wall seconds, [(ms, path index, from the cache)], errors as text).
    """
    stop = stop or threading.Event()
    times, errors = [], []
    lock = threading.Lock()

    def client(start, delay):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = start
        stop.wait(delay)
        mine, bad = [], []
        while not stop.is_set():
            k = i % len(paths)
            t = time.perf_counter()
            hit = False
            try:
                conn.request("GET", paths[k])
                r = conn.getresponse()
                body = r.read()
                hit = r.getheader("x-cache") == "hit"
                if r.status != 200:
                    bad.append(f"{r.status} {paths[k]}: {body[:200]!r}")
            except (OSError, http.client.HTTPException) as exc:
                bad.append(f"{type(exc).__name__} {paths[k]}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append(((time.perf_counter() - t) * 1000, k, hit))
            i += 1
            if think:
                stop.wait(think)
        conn.close()
        with lock:
            times.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=client,
                                args=(n * len(paths) // clients, think * n / clients))
               for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    if seconds is not None:
        time.sleep(seconds)
        stop.set()
    stop.wait()
    for t in threads:
        t.join()
    return len(times), time.perf_counter() - started, times, errors


def row(label, n, wall, times, errors, keyword):
    all_ms = [ms for ms, _, _ in times]
    kw = [ms for ms, k, _ in times if k in keyword]
    hits = sum(hit for _, _, hit in times)
    print(f"  {label:<22} {n / wall:7.1f} req/s  all p50 {pct(all_ms, 50):6.1f} "
          f"p95 {pct(all_ms, 95):6.1f} p99 {pct(all_ms, 99):6.1f} ms   keyword p50 "
          f"{pct(kw, 50):6.1f} p95 {pct(kw, 95):6.1f} p99 {pct(kw, 99):6.1f} ms   "
          f"errors {len(errors)}   from cache {hits / max(len(times), 1):4.0%}")
    for e in errors[:3]:
        print(f"    {e}")


def batch_run(index, queries):
    """One `fundstelle search --batch` process over ``queries``: wall time, start-up (to its
    first answer) and the time a query after that (first to last answer)."""
    lines = "".join(json.dumps({"id": i, "text": q}, ensure_ascii=False) + "\n"
                    for i, q in enumerate(queries))
    t = time.perf_counter()
    proc = subprocess.Popen(fundstelle("--index", index, "search", "--batch", "-",
                                       "--snippets", "2", "--facets", "10"),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    proc.stdin.write(lines)
    proc.stdin.close()
    stamps, failed = [], 0
    for line in proc.stdout:
        stamps.append(time.perf_counter() - t)
        failed += '"error"' in line
    code = proc.wait()
    wall = time.perf_counter() - t
    each = (stamps[-1] - stamps[0]) / max(len(stamps) - 1, 1) * 1000 if stamps else 0
    print(f"  {'search --batch':<22} {len(queries) / wall:7.1f} q/s   {len(queries)} keyword "
          f"queries in one process, {wall:.2f} s: first answer after {stamps[0]:.2f} s "
          f"(start-up), then {each:.1f} ms a query; {len(stamps)} answered, {failed} errors, "
          f"exit {code}")


def while_indexing(corpus, clients, workdir):
    """Serve a small index while a `fundstelle index` run commits into it; count failures."""
    with open(corpus, encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    half = len(lines) // 2
    first, whole = os.path.join(workdir, "first.jsonl"), os.path.join(workdir, "all.jsonl")
    with open(first, "w", encoding="utf-8") as f:
        f.writelines(lines[:half])
    with open(whole, "w", encoding="utf-8") as f:
        f.writelines(lines)
    index = os.path.join(workdir, "index")
    subprocess.run(fundstelle("--index", index, "index", first), check=True, cwd=ROOT,
                   stderr=subprocess.DEVNULL)
    server = Server(index)
    paths = [query_path(q, {}) for q in ("Corona", "Impfstoff", "Schulen Lockdown",
                                         "Maskenpflicht", "Regierung Krise", "Test")]
    stop, result = threading.Event(), {}
    clients_thread = threading.Thread(target=lambda: result.update(
        load=load(server.port, paths, clients, stop=stop)))
    try:
        before = stats(server.port)
        clients_thread.start()
        t = time.perf_counter()
        run = subprocess.run(fundstelle("--index", index, "index", whole, "--batch-size", "25"),
                             capture_output=True, text=True, cwd=ROOT)
        indexing = time.perf_counter() - t
        time.sleep(2)  # let the server see the last commit
        stop.set()
        clients_thread.join()
        after = stats(server.port)
    finally:
        stop.set()
        server.stop()
    n, wall, times, errors = result["load"]
    print(f"while indexing ({len(lines) - half} articles added to {half} in "
          f"{indexing:.1f} s, exit {run.returncode}; articles seen by the server "
          f"{before['articles']} -> {after['articles']}, commit {before['generation']} -> "
          f"{after['generation']}):")
    row(f"{clients} client(s)", n, wall, times, errors, set(range(len(paths))))


def stats(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/api/stats")
    data = json.loads(conn.getresponse().read())
    conn.close()
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default=DEFAULT_INDEX, help="index to serve (only read)")
    ap.add_argument("--clients", default="1,4,16", help="concurrent clients, comma-separated")
    ap.add_argument("--workers", default="1,2", help="server processes to try, comma-separated")
    ap.add_argument("--cache", default="on,off",
                    help="the server's cache of answers: on (default size), off, or both")
    ap.add_argument("--queries", type=int, default=200, help="queries in the fixed mix")
    ap.add_argument("--seconds", type=float, default=20, help="seconds per client count")
    ap.add_argument("--think", type=float, default=0.5,
                    help="also run the most clients, each pausing this long between requests "
                         "(people reading results rather than a saturating script; 0: skip)")
    ap.add_argument("--indexing-corpus", default=DEFAULT_CORPUS,
                    help="JSON Lines to index while serving ('' to skip)")
    ap.add_argument("--indexing-clients", type=int, default=8)
    args = ap.parse_args()

    queries = make_queries(args.index, args.queries)
    paths = [query_path(q, f) for q, f in queries]
    keyword = {i for i, (_, f) in enumerate(queries) if not f}
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    print(f"{args.index}: {len(queries)} queries ({len(keyword)} keyword, "
          f"{len(queries) - len(keyword)} with a person/place filter), limit 10, "
          "2 snippets, 10 facets")
    for workers, cache in [(int(w), c) for w in args.workers.split(",")
                           for c in args.cache.split(",")]:
        print(f"fundstelle serve --workers {workers}"
              f"{'' if cache == 'on' else ' --cache-size 0'} (cache {cache}):")
        server = Server(args.index, workers, cache=cache == "on")
        try:
            load(server.port, paths, 1, 2)  # warm every worker and the page cache
            for clients in [int(c) for c in args.clients.split(",")]:
                n, wall, times, errors = load(server.port, paths, clients, args.seconds)
                row(f"{clients} client(s)", n, wall, times, errors, keyword)
            if args.think:
                clients = max(int(c) for c in args.clients.split(","))
                n, wall, times, errors = load(server.port, paths, clients, args.seconds,
                                              think=args.think)
                row(f"{clients} paced {args.think:g} s", n, wall, times, errors, keyword)
        finally:
            server.stop()
    batch_run(args.index, [q for q, f in queries if not f])
    if args.indexing_corpus:
        workdir = tempfile.mkdtemp(prefix="bench-serve-")
        try:
            while_indexing(args.indexing_corpus, args.indexing_clients, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
