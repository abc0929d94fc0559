"""Cold-start times: each command as a new process, as a script calling ``fundstelle`` pays them.

    python bench/coldstart.py --index /work/data/fang7 --word Impfstoff
    git worktree add --detach /tmp/cold-base main
    python bench/coldstart.py --index /work/data/fang7 --against /tmp/cold-base

Runs each command ``--runs`` times (after one untimed run, so the page cache is
warm, the word table built and the facet cache written) and prints the minimum
and median wall time and CPU time (user + sys of the child, less noisy than wall
on a shared machine), with ``python -c pass``, the floor (importing Click,
``whoosh.index`` and NumPy, which every search needs) and ``python -c "import cli"``
beside them and the load average before and after. Without ``--index`` the bundled
samples are indexed into a temporary folder first. A given index is searched
through a temporary folder of links to its segment files, so nothing is written
into it (searching writes its facet cache beside the index).

A command runs as its checkout's console script would: this Python, the checkout
first on ``sys.path``, the ``fundstelle`` entry point its ``setup.cfg`` names.
``--against CHECKOUT`` times another checkout the same way (its own folder of
links), alternating run by run with this one so both meet the same load.

The project's modules are byte-compiled first, as ``pip install`` does: with
``PYTHONDONTWRITEBYTECODE`` set (as on the shared machine) an editable install
would otherwise compile ``index/``, ``search/`` and ``cli.py`` from source on every
run (about 50 ms). ``--no-compile`` measures without. ``--callgrind`` also counts
the instructions of one run of each command under Valgrind: slow, but the same
on a loaded machine, so before/after differences of a few per cent show.
"""

import argparse
import compileall
import configparser
import json
import re
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def entry_point(checkout):
    """(module, function) of the ``fundstelle`` console script in ``checkout``'s setup.cfg."""
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(checkout, "setup.cfg"))
    for line in cfg.get("options.entry_points", "console_scripts").splitlines():
        name, _, target = line.partition("=")
        if name.strip() == "fundstelle":
            module, _, function = target.strip().partition(":")
            return module, function
    sys.exit(f"no fundstelle console script in {checkout}/setup.cfg")


def fundstelle(checkout=ROOT):
    """The ``fundstelle`` command of ``checkout``: this Python with the checkout first on
    sys.path, through the entry point its setup.cfg names (as its console script would)."""
    module, function = entry_point(checkout)
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {checkout!r}); "
            f"sys.argv[0] = 'fundstelle'; from {module} import {function}; "
            f"sys.exit({function}())"]


def importing_cli(checkout=ROOT):
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {checkout!r}); import cli"]


def floor():
    """Importing Click, Whoosh's index and NumPy as the entry point (``lazy_modules.main``)
    would: BLAS threads 1, the collector off while they load, their objects frozen."""
    return [sys.executable, "-c", "import gc, os; [os.environ.setdefault(n, '1') for n in "
            "('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS')]; gc.disable(); "
            "import click, whoosh.index, numpy; gc.freeze()"]


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


def instructions(argv):
    """Instructions one run of ``argv`` executes, counted by Valgrind's callgrind."""
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
                         + argv, capture_output=True, text=True, cwd=ROOT).stderr
    found = re.search(r"Collected : (\d+)", out)
    if not found:
        sys.exit(f"callgrind gave no count for {' '.join(argv)}: {out.strip()[-300:]}")
    return int(found.group(1))


def compile_project(checkout=ROOT):
    """Byte-compile the checkout's modules into __pycache__ (what an install does)."""
    for name in os.listdir(checkout):
        path = os.path.join(checkout, name)
        if name in ("index", "search", "web", "cluster"):
            compileall.compile_dir(path, quiet=1)
        elif name.endswith(".py") and os.path.isfile(path):
            compileall.compile_file(path, quiet=1)


def link_index(index, folder, name="index"):
    """A folder that reads as ``index``: links to its segment files, copies of the rest."""
    out = os.path.join(folder, name)
    os.mkdir(out)
    for name in os.listdir(index):
        src = os.path.join(os.path.abspath(index), name)
        if name.endswith(".seg"):
            os.symlink(src, os.path.join(out, name))
        elif os.path.isfile(src):
            shutil.copy2(src, out)
    return out


def first_hit(cmd, index, word):
    out = subprocess.run(cmd + ["--index", index, "search", word, "--format", "json",
                                "--facets", "0", "--snippets", "0", "--limit", "1"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    hits = json.loads(out)["hits"]
    if not hits:
        sys.exit(f"no hit for {word!r} in {index}: give another --word")
    return hits[0]["id"]


def build_samples(folder):
    index = os.path.join(folder, "samples-index")
    subprocess.run(fundstelle() + ["--index", index, "index", os.path.join(ROOT, "samples")],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return index


def commands(checkout, index, word, words, doc):
    """(name, argv) of each command timed, for ``checkout``."""
    cmd = fundstelle(checkout) + ["--index", index]
    return [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        # What any search pays before our code runs: the three libraries it cannot do without.
        ("python -c 'import click, whoosh.index, numpy'", floor()),
        ("python -c 'import cli'", importing_cli(checkout)),
        (f"search {word}", cmd + ["search", word]),
        (f"search {word} --format json --facets 0 --snippets 0",
         cmd + ["search", word, "--format", "json", "--facets", "0", "--snippets", "0"]),
        (f"search {word} --format json", cmd + ["search", word, "--format", "json"]),
        # Two or three plain words take the keyword ranking (names in the facets too).
        (f"search '{words}' --format json --facets 0 --snippets 0",
         cmd + ["search", words, "--format", "json", "--facets", "0", "--snippets", "0"]),
        ("show ID", cmd + ["show", doc]),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", help="index folder (default: the samples, indexed into /tmp)")
    ap.add_argument("--word", help="the word searched [Impfstoff; Bundestag on the samples]")
    ap.add_argument("--words", help="a query of two words [Lehrer Gewerkschaft; Hochwasser "
                                    "Passau on the samples]")
    ap.add_argument("--runs", type=int, default=10, help="timed runs per command [10]")
    ap.add_argument("--against", metavar="CHECKOUT",
                    help="also time another checkout (e.g. `git worktree add --detach "
                         "/tmp/cold-base main`), run by run alternating with this one")
    ap.add_argument("--no-compile", action="store_true",
                    help="do not byte-compile the project's modules first")
    ap.add_argument("--callgrind", action="store_true",
                    help="also count each command's instructions (Valgrind; slow)")
    args = ap.parse_args()
    checkouts = [("this", ROOT)]
    if args.against:
        checkouts.append(("against", os.path.abspath(args.against)))
    if not args.no_compile:
        for _, checkout in checkouts:
            compile_project(checkout)

    tmp = tempfile.mkdtemp(prefix="coldstart-")
    try:
        if args.index:
            # One folder each: a checkout may write caches the other does not read.
            indexes = [link_index(args.index, tmp, f"index-{label}") for label, _ in checkouts]
        else:
            indexes = [build_samples(tmp)] * len(checkouts)
        args.word = args.word or ("Impfstoff" if args.index else "Bundestag")
        args.words = args.words or ("Lehrer Gewerkschaft" if args.index else "Hochwasser Passau")
        doc = first_hit(fundstelle(), indexes[0], args.word)
        plans = [commands(checkout, index, args.word, args.words, doc)
                 for (_, checkout), index in zip(checkouts, indexes)]
        load_before = os.getloadavg()
        rows = []
        for i, (name, _) in enumerate(plans[0]):
            argvs = [plan[i][1] for plan in plans]
            for argv in argvs:
                run_once(argv)  # warm: page cache, word table, facet cache
            times = [[] for _ in argvs]
            for _ in range(args.runs):
                for k, argv in enumerate(argvs):  # alternating: both see the same load
                    times[k].append(run_once(argv))
            for (label, _), argv, timed in zip(checkouts, argvs, times):
                walls, cpus = [t[0] for t in timed], [t[1] for t in timed]
                rows.append((name if label == "this" else f"  {label}", min(walls),
                             statistics.median(walls), min(cpus), statistics.median(cpus),
                             instructions(argv) if args.callgrind else None))
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"index: {args.index or 'the samples'} (through links in {tmp}, removed)")
    if args.against:
        print(f"this: {ROOT} ({git_head(ROOT)}); against: {checkouts[1][1]} "
              f"({git_head(checkouts[1][1])})")
    print(f"{args.runs} runs each; ms; load average (1/5/15 min) before "
          f"{'/'.join(f'{x:.1f}' for x in load_before)}, after "
          f"{'/'.join(f'{x:.1f}' for x in load_after)}; {os.cpu_count()} CPUs; modules "
          f"{'as found' if args.no_compile else 'byte-compiled'}, PYTHONDONTWRITEBYTECODE="
          f"{os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}")
    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  {'wall min':>8}  {'wall med':>8}  {'cpu min':>8}  {'cpu med':>8}"
          + ("  {:>9}".format("M instr") if args.callgrind else ""))
    for name, wmin, wmed, cmin, cmed, instr in rows:
        print(f"{name:<{width}}  {wmin * 1000:8.0f}  {wmed * 1000:8.0f}  {cmin * 1000:8.0f}  "
              f"{cmed * 1000:8.0f}" + (f"  {instr / 1e6:9.0f}" if instr is not None else ""))


def git_head(checkout):
    out = subprocess.run(["git", "-C", checkout, "log", "-1", "--format=%h"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "not a git checkout"


if __name__ == "__main__":
    main()
