"""Turn ``own_news.txt`` (articles with inline marks) into ``own_news.jsonl``.

Marks: ``[surface|TYPE]`` or ``[surface|TYPE|canonical]`` with TYPE PER, LOC, ORG, or BYL (a byline
or photo credit: a person, but not one the article names, so it trains as O). Articles start with
``### id``; the next line is the title, the rest the text. The articles are fictional, written for
this project (no real article's text). Those of ``own_news.txt`` train the CRF and are never
scored; those of ``own_heldout.txt`` (session 10, written in the same way) are never trained on
and are scored by ``bench/ner_quality.py --heldout`` (``own_heldout.jsonl``).

    .venv/bin/python tools/ner_data/convert.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARK = re.compile(r"\[([^\[\]|]+)\|(PER|LOC|ORG|BYL)(?:\|([^\[\]]+))?\]")


def parse(markup: str) -> dict:
    """One article's text (title line first) and its mentions with character offsets."""
    out, mentions, pos = [], [], 0
    for m in MARK.finditer(markup):
        out.append(markup[pos:m.start()])
        start = sum(map(len, out))
        surface, kind, canonical = m.group(1), m.group(2), m.group(3) or m.group(1)
        out.append(surface)
        mentions.append({"text": surface, "type": kind, "canonical": canonical,
                         "start": start, "end": start + len(surface)})
        pos = m.end()
    out.append(markup[pos:])
    return {"text": "".join(out), "mentions": mentions}


def convert(source: Path, target: Path, prefix: str) -> None:
    """Write one marked-up file's articles as JSON lines and print their count."""
    rows = []
    for block in source.read_text(encoding="utf-8").split("### ")[1:]:
        ident, _, body = block.partition("\n")
        art = parse(body.strip())
        art["id"] = prefix + ident.strip()
        per = sorted({m["canonical"] for m in art["mentions"] if m["type"] == "PER"})
        loc = sorted({m["canonical"] for m in art["mentions"] if m["type"] == "LOC"})
        art["persons"], art["places"] = per, loc
        art["bylines"] = sorted({m["canonical"] for m in art["mentions"] if m["type"] == "BYL"})
        rows.append(art)
    with target.open("w", encoding="utf-8") as fh:
        for art in rows:
            fh.write(json.dumps({k: art[k] for k in ("id", "text", "mentions", "persons", "places",
                                                     "bylines")}, ensure_ascii=False) + "\n")
    print(f"{target.name}: {len(rows)} articles, {sum(len(a['text'].split()) for a in rows)} words")


def main() -> None:
    convert(HERE / "own_news.txt", HERE / "own_news.jsonl", "own-")
    if (HERE / "own_heldout.txt").exists():
        convert(HERE / "own_heldout.txt", HERE / "own_heldout.jsonl", "own-")

if __name__ == "__main__":
    main()
