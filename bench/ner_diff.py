"""Which persons and places change between the extractor at a git revision and the current
tree, on real articles: the check a new rule needs beyond the scored sets, which are too small
to show what it does to a whole archive.

    .venv/bin/python bench/ner_diff.py --against REV [CORPUS] [--count 3000] [--top 80]
                                       [--show NAME]

Reads ``--count`` articles (default 3,000) spread evenly over CORPUS (JSON Lines with ``title`` and
``text``; default the FANG-COVID file in ``../shared``), extracts their persons and places with
REV's extractor (its code, word lists and model, as ``bench/ner_speed.py --against`` loads it)
and with the current tree's, and prints how many articles differ, then each name gained (+) or
lost (−) by kind with the number of articles, most frequent first. ``--show NAME`` also prints
the tokens around each mention of NAME in the articles where it changed, to read why (on this
machine only: the articles' licences keep their text out of the repository).
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from index.entities import EntityExtractor, tokenize  # noqa: E402
from ner_speed import DEFAULT_CORPUS, module_at, read_spread  # noqa: E402


def changes(old: list, new: list) -> collections.Counter:
    """(kind, "+"/"−", name) → articles, from two lists of ``Entities`` of the same articles."""
    out = collections.Counter()
    for a, b in zip(old, new):
        for kind in ("persons", "places"):
            before, after = set(getattr(a, kind)), set(getattr(b, kind))
            out.update((kind, "+", n) for n in after - before)
            out.update((kind, "−", n) for n in before - after)
    return out


def mentions(title: str, text: str, name: str, width: int = 8) -> list[str]:
    """The tokens around each mention of ``name``'s first token in an article, also in the
    genitive ("Frankreichs", "Scholz'") and abbreviated ("St" of "St. Pauli")."""
    first = name.split()[0].rstrip(".")
    out = []
    for sent in tokenize(title) + tokenize(text):
        for i, tok in enumerate(sent):
            if tok == first or tok.startswith(first) and tok[len(first):] in ("s", "es", "'", "’"):
                out.append(" ".join(sent[max(0, i - width):i + width]))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--count", type=int, default=3000, help="articles read [3000]")
    parser.add_argument("--against", required=True, metavar="REV",
                        help="the git revision whose extractor is compared (main, HEAD~1, a hash)")
    parser.add_argument("--top", type=int, default=80, help="changed names printed [80]")
    parser.add_argument("--show", metavar="NAME", help="print the context of NAME where it changed")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        raise SystemExit(f"{args.corpus}: no such file; give a JSON Lines corpus")
    articles = read_spread(args.corpus, args.count)
    pairs = [(title, text) for _, title, text in articles]
    old = list(module_at(args.against).EntityExtractor.load().extract_many(pairs))
    new = list(EntityExtractor.load().extract_many(pairs))
    differ = sum((a.persons, a.places) != (b.persons, b.places) for a, b in zip(old, new))
    found = changes(old, new)
    print(f"{len(pairs)} articles of {args.corpus.name}: {differ} differ between {args.against} "
          f"and the current tree; {sum(found.values())} names gained or lost")
    for (kind, sign, name), n in found.most_common(args.top):
        print(f"{n:5d} {kind:8s} {sign} {name}")
    if args.show:
        for (line, title, text), a, b in zip(articles, old, new):
            if any(args.show in set(getattr(a, k)) ^ set(getattr(b, k))
                   for k in ("persons", "places")):
                for context in mentions(title, text, args.show):
                    print(f"line {line}: {context}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
