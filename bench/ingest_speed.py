"""Ingest throughput: pages/s for saved web pages and WARC, beside JSON Lines.

    nice python bench/ingest_speed.py [--data DIR] [--limit N] [--procs 1,2]

Takes the saved pages of ``DIR`` (default ``../shared/data/html-extraction``),
writes them into a temporary WARC (warcio, one 200 response each) and, after
one extraction, as JSON Lines of the same articles; then times ``fundstelle
index --no-entities --procs P`` on each form into a fresh temporary index.
Nothing is written into the repository.
"""

import argparse
import json
import os
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=0, help="pages (0: all)")
    ap.add_argument("--procs", default="1,2", help="worker counts to try")
    args = ap.parse_args()
    with open(os.path.join(args.data, "gold.jsonl"), encoding="utf-8") as f:
        gold = [json.loads(line) for line in f if line.strip()]
    gold = gold[:args.limit] if args.limit else gold
    workdir = tempfile.mkdtemp(prefix="fundstelle-ingest-speed-")
    fundstelle = os.path.join(os.path.dirname(sys.executable), "fundstelle")
    try:
        forms = write_forms(gold, os.path.join(args.data, "pages"), workdir)
        print(f"{len(gold)} pages, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
        print("| input | --procs | wall s | pages/s | summary |")
        print("|---|---|---|---|---|")
        for name, folder in forms.items():
            for procs in args.procs.split(","):
                index = os.path.join(workdir, f"ix-{name}-{procs}".replace(" ", ""))
                started = time.monotonic()
                run = subprocess.run([fundstelle, "--index", index, "index", "--no-entities",
                                      "--procs", procs, folder], capture_output=True, text=True)
                secs = time.monotonic() - started
                summary = (run.stderr.strip().splitlines() or [""])[-1].split(": ", 1)[-1]
                print(f"| {name} | {procs} | {secs:.1f} | {len(gold) / secs:.1f} | {summary} |")
                shutil.rmtree(index, ignore_errors=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
