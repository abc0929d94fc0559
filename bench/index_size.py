"""Where the bytes of an index go: stored fields, postings, term dictionaries, columns.

    python bench/index_size.py INDEX [--text-mb 25.4]

Prints one table: each part's megabytes, its share of the index and, with
``--text-mb`` (the raw text the index was built from), its size as a multiple
of that text. Postings of ``title`` and ``body`` are split by kind of term
(words, ``+stem`` compound parts, hyphenated whole words) and, within each
block, into document ids, weights and positions (uncompressed sizes; the
compressed size of a block is shared out in proportion).
"""

import argparse
import os
import sys
import zlib
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from whoosh import index as whoosh_index  # noqa: E402
from whoosh.filedb.compound import CompoundStorage  # noqa: E402

from index.analysis import PART_PREFIX  # noqa: E402


def term_kind(text):
    """``part``, ``hyphen`` (a hyphenated whole word) or ``word``."""
    if text.startswith(PART_PREFIX):
        return "part"
    if "-" in text or "\u2010" in text or "\u2011" in text:
        return "hyphen"
    return "word"


def segment_files(ix):
    """(segment, {sub-file name: bytes}) for every segment of ``ix``."""
    out = []
    for seg in ix._segments():
        name = seg.make_filename(".seg")
        if ix.storage.file_exists(name):
            f = ix.storage.open_file(name)
            cs = CompoundStorage(f, use_mmap=False)
            sizes = {n: cs._dir[n]["length"] for n in cs._dir}
            cs.close()
        else:
            sizes = {n: ix.storage.file_length(n) for n in ix.storage.list()
                     if n.startswith(seg.segment_id())}
        out.append((seg, sizes))
    return out


def file_part(name):
    """The part of the index a segment's sub-file holds."""
    ext = name.rsplit(".", 1)[-1]
    base = name.rsplit(".", 1)[0]
    if ext == "trm":
        return "term dictionaries (.trm)"
    if ext == "pst":
        return "postings (.pst)"
    if ext == "col":
        field = base.split(".", 1)[1] if "." in base else base
        if field == "_stored":
            return "stored fields"
        if field.endswith("_len"):
            return "field lengths"
        return f"column {field}"
    return f"other ({ext})"


def text_z_bytes(reader):
    """Bytes of the compressed article texts (``text_z``) over all documents."""
    return sum(len(f.get("text_z") or b"") for f in reader.all_stored_fields())


def postings_breakdown(ix):
    """Per (field, kind): terms, postings, and bytes of ids, weights, positions, overhead.

    Blocks are compressed whole; each part gets the compressed size in
    proportion to its uncompressed size. ``overhead`` is the rest of the
    posting file: per term a header, per block its length and info.
    """
    from index.postings import CompactLeafMatcher, _unpack_uints

    stats = defaultdict(lambda: defaultdict(float))
    with ix.searcher() as s:
        for sub, _ in s.leaf_searchers():
            tr = sub.reader()._terms
            for (fieldname, btext), ti in tr.items():
                if fieldname not in ("title", "body"):
                    continue
                st = stats[(fieldname, term_kind(btext.decode("utf-8")))]
                st["terms"] += 1
                # What Whoosh's own dictionary took: key (field number + text), terminfo
                # (23 + offset 8 + length 4), lengths; its hash table not counted.
                st["dict"] += 2 + len(btext) + 35 + 8
                if ti.is_inlined():
                    continue
                offset, length = ti.extent()
                if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves it a 1-tuple
                    length = length[0]
                st["file"] += length
                m = CompactLeafMatcher(tr._postfile, offset, length, ix.schema[fieldname].format)
                while not m._atend:
                    raw = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
                    b = zlib.decompress(raw) if m._compression else raw
                    n = m._blocklength
                    _, ids_end = _unpack_uints(b, 0, n)
                    _, _, w_end = CompactLeafMatcher._decode_ids_weights(b, n)
                    lens_end = _unpack_uints(b, w_end, n)[1] if w_end < len(b) else w_end
                    share = len(raw) / len(b)
                    st["postings"] += n
                    st["blocks"] += 1
                    st["ids"] += ids_end * share
                    st["weights"] += (w_end - ids_end) * share
                    st["pos_lengths"] += (lens_end - w_end) * share
                    st["positions"] += (len(b) - lens_end) * share
                    m._next_block()
    for st in stats.values():
        st["overhead"] = st["file"] - (st["ids"] + st["weights"] + st["pos_lengths"]
                                       + st["positions"])
    return stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("index")
    ap.add_argument("--text-mb", type=float, default=0.0, help="raw text MB, for × text")
    ap.add_argument("--no-postings", action="store_true", help="skip the postings split")
    args = ap.parse_args()

    ix = whoosh_index.open_dir(args.index)
    total = sum(os.path.getsize(os.path.join(args.index, n)) for n in os.listdir(args.index))
    segs = segment_files(ix)
    parts = defaultdict(int)
    for _, sizes in segs:
        for name, size in sizes.items():
            parts[file_part(name)] += size
    outside = total - sum(sum(s.values()) for _, s in segs)

    def row(label, nbytes, indent=""):
        mb = nbytes / 1e6
        x = f"{mb / args.text_mb:.3f}" if args.text_mb else "—"
        print(f"| {indent}{label} | {mb:8.2f} | {100 * nbytes / total:5.1f}% | {x} |")

    print(f"index {args.index}: {total / 1e6:.1f} MB, {len(segs)} segments, "
          f"{ix.doc_count_all()} documents")
    print("| part | MB | share | × text |")
    print("|---|---|---|---|")
    for label, size in sorted(parts.items(), key=lambda kv: -kv[1]):
        row(label, size)
        if label == "stored fields":
            with ix.searcher() as s:
                text = text_z_bytes(s.reader())
            row("article texts (text_z)", text, "  ")
            row("other fields, framing", size - text, "  ")
    row("outside segments (toc, caches, json)", outside)
    if args.no_postings:
        return
    stats = postings_breakdown(ix)
    print()
    print("| field, terms | terms | postings in .pst | dict MB in Whoosh's format (est.) | ids MB "
          "| weights MB | pos lengths MB | positions MB | block overhead MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (fieldname, kind), st in sorted(stats.items()):
        print(f"| {fieldname} {kind} | {st['terms']:.0f} | {st['postings']:.0f} "
              f"| {st['dict'] / 1e6:.2f} | {st['ids'] / 1e6:.2f} | {st['weights'] / 1e6:.2f} "
              f"| {st['pos_lengths'] / 1e6:.2f} | {st['positions'] / 1e6:.2f} "
              f"| {st['overhead'] / 1e6:.2f} |")


if __name__ == "__main__":
    main()
