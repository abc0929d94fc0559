"""Cold-start times: each command as a new process, as a script calling ``fundstelle`` pays them.

    python bench/coldstart.py --index /work/data/fang-index --word Impfstoff

Runs each command ``--runs`` times (after one untimed run, so the page cache is
warm and the word table built) and prints the minimum and median wall time and
CPU time (user + sys of the child, less noisy than wall on a shared machine),
with ``python -c pass`` and ``python -c "import cli"`` beside them and the load
average before and after. Without ``--index`` the bundled samples are indexed
into a temporary folder first. Nothing is written into the index except what
searching itself writes (its facet cache, when the folder is writable).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fundstelle():
    """The ``fundstelle`` console script beside this Python, else ``python -c`` with cli."""
    script = os.path.join(os.path.dirname(sys.executable), "fundstelle")
    if os.path.exists(script):
        return [script]
    return [sys.executable, "-c", "import sys, cli; sys.argv[0] = 'fundstelle'; cli.run()"]


def run_once(argv):
    """(wall seconds, user+sys CPU seconds) of one run of ``argv``; exit on failure."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if proc.returncode:
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}): {err.strip()[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime


def first_hit(cmd, index, word):
    out = subprocess.run(cmd + ["--index", index, "search", word, "--format", "json",
                                "--facets", "0", "--snippets", "0", "--limit", "1"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    hits = json.loads(out)["hits"]
    if not hits:
        sys.exit(f"no hit for {word!r} in {index}: give another --word")
    return hits[0]["id"]


def build_samples(folder):
    index = os.path.join(folder, "index")
    subprocess.run(fundstelle() + ["--index", index, "index", os.path.join(ROOT, "samples")],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return index


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", help="index folder (default: the samples, indexed into /tmp)")
    ap.add_argument("--word", help="the word searched [Impfstoff; Bundestag on the samples]")
    ap.add_argument("--runs", type=int, default=10, help="timed runs per command [10]")
    args = ap.parse_args()

    tmp = None
    index = args.index
    if index is None:
        tmp = tempfile.mkdtemp(prefix="coldstart-")
        index = build_samples(tmp)
    args.word = args.word or ("Bundestag" if tmp else "Impfstoff")
    try:
        cmd = fundstelle() + ["--index", index]
        doc = first_hit(fundstelle(), index, args.word)
        commands = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("python -c 'import cli'", [sys.executable, "-c", "import cli"]),
            (f"search {args.word}", cmd + ["search", args.word]),
            (f"search {args.word} --format json --facets 0 --snippets 0",
             cmd + ["search", args.word, "--format", "json", "--facets", "0",
                    "--snippets", "0"]),
            (f"search {args.word} --format json", cmd + ["search", args.word,
                                                         "--format", "json"]),
            ("show ID", cmd + ["show", doc]),
        ]
        load_before = os.getloadavg()
        rows = []
        for name, argv in commands:
            run_once(argv)  # warm: page cache, word table, facet cache
            times = [run_once(argv) for _ in range(args.runs)]
            walls, cpus = [t[0] for t in times], [t[1] for t in times]
            rows.append((name, min(walls), statistics.median(walls), min(cpus),
                         statistics.median(cpus)))
        load_after = os.getloadavg()
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"index: {index}" + (" (samples, removed)" if tmp else ""))
    print(f"{args.runs} runs each; ms; load average (1/5/15 min) before "
          f"{'/'.join(f'{x:.1f}' for x in load_before)}, after "
          f"{'/'.join(f'{x:.1f}' for x in load_after)}; {os.cpu_count()} CPUs")
    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  {'wall min':>8}  {'wall med':>8}  {'cpu min':>8}  {'cpu med':>8}")
    for name, wmin, wmed, cmin, cmed in rows:
        print(f"{name:<{width}}  {wmin * 1000:8.0f}  {wmed * 1000:8.0f}  {cmin * 1000:8.0f}  "
              f"{cmed * 1000:8.0f}")


if __name__ == "__main__":
    main()
