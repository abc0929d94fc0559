"""One shard of a sharded index, searched as part of the whole: the shard side of
the two-phase search (statistics, then ranking with the collection's statistics).

A :class:`ShardSearcher` keeps one :class:`search.engine.SearchEngine` open and
answers in plain, picklable data, so the same object serves in this process and
inside a Dask actor on the worker that holds the shard open.
"""

import numpy as np
from whoosh import query as wq

from cluster.stats import CollectionStats, Recorder
from search.errors import AmbiguousName, ArticleNotFound, BadOption, FundstelleError, UnknownName
from search.facets import FACET_FIELDS
from search.query import ANSWER_PATTERNS, answer_kind, date_filter
from search.ranking import top
from search.snippets import TermMatcher
from search.suggest import MAX_WORD, SHORT_STEM, SURFACE_SAMPLE

from index.analysis import WORD_RE, stem_word
from index.store import stored_text

#: The fields whose lengths BM25 averages.
SCORED_FIELDS = ("title", "body")


class ShardSearcher:
    """Searches one shard folder with statistics handed in from outside.

    ``number`` is the shard's place in the manifest; every hit entry carries it.
    """

    def __init__(self, path, number=0, settings=None):
        from search.engine import SearchEngine
        from search.settings import DEFAULT_SETTINGS

        self.path = str(path)
        self.number = number
        self.engine = SearchEngine(self.path, settings=settings or DEFAULT_SETTINGS)
        self._state = None  # the collection the ranker was made for

    def close(self):
        self.engine.close()

    def refresh(self):
        """Search this shard's newest commit from now on; its generation."""
        self.engine.refresh()
        self._state = None  # a new searcher: the collection is applied again
        return self.generation()

    def generation(self):
        return self.engine.searcher.reader().generation()

    # --- statistics ---------------------------------------------------------------------

    def doc_count_all(self):
        return self.engine.searcher.doc_count_all()

    def doc_count(self):
        return self.engine.searcher.doc_count()

    def field_length(self, fieldname):
        return self.engine.searcher.reader().field_length(fieldname)

    def doc_frequency(self, fieldname, btext):
        reader = self.engine.searcher.reader()
        if fieldname not in reader.schema:
            return 0
        return reader.doc_frequency(fieldname, btext)

    def named_count(self, stems):
        """How many of this shard's articles have a facet name with a word of these stems."""
        engine = self.engine
        docs = set()
        for kind in ("person", "place"):
            columns = engine.columns(kind)
            for stem in stems:
                for vid in engine._names_with(kind, columns, stem):
                    docs |= columns.docs_of_value(vid)
        return len(docs)

    def statistics(self, frequencies=(), named=()):
        """This shard's document count and field lengths, and the document frequencies
        and name counts asked for (``(field, term bytes)`` pairs, stem sets)."""
        return {"doc_count": self.doc_count_all(),
                "field_lengths": {f: self.field_length(f) for f in SCORED_FIELDS},
                "frequencies": {key: self.doc_frequency(*key) for key in frequencies},
                "named": {frozenset(s): self.named_count(s) for s in named}}

    def person_counts(self):
        """{person name as indexed: articles} of this shard (for the surname merges)."""
        return _counts(self.engine.raw_columns("person"), None)

    def use_surnames(self, merges):
        """Show lone surnames merged as the whole collection's counts decide
        (``[(surname, full name)]`` from ``search.curation.surname_merges`` over all
        shards' counts), not as this shard's own few articles would."""
        from search.curation import Entry

        engine = self.engine
        automatic = [Entry("merge", "person", name, to, automatic=True) for name, to in merges]
        curation = engine.curation()
        raw = engine.raw_columns("person")
        engine._columns.pop("person", None)
        engine._names.pop("person", None)
        engine._name_words.clear()
        engine._named_docs = {}
        cols = raw.curated(curation.names("person", automatic=automatic))
        engine._columns["person"] = cols
        engine._automatic["person"] = automatic

    def use(self, collection):
        """Rank with ``collection``: a CollectionStats, a Recorder, None for the shard's
        own numbers, or ``{"state", "stats"}`` as a cluster sends them (summed
        statistics of one commit of all shards; kept and added to while the state
        holds, so the ranker's caches survive from query to query)."""
        if isinstance(collection, dict):
            current = self._state
            if isinstance(current, CollectionStats) and \
                    getattr(current, "state", None) == collection["state"]:
                current.frequencies.update(collection["stats"]["frequencies"])
                current.named.update(collection["stats"]["named"])
                return
            collection, state = make_collection(collection["stats"], self.engine.settings), \
                collection["state"]
            collection.state = state
        if isinstance(collection, CollectionStats) and collection.lookup is None:
            collection.fallback = self
        engine = self.engine
        if collection is self._state and engine.ranker.collection is collection:
            return
        engine.collection = collection
        # Whoosh's own matchers (phrases, prefixes, fuzzy words) score with the
        # searcher's weighting: the collection's too.
        weighting = collection.weighting if collection is not None else engine.weighting
        searcher = engine.searcher
        for s in [searcher] + [sub for sub, _ in searcher.leaf_searchers()]:
            s.weighting = weighting
        searcher._idf_cache.clear()  # shared by the segments' searchers
        from search.ranking import Ranker
        engine.ranker = Ranker(engine.searcher, engine.settings, collection=collection)
        engine._named_docs = {}
        self._state = collection

    def needed_statistics(self, text, **options):
        """Phase one: run the query with this shard's own numbers and return the
        statistics it asked for, with their values here (``statistics()``'s shape)."""
        settings = self.engine.settings
        recorder = Recorder(self, B=settings.bm25_b, K1=settings.bm25_k1)
        self.use(recorder)
        try:
            self.search(text, **options)
        except FundstelleError:
            pass  # the query's own error comes again in phase two
        finally:
            self.use(None)
        out = self.statistics()
        out["frequencies"] = dict(recorder.frequencies)
        out["named"] = dict(recorder.named)
        return out

    # --- searching ----------------------------------------------------------------------

    def resolve(self, kind, name):
        """``("name", value)`` for a facet filter this shard resolves, ``("unknown", close
        names)`` or ``("ambiguous", candidates)``."""
        try:
            return ("name", self.engine._resolve(kind, name))
        except AmbiguousName as exc:
            return ("ambiguous", list(exc.candidates))
        except UnknownName as exc:
            return ("unknown", list(exc.close))

    def search(self, text=None, *, want=10, sort="relevance", since=None, until=None,
               person=(), place=(), facets=10, fuzzy=False, collection=None):
        """Phase two: this shard's part of a page, as ``SearchEngine.search`` ranks it.

        ``person`` and ``place`` are names already resolved over all shards.
        Returns ``{"total", "entries", "facets", "answer_kind"}``: the ``want`` best
        hit entries (``(score, key, id, shard, docnum)``; for a when/how-many question
        the ``answer_depth`` best with a sixth item, whether the article holds an
        answer) and every facet name's count in this shard.
        """
        engine = self.engine
        if collection is not None:
            self.use(collection)
        settings = engine.settings
        has_filters = bool(person or place or since or until)
        if text and text.strip():
            parsed = self.parse(text, fuzzy=fuzzy)
            q = parsed.query
        elif has_filters:
            parsed, q = None, wq.Every()
            if sort == "relevance":
                sort = "date"
        else:
            parsed = self.parse(text)
            q = parsed.query
        s = engine.searcher
        ranker = engine.ranker
        ids, scores = ranker.ranked(q)
        if parsed is not None and parsed.keywords and sort == "relevance":
            ids, scores = ranker.rank_keywords(
                parsed.keywords, ids, scores,
                entities=[engine._named(kw) for kw in parsed.keywords])
        dates = date_filter(since, until)
        if dates is not None:
            in_range = np.zeros(ranker.size, dtype=bool)
            in_range[np.fromiter(s.docs_for_query(dates), dtype=np.int64)] = True
            keep = in_range[ids]
            ids, scores = ids[keep], scores[keep]
        base = set(ids.tolist())
        person_docs = _intersect([engine.columns("person").docs_for(n) for n in person])
        place_docs = _intersect([engine.columns("place").docs_for(n) for n in place])
        candidates, candidate_scores = ids, scores
        if person_docs is not None or place_docs is not None:
            allowed = base
            if person_docs is not None:
                allowed = allowed & person_docs
            if place_docs is not None:
                allowed = allowed & place_docs
            keep = np.isin(ids, np.fromiter(allowed, dtype=np.int64))
            candidates, candidate_scores = ids[keep], scores[keep]
        counts = {}
        if facets:
            person_scope = base if place_docs is None else base & place_docs
            place_scope = base if person_docs is None else base & person_docs
            counts["person"] = _counts(engine.columns("person"), person_scope)
            counts["place"] = _counts(engine.columns("place"), place_scope)
        key = None
        if sort != "relevance":
            key = engine._date_column() * (1 if sort == "date" else -1)
        kind = answer_kind(text) if key is None and settings.answer_boost and parsed else None
        depth = max(want, settings.answer_depth) if kind else want
        ranked = top(candidates, candidate_scores, depth, key=key)
        dates_lo = engine._date_column() if sort != "relevance" else None
        entries = []
        for docnum, score in ranked:
            f = s.stored_fields(docnum)
            entry = (float(score), int(dates_lo[docnum]) if dates_lo is not None else 0,
                     f["id"], self.number, int(docnum))
            if kind:
                pattern = ANSWER_PATTERNS[kind]
                entry += (bool(pattern.search(f.get("title") or "")
                               or pattern.search(stored_text(f))),)
            entries.append(entry)
        return {"total": int(len(candidates)), "entries": entries, "facets": counts,
                "answer_kind": kind, "sort": sort}

    def parse(self, text, fuzzy=False):
        """``SearchEngine.parse`` with the collection's document frequencies: whether a
        word's other ``-s`` form is searched too is the whole collection's call."""
        from search.query import parse_query

        engine = self.engine
        reader = engine.searcher.reader()
        if engine.collection is not None:
            reader = _CollectionReader(reader, engine.collection)
        return parse_query(text, engine.searcher.schema, fuzzy=fuzzy, reader=reader,
                           settings=engine.settings)

    def hits(self, entries, text=None, *, fuzzy=False, snippets=2, fragment_chars=260,
             stems=None):
        """The final page's hits of this shard: ``[(rank, score, docnum)]`` → Hit objects,
        highlighting ``text``'s words (or the given ``stems``)."""
        engine = self.engine
        matcher = TermMatcher(set(stems or ()))
        if text and text.strip():
            try:
                matcher = engine._term_matcher(engine.parse(text, fuzzy=fuzzy))
            except FundstelleError:
                pass
        return [engine._hit(rank, docnum, score, matcher, snippets, fragment_chars)
                for rank, score, docnum in entries]

    def facet_counts(self, kind, text=None, collection=None):
        """Every ``kind`` name's article count here, over a query's matches or all articles."""
        engine = self.engine
        if kind not in FACET_FIELDS:
            raise BadOption("facet", kind, "use person or place")
        if collection is not None:
            self.use(collection)
        docs = None
        if text and text.strip():
            docs = set(engine.searcher.docs_for_query(self.parse(text).query))
        columns = engine.columns(kind)
        return _counts(columns, docs)

    def key_terms(self, article_id):
        """The key terms of an article of this shard (``search.similar.key_terms``)."""
        from search.similar import key_terms

        s = self.engine.searcher
        docnum = s.document_number(id=str(article_id))
        if docnum is None:
            raise ArticleNotFound(article_id)
        f = s.stored_fields(docnum)
        return [(t, float(w)) for t, w in key_terms(s, f.get("title") or "", stored_text(f))]

    def similar_entries(self, terms, want, article_id, collection=None):
        """The ``want`` best entries for the more-like-this query of ``terms``, without
        the article itself."""
        from search.similar import similar_query

        if collection is not None:
            self.use(collection)
        s = self.engine.searcher
        ids, scores = self.engine.ranker.ranked(similar_query(terms))
        own = s.document_number(id=str(article_id))
        if own is not None:
            keep = ids != own
            ids, scores = ids[keep], scores[keep]
        entries = [(float(score), 0, s.stored_fields(d)["id"], self.number, int(d))
                   for d, score in top(ids, scores, want)]
        return {"total": int(len(ids)), "entries": entries}

    def article(self, article_id, query=None):
        """``Archive.article`` of this shard; raise ArticleNotFound."""
        from search.archive import Archive

        archive = Archive.__new__(Archive)
        archive.path, archive._engine = self.path, self.engine
        return archive.article(article_id, query)

    def index_stats(self):
        """``IndexStore.stats()`` of this shard, with its person and place names."""
        from index.store import IndexStore

        out = IndexStore.open(self.path).stats()
        reader = self.engine.searcher.reader()
        out["person_names"] = [t.decode("utf-8") if isinstance(t, bytes) else t
                               for t in reader.lexicon("persons")]
        out["place_names"] = [t.decode("utf-8") if isinstance(t, bytes) else t
                              for t in reader.lexicon("places")]
        return out

    def warm(self, what):
        """Load the ``person`` or ``place`` facet column, or the ``date`` column."""
        if what == "date":
            self.engine._date_column()
        else:
            self.engine.columns(what)

    def has_article(self, article_id):
        return self.engine.searcher.document_number(id=str(article_id)) is not None

    # --- did-you-mean -------------------------------------------------------------------

    def spelling_facts(self, word, fields=("body", "title")):
        """What did-you-mean needs of this shard for a typed word: the stem's document
        frequency per field, and the body words within its edit distance with theirs."""
        reader = self.engine.searcher.reader()
        stem = stem_word(word)
        if len(stem) > MAX_WORD:
            return {"stem": stem, "known": {}, "candidates": {}}
        known = {f: reader.doc_frequency(f, stem) for f in fields if f in reader.schema}
        maxdist = 1 if len(stem) <= SHORT_STEM else 2
        candidates = {}
        if fields[0] in reader.schema:
            for term in self.engine.speller._terms_within(fields[0], stem, maxdist):
                if term != stem:
                    candidates[term] = {f: reader.doc_frequency(f, term)
                                        for f in fields if f in reader.schema}
        return {"stem": stem, "known": known, "candidates": candidates}

    def surface_samples(self, stem, fields=("body", "title")):
        """``surface_form``'s sample from this shard: its best articles for ``stem``
        as ``(score, id, {spelling: count})``, scored with the collection's numbers."""
        forms_of = []
        q = wq.Or([wq.Term(f, stem) for f in fields])
        for hit in self.engine.searcher.search(q, limit=SURFACE_SAMPLE):
            stored = hit.fields()
            text = (stored.get("title") or "") + "\n" + stored_text(stored)
            forms = {}
            for w in WORD_RE.findall(text):
                if len(w) >= len(stem) - 1 and stem_word(w) == stem:
                    forms[w] = forms.get(w, 0) + 1
            forms_of.append((float(hit.score), stored["id"], forms))
        return forms_of


def make_collection(stats, settings, lookup=None):
    """A CollectionStats from summed statistics (``cluster.merge.sum_statistics``)."""
    return CollectionStats(stats["doc_count"], stats["field_lengths"], stats["frequencies"],
                           stats["named"], lookup=lookup, B=settings.bm25_b,
                           K1=settings.bm25_k1)


def _counts(columns, docnums):
    """{name: articles} of every value of a facet column among ``docnums`` (None: all)."""
    raw = columns._all_counts() if docnums is None else columns.count(docnums)
    return {columns._value(v): int(c) for v, c in raw.items() if c}


def _intersect(sets):
    if not sets:
        return None
    out = set(sets[0])
    for s in sets[1:]:
        out &= s
    return out


class _CollectionReader:
    """A shard's reader whose document frequencies are the collection's (for parsing)."""

    def __init__(self, reader, collection):
        self._reader, self._collection = reader, collection

    def doc_frequency(self, fieldname, text):
        btext = text if isinstance(text, bytes) else text.encode("utf-8")
        return self._collection.doc_frequency(fieldname, btext)

    def __contains__(self, term):
        return term in self._reader

    def __getattr__(self, name):
        return getattr(self._reader, name)
