"""Indexing speed: articles/s, MB/s, index size and peak memory, beside plain Whoosh.

    nice python bench/index_speed.py [--corpus PATH] [--limit N] [--procs 2]

Indexes the corpus (default: the FANG file in ``../shared``; ``--limit`` takes
N articles spread evenly over it) three times in child processes: plain Whoosh
with ``LanguageAnalyzer("de")`` (the baseline), ``fundstelle index
--no-entities``, and ``fundstelle index`` with persons and places. Peak memory
is the proportional set size (PSS) of each child's whole process tree,
workers included, pages shared by fork counted once. :mod:`bench.perf` adds search latency and the growth curve.
"""

import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import perf  # noqa: E402  (the measuring helpers live there)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=perf.DEFAULT_CORPUS, help="JSON Lines (.gz) articles")
    ap.add_argument("--limit", type=int, default=0, help="articles to index (0: all)")
    ap.add_argument("--procs", type=int, default=os.cpu_count() or 1, help="indexing workers")
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="fundstelle-speed-")
    try:
        total = perf.count_lines(args.corpus)
        size = args.limit or total
        src, text_mb = perf.subset(args.corpus, size, total, workdir)
        n = min(size, total)
        print(f"{n} articles, {text_mb:.1f} MB of text, {os.cpu_count()} cores, "
              f"load {os.getloadavg()[0]:.1f}")
        print("| indexer | wall s | cpu s | articles/s | MB/s | index MB (× text) | peak PSS MB |")
        print("|---|---|---|---|---|---|---|")
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        base = None
        for kind in ("whoosh", "ours", "ours+ent"):
            out = os.path.join(workdir, kind)
            wall, cpu, peak, _ = perf.run_measured(
                [sys.executable, perf.__file__, "_child", kind, src, out, str(args.procs)],
                env=env)
            mb = perf.dir_mb(out)
            rate = n / wall
            base = base or rate
            print(f"| {kind} | {wall:.1f} | {cpu:.1f} | {rate:.0f} ({rate / base:.2f}×) "
                  f"| {text_mb / wall:.2f} | {mb:.0f} ({mb / text_mb:.2f}) | {peak[1]:.0f} |",
                  flush=True)
            shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
