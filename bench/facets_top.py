#!/usr/bin/env python3
"""The top person and place facets of an index, beside another index's, and what the
automatic merges did (issue 20's before/after figures).

    .venv/bin/python bench/facets_top.py --index AFTER [--before BEFORE] [--top 30]

Prints, per kind, a Markdown table of the ``--top`` values with their article counts as
the facets show them (after the automatic merges and the index's curation file), the
``--before`` index's list beside it; then, per index, the automatic merges: how many,
how many articles they add to the names they join (articles counted once per name), and
the largest ones. Each index folder must be writable (the facet caches are written
beside it): search a read-only one through a copy made with ``cp -al``.
"""

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search import SearchEngine  # noqa: E402


def top_values(engine, kind, n):
    """[(name, articles)] of the ``n`` largest ``kind`` facet values as shown."""
    return [(v.value, v.count) for v in engine.facet_values(kind, None, limit=n)]


def merges(engine, kind):
    """[(name, into, articles of the name)] of the automatic merges, and the articles they
    add to the names they join (an article naming both counted once)."""
    raw = engine.raw_columns(kind)
    out, joined = [], {}
    for entry in engine.automatic(kind):
        docs = set(raw.docs_for(entry.name))
        out.append((entry.name, entry.to, len(docs)))
        joined.setdefault(entry.to, set()).update(docs)
    added = sum(len(docs - set(raw.docs_for(to))) for to, docs in joined.items())
    return sorted(out, key=lambda m: (-m[2], m[0])), added


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", required=True, help="the index (after)")
    ap.add_argument("--before", help="another index to list beside it")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--show-merges", type=int, default=15,
                    help="the largest automatic merges to list")
    args = ap.parse_args(argv)
    paths = [p for p in (args.before, args.index) if p]
    engines = [SearchEngine(p) for p in paths]
    heads = ["before", "after"] if args.before else ["index"]
    for kind in ("person", "place"):
        lists = [top_values(e, kind, args.top) for e in engines]
        print(f"\n### Top {args.top} {kind} facets\n")
        print("| # | " + " | ".join(heads) + " |")
        print("|---|" + "---|" * len(heads))
        for i in range(args.top):
            cells = [f"{rows[i][0]} ({rows[i][1]:,})" if i < len(rows) else ""
                     for rows in lists]
            print(f"| {i + 1} | " + " | ".join(cells) + " |")
    for head, path, engine in zip(heads, paths, engines):
        print(f"\n### Automatic merges, {head} ({path})\n")
        for kind in ("person", "place"):
            found, added = merges(engine, kind)
            print(f"- {kind}: {len(found):,} merges, {sum(m[2] for m in found):,} "
                  f"articles of the merged names, {added:,} articles added to the names "
                  f"they join")
            for name, to, n in found[:args.show_merges]:
                print(f"  - {name} → {to}: {n:,} articles")
    for engine in engines:
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
