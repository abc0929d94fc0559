"""Scoring every matching article of a query at once, in bulk, with Whoosh's own numbers.

Whoosh scores through a tree of matchers that moves one document at a time: for a
broad query over a large archive that is several Python calls per document and
per node, most of a search's time. :class:`Ranker` reads each query word's
posting list whole (``index.codec.term_postings``) and combines the
words as NumPy arrays over all articles of the index (one slot per document
number), with the arithmetic of the matchers it replaces, in the same order, so
the scores are the same numbers:

* ``Term``: BM25F (``scoring.bm25``), the field length decoded as Whoosh does;
* ``BestOf``: best alternative plus ``tiebreak`` × the others (``BestOfMatcher``);
* ``CoordinatedOr``: the sum times (matched words / words) ** exponent (``CoordMatcher``);
* ``And``: the parts' sums (``IntersectionMatcher``; three parts or more may differ in
  the last bit);
* ``Or``: the sum of the sides that match (``UnionMatcher``; likewise);
* ``AndNot``: the positive side's score, minus what the negative side matches;
* ``AndMaybe``: the first side's matches and score, plus the second side's score where
  both match (``AndMaybeMatcher``);
* ``Every``: the query's boost for every live article.

Anything else (phrases, prefixes, fuzzy words) is scored by its own Whoosh
matcher, document by document, and combined like the rest. The result also is
the set of matching articles that facet counts need.

Each node gives ``(hit, score)``: a boolean array of the documents it matches and
their scores, 0.0 everywhere else (adding 0.0 changes no sum, and BM25 scores are
positive, so a 0.0 never wins a maximum).
"""

from bisect import bisect_left
from collections import OrderedDict
from math import log
from typing import NamedTuple

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util.numeric import byte_to_length

from index import codec
from index.analysis import PART_PREFIX
from search.query import BestOf, CoordinatedOr, Listed, PartsOfWord, WordsNearby
from search.settings import DEFAULT_SETTINGS

#: The pseudo-field of ``plain_bm25``'s document frequencies in a collection's
#: statistics: ``(PLAIN_TERMS, stem bytes)`` → articles holding the stem in any form.
PLAIN_TERMS = "(plain)"
#: Joins the stems ``plain_bm25`` counts as one term in a ``PLAIN_TERMS`` statistic.
GROUP_SEP = "\x1f"


class _BM25Stats(NamedTuple):
    """What the bulk BM25F needs of Whoosh's ``BM25FScorer``, computed the same way."""

    idf: float
    avgfl: float
    B: float
    K1: float


class KeywordCandidates(NamedTuple):
    """The articles :meth:`Ranker.rank_keywords` re-scores in one index, and their
    scores before closeness; ``part()`` is what a shard sends for the norms."""

    keywords: tuple
    docs: np.ndarray  # document numbers, ascending
    rows: np.ndarray  # their positions in the ranked ids
    tree: np.ndarray  # their query-tree scores
    total: np.ndarray  # keyword scores before closeness
    plain: np.ndarray  # plain BM25 (zeros when ``plain_fusion`` is off)
    titles: list  # per keyword: held in the title, per candidate
    matches: int  # the query's matches in this index
    rest_top: float  # the best tree score of a match that is not a candidate (0.0: none)

    def part(self):
        return KeywordPart(self.matches, self.tree, self.total, self.plain, self.rest_top)


class KeywordPart(NamedTuple):
    """One index's (shard's) candidates for :func:`keyword_norms`, as plain arrays."""

    matches: int
    tree: np.ndarray
    total: np.ndarray
    plain: np.ndarray
    rest_top: float


class KeywordNorms(NamedTuple):
    """What a keyword query's ranking cuts and scales by that depends on all of its
    matches rather than on one article (:func:`keyword_norms`).

    One index computes them from its own matches. A sharded index must use the
    whole collection's, or an article would score by its shard's company: each
    shard's ranker gets them (``Ranker.rank_keywords(norms=...)``).
    """

    matches: int  # below 2: no keyword ranking
    cut: float  # tree score of the ``keyword_depth``-th best match: candidates reach it
    together_cut: float  # keyword score of the ``together_depth``-th best candidate
    top_total: float  # best keyword score (closeness in) of a candidate
    top_plain: float  # best plain BM25 of a candidate
    totals: tuple  # every candidate's keyword score, ascending (rank fusion)
    plains: tuple  # every candidate's plain BM25, ascending (rank fusion)
    floor: float  # the lowest final score of a candidate
    top_rest: float  # the best tree score of a match below the cut (0.0: none)


def keyword_norms(parts, settings, closeness):
    """The :class:`KeywordNorms` of a query over ``parts`` (one :class:`KeywordPart`
    per index holding some of its matches: one, or every shard's).

    Each part holds at least its own ``keyword_depth`` best matches, so the
    collection's candidates are among them. ``closeness(masks)`` (one boolean mask
    over each part's rows) returns each part's closeness factors for those rows: the
    collection's best ``together_depth`` candidates by keyword score.
    """
    matches = sum(p.matches for p in parts)
    inactive = KeywordNorms(matches, np.inf, np.inf, 0.0, 0.0, (), (), 0.0, 0.0)
    if matches < 2 or not parts:
        return inactive
    tree = np.concatenate([p.tree for p in parts])
    depth = min(settings.keyword_depth, len(tree))
    cut = float(-np.partition(-tree, depth - 1)[depth - 1])
    inside = [p.tree >= cut for p in parts]
    below = [p.tree[~k].max() for p, k in zip(parts, inside) if (~k).any()]
    top_rest = float(max(below + [p.rest_top for p in parts]))
    totals = [p.total[k] for p, k in zip(parts, inside)]
    together_cut = np.inf
    every = np.concatenate(totals)
    if settings.together_boost and settings.together_depth > 0 and len(every):
        tdepth = min(settings.together_depth, len(every))
        together_cut = float(-np.partition(-every, tdepth - 1)[tdepth - 1])
        masks = [p.total >= together_cut for p in parts]
        masks = [m & k for m, k in zip(masks, inside)]
        factors = closeness(masks)
        totals = []
        for p, k, m, f in zip(parts, inside, masks, factors):
            t = p.total.copy()
            t[m] *= f
            totals.append(t[k])
        every = np.concatenate(totals)
    plain = np.concatenate([p.plain[k] for p, k in zip(parts, inside)])
    norms = KeywordNorms(matches, cut, together_cut,
                         float(every.max()) if len(every) else 0.0,
                         float(plain.max()) if len(plain) else 0.0,
                         tuple(np.sort(every).tolist()), tuple(np.sort(plain).tolist()),
                         0.0, top_rest)
    final = _fused(every, plain, norms, settings) if settings.plain_fusion else every
    return norms._replace(floor=float(final.min()) if len(final) else 0.0)


class Ranker:
    """Bulk scorer over one Whoosh searcher; caches field lengths and deletions."""

    def __init__(self, searcher, settings=DEFAULT_SETTINGS, collection=None):
        self.searcher = searcher
        self.settings = settings
        #: When this index is one shard of several: the whole collection's statistics
        #: (``cluster.stats.CollectionStats``: ``doc_count_all()``,
        #: ``doc_frequency(field, term bytes)``, ``avg_field_length(field)``, ``weighting``),
        #: so idf and average lengths are the collection's. None: this index's own.
        self.collection = collection
        self._leaves = searcher.leaf_searchers()
        self.size = searcher.reader().doc_count_all()
        self._norms = {}
        self._live = None
        self._scorers = {}
        self._scored = OrderedDict()  # (field, word) → (ids, BM25 scores): common words only
        self._scored_postings = 0
        self._query_terms = {}
        self._query_nodes = {}

    def ranked(self, q):
        """(document numbers, scores) of every live article ``q`` matches, as arrays."""
        self._query_terms = {}  # the rarer words' scored postings, for rank_keywords
        self._query_nodes = {}  # each word's (hit, score), likewise
        hit, score = self._score(q)
        hit &= self.live()
        ids = np.flatnonzero(hit)
        return ids, score[ids]

    def scores(self, q):
        """{document number: score} of every live article ``q`` matches."""
        ids, scores = self.ranked(q)
        return dict(zip(ids.tolist(), scores.tolist()))

    def live(self):
        """True for each document number that is not deleted."""
        if self._live is None:
            live = np.ones(self.size, dtype=bool)
            for sub, offset in self._leaves:
                reader = sub.reader()
                if reader.has_deletions():
                    deleted = [d for d in range(reader.doc_count_all()) if reader.is_deleted(d)]
                    live[np.asarray(deleted, dtype=np.int64) + offset] = False
            self._live = live
        return self._live

    # --- keyword queries ------------------------------------------------------------------

    def rank_keywords(self, keywords, ids, scores, entities=None, norms=None):
        """``(ids, scores)`` with the best ``keyword_depth`` articles scored as a keyword query.

        For a reporter's two or three words the query tree's sum is too loose. Here each
        word counts once, by its best form (the word as typed, another form, inside a
        compound, or failing those its typed compound's parts); the sum is coordinated
        by the share of words found; it is raised where the words stand together
        (``together_boost``: adjacent words by half), where a word that names a person
        or place is in the article's facets (``entity_boost``, ``entities``: one
        boolean array over all documents per keyword, or None), and lowered where words
        are said only in passing (``passing_penalty``) and for very short articles
        (``short_words``). The articles below the depth keep their
        order under the re-scored ones.

        What the ranking cuts and scales by depends on all of the query's matches
        (:class:`KeywordNorms`): this index's own, or with ``norms`` the whole
        collection's when this index is one shard of several (``cluster/``).
        """
        if (norms.matches if norms is not None else len(ids)) < 2:
            return ids, scores
        c = self.keyword_candidates(keywords, ids, scores, entities,
                                    cut=norms.cut if norms is not None else None)
        if c is None:
            return ids, scores
        factor = None
        if norms is None:
            def closeness(rows):
                nonlocal factor
                factor = self.closeness(c, rows[0])
                return [factor]
            norms = keyword_norms([c.part()], self.settings, closeness)
        if factor is None:
            factor = self.closeness(c, c.total >= norms.together_cut)
        return self._normalised(ids, scores, c, factor, norms)

    def keyword_candidates(self, keywords, ids, scores, entities=None, cut=None):
        """The articles ``rank_keywords`` re-scores, with their keyword scores before
        closeness (:class:`KeywordCandidates`), or None when the query is not ranked so.

        They are the matches whose tree score is at least ``cut``, by default the
        ``keyword_depth``-th best score here (ties at it included).
        """
        settings = self.settings
        if len(keywords) < 2 or settings.keyword_depth <= 0:
            return None
        if cut is None:
            depth = min(settings.keyword_depth, len(ids))
            cut = -np.partition(-scores, depth - 1)[depth - 1] if depth else np.inf
        inside = scores >= cut
        best = np.flatnonzero(inside)
        order = np.argsort(ids[best])
        best = best[order]  # the candidates in document order, as ``cand``
        cand = ids[best]
        n = len(keywords)
        total = np.zeros(len(cand))
        coverage = np.zeros(len(cand))
        titles = []
        for kw in keywords:
            hit, score = self._score(kw.query)
            own, found = score[cand], hit[cand]
            if kw.parts is not None:
                _, part_score = self._score(kw.parts)
                own = np.maximum(own, part_score[cand]) if settings.best_form_only \
                    else own + part_score[cand]
                # Every part, not one: a short part (``hoch``, ``neu``) alone says little.
                every = np.logical_and.reduce([self._score(c)[0][cand]
                                               for c in kw.parts.subqueries])
                found = np.where(found, 1.0, np.where(every, settings.parts_coverage, 0.0))
            total += own
            coverage += found
            titles.append(self._score(kw.title)[0][cand] if kw.title is not None else
                          np.zeros(len(cand), dtype=bool))
        total *= (coverage / n) ** settings.coord_exponent
        if entities is not None and settings.entity_boost:
            for kw, named, in_title in zip(keywords, entities, titles):
                if named is None:
                    continue
                has = named[cand]
                # Named in the title or lead, or more than once: the article is about it.
                at = self._body_positions(_own_terms(kw), cand[has & ~in_title])
                strong = in_title | np.array(
                    [len(at.get(d, ())) > 1 or (d in at and at[d][0] < settings.lead_words)
                     for d in cand.tolist()], dtype=bool)
                total *= 1.0 + settings.entity_boost * np.where(
                    has & strong, 1.0, np.where(has, 0.5, 0.0))
        if settings.passing_penalty:
            total *= self._passing(keywords, cand, titles, entities, settings)
        if settings.short_words:
            length = self._body_lengths()[cand]
            total *= np.minimum(1.0, np.maximum(length, 1) / settings.short_words) \
                ** settings.short_exponent
        plain = self.plain_bm25(keywords, cand) if settings.plain_fusion \
            else np.zeros(len(cand))
        rest = scores[~inside]
        return KeywordCandidates(keywords=keywords, docs=cand, rows=best, tree=scores[best],
                                 total=total, plain=plain, titles=titles, matches=len(ids),
                                 rest_top=float(rest.max()) if len(rest) else 0.0)

    def closeness(self, c, rows):
        """The closeness factor (``_together``) of the candidates ``rows`` of ``c`` (a
        boolean mask or positions), 1.0 where the boost is off."""
        settings = self.settings
        sel = np.flatnonzero(rows) if np.asarray(rows).dtype == bool \
            else np.asarray(rows, dtype=np.int64)
        if not settings.together_boost or settings.together_depth <= 0 or not len(sel):
            return np.ones(len(sel))
        return self._together(c.keywords, c.docs, np.sort(sel), c.titles, settings)

    def _normalised(self, ids, scores, c, factor, norms):
        """``scores`` with the candidates' keyword scores (closeness ``factor`` of the
        candidates where ``total`` reaches ``norms.together_cut``) normalised by
        ``norms``, and the other matches scaled under the lowest of them."""
        settings = self.settings
        total = c.total.copy()
        if settings.together_boost and settings.together_depth > 0:
            total[c.total >= norms.together_cut] *= factor
        if settings.plain_fusion:
            total = _fused(total, c.plain, norms, settings)
        out = scores.copy()
        rest = np.ones(len(ids), dtype=bool)
        rest[c.rows] = False
        if rest.any():
            floor, top_rest = norms.floor, norms.top_rest
            if top_rest >= floor and top_rest > 0:
                out[rest] *= floor / top_rest * 0.999
        out[c.rows] = total
        return ids, out

    def plain_bm25(self, keywords, docs):
        """A plain BM25 of the typed words over title and body as one field, for ``docs``
        (sorted document numbers).

        It imitates a plain Snowball BM25 over decompounded documents (one field holding
        title and text, compound parts as plain words, no coordination): each typed
        word's stem and its typed compound's part stems are terms; a term's frequency is
        its count in the title and the body plus its count inside compounds (``+stem``
        terms, weighted ``part_count`` of their indexed weight); its idf counts the
        articles holding it in any of those; the length is the title's plus the body's.
        """
        settings = self.settings
        terms = []  # each a group of stems counted as one term
        seen = set()
        for kw in keywords:
            # A hyphenated word is its parts, as a plain tokenizer splits it.
            own = [] if "-" in kw.text and kw.part_terms else [kw.text] + (
                [t for t in _own_terms(kw) if t != kw.text] if settings.plain_forms else [])
            groups = [tuple(own)] + [(t,) for t in kw.part_terms]
            for group in groups:
                group = tuple(t for t in group if not t.startswith(PART_PREFIX)
                              and t not in seen)
                if group:
                    seen.update(group)
                    terms.append(group)
        length, avgfl = self._plain_lengths()
        K1, B = settings.bm25_k1, settings.bm25_b
        whole = self.collection
        if whole is not None:  # one shard of several: the collection's numbers
            total_length, live = whole.plain_lengths()
            avgfl = max(total_length / live, 1e-9) if live else 1.0
        norm = K1 * ((1 - B) + B * length[docs] / avgfl)
        n = whole.doc_count_all() if whole is not None else self.searcher.doc_count_all()
        score = np.zeros(len(docs))
        for group in terms:
            tf = np.zeros(len(docs))
            held = np.zeros(self.size, dtype=bool)
            for fieldname in ("title", "body"):
                for text, share in [(t, 1.0) for t in group] + [
                        (PART_PREFIX + t, settings.part_count) for t in group]:
                    ids, weights = self._weights(fieldname, text)
                    if not len(ids):
                        continue
                    held[ids] = True
                    k = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
                    tf += share * np.where(ids[k] == docs, weights[k], 0.0)
            df = np.count_nonzero(held) if whole is None else \
                whole.doc_frequency(PLAIN_TERMS, GROUP_SEP.join(group).encode("utf-8"))
            if df:
                idf = log(n / (df + 1)) + 1
                score += idf * tf * (K1 + 1) / (tf + norm)
        return score

    def plain_frequency(self, term):
        """How many articles of this index hold ``term`` (a stem, or the stems of one
        group joined by :data:`GROUP_SEP`) in the title or body, as a word or a compound
        part: ``plain_bm25``'s document frequency (the statistic ``(PLAIN_TERMS,
        term)`` of a collection of shards)."""
        held = np.zeros(self.size, dtype=bool)
        for stem in term.split(GROUP_SEP):
            for fieldname in ("title", "body"):
                for text in (stem, PART_PREFIX + stem):
                    held[self._weights(fieldname, text)[0]] = True
        return int(np.count_nonzero(held))

    def plain_lengths(self):
        """(the live documents' title plus body lengths summed, how many there are):
        ``plain_bm25``'s average length, as shards sum it."""
        length, _ = self._plain_lengths()
        live = self.live()
        return float(length[live].sum()), int(np.count_nonzero(live))

    def _plain_lengths(self):
        """Every document's title plus body length, and their mean over live documents."""
        found = self._norms.get("plain-lengths")
        if found is None:
            length = self._lengths("title") + self._lengths("body")
            live = self.live()
            avgfl = max(length[live].mean(), 1e-9) if live.any() else 1.0
            found = self._norms["plain-lengths"] = (length, avgfl)
        return found

    def _weights(self, fieldname, text):
        """(sorted document numbers, weights) of a word in a field, its field boost taken
        out (its count, for a plain word); read back out of its kept BM25 scores."""
        found = self._scorer(fieldname, text)
        if found is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        field_boost = getattr(self.searcher.schema[fieldname].format, "field_boost", 1.0) \
            or 1.0
        scorer = found[1]
        if type(scorer) not in (BM25FScorer, _BM25Stats):
            ids, weights = self._postings(fieldname, found)
            return ids, weights / field_boost
        ids, scored = self._scored_term(fieldname, text, found)
        norms = self._field_norms(fieldname, scorer)[ids]
        tf = scored * norms / np.maximum(scorer.idf * (scorer.K1 + 1) - scored, 1e-12)
        return ids, np.round(tf / field_boost, 6)

    def _together(self, keywords, cand, sel, titles, settings):
        """1 + ``together_boost`` × how close the words stand, for the candidates
        ``cand[sel]`` (``sel``: sorted positions; ``rank_keywords`` picks the best
        ``together_depth`` by keyword score).

        Closeness is averaged over the pairs of words: 1.0 when both are in the title
        or next to each other in the body, ``window / (window + gap)`` for a gap of
        more words, 0.0 when one of them is missing.
        """
        docs = cand[sel]
        positions = []
        for kw in keywords:
            at = self._body_positions(kw.body_terms, docs)
            if kw.part_terms:  # where only the parts are found, they place the word
                every = np.logical_and.reduce([self._score(c)[0][docs]
                                               for c in kw.parts.subqueries])
                lacking = np.array([d for d, e in zip(docs.tolist(), every.tolist())
                                    if e and d not in at], dtype=np.int64)
                if len(lacking):
                    at.update(self._body_positions(_own_terms_of(kw.part_terms), lacking))
            positions.append(at)
        n = len(keywords)
        close = np.zeros(len(sel))
        window = settings.together_window
        for i in range(n):
            for j in range(i + 1, n):
                both_titles = titles[i][sel] & titles[j][sel]
                for k, d in enumerate(docs.tolist()):
                    if both_titles[k]:
                        close[k] += 1.0
                        continue
                    a, b = positions[i].get(d), positions[j].get(d)
                    if a and b:
                        if settings.together_count:
                            near = _near_count(a, b, window)
                            close[k] += near / (near + settings.together_count)
                        else:
                            close[k] += window / (window + max(_min_gap(a, b) - 1, 0))
        return 1.0 + settings.together_boost * close / (n * (n - 1) / 2)

    def _passing(self, keywords, cand, titles, entities, settings):
        """1 - ``passing_penalty`` for each word ``cand`` mention only in passing: said at
        most once in the body and not in the title. Beside a word that names a person or
        place, each other word said once counts; without names, only all words at once
        (a topic pair in one side sentence).
        """
        said = [self._body_counts(kw.body_terms, cand) for kw in keywords]
        once = [~in_title & (n < 2) for n, in_title in zip(said, titles)]
        keep = 1.0 - settings.passing_penalty
        named = [e is not None for e in entities] if entities is not None else []
        if not any(named):
            return np.where(np.logical_and.reduce(once), keep, 1.0)
        factor = np.ones(len(cand))
        for is_name, n, passing in zip(named, said, once):
            if not is_name:
                factor *= np.where(passing & (n > 0), keep, 1.0)
        return factor

    def _body_counts(self, terms, cand):
        """How often each of ``cand`` (document numbers) says any of ``terms`` in its body.

        The counts come back out of the words' BM25 scores, which the query tree has
        scored and kept (``_term``): tf = score × norm / (idf × (K1 + 1) − score).
        Decoding the postings again cost a common word (``Corona``) several ms a query.
        """
        counts = np.zeros(len(cand))
        for text in terms:
            found = self._scorer("body", text)
            if found is None:
                continue
            scorer = found[1]
            if type(scorer) is not _BM25Stats:
                ids, weights = self._postings("body", found)
                if len(ids):
                    k = np.minimum(np.searchsorted(ids, cand), len(ids) - 1)
                    counts += np.where(ids[k] == cand, weights[k], 0.0)
                continue
            hit, score = self._term(wq.Term("body", text))
            got = score[cand]
            norms = self._field_norms("body", scorer)[cand]
            tf = got * norms / np.maximum(scorer.idf * (scorer.K1 + 1) - got, 1e-12)
            counts += np.where(hit[cand], np.round(tf, 6), 0.0)
        return counts

    def _body_positions(self, terms, cand):
        """{document number: sorted positions of any of ``terms`` in the body} for ``cand``."""
        merged = {}
        for text in terms:
            for d, at in self._positions_bulk("body", text, cand).items():
                if d in merged:
                    merged[d] = sorted(set(merged[d]).union(at))
                else:
                    merged[d] = at
        return merged

    def _positions_bulk(self, fieldname, text, ids):
        """{document number: positions of the word} for the given (sorted) documents,
        read block by block from the postings (``index.codec.term_positions``)."""
        found = self._scorer(fieldname, text)
        if found is None or not len(ids):
            return {}
        infos = found[2]
        if infos is None:
            return self._positions(fieldname, text, ids)
        out = {}
        for i, info in infos:
            sub, offset = self._leaves[i]
            size = sub.reader().doc_count_all()
            local = ids[(ids >= offset) & (ids < offset + size)] - offset
            if not len(local):
                continue
            got = codec.term_positions(sub.reader(), info, local.tolist())
            for d, at in got.items():
                out[d + offset] = at
        return out

    def _body_lengths(self):
        """Every document's body length in words, as BM25 reads it (decoded length byte)."""
        return self._lengths("body")

    def _lengths(self, fieldname):
        """Every document's length of ``fieldname`` in terms (decoded length byte)."""
        key = f"{fieldname}-lengths"
        lengths = self._norms.get(key)
        if lengths is None:
            table = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
            codes = np.concatenate([
                np.frombuffer(_length_bytes(sub.reader(), fieldname), dtype=np.uint8)
                for sub, _ in self._leaves]) if self._leaves else np.zeros(0, np.uint8)
            lengths = self._norms[key] = table[codes]
        return lengths

    # --- nodes ---------------------------------------------------------------------------

    def _score(self, q):
        if isinstance(q, (BestOf, PartsOfWord)):
            # A word's node, asked again by rank_keywords after the whole tree.
            try:
                return self._query_nodes[q]
            except KeyError:
                found = self._query_nodes[q] = self._score_node(q)
                return found
            except TypeError:  # not hashable
                pass
        return self._score_node(q)

    def _score_node(self, q):
        if isinstance(q, WordsNearby):
            return self._nearby(q)
        if isinstance(q, CoordinatedOr):
            return self._coordinated(q)
        if isinstance(q, BestOf):
            return self._best_of(q)
        if type(q) is wq.Term:
            found = self._term(q)
            if found is not None:
                return found
        elif type(q) is wq.AndNot:
            hit, score = self._score(q.a)
            hit = hit & ~self._docs(q.b)
            return hit, np.where(hit, score, 0.0)
        elif type(q) is wq.AndMaybe:
            # AndMaybeMatcher: the first side's matches, plus the second side's score
            # where it matches the same document.
            hit, score = self._score(q.a)
            _, extra = self._score(q.b)
            return hit, score + np.where(hit, extra, 0.0)
        elif type(q) is wq.And and not any(isinstance(c, wq.Not) for c in q.subqueries):
            # IntersectionMatcher adds its two sides; Whoosh pairs three or more parts
            # in its own tree, so their sums may differ from these in the last bit.
            parts = [self._score(c) for c in q.subqueries]
            hit, total = parts[0][0].copy(), parts[0][1].copy()
            for part_hit, part in parts[1:]:
                hit &= part_hit
                total += part
            return hit, _boosted(np.where(hit, total, 0.0), q.boost)
        elif type(q) in (wq.Or, PartsOfWord) and not q.scale and not q.minmatch \
                and not any(isinstance(c, wq.Not) for c in q.subqueries):
            # UnionMatcher adds the sides that match; three parts or more are paired in
            # Whoosh's tree, so their sums may differ from these in the last bit.
            matched, total = self._add_up(q.subqueries)
            return matched > 0, _boosted(total, q.boost)
        elif isinstance(q, Listed):
            found = self._listed(q)
            if found is not None:
                return found
        elif type(q) is wq.Every and q.fieldname in (None, "", "*"):
            hit = self.live().copy()
            return hit, np.where(hit, float(q.boost), 0.0)
        return self._by_matcher(q)

    def _add_up(self, children, best=None):
        """(how many children match each document, the sum of their scores).

        The sum runs in the children's order from 0.0, as CoordMatcher and
        BestOfMatcher add them. With ``best`` (an array), each document's best
        child score is kept there too.
        """
        total = np.zeros(self.size)
        matched = np.zeros(self.size, dtype=np.int64)
        for child in children:
            hit, score = self._score(child)
            total += score
            matched += hit
            if best is not None:
                np.maximum(best, score, out=best)
        return matched, total

    def _nearby(self, q):
        """The words' scores plus each neighbouring pair's bonus, for the best articles.

        A pair is a two-word ``Phrase`` with slop; Whoosh scores it as the sum of the
        two words' scores where the second word follows the first within ``slop``
        positions, times the phrase's boost. Here that is computed from the words'
        positions for the ``rerank_depth`` best articles only (exactly Whoosh's numbers
        there). Anything else among the pairs is scored by its matcher.
        """
        hit, total = self._score(q.subqueries[0])
        total = total.copy()
        ids = np.flatnonzero(hit & self.live())
        depth = self.settings.rerank_depth
        if len(ids) > depth:
            ids = np.sort(ids[np.argpartition(-total[ids], depth - 1)[:depth]])
        for pair in q.subqueries[1:]:
            if type(pair) is not wq.Phrase or len(pair.words) != 2:
                total += self._score(pair)[1]
                continue
            first, second = (self._positions(pair.fieldname, w, ids) for w in pair.words)
            near = [d for d, at in first.items()
                    if d in second and _follows(at, second[d], pair.slop)]
            if not near:
                continue
            near = np.asarray(near, dtype=np.int64)
            both = self._score(wq.Term(pair.fieldname, pair.words[0]))[1][near] + \
                self._score(wq.Term(pair.fieldname, pair.words[1]))[1][near]
            total[near] += _boosted(both, pair.boost)
        return hit, total * q.boost

    def _positions(self, fieldname, text, ids):
        """{document number: positions of the word} for the given (sorted) documents."""
        found = self._scorer(fieldname, text)
        out = {}
        if found is None or not len(ids):
            return out
        sizes = {offset: sub.reader().doc_count_all() for sub, offset in self._leaves}
        for offset, m in self._segment_matchers(fieldname, found):
            local = ids[(ids >= offset) & (ids < offset + sizes[offset])] - offset
            if not len(local):
                continue
            for d in local.tolist():
                if not m.is_active():
                    break
                if m.id() < d:
                    m.skip_to(d)
                    if not m.is_active():
                        break
                if m.id() == d:
                    out[d + offset] = m.value_as("positions")
        return out

    def _coordinated(self, q):
        matched, total = self._add_up(q.subqueries)
        n, exponent = len(q.subqueries), q.exponent
        return matched > 0, (total * (matched / n) ** exponent) * q.boost

    def _best_of(self, q):
        best = np.zeros(self.size)
        matched, total = self._add_up(q.subqueries, best)
        return matched > 0, (best + q.tiebreak * (total - best)) * q.boost

    def _term(self, q):
        """BM25F of one word in one field, or None to let Whoosh score it."""
        found = self._scorer(q.fieldname, q.text)
        hit = np.zeros(self.size, dtype=bool)
        score = np.zeros(self.size)
        if found is None:
            return hit, score
        scorer = found[1]
        if type(scorer) not in (BM25FScorer, _BM25Stats):
            return None
        ids, scored = self._scored_term(q.fieldname, q.text, found)
        hit[ids] = True
        score[ids] = _boosted(scored, q.boost)
        return hit, score

    def _listed(self, q):
        """A prefix, wildcard or fuzzy term as Whoosh scores it (its words' BM25F
        summed, times its boost where it has more than one word), in bulk: Whoosh's
        own matcher ORs one term matcher per word (`a*`: 33,000 on full FANG, minutes).
        None to let Whoosh score it."""
        all_ids, all_scores = [], []
        for word in q.words:
            found = self._scorer(q.fieldname, word)
            if found is None:
                continue
            if type(found[1]) not in (BM25FScorer, _BM25Stats):
                return None
            ids, scored = self._scored_term(q.fieldname, word, found)
            all_ids.append(ids)
            all_scores.append(scored)
        hit = np.zeros(self.size, dtype=bool)
        if not all_ids:
            return hit, np.zeros(self.size)
        ids = np.concatenate(all_ids)
        hit[ids] = True
        score = np.bincount(ids, weights=np.concatenate(all_scores), minlength=self.size)
        return hit, (_boosted(score, q.boost) if len(all_ids) > 1 else score)

    def _scored_term(self, fieldname, text, found):
        """(document numbers, BM25 scores at boost 1) of a word, kept for the query (rarer
        words) or between queries (common ones)."""
        key = (fieldname, text)
        cached = self._scored.get(key)
        if cached is not None:
            self._scored.move_to_end(key)
            return cached
        if key in self._query_terms:
            return self._query_terms[key]
        scorer = found[1]
        ids, weights = self._postings(fieldname, found)
        norms = self._field_norms(fieldname, scorer)
        idf, k = scorer.idf, scorer.K1 + 1
        # scoring.bm25: idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
        scored = idf * ((weights * k) / (weights + norms[ids]))
        if len(ids) >= self.settings.scored_cache_min:
            self._keep_scored(key, ids, scored)
        else:
            self._query_terms[key] = (ids, scored)
        return ids, scored

    def _keep_scored(self, key, ids, scored):
        """Remember a common word's scored postings, the least recently used going first."""
        self._scored[key] = (ids, scored)
        self._scored_postings += len(ids)
        while self._scored_postings > self.settings.scored_cache_postings \
                and len(self._scored) > 1:
            _, (old_ids, _) = self._scored.popitem(last=False)
            self._scored_postings -= len(old_ids)

    def _by_matcher(self, q):
        """Any query, scored by its own Whoosh matcher one document at a time."""
        hit = np.zeros(self.size, dtype=bool)
        score = np.zeros(self.size)
        for sub, offset in self._leaves:
            m = q.matcher(sub)
            ids, scores = [], []
            while m.is_active():
                ids.append(m.id() + offset)
                scores.append(m.score())
                m.next()
            hit[ids] = True
            score[ids] = scores
        return hit, score

    def _docs(self, q):
        """The documents ``q`` matches (no scores)."""
        hit = np.zeros(self.size, dtype=bool)
        for sub, offset in self._leaves:
            hit[np.fromiter(q.docs(sub), dtype=np.int64) + offset] = True
        return hit

    # --- postings and caches -------------------------------------------------------------

    def _segment_matchers(self, fieldname, found):
        """(offset, leaf matcher) of each segment holding the word ``found`` describes."""
        btext, _, infos = found
        format_ = self.searcher.schema[fieldname].format
        if infos is not None:
            # The segment's terms directly: reader.postings() would also wrap the
            # matcher in a filter of deleted documents (a new frozenset each time);
            # live() masks those out for all postings at once.
            for i, info in infos:
                sub, offset = self._leaves[i]
                yield offset, codec.term_matcher(sub.reader(), info, format_,
                                                 term=(fieldname, btext))
            return
        for sub, offset in self._leaves:
            try:
                yield offset, sub.reader().postings(fieldname, btext)
            except TermNotFound:  # not in this segment
                continue

    def _postings(self, fieldname, found):
        """All segments' postings of a word: global document numbers and float64 weights."""
        infos = found[2]
        if infos is not None:  # our segments: all blocks decoded in bulk
            leaves = self._leaves
            return codec.postings_arrays((leaves[i][0].reader(), info, leaves[i][1])
                                         for i, info in infos)
        all_ids, all_weights = [], []
        for offset, (ids, weights) in self._segment_postings(fieldname, found):
            all_ids.append(np.asarray(ids, dtype=np.int64) + offset)
            all_weights.append(np.asarray(weights, dtype=np.float64))
        if not all_ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(all_ids), np.concatenate(all_weights)

    def _segment_postings(self, fieldname, found):
        """(offset, (ids, weights)) of each segment holding the word ``found`` describes."""
        infos = found[2]
        if infos is not None:  # our segments: straight from the term infos, no matchers
            for i, info in infos:
                sub, offset = self._leaves[i]
                yield offset, codec.term_postings(sub.reader(), info)
            return
        for offset, m in self._segment_matchers(fieldname, found):
            postings = codec.matcher_postings(getattr(m, "child", m))
            if postings is not None:
                yield offset, postings
                continue
            ids, weights = [], []  # an inlined posting list, or another codec's
            while m.is_active():
                ids.append(m.id())
                weights.append(m.weight())
                m.next()
            yield offset, (ids, weights)

    def _scorer(self, fieldname, text):
        """(term bytes, scorer, segment term infos) of a word, or None when no segment has it.

        BM25's idf and average length are index-wide: one scorer serves every segment.
        Each segment's dictionary is searched once per word: the infos found are kept
        for :meth:`_postings` (Whoosh's scorer looked the word up in every segment twice
        more, for its document frequency and its maximum weight).
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
                infos = self._term_infos(fieldname, btext) if btext is not None else []
                if infos is None or infos:
                    found = (btext, self._new_scorer(fieldname, btext, infos), infos)
            self._scorers[key] = found
        return self._scorers[key]

    def _term_infos(self, fieldname, btext):
        """[(segment number, term info)] of the segments holding the term, [] for none.
        None when a segment is not ours and some segment holds the term: its scorer and
        matchers then come from Whoosh."""
        infos = []
        for i, (sub, _) in enumerate(self._leaves):
            reader = sub.reader()
            if not codec.is_compact(reader):
                return None if (fieldname, btext) in self.searcher.reader() else []
            info = codec.segment_term_info(reader, fieldname, btext)
            if info is not None:
                infos.append((i, info))
        return infos

    def _new_scorer(self, fieldname, btext, infos):
        s = self.searcher
        weighting = s.weighting
        whole = self.collection
        # A shard's searcher scores with the collection's BM25F (whole.weighting).
        bm25 = type(weighting) is BM25F or (whole is not None and weighting is whole.weighting)
        if infos is None or not bm25 or weighting._field_B \
                or not s.schema[fieldname].scorable:
            return weighting.scorer(s, fieldname, btext)
        if whole is not None:
            n, count = whole.doc_frequency(fieldname, btext), whole.doc_count_all()
            avgfl = whole.avg_field_length(fieldname)
        else:
            # Whoosh's WeightingModel.idf and BM25FScorer, from the infos at hand.
            n = sum(info.doc_frequency() for _, info in infos)
            count, avgfl = s.doc_count_all(), s.avg_field_length(fieldname)
        idf = log(count / (n + 1)) + 1
        return _BM25Stats(idf, avgfl or 1, weighting.B, weighting.K1)

    def _field_norms(self, fieldname, scorer):
        """Per document: ``K1 * ((1 - B) + B * fl / avgfl)``, as BM25 computes it."""
        key = (fieldname, scorer.B, scorer.K1, scorer.avgfl)
        norms = self._norms.get(key)
        if norms is None:
            K1, B, avgfl = scorer.K1, scorer.B, scorer.avgfl
            table = np.array([K1 * ((1 - B) + B * byte_to_length(b) / avgfl)
                              for b in range(256)])
            codes = np.concatenate([
                np.frombuffer(_length_bytes(sub.reader(), fieldname), dtype=np.uint8)
                for sub, _ in self._leaves]) if self._leaves else np.zeros(0, np.uint8)
            norms = self._norms[key] = table[codes]
        return norms


def _follows(first, second, slop):
    """True if some position in ``second`` is 1 to ``slop`` after one in ``first`` (sorted).

    >>> _follows([3, 20], [9, 22], 3), _follows([3], [2, 7], 3)
    (True, False)
    """
    j, n = 0, len(second)
    for p in first:
        while j < n and second[j] <= p:
            j += 1
        if j == n:
            return False
        if second[j] - p <= slop:
            return True
    return False


def _own_terms_of(terms):
    """The terms that are words themselves (not ``+part`` terms inside compounds)."""
    return [t for t in terms if not t.startswith(PART_PREFIX)]


def _own_terms(keyword):
    """A keyword's body terms that are the word itself (not inside a compound)."""
    return [t for t in keyword.body_terms if not t.startswith(PART_PREFIX)]


def _near_count(first, second, window):
    """How many positions of the shorter list have one of the other within ``window``.

    >>> _near_count([3, 40, 90], [9, 44], 10)
    2
    """
    if len(first) > len(second):
        first, second = second, first
    n, size = 0, len(second)
    for p in first:
        k = bisect_left(second, p - window)
        if k < size and second[k] <= p + window:
            n += 1
    return n


def _min_gap(first, second):
    """The smallest distance between a position in ``first`` and one in ``second`` (sorted).

    >>> _min_gap([3, 40], [9, 44]), _min_gap([5], [5])
    (4, 0)
    """
    if len(first) > len(second):
        first, second = second, first
    gap = abs(first[0] - second[0])
    n = len(second)
    for p in first:
        k = bisect_left(second, p)
        if k < n:
            gap = min(gap, second[k] - p)
        if k:
            gap = min(gap, p - second[k - 1])
    return gap


def _fused(total, plain, norms, settings):
    """The keyword scores ``total`` fused with the plain BM25 ``plain`` of the same
    articles: reciprocal ranks (``fusion_k`` > 0: 1 / (k + rank) + weight / (k + rank),
    ranks among all candidates, ``norms.totals``/``plains``) or, with ``fusion_k`` 0,
    each scaled to its best candidate's (``norms.top_total``/``top_plain``) and mixed
    by ``plain_fusion``."""
    w = settings.plain_fusion
    if settings.fusion_k > 0:
        k = settings.fusion_k
        return 1.0 / (k + _ranks(total, norms.totals)) + w / (k + _ranks(plain, norms.plains))
    top_total, top_plain = norms.top_total, norms.top_plain
    return (1 - w) * total / (top_total or 1.0) + w * plain / (top_plain or 1.0)


def _ranks(scores, among):
    """1-based rank of each score among the ascending scores ``among``, highest first;
    equal scores share a rank (one more than the number of higher ones).

    >>> _ranks(np.array([0.2, 0.9, 0.5]), (0.2, 0.5, 0.5, 0.9)).tolist()
    [4.0, 1.0, 2.0]
    """
    among = np.asarray(among, dtype=np.float64)
    return (len(among) - np.searchsorted(among, scores, side="right") + 1).astype(np.float64)


def _boosted(scores, boost):
    # Whoosh's WrappingMatcher multiplies after scoring; a boost of 1 is left out.
    return scores * boost if boost != 1.0 else scores


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


def top(ids, scores, n, key=None):
    """The ``n`` best (document, score) pairs: highest score first, then lowest number.

    That is the order of Whoosh's ``TopCollector``. ``key`` (an array of one sort
    value per document number) orders by that value instead, highest first,
    score breaking ties.
    """
    if n <= 0 or not len(ids):
        return []
    if key is None:
        if len(ids) > n:
            # Everything scoring at least the n-th best score, ties included.
            cut = -np.partition(-scores, n - 1)[n - 1]
            keep = scores >= cut
            ids, scores = ids[keep], scores[keep]
        order = np.lexsort((ids, -scores))[:n]
    else:
        order = np.lexsort((ids, -scores, -key[ids]))[:n]
    return list(zip(ids[order].tolist(), scores[order].tolist()))
