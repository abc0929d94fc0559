#!/usr/bin/env python3
"""Time the commands of issue 21's first half on an index: cold processes and warm calls.

    .venv/bin/python bench/investigate.py --index /tmp/fang-copy [--runs 5]

Cold: each command as a new `fundstelle` process (stdout to /dev/null), the caches of
the commit already written (one untimed run first); min and median wall seconds and
the CPU seconds of the fastest run. Warm: the same work as `search.Archive` calls in
this process after one untimed call; min and median milliseconds. The index folder
must be writable for the caches (copy a read-only one with `cp -al`, which links the
files: the caches are new files beside them).
"""

import argparse
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FUNDSTELLE = pathlib.Path(sys.executable).with_name("fundstelle")

TWO = ["--person", "Markus Söder", "--person", "Armin Laschet"]
CASES = [
    # (name, command-line args, warm call on an Archive)
    ("timeline compare 2020", ["timeline", *TWO, "--compare", "--since", "2020",
                               "--until", "2020-12"],
     lambda a: a.timeline(person=["Markus Söder", "Armin Laschet"], compare=True,
                          since="2020", until="2020-12")),
    ("timeline Maskenpflicht --by week", ["timeline", "Maskenpflicht", "--by", "week"],
     lambda a: a.timeline("Maskenpflicht", by="week")),
    ("timeline (all articles) --by day", ["timeline", "--since", "2020", "--by", "day"],
     lambda a: a.timeline(since="2020", by="day")),
    ("facets source", ["facets", "source"], lambda a: a.facets("source")),
    ("search Maskenpflicht --source zeit.de (json)",
     ["search", "Maskenpflicht", "--source", "zeit.de", "--format", "json"],
     lambda a: a.search("Maskenpflicht", source=["zeit.de"])),
    ("search Maskenpflicht --format csv", ["search", "Maskenpflicht", "--format", "csv"],
     lambda a: list(__import__("search.export", fromlist=["x"]).search_csv(
         a.search("Maskenpflicht", facets=0, snippets=1)["hits"]))),
    ("search Maskenpflicht --all --format csv",
     ["search", "Maskenpflicht", "--all", "--format", "csv"],
     lambda a: sum(1 for _ in __import__("search.export", fromlist=["x"]).search_csv(
         a.iter_hits("Maskenpflicht")))),
]


def cold(index, args, runs):
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([str(FUNDSTELLE), "--index", index, *args], check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "100"})
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    best = min(range(runs), key=walls.__getitem__)
    return min(walls), statistics.median(walls), cpus[best]


def complete_cold(index, runs):
    env = {**os.environ, "_FUNDSTELLE_COMPLETE": "bash_complete",
           "COMP_WORDS": f"fundstelle --index {index} search --person sö", "COMP_CWORD": "5"}
    walls = []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run([str(FUNDSTELLE)], env=env, check=True, capture_output=True,
                             text=True).stdout
        walls.append(time.perf_counter() - t)
    return min(walls), statistics.median(walls), len(out.splitlines())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from search import Archive

    print(f"index {args.index}, {args.runs} runs each")
    print(f"{'command':<46} {'cold min s':>10} {'median':>7} {'cpu s':>6}  "
          f"{'warm min ms':>11} {'median':>7}")
    with Archive(args.index) as archive:
        for name, cli_args, call in CASES:
            cold(args.index, cli_args, 1)  # caches written, page cache warm
            c_min, c_med, c_cpu = cold(args.index, cli_args, args.runs)
            call(archive)
            warm = []
            for _ in range(args.runs):
                t = time.perf_counter()
                call(archive)
                warm.append((time.perf_counter() - t) * 1000)
            print(f"{name:<46} {c_min:>10.2f} {c_med:>7.2f} {c_cpu:>6.2f}  "
                  f"{min(warm):>11.1f} {statistics.median(warm):>7.1f}")
    c_min, c_med, n = complete_cold(args.index, args.runs)
    print(f"{'completion: search --person sö<TAB>':<46} {c_min:>10.2f} {c_med:>7.2f} "
          f"{'':>6}  ({n} names offered)")


if __name__ == "__main__":
    main()
