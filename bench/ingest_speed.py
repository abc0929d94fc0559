"""Ingest throughput: pages/s for saved web pages and WARC, beside JSON Lines.

    nice python bench/ingest_speed.py [--data DIR] [--limit N] [--procs 1,2]
                                      [--against TREE] [--rerun]

Takes the saved pages of ``DIR`` (default ``../shared/data/html-extraction``),
writes them into a temporary WARC (warcio, one 200 response each) and, after
one extraction, as JSON Lines of the same articles; then times ``fundstelle
index --no-entities --procs P`` on each form into a fresh temporary index.
Wall seconds, CPU seconds (user+sys of the run and its workers) and the
parent process's own CPU seconds (the serial part: with extraction in the
workers, what bounds pages/s on enough cores) are printed: on a shared
machine the CPU seconds are the figures to compare.
``--against TREE`` runs the code of another source tree too (``git archive REV
| tar -x -C TREE``), alternating with this one in each cell. ``--rerun`` times a
second run of this tree's code into the same index (nothing changed: the
re-run skip). Nothing is
written into the repository.
"""

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from io import BytesIO

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from extraction import DEFAULT_DATA  # noqa: E402


def write_forms(gold, pages, workdir):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from index.ingest import Article, read_articles

    html_dir = os.path.join(workdir, "html")
    os.mkdir(html_dir)
    warc_dir = os.path.join(workdir, "warc")
    os.mkdir(warc_dir)
    with open(os.path.join(warc_dir, "crawl.warc.gz"), "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for g in gold:
            src = os.path.join(pages, g["file"])
            os.symlink(os.path.abspath(src), os.path.join(html_dir, g["file"]))
            with open(src, "rb") as page:
                body = page.read()
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                g["url"], "response", payload=BytesIO(body), length=len(body),
                http_headers=http))
    jsonl_dir = os.path.join(workdir, "jsonl")
    os.mkdir(jsonl_dir)
    with open(os.path.join(jsonl_dir, "pages.jsonl"), "w", encoding="utf-8") as out:
        for a in read_articles([html_dir]):
            if isinstance(a, Article):
                out.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")
    return {"JSON Lines": jsonl_dir, "HTML": html_dir, "WARC": warc_dir}


def timed(tree, index, procs, folder):
    """Wall seconds, CPU seconds (with every worker) and the summary of one run."""
    # The run's own CPU (its parent process alone, without workers) is the serial part.
    code = (f"import sys, atexit, resource; sys.path.insert(0, {tree!r}); import cli; "
            "atexit.register(lambda: print('parent CPU', sum(resource.getrusage("
            "resource.RUSAGE_SELF)[:2]), file=sys.stderr)); sys.exit(cli.run())")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-c", code, "--index", index, "index",
                          "--no-entities", "--procs", procs, folder],
                         capture_output=True, text=True, cwd=tree)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = run.stderr.strip().splitlines() or [""]
    parent = float(lines.pop().split()[-1]) if lines[-1].startswith("parent CPU") else 0.0
    summary = (lines or [""])[-1].split(": ", 1)[-1]
    return wall, cpu, parent, re.sub(r" in [\d.]+ s \([\d.]+ articles/s\)", "", summary)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=0, help="pages (0: all)")
    ap.add_argument("--procs", default="1,2", help="worker counts to try")
    ap.add_argument("--against", help="another source tree to time beside this one")
    ap.add_argument("--rerun", action="store_true", help="also time an unchanged re-run")
    ap.add_argument("--forms", default="JSON Lines,HTML,WARC", help="inputs to time")
    args = ap.parse_args()
    with open(os.path.join(args.data, "gold.jsonl"), encoding="utf-8") as f:
        gold = [json.loads(line) for line in f if line.strip()]
    gold = gold[:args.limit] if args.limit else gold
    workdir = tempfile.mkdtemp(prefix="fundstelle-ingest-speed-")
    trees = [("this", ROOT)] + ([("against", os.path.abspath(args.against))]
                                if args.against else [])
    try:
        forms = write_forms(gold, os.path.join(args.data, "pages"), workdir)
        print(f"{len(gold)} pages, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
        print("| input | --procs | code | run | wall s | CPU s | parent CPU s | pages/s "
              "| pages/CPU-s | summary |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name, folder in forms.items():
            if name not in args.forms.split(","):
                continue
            for procs in args.procs.split(","):
                order = trees if (len(name) + int(procs)) % 2 else trees[::-1]
                for label, tree in order:  # alternating which goes first
                    index = os.path.join(workdir, f"ix-{name}-{procs}-{label}".replace(" ", ""))
                    runs = ["first"] + (["re-run"] if args.rerun and label == "this" else [])
                    for what in runs:
                        wall, cpu, parent, summary = timed(tree, index, procs, folder)
                        print(f"| {name} | {procs} | {label} | {what} | {wall:.1f} | {cpu:.1f} "
                              f"| {parent:.1f} | {len(gold) / wall:.1f} | {len(gold) / cpu:.1f} "
                              f"| {summary} |", flush=True)
                    shutil.rmtree(index, ignore_errors=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
