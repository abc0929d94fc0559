"""Web-page extraction quality: ours (through the CLI) beside plain trafilatura.

    nice python bench/extraction.py [--data DIR] [--limit N] [--procs 1]

``DIR`` (default ``../shared/data/html-extraction``) holds ``pages/*.html`` and
``gold.jsonl``. Ours: the pages are indexed with ``fundstelle index
--no-entities`` into a temporary index and each is read back with ``fundstelle
show --format json``. Plain trafilatura: ``bare_extraction(html, url=url,
with_metadata=True)`` with its defaults, in the same run. Scoring as the
data's README gives it: over all pages, a ``with`` passage found in title +
text is a true positive (else a false negative), a ``without`` passage found
is a false positive; title compared whole ignoring case and whitespace; date
as YYYY-MM-DD. Prints precision, recall, F1, title and date accuracy.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(ROOT, "..", "..", "shared", "data", "html-extraction")
if not os.path.isdir(DEFAULT_DATA):
    DEFAULT_DATA = "/work/shared/data/html-extraction"


def _squash(text):
    return " ".join((text or "").split())


def score(gold, extracted):
    """Precision, recall, F1, title and date accuracy of ``extracted`` (file -> dict
    with title, text, date) against the gold records."""
    tp = fn = fp = 0
    titles = title_ok = dates = date_ok = 0
    for g in gold:
        got = extracted.get(g["file"]) or {}
        whole = _squash(f"{got.get('title') or ''}\n{got.get('text') or ''}")
        for passage in g.get("with") or ():
            if _squash(passage) in whole:
                tp += 1
            else:
                fn += 1
        for passage in g.get("without") or ():
            if _squash(passage) in whole:
                fp += 1
        if g.get("title"):
            titles += 1
            title_ok += "".join(g["title"].lower().split()) == \
                "".join((got.get("title") or "").lower().split())
        if g.get("date"):
            dates += 1
            date_ok += (got.get("date") or "")[:10] == g["date"]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1,
            "title": title_ok / titles if titles else 0.0,
            "date": date_ok / dates if dates else 0.0}


def plain_trafilatura(gold, pages):
    import trafilatura
    out = {}
    for g in gold:
        with open(os.path.join(pages, g["file"]), "rb") as f:
            html = f.read()
        doc = trafilatura.bare_extraction(html, url=g.get("url"), with_metadata=True)
        if doc is not None:
            out[g["file"]] = {"title": doc.title, "text": doc.text, "date": doc.date}
    return out


def ours(gold, pages, procs):
    from click.testing import CliRunner

    import cli

    workdir = tempfile.mkdtemp(prefix="fundstelle-extraction-")
    src = os.path.join(workdir, "pages")
    os.mkdir(src)
    for g in gold:  # links, so --limit indexes only the pages scored
        os.symlink(os.path.abspath(os.path.join(pages, g["file"])), os.path.join(src, g["file"]))
    index = os.path.join(workdir, "index")
    fundstelle = os.path.join(os.path.dirname(sys.executable), "fundstelle")
    started = time.monotonic()
    run = subprocess.run([fundstelle, "--index", index, "index", "--no-entities",
                          "--procs", str(procs), src], capture_output=True, text=True)
    seconds = time.monotonic() - started
    print(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "(no summary)",
          file=sys.stderr)
    runner = CliRunner()
    out = {}
    for g in gold:
        res = runner.invoke(cli.main, ["--index", index, "show", "--format", "json",
                                       g["file"].rsplit(".", 1)[0]])
        if res.exit_code == 0:
            out[g["file"]] = json.loads(res.stdout)
    shutil.rmtree(workdir, ignore_errors=True)
    return out, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="folder with pages/ and gold.jsonl")
    ap.add_argument("--limit", type=int, default=0, help="score the first N pages (0: all)")
    ap.add_argument("--procs", type=int, default=1, help="indexing workers")
    args = ap.parse_args()
    sys.path.insert(0, ROOT)
    with open(os.path.join(args.data, "gold.jsonl"), encoding="utf-8") as f:
        gold = [json.loads(line) for line in f if line.strip()]
    if args.limit:
        gold = gold[:args.limit]
    pages = os.path.join(args.data, "pages")
    started = time.monotonic()
    plain = plain_trafilatura(gold, pages)
    plain_s = time.monotonic() - started
    mine, mine_s = ours(gold, pages, args.procs)
    print(f"{len(gold)} pages")
    print("| extractor | P | R | text F1 | title | date | pages/s |")
    print("|---|---|---|---|---|---|---|")
    for name, got, secs in (("trafilatura 2 defaults (url given)", plain, plain_s),
                            ("fundstelle index + show", mine, mine_s)):
        s = score(gold, got)
        print(f"| {name} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | "
              f"{s['title']:.3f} | {s['date']:.3f} | {len(gold) / secs:.1f} |")


if __name__ == "__main__":
    main()
