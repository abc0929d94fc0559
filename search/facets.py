"""Person and place facets: resolving names, filtering, and counting over matches.

Counts come from an in-memory column (document number → value ids) built once
per open index from the postings of the ``persons`` and ``places`` fields, so
counting a broad query is one pass over its matching documents.
"""

import bisect
import gc
import heapq
from array import array
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

    Both directions are kept as flat arrays of ``uint32`` with offsets (value →
    its documents, document → its value ids), which pickle as a few byte strings:
    the index folder's cache of a 41,000-article column loads in milliseconds,
    where a list of tuples and frozensets took 0.15 s or more a field. Sets, the
    name → id map and bitsets are made on first use, for the values a query needs.

    >>> cols = FacetColumns.from_reader(reader, "persons")   # doctest: +SKIP
    >>> cols.count(matching_docnums).most_common(3)          # doctest: +SKIP
    """

    def __init__(self, fieldname, values, docs_of, per_doc):
        self.fieldname = fieldname
        self._values = list(values)   # value id → display name (see ``values``)
        self._names = self._name_start = None
        self._doc_start, self._docs = _flat(sorted(d) for d in docs_of)
        self._vid_start, self._vids = _flat(per_doc)
        self._reset()

    def _reset(self):
        self._ids = None
        self._folded = None
        self._folded_joined = None  # the folded names as one string, from the cache
        self._sets = {}
        self._frequent = None
        self._bits = {}
        self._docs_np = None

    def __getstate__(self):
        state = {"fieldname": self.fieldname,
                 "doc_start": self._doc_start, "docs": self._docs,
                 "vid_start": self._vid_start, "vids": self._vids}
        values = self.values
        if any("," in v for v in values):  # never from the index: names are split at commas
            state["values"] = values
        else:
            # One string: a search shows ten names, and unpickling 60,000 strings took 10 ms.
            starts = array("I", [0])
            for v in values:
                starts.append(starts[-1] + len(v) + 1)
            state["names"], state["name_start"] = ",".join(values), starts
        # Kept with the cache so that a search does not fold every name again (see
        # ``search.engine._complete``): the folded names as one string, the surname merges.
        if self._folded is None and getattr(self, "_folded_joined", None) is not None:
            state["folded"] = self._folded_joined
        elif self._folded is not None:
            if "names" in state and not any("," in f for f in self._folded):
                state["folded"] = ",".join(self._folded)
            else:
                state["folded"] = list(self._folded)
        if getattr(self, "_automatic", None) is not None:
            state["automatic"] = self._automatic
        return state

    def __setstate__(self, state):
        self.fieldname = state["fieldname"]
        self._values = state.get("values")
        self._names, self._name_start = state.get("names"), state.get("name_start")
        self._doc_start, self._docs = state["doc_start"], state["docs"]
        self._vid_start, self._vids = state["vid_start"], state["vids"]
        self._reset()
        folded = state.get("folded")
        if isinstance(folded, str):
            # Split on first use: counting facets needs no folded names, and splitting
            # 61,000 of them was half of loading full FANG's person column.
            self._folded_joined = folded
        else:
            self._folded = folded
        # The automatic merges (search.engine._complete); "surnames" in caches before
        # session 11, when persons alone had them.
        if "automatic" in state or "surnames" in state:
            self._automatic = state.get("automatic", state.get("surnames"))

    @property
    def values(self):
        """List: value id → display name."""
        if self._values is None:
            self._values = self._names.split(",") if len(self._doc_start) > 1 else []
        return self._values

    def _value(self, vid):
        """The display name of value ``vid`` (without making the whole list)."""
        if self._values is not None:
            return self._values[vid]
        return self._names[self._name_start[vid]:self._name_start[vid + 1] - 1]

    @property
    def ids(self):
        """Display name → value id."""
        if self._ids is None:
            self._ids = {v: i for i, v in enumerate(self.values)}
        return self._ids

    @property
    def doc_count(self):
        """Documents the column covers (the reader's ``doc_count_all()`` when built)."""
        return len(self._vid_start) - 1

    @property
    def docs_of(self):
        """List: value id → frozenset of docnums (all of them made: for tests and tools)."""
        return [self._doc_set(vid) for vid in range(len(self._doc_start) - 1)]

    @property
    def per_doc(self):
        """List: docnum → tuple of value ids (empty for none)."""
        start, vids = self._vid_start, self._vids
        return [tuple(vids[start[d]:start[d + 1]]) for d in range(self.doc_count)]

    def docs_of_value(self, vid):
        """Frozenset of the docnums that have value ``vid`` (``docs_of[vid]`` without
        making the sets of every value)."""
        return self._doc_set(vid)

    def _df(self, vid):
        """Number of documents with value ``vid``."""
        return self._doc_start[vid + 1] - self._doc_start[vid]

    def _doc_set(self, vid):
        found = self._sets.get(vid)
        if found is None:
            found = self._sets[vid] = frozenset(
                self._docs[self._doc_start[vid]:self._doc_start[vid + 1]])
        return found

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
        docs_of = [self._doc_set(src[0]) if len(src) == 1
                   else frozenset().union(*(self._doc_set(v) for v in src))
                   for _, src in sorted(sources.items())]
        # Unchanged values keep their order, so an article without a changed value
        # keeps sorted ids; the others are sorted again.
        touched = set().union(*(self._doc_set(vid) for vid in changes))
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
        start, vids = self._vid_start, self._vids
        return Counter(chain.from_iterable(vids[start[d]:start[d + 1]] for d in docnums))

    def top(self, docnums, n, selected=()):
        """The ``n`` most frequent values among ``docnums``, selected ones always included."""
        ranked = None
        if docnums is None:
            counts = self._all_counts()
        elif len(docnums) >= BITSET_SCOPE:
            ranked = self._top_by_bits(docnums, n)
        if ranked is None:
            if docnums is not None:
                counts = self.count(docnums)
            ranked = _top_counts(counts, n)
        out = [FacetValue(self._value(v), c, self._value(v) in selected) for v, c in ranked]
        shown = {f.value for f in out}
        for name in selected:
            if name not in shown:
                vid = self.ids.get(name)
                count = 0 if vid is None else self._df(vid) if docnums is None \
                    else len(docnums & self._doc_set(vid))
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
        scope = _bits_of(docnums, self.doc_count)
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
        """(articles, value id, bits) of the values in BITSET_MIN_DF articles or more,
        most frequent first; each value's bits are made when first reached."""
        if self._frequent is None:
            start = np.frombuffer(self._doc_start, dtype=np.uint32).astype(np.int64)
            df = np.diff(start)
            vids = np.flatnonzero(df >= BITSET_MIN_DF)
            order = np.lexsort((vids, -df[vids]))  # by -df, then by value id
            self._frequent = [(int(df[v]), int(v)) for v in vids[order]]
            self._docs_np = np.frombuffer(self._docs, dtype=np.uint32)
        size = self.doc_count
        for df, vid in self._frequent:
            bits = self._bits.get(vid)
            if bits is None:
                docs = self._docs_np[self._doc_start[vid]:self._doc_start[vid + 1]]
                bits = self._bits[vid] = _bits_of(docs, size)
            yield df, vid, bits

    def _all_counts(self):
        """Counter of value id → its number of documents."""
        start = self._doc_start
        return Counter({vid: start[vid + 1] - start[vid] for vid in range(len(start) - 1)})

    def _folded_index(self):
        if self._folded is None:
            if self._folded_joined is not None:
                joined, self._folded_joined = self._folded_joined, None
                self._folded = joined.split(",") if len(self._doc_start) > 1 else []
            else:
                self._folded = [fold_diacritics(v) for v in self.values]
        return self._folded

    def folded_text(self):
        """(the folded names joined into one string, the separator): "," as the cache
        keeps them, else a line break; None when a folded name holds the separator."""
        if self._folded is None and self._folded_joined is not None:
            return self._folded_joined, ","
        folded = self._folded_index()
        if any("\n" in f for f in folded):
            return None
        return "\n".join(folded), "\n"

    def has_folded(self):
        """Whether the folded names are at hand (made, or loaded with the cache)."""
        return self._folded is not None or getattr(self, "_folded_joined", None) is not None

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
            ranked = sorted(cands, key=lambda i: (-self._df(i), self.values[i]))
            raise AmbiguousName(kind, name, [(self.values[i], self._df(i)) for i in ranked])
        close = sorted((i for i, f in enumerate(folded) if f.startswith(want[:3])),
                       key=lambda i: -self._df(i))[:5]
        raise UnknownName(kind, name, [self.values[i] for i in close])

    def docs_for(self, name):
        """The docnums that have this exact value."""
        vid = self.ids.get(name)
        return self._doc_set(vid) if vid is not None else frozenset()

    def browse(self, docnums, prefix=None, n=50):
        """Values with counts, filtered by a name prefix (accent- and case-insensitive).

        A prefix matches the start of the name or of any of its words, so
        ``--prefix sö`` finds ``Markus Söder``.
        """
        counts = self.count(docnums) if docnums is not None else self._all_counts()
        if prefix:
            want = fold_diacritics(prefix.strip())
            folded = self._folded_index()
            counts = Counter({v: c for v, c in counts.items()
                              if folded[v].startswith(want)
                              or any(w.startswith(want) for w in folded[v].split())})
        return [FacetValue(self._value(v), c) for v, c in _top_counts(counts, n)]


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
    """An integer whose bit d is set for each document number d in ``docnums``
    (an iterable with a length, or a NumPy array)."""
    mask = np.zeros(size + 1, dtype=bool)
    if not isinstance(docnums, np.ndarray):
        docnums = np.fromiter(docnums, dtype=np.int64, count=len(docnums))
    mask[docnums] = True
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


def _flat(rows):
    """``rows`` (iterables of ints) as (offsets, values): two ``uint32`` arrays, row i
    being ``values[offsets[i]:offsets[i + 1]]``."""
    offsets, values = array("I", [0]), array("I")
    for row in rows:
        values.extend(row)
        offsets.append(len(values))
    return offsets, values
