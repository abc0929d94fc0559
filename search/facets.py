"""Person and place facets: resolving names, filtering, and counting over matches.

Counts come from an in-memory column (document number → value ids) built once
per open index from the postings of the ``persons`` and ``places`` fields, so
counting a broad query is one pass over its matching documents.
"""

import bisect
import gc
import heapq
from collections import Counter
from itertools import chain

import numpy as np

from index.analysis import fold_diacritics
from search.errors import AmbiguousName, UnknownName  # noqa: F401  (defined there; raised here)
from search.results import FacetValue

FACET_FIELDS = {"person": "persons", "place": "places"}
#: Facets over at least this many matching articles are counted with bitsets.
BITSET_SCOPE = 2000
#: Values in fewer articles than this get no bitset (they rarely make a broad query's top).
BITSET_MIN_DF = 20


class FacetColumns:
    """The values of one multi-valued field per document, with their postings.

    >>> cols = FacetColumns.from_reader(reader, "persons")   # doctest: +SKIP
    >>> cols.count(matching_docnums).most_common(3)          # doctest: +SKIP
    """

    def __init__(self, fieldname, values, docs_of, per_doc):
        self.fieldname = fieldname
        self.values = values          # value id → display name
        self.docs_of = docs_of        # value id → frozenset of docnums
        self.per_doc = per_doc        # list: docnum → tuple of value ids (empty for none)
        self.ids = {v: i for i, v in enumerate(values)}
        self._folded = None
        self._bits = None

    @classmethod
    def from_reader(cls, reader, fieldname):
        """Build the column from the field's column of raw values, else from its postings.

        Reading the column is one pass over the documents; the postings need
        one lookup per name and segment, seconds on a large archive.
        """
        if reader.has_column(fieldname):
            return cls.from_column(reader, fieldname)
        return cls.from_postings(reader, fieldname)

    @classmethod
    def from_column(cls, reader, fieldname):
        """Build from the comma-separated values kept in the field's column (``sortable``).

        Gives what :meth:`from_postings` gives: names split at commas and
        stripped, as the field's tokenizer does, in lexicon (UTF-8) order.
        """
        deleted = reader.is_deleted if reader.has_deletions() else None
        raw_docs = []
        names = set()
        for docnum, raw in enumerate(reader.column_reader(fieldname)):
            if not raw or (deleted and deleted(docnum)):
                continue
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8")
            doc_names = {n.strip() for n in raw.split(",")}
            doc_names.discard("")
            if doc_names:
                raw_docs.append((docnum, doc_names))
                names |= doc_names
        values = sorted(names, key=lambda n: n.encode("utf-8"))
        ids = {v: i for i, v in enumerate(values)}
        docs_of = [[] for _ in values]
        per_doc = [()] * reader.doc_count_all()
        for docnum, doc_names in raw_docs:
            vids = tuple(sorted(ids[n] for n in doc_names))
            per_doc[docnum] = vids
            for v in vids:
                docs_of[v].append(docnum)
        return cls(fieldname, values, [frozenset(d) for d in docs_of], per_doc)

    @classmethod
    def from_postings(cls, reader, fieldname):
        """Build the column from the field's postings (no stored fields read)."""
        values, docs_of = [], []
        per_doc = [()] * reader.doc_count_all()
        if fieldname in reader.indexed_field_names():
            for term in reader.lexicon(fieldname):
                name = term.decode("utf-8") if isinstance(term, bytes) else term
                if not name.strip():
                    continue
                vid = len(values)
                ids = [d for d in reader.postings(fieldname, term).all_ids()
                       if not reader.is_deleted(d)] if reader.has_deletions() else \
                    list(reader.postings(fieldname, term).all_ids())
                if not ids:
                    continue
                values.append(name)
                docs_of.append(frozenset(ids))
                for d in ids:
                    per_doc[d] += (vid,)
        return cls(fieldname, values, docs_of, per_doc)

    def curated(self, names):
        """The column as a :class:`search.curation.NameMap` shows it: merged and renamed
        values joined under their new name, hidden ones gone. ``self`` when nothing changes.

        Value ids are numbered in name order again (ties in counts are broken by it).
        Only the articles of changed values are re-sorted; on full FANG's 61,576
        persons one merge costs about 0.1 s (the folded names come with the cache).
        """
        folded = self._folded_index()
        changes = names.changes(self.values, folded) if names else {}
        if not changes:
            return self
        gc_was_on = gc.isenabled()
        gc.disable()  # the collector would walk the column's 60,000 sets again and again
        try:
            return self._curated(changes, folded)
        finally:
            if gc_was_on:
                gc.enable()

    def _curated(self, changes, folded):
        values = [v for vid, v in enumerate(self.values) if vid not in changes]
        present = set(values)
        for name in {n for n in changes.values() if n is not None} - present:
            bisect.insort(values, name, key=_utf8)
        ids = {v: i for i, v in enumerate(values)}
        new_id = [ids.get(changes.get(vid, v)) if vid in changes else ids[v]
                  for vid, v in enumerate(self.values)]
        sources = {}
        for vid, nid in enumerate(new_id):
            if nid is not None:
                sources.setdefault(nid, []).append(vid)
        docs_of = [self.docs_of[src[0]] if len(src) == 1
                   else frozenset().union(*(self.docs_of[v] for v in src))
                   for _, src in sorted(sources.items())]
        # Unchanged values keep their order, so an article without a changed value
        # keeps sorted ids; the others are sorted again.
        touched = set().union(*(self.docs_of[vid] for vid in changes))
        lookup = new_id.__getitem__
        per_doc = [tuple(sorted({new_id[v] for v in vids} - {None})) if d in touched
                   else tuple(map(lookup, vids)) if vids else ()
                   for d, vids in enumerate(self.per_doc)]
        out = FacetColumns(self.fieldname, values, docs_of, per_doc)
        old_fold = {v: f for v, f in zip(self.values, folded)}
        out._folded = [old_fold.get(v) or fold_diacritics(v) for v in values]
        return out

    def count(self, docnums):
        """Counter of value id → number of ``docnums`` that have it."""
        # map() and chain() keep the loop over a broad query's documents in C.
        return Counter(chain.from_iterable(map(self.per_doc.__getitem__, docnums)))

    def top(self, docnums, n, selected=()):
        """The ``n`` most frequent values among ``docnums``, selected ones always included."""
        ranked = None
        if docnums is None:
            counts = Counter({vid: len(d) for vid, d in enumerate(self.docs_of)})
        elif len(docnums) >= BITSET_SCOPE:
            ranked = self._top_by_bits(docnums, n)
        if ranked is None:
            if docnums is not None:
                counts = self.count(docnums)
            ranked = _top_counts(counts, n)
        out = [FacetValue(self.values[v], c, self.values[v] in selected) for v, c in ranked]
        shown = {f.value for f in out}
        for name in selected:
            if name not in shown:
                vid = self.ids.get(name)
                count = 0 if vid is None else len(self.docs_of[vid]) if docnums is None \
                    else len(docnums & self.docs_of[vid])
                out.append(FacetValue(name, count, True))
        return out

    def _top_by_bits(self, docnums, n):
        """``top``'s ranking for a broad query, from bitsets; None when they cannot tell.

        Counting a broad query value by value over its documents is most of a
        facet's cost. Instead: each frequent value keeps its documents as the bits
        of an integer; a value's count is ``(scope & bits).bit_count()``, and values
        are tried most frequent first, stopping at the first that is in fewer
        articles than the n-th count so far (it could not reach it).
        """
        if n <= 0:
            return []
        scope = _bits_of(docnums, len(self.per_doc))
        heap = []  # (count, -vid): the n best so far, worst first
        for df, vid, bits in self._bitsets():
            if len(heap) == n and df < heap[0][0]:
                break
            count = (scope & bits).bit_count()
            if count and (len(heap) < n or (count, -vid) > heap[0]):
                (heapq.heapreplace if len(heap) == n else heapq.heappush)(heap, (count, -vid))
        if len(heap) < n or heap[0][0] < BITSET_MIN_DF:
            return None  # values without bitsets might rank: count them one by one
        return [(-neg, count) for count, neg in sorted(heap, key=lambda cv: (-cv[0], -cv[1]))]

    def _bitsets(self):
        """(articles, value id, bits) of the values in BITSET_MIN_DF articles or more."""
        if self._bits is None:
            size = len(self.per_doc)
            frequent = sorted(((len(d), vid) for vid, d in enumerate(self.docs_of)
                               if len(d) >= BITSET_MIN_DF), key=lambda dv: (-dv[0], dv[1]))
            self._bits = [(df, vid, _bits_of(self.docs_of[vid], size)) for df, vid in frequent]
        return self._bits

    def _folded_index(self):
        if self._folded is None:
            self._folded = [fold_diacritics(v) for v in self.values]
        return self._folded

    def resolve(self, kind, name):
        """The one value a user's name means: exact, accent-insensitive, or by surname.

        Raises AmbiguousName (listing the candidates with their article
        counts) or UnknownName (with close names).
        """
        if name in self.ids:
            return name
        want = fold_diacritics(name.strip())
        folded = self._folded_index()
        exact = [i for i, f in enumerate(folded) if f == want]
        if len(exact) == 1:
            return self.values[exact[0]]
        words = want.split()
        cands = exact or [i for i, f in enumerate(folded)
                          if f.split()[-len(words):] == words]
        if not cands:
            cands = [i for i, f in enumerate(folded) if set(words) <= set(f.split())]
        if len(cands) == 1:
            return self.values[cands[0]]
        if cands:
            ranked = sorted(cands, key=lambda i: (-len(self.docs_of[i]), self.values[i]))
            raise AmbiguousName(kind, name, [(self.values[i], len(self.docs_of[i]))
                                             for i in ranked])
        close = sorted((i for i, f in enumerate(folded) if f.startswith(want[:3])),
                       key=lambda i: -len(self.docs_of[i]))[:5]
        raise UnknownName(kind, name, [self.values[i] for i in close])

    def docs_for(self, name):
        """The docnums that have this exact value."""
        vid = self.ids.get(name)
        return self.docs_of[vid] if vid is not None else frozenset()

    def browse(self, docnums, prefix=None, n=50):
        """Values with counts, filtered by a name prefix (accent- and case-insensitive).

        A prefix matches the start of the name or of any of its words, so
        ``--prefix sö`` finds ``Markus Söder``.
        """
        counts = self.count(docnums) if docnums is not None else Counter(
            {vid: len(d) for vid, d in enumerate(self.docs_of)})
        if prefix:
            want = fold_diacritics(prefix.strip())
            folded = self._folded_index()
            counts = Counter({v: c for v, c in counts.items()
                              if folded[v].startswith(want)
                              or any(w.startswith(want) for w in folded[v].split())})
        return [FacetValue(self.values[v], c) for v, c in _top_counts(counts, n)]


def _utf8(name):
    return name.encode("utf-8")


def _top_counts(counts, n):
    """The ``n`` (value id, count) pairs with the highest counts, ties by name.

    Value ids are numbered in name order, so a tie is broken by the lower id. Only
    the top n are shown: the values tied with the n-th count are sorted, not all
    of a broad query's values.
    """
    if n <= 0 or not counts:
        return []
    best = heapq.nlargest(n, counts.values())
    cut = best[-1]
    above = [kv for kv in counts.items() if kv[1] >= cut]
    above.sort(key=lambda kv: (-kv[1], kv[0]))
    return above[:n]


def _bits_of(docnums, size):
    """An integer whose bit d is set for each document number d in ``docnums``."""
    mask = np.zeros(size + 1, dtype=bool)
    mask[np.fromiter(docnums, dtype=np.int64, count=len(docnums))] = True
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")
