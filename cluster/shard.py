"""One shard of a sharded index, searched as part of the whole: the shard side of
the two-phase search (statistics, then ranking with the collection's statistics).

A :class:`ShardSearcher` keeps one :class:`search.engine.SearchEngine` open and
answers in plain, picklable data, so the same object serves in this process and
inside a Dask actor on the worker that holds the shard open.
"""

import numpy as np
from whoosh import query as wq

from cluster.merge import order_key
from cluster.stats import CollectionStats, Recorder
from search.errors import AmbiguousName, ArticleNotFound, BadOption, FundstelleError, UnknownName
from search.facets import FACET_FIELDS
from search.query import ANSWER_PATTERNS, answer_kind
from search.ranking import PLAIN_TERMS, top
from search.snippets import TermMatcher
from search.sources import FACET_KEY as SOURCES_KEY
from search.sources import KIND as SOURCE_KIND
from search.sources import source_docs
from search.suggest import MAX_WORD, SHORT_STEM, SURFACE_SAMPLE

from index.analysis import WORD_RE, stem_word
from index.store import stored_text

#: The fields whose lengths BM25 averages.
SCORED_FIELDS = ("title", "body")
#: Streams of every match (``search --all``) a shard keeps open at once; the oldest
#: is dropped beyond (a reader that stopped early never closes its stream).
MAX_STREAMS = 16
#: Keyword queries whose ranking a shard keeps from the norms phase for the search.
KEYWORD_CACHE = 8


class StreamClosed(FundstelleError):
    """A stream of every match was asked for after it was closed or dropped, or after
    the shard moved to a newer commit (its document numbers may mean other articles)."""

    def __init__(self, token, why="was closed"):
        self.token, self.why = token, why
        super().__init__(f"the list of every match ({token}) {why}; run the search again")


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
        self._streams = {}  # token → _Stream, oldest first
        self._token = 0
        self._keyword_cache = {}  # (text, fuzzy) → (ranker, ranking), oldest first
        self._scope_cache = None  # co-occurrence: (arguments, (in scope, scope))
        self._links = {}  # this shard's copy groups joined with other shards' (use_copy_links)

    def close(self):
        self.engine.close()

    def refresh(self):
        """Search this shard's newest commit from now on; its generation."""
        self.engine.refresh()
        self._state = None  # a new searcher: the collection is applied again
        self._links = {}  # and the copy groups joined over shards
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
        if fieldname == PLAIN_TERMS:
            return self.engine.ranker.plain_frequency(btext.decode("utf-8"))
        reader = self.engine.searcher.reader()
        if fieldname not in reader.schema:
            return 0
        return reader.doc_frequency(fieldname, btext)

    def plain_lengths(self):
        """(title plus body lengths of the live articles summed, live articles) here."""
        return self.engine.ranker.plain_lengths()

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
                "plain_lengths": self.plain_lengths(),
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

    def _matches(self, text, *, sort="relevance", since=None, until=None, person=(),
                 place=(), source=(), fuzzy=False, collection=None, keyword_norms=None):
        """The filter part of ``SearchEngine.search`` (and ``matching``) on this shard.

        ``person``, ``place`` and ``source`` are values already resolved over all
        shards (a name this shard lacks filters everything out here). Returns a
        :class:`_Matched`: the parse, the ranked matches before the date filter
        (for the ``dates`` facet), after it (``base``), each filter's articles and
        the candidates passing all of them. ``keyword_norms`` are the collection's
        (``search.ranking.KeywordNorms``) for a keyword query: without them its
        ranking is cut and scaled by this shard's matches alone.
        """
        engine = self.engine
        if collection is not None:
            self.use(collection)
        has_filters = bool(person or place or source or since or until)
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
        ranker = engine.ranker
        kept = self._kept_ranking(text, fuzzy) if parsed is not None and parsed.keywords \
            else None
        ids, scores = kept[:2] if kept else ranker.ranked(q)
        if parsed is not None and parsed.keywords and sort == "relevance":
            ids, scores = ranker.rank_keywords(
                parsed.keywords, ids, scores,
                entities=[engine._named(kw) for kw in parsed.keywords], norms=keyword_norms)
        m = _Matched(parsed=parsed, sort=sort, undated=ids)
        if since or until:
            keep = engine.date_column().in_range(since, until)[ids]
            ids, scores = ids[keep], scores[keep]
        m.base = set(ids.tolist())
        m.person = _intersect([engine.columns("person").docs_for(n) for n in person])
        m.place = _intersect([engine.columns("place").docs_for(n) for n in place])
        m.source = source_docs(engine.sources(), source) if source else None
        m.ids, m.scores = ids, scores
        if m.person is not None or m.place is not None or m.source is not None:
            allowed = m.base
            for docs in (m.person, m.place, m.source):
                if docs is not None:
                    allowed = allowed & docs
            keep = np.isin(ids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            m.ids, m.scores = ids[keep], scores[keep]
        return m

    def search(self, text=None, *, want=10, sort="relevance", since=None, until=None,
               person=(), place=(), source=(), facets=10, fuzzy=False, collection=None,
               keyword_norms=None, collapse=False):
        """Phase two: this shard's part of a page, as ``SearchEngine.search`` ranks it.

        ``person``, ``place`` and ``source`` are names already resolved over all shards.
        Returns ``{"total", "entries", "facets", "answer_kind", "sort"}``: the ``want``
        best hit entries (``(score, key, id, shard, docnum)``; for a when/how-many
        question the ``answer_depth`` best with a sixth item, whether the article
        holds an answer) and every facet name's count in this shard (``dates``: month
        period → articles, see :func:`search.timeline.month_counts`).
        """
        from search.timeline import month_counts

        engine = self.engine
        settings = engine.settings
        m = self._matches(text, sort=sort, since=since, until=until, person=person,
                          place=place, source=source, fuzzy=fuzzy, collection=collection,
                          keyword_norms=keyword_norms)
        sort = m.sort
        counts = {}
        if facets:
            base = m.base
            counts["person"] = _counts(engine.columns("person"), _within(base, m.place, m.source))
            counts["place"] = _counts(engine.columns("place"), _within(base, m.person, m.source))
            counts[SOURCES_KEY] = _counts(engine.sources(), _within(base, m.person, m.place))
            undated = m.undated
            keep = _intersect([d for d in (m.person, m.place, m.source) if d is not None])
            if keep is not None:
                undated = undated[np.isin(undated, np.fromiter(keep, dtype=np.int64,
                                                               count=len(keep)))]
            counts["dates"] = month_counts(engine.date_column(), undated)
        key = None
        if sort != "relevance":
            key = engine._date_column() * (1 if sort == "date" else -1)
        kind = answer_kind(text) if key is None and settings.answer_boost and m.parsed \
            else None
        depth = max(want, settings.answer_depth) if kind else want
        ranked = top(m.ids, m.scores, depth, key=key)
        entries = self._entries(ranked, sort, kind, len(ranked))
        out = {"total": int(len(m.ids)), "entries": entries, "facets": counts,
               "answer_kind": kind, "sort": sort}
        if collapse:
            out.update(self._groups_of(m.ids, m.scores, [d for d, _ in ranked]))
        return out

    def _groups_of(self, ids, scores, shown):
        """For collapsing agency copies over shards: ``{"groups": {docnum: group} of
        the ``shown`` documents, "members": {group: [(score, id)]} of their groups'
        matches ``ids`` here, "n_groups": the distinct groups among ``ids``, "joined":
        those of them joined with another shard's}`` (groups as numbered over the
        collection, :meth:`use_copy_links`)."""
        from search.duplicates import _distinct

        groups = self.engine.dup_groups()
        cand_groups = groups[ids]
        of = {int(d): int(groups[d]) for d in shown}
        members = {}
        if of:
            wanted = np.fromiter(set(of.values()), dtype=np.int64)
            s = self.engine.searcher
            for i in np.flatnonzero(np.isin(cand_groups, wanted)).tolist():
                members.setdefault(int(cand_groups[i]), []).append(
                    (float(scores[i]), s.stored_fields(int(ids[i]))["id"]))
        joined = set(self._links.values()).intersection(cand_groups.tolist()) \
            if self._links else set()
        return {"groups": of, "members": members, "n_groups": _distinct(cand_groups),
                "joined": sorted(joined)}

    def signature_table(self):
        """``(groups, signatures)`` of this shard's signed articles (the MinHash state
        kept beside the index, ``index.duplicates``), for joining copies over shards."""
        from index.duplicates import NUM_PERM, _read_newest

        state = _read_newest(self.path) or {}
        if not state.get("ids"):
            return np.zeros(0, dtype=np.int64), np.zeros((0, NUM_PERM), dtype=np.uint32)
        has = np.asarray(state["has_sig"], dtype=bool)
        groups = np.asarray(state["groups"], dtype=np.int64)
        keep = has & (groups != 0)
        return groups[keep], state["signatures"][keep]

    def use_copy_links(self, links):
        """Number this shard's copy groups as the collection does: ``{group: group}``
        for the groups joined with another shard's (``cluster.merge.copy_links``)."""
        from search.duplicates import group_column

        engine = self.engine
        groups = group_column(engine.searcher.reader())
        if links:
            local = np.fromiter(links, dtype=np.int64, count=len(links))
            at = np.flatnonzero(np.isin(groups, local))
            groups[at] = [links[g] for g in groups[at].tolist()]
        engine._dup_groups = groups
        self._links = dict(links)

    def group_of(self, article_id):
        """The copy group of an article of this shard (numbered over the collection)."""
        docnum = self.engine.searcher.document_number(id=str(article_id))
        if docnum is None:
            raise ArticleNotFound(article_id)
        return int(self.engine.dup_groups()[docnum])

    def group_members(self, group):
        """The ids of this shard's live articles in copy group ``group``, index order."""
        groups = self.engine.dup_groups()
        at = np.flatnonzero((groups == group) & self.engine.ranker.live())
        s = self.engine.searcher
        return [s.stored_fields(int(d))["id"] for d in at.tolist()]

    # --- co-occurrence and watches (issue 21 on shards) -----------------------------------

    def _scope(self, text, since, until, person, place, collection):
        """(document numbers, tree scores) of the live articles matching ``text`` and the
        filters (names resolved over all shards), as ``search.scope.matching`` finds
        them; every live article without either."""
        if not (text and text.strip()) and not (person or place or since or until):
            if collection is not None:
                self.use(collection)
            ids = np.flatnonzero(self.engine.ranker.live())
            return ids, np.ones(len(ids))
        m = self._matches(text, sort=None, since=since, until=until, person=person,
                          place=place, collection=collection)
        return m.ids, m.scores

    def joined_in_scope(self, text=None, *, since=None, until=None, person=(), place=(),
                        collection=None):
        """The copy groups joined with other shards' (:meth:`use_copy_links`) that have
        an article in scope here: a co-occurrence counts each in one shard only."""
        in_scope, scope = self._in_scope(text, since, until, person, place, collection)
        if not self._links:
            return []
        groups = self.engine.dup_groups()[scope]
        return sorted(set(self._links.values()).intersection(groups.tolist()))

    def cooccurrence_counts(self, kind, target, text=None, *, since=None, until=None,
                            person=(), place=(), collection=None, drop=()):
        """This shard's part of ``search.cooccurrence.cooccurring``: ``{"scope",
        "articles", "counts"}``, the articles in scope and those naming ``target`` (one
        per agency group of this shard), and ``{(kind, name): articles naming it and
        the target}``. The copy groups ``drop`` are counted in another shard."""
        engine = self.engine
        in_scope, scope = self._in_scope(text, since, until, person, place, collection, drop)
        with_target = sorted(d for d in engine.columns(kind).docs_for(target) if in_scope[d])
        counts = {}
        for other in ("person", "place"):
            columns = engine.columns(other)
            for vid, c in columns.count(with_target).items():
                value = columns._value(vid)
                if not (other == kind and value == target):
                    counts[(other, value)] = int(c)
        return {"scope": int(len(scope)), "articles": len(with_target), "counts": counts}

    def cooccurrence_totals(self, names, text=None, *, since=None, until=None, person=(),
                            place=(), collection=None, drop=()):
        """``{(kind, name): articles in scope naming it}`` for ``names`` (one per agency
        group, without the groups ``drop``)."""
        from search.cooccurrence import _totals

        engine = self.engine
        in_scope, _ = self._in_scope(text, since, until, person, place, collection, drop)
        out = {}
        for kind in ("person", "place"):
            columns = engine.columns(kind)
            known = [(name, columns.ids.get(name)) for k, name in names if k == kind]
            known = [(name, vid) for name, vid in known if vid is not None]
            if known:
                totals = _totals(columns, [vid for _, vid in known], in_scope)
                out.update({(kind, name): int(t) for (name, _), t in zip(known, totals)})
        return out

    def _in_scope(self, text, since, until, person, place, collection, drop=()):
        """(a boolean array over documents, the scope's documents): the articles in
        scope, one per agency group, none of the groups ``drop``; kept for the call
        after."""
        from search.cooccurrence import _one_per_group

        key = (text, since, until, tuple(person), tuple(place), tuple(drop),
               self.generation(), id(self.engine.dup_groups()))
        if self._scope_cache and self._scope_cache[0] == key:
            return self._scope_cache[1]
        try:
            ids, _ = self._scope(text, since, until, person, place, collection)
        except UnknownName:  # a filter name no article of this shard has
            ids = np.zeros(0, dtype=np.int64)
        groups = self.engine.dup_groups()
        scope = _one_per_group(ids, groups)
        if len(drop):
            scope = scope[~np.isin(groups[scope], np.asarray(drop, dtype=np.int64))]
        in_scope = np.zeros(len(groups), dtype=bool)
        in_scope[scope] = True
        self._scope_cache = (key, (in_scope, scope))
        return in_scope, scope

    def watch_entries(self, text, after, *, since=None, until=None, person=(), place=(),
                      collection=None):
        """This shard's part of one watch's run (``search.watch._run_one``): the entries
        of its matches among the articles that arrived here after arrival ``after``
        (``(score, 0, id, shard, docnum, added)``), and where its next run starts."""
        from index.arrivals import Arrivals

        arrivals = Arrivals.load(self.path)
        searcher = self.engine.searcher
        docnums, arrival_of, missing = [], {}, []
        for article_id, arrival in arrivals.ids.items():
            if arrival <= after:
                continue
            docnum = searcher.document_number(id=article_id)
            if docnum is None:  # committed after this searcher opened: next run shows it
                missing.append(arrival)
            else:
                docnums.append(docnum)
                arrival_of[docnum] = arrival
        stop = arrivals.last if not missing else max(after, min(missing) - 1)
        entries = []
        if docnums:
            try:
                ids, scores = self._scope(text, since, until, person, place, collection)
            except UnknownName:  # watched for, but no article here names it yet
                ids, scores = np.zeros(0, dtype=np.int64), np.zeros(0)
            keep = np.isin(ids, np.array(docnums, dtype=np.int64))
            for d, score in zip(ids[keep].tolist(), scores[keep].tolist()):
                if arrival_of[d] <= stop:
                    entries.append((float(score), 0, searcher.stored_fields(d)["id"],
                                    self.number, int(d), arrivals.time_of(arrival_of[d])))
        return {"entries": entries, "stop": int(stop)}

    def last_arrival(self):
        """The newest arrival (commit that added articles) of this shard."""
        from index.arrivals import Arrivals
        return int(Arrivals.load(self.path).last)

    # --- the keyword ranking's norms (a third phase for keyword queries) ------------------

    def keyword_part(self, text, fuzzy=False, collection=None):
        """This shard's candidates for the collection's keyword norms
        (``search.ranking.KeywordPart``: its best ``keyword_depth`` matches' scores),
        or None when ``text`` is not ranked as a keyword query."""
        kept = self._kept_ranking(text, fuzzy, collection, make=True)
        return kept[2].part() if kept else None

    def keyword_closeness(self, text, rows, fuzzy=False, collection=None):
        """The closeness factors of this shard's candidates ``rows`` (a boolean mask over
        ``keyword_part``'s arrays): the collection's best ``together_depth``."""
        kept = self._kept_ranking(text, fuzzy, collection, make=True)
        return self.engine.ranker.closeness(kept[2], np.asarray(rows, dtype=bool))

    def _kept_ranking(self, text, fuzzy, collection=None, make=False):
        """``(ids, scores, KeywordCandidates)`` of a keyword query, kept from
        :meth:`keyword_part` for :meth:`keyword_closeness` and the search after it
        (the same ranker only); with ``make``, ranked now when not kept. None for a
        query without keywords, or (without ``make``) when nothing is kept."""
        if collection is not None:
            self.use(collection)
        engine = self.engine
        key = (text, bool(fuzzy))
        found = self._keyword_cache.get(key)
        if found is not None and found[0] is engine.ranker:
            return found[1]
        if not make:
            return None
        parsed = self.parse(text, fuzzy=fuzzy)
        kept = None
        if parsed.keywords:
            ranker = engine.ranker
            ids, scores = ranker.ranked(parsed.query)
            c = ranker.keyword_candidates(parsed.keywords, ids, scores,
                                          [engine._named(kw) for kw in parsed.keywords])
            kept = (ids, scores, c) if c is not None else None
        self._keyword_cache[key] = (engine.ranker, kept)
        while len(self._keyword_cache) > KEYWORD_CACHE:
            self._keyword_cache.pop(next(iter(self._keyword_cache)))
        return kept

    def _entries(self, ranked, sort, kind, flagged):
        """Hit entries of ``[(docnum, score)]`` (see :meth:`search`); the first
        ``flagged`` get the answer flag of a ``kind`` question."""
        s = self.engine.searcher
        dates_lo = self.engine._date_column() if sort != "relevance" else None
        pattern = ANSWER_PATTERNS[kind] if kind else None
        entries = []
        for i, (docnum, score) in enumerate(ranked):
            f = s.stored_fields(docnum)
            entry = (float(score), int(dates_lo[docnum]) if dates_lo is not None else 0,
                     f["id"], self.number, int(docnum))
            if pattern is not None and i < flagged:
                entry += (bool(pattern.search(f.get("title") or "")
                               or pattern.search(stored_text(f))),)
            entries.append(entry)
        return entries

    def period_counts(self, text, by, *, since=None, until=None, person=(), place=(),
                      source=(), fuzzy=False, collection=None):
        """This shard's part of one timeline series (``search.timeline.period_counts``'s
        dict without ``filters`` and ``relaxed_query``: the coordinator's business)."""
        from search.timeline import count_periods, tally

        # Unsorted, as SearchEngine.matching counts: no keyword ranking (same matches).
        m = self._matches(text, sort=None, since=since, until=until, person=person,
                          place=place, source=source, fuzzy=fuzzy, collection=collection)
        periods, left_out = count_periods(self.engine.date_column(), m.ids, by)
        return {"periods": tally(periods), "left_out": left_out, "total": int(len(m.ids))}

    # --- every match, streamed (``search --all``) ---------------------------------------

    def open_stream(self, text, *, sort="relevance", since=None, until=None, person=(),
                    place=(), source=(), fuzzy=False, collection=None, keyword_norms=None):
        """Rank every match of a search here and keep them for :meth:`stream_entries`.

        The order is ``SearchEngine.matching``'s (for a when/how-many question the
        entries carry the answer flag among the first ``answer_depth``; the boost is
        the coordinator's). Returns ``{"token", "total", "answer_kind", "sort"}``.
        """
        engine = self.engine
        settings = engine.settings
        m = self._matches(text, sort=sort, since=since, until=until, person=person,
                          place=place, source=source, fuzzy=fuzzy, collection=collection,
                          keyword_norms=keyword_norms)
        key = None
        if m.sort != "relevance":
            key = engine._date_column() * (1 if m.sort == "date" else -1)
        kind = answer_kind(text) if key is None and settings.answer_boost and m.parsed \
            else None
        ranked = top(m.ids, m.scores, len(m.ids), key=key)
        self._token += 1
        self._streams[self._token] = _Stream(
            ids=np.array([d for d, _ in ranked], dtype=np.int64),
            scores=np.array([s for _, s in ranked], dtype=np.float64),
            key=key, sort=m.sort, kind=kind, parsed=m.parsed, searcher=engine.searcher)
        while len(self._streams) > MAX_STREAMS:
            self._streams.pop(next(iter(self._streams)))
        return {"token": self._token, "total": int(len(m.ids)), "answer_kind": kind,
                "sort": m.sort}

    def stream_entries(self, token, n):
        """The next ``n`` or more entries of stream ``token`` (``[]`` at its end), in
        the merge's order (:func:`cluster.merge.order_key`: ties by article id).

        A shard ranks ties by document number; the batch is extended to the end of
        its last run of equal sort values and re-sorted, so the entries come in the
        merge's order across batches too.
        """
        st = self._stream(token)
        start = st.pos
        if start >= len(st.ids):
            return []
        end = min(start + max(n, 1), len(st.ids))

        def value(i):
            return (st.scores[i], st.key[st.ids[i]] if st.key is not None else 0)

        while end < len(st.ids) and value(end) == value(end - 1):
            end += 1
        st.pos = end
        ranked = list(zip(st.ids[start:end].tolist(), st.scores[start:end].tolist()))
        # The coordinator boosts among the collection's first answer_depth, which are
        # among each shard's first answer_depth: flag every entry of a batch reaching there.
        flagged = end - start if st.kind and start < self.engine.settings.answer_depth else 0
        entries = self._entries(ranked, st.sort, st.kind, flagged)
        entries.sort(key=lambda e: order_key(e, st.sort))
        return entries

    def stream_hits(self, token, entries, snippets=1, fragment_chars=260):
        """Hits of stream ``token``: ``[(rank, score, docnum)]`` → Hit objects, with
        snippets of its query (its highlighter made once)."""
        st = self._stream(token)
        engine = self.engine
        if st.matcher is None:
            st.matcher = engine._term_matcher(st.parsed) if st.parsed else TermMatcher(())
        return [engine._hit(rank, docnum, score, st.matcher, snippets, fragment_chars)
                for rank, score, docnum in entries]

    def close_stream(self, token):
        self._streams.pop(token, None)

    def _stream(self, token):
        st = self._streams.get(token)
        if st is None:
            raise StreamClosed(token)
        if st.searcher is not self.engine.searcher:
            self._streams.pop(token, None)
            raise StreamClosed(token, "was read past a new commit of the index")
        return st

    def parse(self, text, fuzzy=False):
        """``SearchEngine.parse`` with the collection's document frequencies: whether a
        word's other ``-s`` form is searched too is the whole collection's call."""
        from dataclasses import replace

        from search.query import listed_terms, parse_query

        engine = self.engine
        reader = engine.searcher.reader()
        if engine.collection is not None:
            reader = _CollectionReader(reader, engine.collection)
        parsed = parse_query(text, engine.searcher.schema, fuzzy=fuzzy, reader=reader,
                             settings=engine.settings)
        return replace(parsed, query=listed_terms(parsed.query, engine.speller))

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
        if kind not in FACET_FIELDS and kind != SOURCE_KIND:
            raise BadOption("facet", kind, "use person, place or source")
        if collection is not None:
            self.use(collection)
        docs = None
        if text and text.strip():
            docs = set(engine.searcher.docs_for_query(self.parse(text).query))
        columns = engine.sources() if kind == SOURCE_KIND else engine.columns(kind)
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
        """Load the ``person``, ``place`` or ``source`` facet column, or the date
        columns (``date``: the sort's and the timeline's)."""
        if what == "date":
            self.engine._date_column()
            self.engine.date_column()
        elif what == SOURCE_KIND:
            self.engine.sources()
        else:
            self.engine.columns(what)

    def has_article(self, article_id):
        return self.engine.searcher.document_number(id=str(article_id)) is not None

    def document_number(self, article_id):
        return self.engine.searcher.document_number(id=str(article_id))

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
                           K1=settings.bm25_k1,
                           plain_lengths=stats.get("plain_lengths", (0.0, 0)))


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


def _within(base, *filters):
    """``base`` narrowed by each of the other facets' article sets that is given."""
    for docs in filters:
        if docs is not None:
            base = base & docs
    return base


class _Matched:
    """What :meth:`ShardSearcher._matches` found (attributes named there)."""

    def __init__(self, parsed, sort, undated):
        self.parsed, self.sort, self.undated = parsed, sort, undated
        self.base = self.person = self.place = self.source = None
        self.ids = self.scores = None


class _Stream:
    """Every match of one search on this shard, ranked, and how far it was read."""

    def __init__(self, ids, scores, key, sort, kind, parsed, searcher):
        self.ids, self.scores, self.key = ids, scores, key
        self.sort, self.kind, self.parsed = sort, kind, parsed
        self.searcher = searcher  # the commit its document numbers belong to
        self.pos = 0
        self.matcher = None


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
