"""Scoring every matching article of a query at once, in bulk, with Whoosh's own numbers.

Whoosh scores through a tree of matchers that moves one document at a time: for a
broad query over a large archive that is several Python calls per document and
per node, most of a search's time. :class:`Ranker` reads each query word's
posting list whole (``CompactLeafMatcher.ids_and_weights``) and combines the
words as dictionaries of document number → score, with the arithmetic of the
matchers it replaces, in the same order, so the scores are the same numbers:

* ``Term``: BM25F (``scoring.bm25``), the field length decoded as Whoosh does;
* ``BestOf``: best alternative plus ``tiebreak`` × the others (``BestOfMatcher``);
* ``CoordinatedOr``: the sum times (matched words / words) ** exponent (``CoordMatcher``);
* ``And``: the parts' sums, smallest lists first (``IntersectionMatcher``);
* ``AndNot``: the positive side's score, minus what the negative side matches;
* ``Every``: the query's boost for every live article.

Anything else (phrases, OR, prefixes, fuzzy words) is scored by its own
Whoosh matcher, document by document, and combined like the rest. The result
also is the set of matching articles that facet counts need.
"""

import bisect
import heapq

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25FScorer
from whoosh.util.numeric import byte_to_length

from index.postings import CompactLeafMatcher
from search.query import BestOf, CoordinatedOr


class Ranker:
    """Bulk scorer over one Whoosh searcher; caches field lengths per segment."""

    def __init__(self, searcher):
        self.searcher = searcher
        self._leaves = searcher.leaf_searchers()
        self._lengths = {}
        self._deleted = {}
        self._scorers = {}

    def scores(self, q):
        """{global document number: score} for every live article ``q`` matches."""
        out = {}
        for i, (sub, offset) in enumerate(self._leaves):
            local = self._score(q, sub, i)
            if offset:
                out.update(zip([d + offset for d in local], local.values()))
            else:
                out.update(local)
        return out

    # --- nodes ---------------------------------------------------------------------------

    def _score(self, q, sub, i):
        if isinstance(q, CoordinatedOr):
            return self._coordinated(q, sub, i)
        if isinstance(q, BestOf):
            return self._best_of(q, sub, i)
        if type(q) is wq.Term:
            scored = self._term(q, sub, i)
            if scored is not None:
                return scored
        elif type(q) is wq.AndNot:
            positive = self._score(q.a, sub, i)
            if positive:
                for d in q.b.docs(sub):
                    positive.pop(d, None)
            return positive
        elif type(q) is wq.And and not any(isinstance(c, wq.Not) for c in q.subqueries):
            return self._and(q, sub, i)
        elif type(q) is wq.Every and q.fieldname in (None, "", "*"):
            return dict.fromkeys(sub.reader().all_doc_ids(), q.boost)
        return _matcher_scores(q, sub)

    def _coordinated(self, q, sub, i):
        total, matched = {}, {}
        for child in q.subqueries:
            for d, s in self._score(child, sub, i).items():
                if d in total:
                    total[d] += s
                    matched[d] += 1
                else:
                    total[d] = 0.0 + s
                    matched[d] = 1
        n, exponent, boost = len(q.subqueries), q.exponent, q.boost
        return {d: t * (matched[d] / n) ** exponent * boost for d, t in total.items()}

    def _and(self, q, sub, i):
        # Sums of parts, paired smallest lists first. Whoosh pairs them in its own
        # tree: two parts give the same sum in any order, three may differ in the last bit.
        reader = sub.reader()
        parts = sorted(([c.estimate_size(reader), self._score(c, sub, i)]
                        for c in q.subqueries), key=lambda p: p[0])
        while len(parts) > 1:
            (size_a, a), (size_b, b) = parts.pop(0), parts.pop(0)
            bisect.insort(parts, [size_a + size_b, _intersect(a, b)], key=lambda p: p[0])
        scored = parts[0][1]
        if q.boost != 1.0:
            boost = q.boost
            scored = {d: s * boost for d, s in scored.items()}
        return scored

    def _best_of(self, q, sub, i):
        total, best = {}, {}
        for child in q.subqueries:
            for d, s in self._score(child, sub, i).items():
                if d in total:
                    total[d] += s
                    if s > best[d]:
                        best[d] = s
                else:
                    total[d] = 0 + s
                    best[d] = s
        tiebreak, boost = q.tiebreak, q.boost
        return {d: (b + tiebreak * (total[d] - b)) * boost for d, b in best.items()}

    def _term(self, q, sub, i):
        """BM25F scores of one word in one segment, or None to let Whoosh score it."""
        found = self._scorer(q.fieldname, q.text)
        if found is None:
            return {}
        btext, scorer = found
        if type(scorer) is not BM25FScorer:
            return None
        try:
            m = sub.reader().postings(q.fieldname, btext)
        except TermNotFound:  # not in this segment
            return {}
        m = getattr(m, "child", m)  # deletions are removed below, for all leaves alike
        if isinstance(m, CompactLeafMatcher):
            ids, weights = m.ids_and_weights()
        else:  # an inlined posting list, or another codec's
            ids, weights = [], []
            while m.is_active():
                ids.append(m.id())
                weights.append(m.weight())
                m.next()
        norms = self._norms(sub, i, q.fieldname, scorer)
        idf, k = scorer.idf, scorer.K1 + 1
        # scoring.bm25: idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
        scored = {d: idf * ((w * k) / (w + norms[d])) for d, w in zip(ids, weights)}
        if q.boost != 1.0:
            boost = q.boost
            scored = {d: s * boost for d, s in scored.items()}
        for d in self._deleted_in(sub, i):
            scored.pop(d, None)
        return scored

    def _scorer(self, fieldname, text):
        """(term bytes, Whoosh's scorer) of a word, or None when no segment has it.

        BM25's idf and average length are index-wide: one scorer serves every
        segment, instead of one set up (with its term lookups) per segment.
        """
        key = (fieldname, text)
        if key not in self._scorers:
            if len(self._scorers) > 10_000:
                self._scorers.clear()
            found = None
            s = self.searcher
            if fieldname in s.schema:
                try:
                    btext = s.schema[fieldname].to_bytes(text)
                except ValueError:
                    btext = None
                if btext is not None and (fieldname, btext) in s.reader():
                    found = (btext, s.weighting.scorer(s, fieldname, btext))
            self._scorers[key] = found
        return self._scorers[key]

    # --- per-segment caches --------------------------------------------------------------

    def _norms(self, sub, i, fieldname, scorer):
        """Per document of segment ``i``: ``K1 * ((1 - B) + B * fl / avgfl)``, as BM25 computes it."""
        key = (i, fieldname, scorer.B, scorer.K1, scorer.avgfl)
        norms = self._lengths.get(key)
        if norms is None:
            K1, B, avgfl = scorer.K1, scorer.B, scorer.avgfl
            table = [K1 * ((1 - B) + B * byte_to_length(b) / avgfl) for b in range(256)]
            norms = [table[b] for b in _length_bytes(sub.reader(), fieldname)]
            self._lengths[key] = norms
        return norms

    def _deleted_in(self, sub, i):
        if i not in self._deleted:
            reader = sub.reader()
            self._deleted[i] = (
                [d for d in range(reader.doc_count_all()) if reader.is_deleted(d)]
                if reader.has_deletions() else [])
        return self._deleted[i]


def _length_bytes(reader, fieldname):
    """The encoded length byte of ``fieldname`` for every document of one segment."""
    n = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN) if perdoc else None
    if column is None:
        return bytes(n)
    # A fixed-width column of one byte per document, cut short where the rest are zero.
    raw = column._dbfile.get(column._basepos, column._count)
    return raw + bytes(n - len(raw))


def _intersect(a, b):
    """The documents both sides match, scored as ``IntersectionMatcher`` does: a + b."""
    if len(b) < len(a):
        return {d: a[d] + s for d, s in b.items() if d in a}
    return {d: s + b[d] for d, s in a.items() if d in b}


def _matcher_scores(q, sub):
    """Any query, scored by its own Whoosh matcher one document at a time."""
    m = q.matcher(sub)
    out = {}
    while m.is_active():
        out[m.id()] = m.score()
        m.next()
    return out


def top(scores, n, key=None):
    """The ``n`` best (document, score) pairs: highest score first, then lowest number.

    That is the order of Whoosh's ``TopCollector``. ``key`` (document → sort
    value) orders by that value instead, highest first, score breaking ties.
    """
    if key is None:
        return heapq.nlargest(n, scores.items(), key=lambda ds: (ds[1], -ds[0]))
    return heapq.nlargest(n, scores.items(), key=lambda ds: (key(ds[0]), ds[1], -ds[0]))
