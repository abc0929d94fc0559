"""The search engine: one open index, queries in, :class:`SearchResults` out.

>>> from search import SearchEngine                       # doctest: +SKIP
>>> with SearchEngine("fundstelle-index") as engine:      # doctest: +SKIP
...     results = engine.search("Lehrer Gewerkschaft", person=["söder"])
...     [h.title for h in results.hits]
"""

import re
import time
from dataclasses import replace

import numpy as np
from whoosh import query as wq
from whoosh import scoring

from index.analysis import PART_PREFIX, WORD_RE, fold_diacritics, stem_word, strip_invisible
from index.compounds import CompoundSplitter
from search.errors import ArticleNotFound, BadOption, FundstelleError
from index.dates import ArticleDate
from index.store import IndexStore, article_from_stored, stored_text, while_writers_commit
from search.curation import (Curation, Entry, alias_merges, automatic_rule, curation_state,
                             surname_merges)
from search.duplicates import collapse_ranked, copies_of, load_groups, window
from search.facets import BITSET_SCOPE, FACET_FIELDS, FacetColumns
from search.query import ANSWER_PATTERNS, answer_kind, listed_terms, loosened, parse_query
from search.ranking import Ranker, top
from search.settings import DEFAULT_SETTINGS
from search.results import Hit, SearchResults
from search.snippets import TermMatcher, make_snippets
from search.similar import key_terms, similar_query
from search.sources import FACET_KEY as SOURCES_KEY
from search.sources import browse_sources, resolve_sources, source_docs
from search.suggest import SUGGEST_BELOW, Speller

SORTS = ("relevance", "date", "date-asc")
_SPLITTER = CompoundSplitter()
#: Facet columns are cached in the index folder as FACET_CACHE-<field>-<commit>.pickle
#: (pickled FacetColumns): change the version when that class changes.
FACET_CACHE = "facets-v2"
#: The curated facet columns are cached per commit and curation as
#: CURATED_CACHE-<field>-<commit>-<digest>.pickle.
CURATED_CACHE = "facets-v2-curated"
#: The automatic merges of a facet, as (name, into) pairs, per commit and surname rule:
#: a hit's names need them, and loading the whole facet column for them took 20 ms.
AUTOMATIC_CACHE = "automatic-v1"


class SearchEngine:
    """Searches one index; keeps its searcher and facet columns open between queries.

    ``settings`` (:class:`search.settings.RankingSettings`, the shipped defaults unless
    given) holds every ranking constant: benchmarks and tests pass variants.
    """

    def __init__(self, index_path, settings=DEFAULT_SETTINGS):
        self.store = IndexStore.open(index_path)
        self.settings = settings
        #: The collection's statistics when this index is one shard of several (see
        #: ``Ranker.collection``); None: this index's own.
        self.collection = None
        self.weighting = scoring.BM25F(B=settings.bm25_b, K1=settings.bm25_k1)
        # A commit beside us may delete the table of contents being opened.
        self._searcher = while_writers_commit(
            lambda: self.store.ix.searcher(weighting=self.weighting), tries=50)
        self._reset_caches()

    def _reset_caches(self):
        """Per-searcher state: facet columns, dates, the bulk scorer's lengths, the lexicon."""
        self._raw_columns = {}
        self._columns = {}
        self._curation = None
        self._curation_state = None
        self._names = {}
        self._automatic = {}
        self._name_words = {}
        self._named_docs = {}
        self._dates = None
        self._timeline = None  # search.timeline.DateColumn, made on first use
        self._dup_groups = None
        self.ranker = Ranker(self._searcher, self.settings, collection=self.collection)
        self.speller = Speller(self._searcher, store=self.store)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Release the searcher's files."""
        self._searcher.close()

    def refresh(self):
        """Pick up commits made since the engine was opened."""
        new = self._searcher.refresh()
        if new is not self._searcher:
            self._searcher = new
            self._reset_caches()

    @property
    def searcher(self):
        return self._searcher

    def columns(self, kind):
        """The facet column of ``person`` or ``place`` as the curation shows it.

        Built on first use, and again whenever the index's curation file changes
        (one ``stat`` a call): a long-running server applies a ``curate`` at once.
        """
        curation = self.curation()
        if kind not in self._columns:
            self._columns[kind] = self._curated_columns(kind, curation)
        return self._columns[kind]

    def _curated_columns(self, kind, curation):
        """The curated column from the index folder's cache (per commit, user curation
        and surname rule, holding the automatic merges), else made from the indexed one
        and cached when it differs: a cold search loads one column."""
        reader = self._searcher.reader()
        name = f"{CURATED_CACHE}-{FACET_FIELDS[kind]}"
        key = f"{reader.generation()}-{curation.digest(kind)}-{automatic_rule(kind)}"
        cols = self.store.read_cache(name, key)
        if isinstance(cols, FacetColumns) and cols.doc_count == reader.doc_count_all() \
                and isinstance(getattr(cols, "_automatic", None), list):
            automatic = cols._automatic
        else:
            raw = self.raw_columns(kind)
            automatic = raw._automatic[1]
            cols = raw.curated(curation.names(kind, automatic=automatic))
            if cols is not raw:
                cols._automatic = automatic
                self.store.write_cache(name, key, cols)
        self._automatic[kind] = automatic
        return cols

    def raw_columns(self, kind):
        """The facet column of ``person`` or ``place`` as indexed (no curation)."""
        if kind not in self._raw_columns:
            self._raw_columns[kind] = self._load_columns(FACET_FIELDS[kind])
        return self._raw_columns[kind]

    def curation(self):
        """The index's :class:`~search.curation.Curation`, read again when its file
        changed; raise BadCurationFile."""
        state = curation_state(self.store.path)
        if self._curation is None or state != self._curation_state:
            self._curation = None
            self._columns, self._names, self._automatic = {}, {}, {}
            self._name_words, self._named_docs = {}, {}
            self._curation = Curation.load(self.store.path)
            self._curation_state = state
        return self._curation

    def names(self, kind):
        """The :class:`~search.curation.NameMap` of ``kind``: what each name shows as."""
        curation = self.curation()
        if kind not in self._names:
            self._names[kind] = curation.names(kind, automatic=self.automatic(kind))
        return self._names[kind]

    def automatic(self, kind):
        """The automatic merges of ``kind`` (lone surnames into their dominant full name,
        :func:`search.curation.surname_merges`; place variants into the place,
        :func:`search.curation.alias_merges`), kept with the facet caches and, for a
        search that counts no facets, in a small cache of their own."""
        self.curation()  # a changed curation file resets what is kept here
        if kind not in self._automatic:
            reader = self._searcher.reader()
            name = f"{AUTOMATIC_CACHE}-{FACET_FIELDS[kind]}"
            key = f"{reader.generation()}-{reader.doc_count_all()}-{automatic_rule(kind)}"
            pairs = self.store.read_cache(name, key)
            if isinstance(pairs, list) and all(isinstance(p, tuple) and len(p) == 2
                                               for p in pairs):
                self._automatic[kind] = [Entry("merge", kind, n, to, automatic=True)
                                         for n, to in pairs]
            else:
                self.columns(kind)
                self.store.write_cache(name, key, [(e.name, e.to)
                                                   for e in self._automatic[kind]])
        return self._automatic[kind]

    def _load_columns(self, fieldname):
        """A facet column from the index folder's cache of this commit, else built and cached.

        Building reads the field for every article (about a second on 40,000): a
        script that runs one search at a time would pay it every time. The cache
        file names the commit (generation), so a later commit never reads a stale one.
        """
        reader = self._searcher.reader()
        name = f"{FACET_CACHE}-{fieldname}"
        cols = self.store.read_cache(name, reader.generation())
        if isinstance(cols, FacetColumns) and cols.doc_count == reader.doc_count_all():
            if _complete(cols):  # a cache written before these were kept with it
                self.store.write_cache(name, reader.generation(), cols)
            return cols
        cols = FacetColumns.from_reader(reader, fieldname)
        _complete(cols)
        self.store.write_cache(name, reader.generation(), cols)
        return cols

    def parse(self, text, fuzzy=False):
        """Parse a query string against this index's schema."""
        # The searcher's schema: ``ix.schema`` reads the table of contents from disk.
        parsed = parse_query(text, self._searcher.schema, fuzzy=fuzzy,
                             reader=self._searcher.reader(), settings=self.settings)
        return replace(parsed, query=listed_terms(parsed.query, self.speller))

    def search(self, text=None, *, limit=10, offset=0, sort="relevance", since=None,
               until=None, person=(), place=(), source=(), facets=10, snippets=2,
               fragment_chars=260, suggestions=True, fuzzy=False, relax=True,
               collapse=False):
        """Run a query and return a page of hits, the total and facet counts.

        ``text`` may be None or empty when a person, place or date filter is
        given: then every article that passes the filters matches. ``person``
        and ``place`` names are resolved case- and accent-insensitively, and by
        surname. ``source`` names outlets (any of them matches; see
        :mod:`search.sources`). Facet counts cover all matching articles; each
        facet ignores its own selection (multi-select faceting), the ``dates``
        facet (articles per month) the date filter. With few hits, ``suggestions``
        holds the query with misspelt words corrected (did-you-mean); ``fuzzy``
        also matches words within an edit or two of the typed ones. With ``relax``,
        a query whose exact phrases find nothing is searched again without the
        quotes, and ``relaxed_query`` says so (a quoted headline or quote that an
        article words differently still finds it). With ``collapse``, each group of
        agency copies shows once (:mod:`search.duplicates`): a hit's ``duplicates``
        name the others, ``offset`` and ``limit`` count groups.
        """
        started = time.perf_counter()
        if sort not in SORTS:
            raise BadOption("sort", sort, f"use one of {', '.join(SORTS)}")
        for option, value in (("limit", limit), ("offset", offset)):
            if value < 0:
                raise BadOption(option, value, "it must not be negative")
        person = [self._resolve("person", n) for n in person or ()]
        place = [self._resolve("place", n) for n in place or ()]
        source = self.resolve_sources(source)
        has_filters = bool(person or place or source or since or until)
        if text and text.strip():
            parsed = self.parse(text, fuzzy=fuzzy)
            q = parsed.query
        elif has_filters:
            # Listing everything about someone: newest first reads better than
            # a relevance order in which every article scores the same.
            parsed = None
            q = wq.Every()
            if sort == "relevance":
                sort = "date"
        else:
            parsed = self.parse(text)  # raises EmptyQuery with the right message
            q = parsed.query

        ids, scores = self.ranker.ranked(q)
        if parsed is not None and parsed.keywords and sort == "relevance":
            ids, scores = self.ranker.rank_keywords(
                parsed.keywords, ids, scores,
                entities=[self._named(kw) for kw in parsed.keywords])
        undated_ids = ids  # the matches before the date filter, for the dates facet
        if since or until:
            # The date column: Whoosh's NumericRange postings took 0.4-0.9 s on FANG.
            keep = self.date_column().in_range(since, until)[ids]
            ids, scores = ids[keep], scores[keep]
        if person or place or source:
            base = set(ids.tolist())
        else:
            # No facet filter: the facets count the matches as they are. A set of them
            # was only read back into an array or walked (1-3 ms for a broad query).
            base = ids if len(ids) >= BITSET_SCOPE else ids.tolist()

        person_docs = _intersect([self.columns("person").docs_for(n) for n in person])
        place_docs = _intersect([self.columns("place").docs_for(n) for n in place])
        outlet_docs = source_docs(self.sources(), source) if source else None
        candidates, candidate_scores = ids, scores
        if person_docs is not None or place_docs is not None or outlet_docs is not None:
            allowed = base
            for docs in (person_docs, place_docs, outlet_docs):
                if docs is not None:
                    allowed = allowed & docs
            keep = np.isin(ids, np.fromiter(allowed, dtype=np.int64))
            candidates, candidate_scores = ids[keep], scores[keep]

        facet_values = {}
        if facets:
            person_scope = _within(base, place_docs, outlet_docs)
            place_scope = _within(base, person_docs, outlet_docs)
            facet_values["person"] = self.columns("person").top(person_scope, facets, person)
            facet_values["place"] = self.columns("place").top(place_scope, facets, place)
            facet_values[SOURCES_KEY] = self.sources().top(
                _within(base, person_docs, place_docs), facets, source)
            facet_values["dates"] = self._dates_facet(
                undated_ids, (person_docs, place_docs, outlet_docs), since, until)

        want = offset + limit
        if collapse:
            want = window(want, len(candidates))
        key = None
        if sort != "relevance":
            key = self._date_column() * (1 if sort == "date" else -1)
        answer_boost = self.settings.answer_boost
        kind = answer_kind(text) if key is None and answer_boost and parsed else None
        if kind:
            ranked = self._answers_first(top(candidates, candidate_scores,
                                             max(want, self.settings.answer_depth)),
                                         kind)[:want]
        else:
            ranked = top(candidates, candidate_scores, want, key=key)
        total = len(candidates)
        duplicates = n_groups = None
        if collapse:
            ranked, duplicates, n_groups = collapse_ranked(
                ranked, candidates, candidate_scores, self.dup_groups(), offset + limit, key)

        matcher = self._term_matcher(parsed) if parsed else TermMatcher(())
        names = (self.names("person"), self.names("place"))
        hits = [self._hit(rank, docnum, score, matcher, snippets, fragment_chars, names)
                for rank, (docnum, score) in enumerate(ranked[offset:], offset + 1)]
        if duplicates is not None:
            for hit, dups in zip(hits, duplicates[offset:]):
                hit.duplicates = [self._searcher.stored_fields(d)["id"] for d in dups]
        if total == 0 and relax and parsed is not None:
            loose = loosened(text)
            if loose:
                try:
                    out = self.search(loose, limit=limit, offset=offset, sort=sort,
                                      since=since, until=until, person=person, place=place,
                                      source=source, facets=facets, snippets=snippets,
                                      fragment_chars=fragment_chars,
                                      suggestions=suggestions, fuzzy=fuzzy, relax=False,
                                      collapse=collapse)
                except FundstelleError:  # e.g. only stop words without the quotes
                    out = None
                if out is not None and out.total:
                    out.query, out.relaxed_query = text, loose
                    out.seconds = time.perf_counter() - started
                    return out
        out = SearchResults(query=text or "", total=total, hits=hits, offset=offset,
                            limit=limit, sort=sort, facets=facet_values,
                            filters={"person": person, "place": place, "source": source,
                                     "since": since, "until": until})
        out.groups = n_groups
        if parsed is not None and total < SUGGEST_BELOW and suggestions:
            fixed, _ = self.speller.suggest(text)
            if fixed:
                out.suggestions = [fixed]
        out.seconds = time.perf_counter() - started
        return out

    def _resolve(self, kind, name):
        """The facet value a filter's ``name`` means, after the curation (a merged-away
        name finds the name it was merged into; a hidden one raises HiddenName)."""
        columns = self.columns(kind)
        return columns.resolve(kind, self.names(kind).filter_name(kind, name))

    def _named(self, keyword):
        """Where a query word names a person or place: a boolean array over all documents
        of the articles whose facets hold a name with that word, else None.

        A name's word matches the query word by stem (``Spahns``, ``Soeder``,
        ``Heidelberger`` are ``Spahn``, ``Söder``, ``Heidelberg``). The word names one
        only if at least ``entity_share`` of the articles holding it have it in their
        facets: a topic word that a few articles tag as a name is no name.
        """
        stems = frozenset(t for t in keyword.body_terms if not t.startswith(PART_PREFIX))
        if stems not in self._named_docs:
            if len(self._named_docs) > 256:
                self._named_docs.clear()
            self._named_docs[stems] = self._named_uncached(stems)
        return self._named_docs[stems]

    def _named_uncached(self, stems):
        direct = self._named_directly(stems)
        if direct is None and self.settings.derived_places:
            return self._derived_place(stems)
        return direct

    def _named_directly(self, stems):
        docs = set()
        for kind in ("person", "place"):
            columns = self.columns(kind)
            for stem in stems:
                for vid in self._names_with(kind, columns, stem):
                    docs |= columns.docs_of_value(vid)
        if self.collection is not None:
            # One shard of several: whether the word names someone is the collection's
            # call (an array here even when none of this shard's articles name them).
            holding = max(self.collection.doc_frequency("body", stem.encode("utf-8"))
                          for stem in stems)
            named = self.collection.named_count(stems)
            if not named or named < self.settings.entity_share * holding:
                return None
        else:
            if not docs:
                return None
            reader = self._searcher.reader()
            holding = max(reader.doc_frequency("body", stem) for stem in stems)
            if len(docs) < self.settings.entity_share * holding:
                return None
        named = np.zeros(self.ranker.size, dtype=bool)
        named[np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
        return named

    def _derived_place(self, stems):
        """Where a query word is derived from a place (``dänische``, ``bayerisch``,
        ``Münchner``, which Snowball leaves apart from ``Dänemark``, ``Bayern``,
        ``München``): the articles whose place facets hold that place, else None.

        The place is a word of a place name that begins like the word's stem (without an
        ``-isch``: at least three letters, and all of it but two letters at most), and at
        least ``derived_share`` of the articles holding the word have it in their facets:
        the articles decide, not a list of adjectives (``französisch`` is too far from
        ``Frankreich`` to be found).
        """
        columns = self.columns("place")
        reader = self._searcher.reader()
        for stem in sorted(stems):
            base = stem[:-4] if stem.endswith("isch") else stem
            if len(base) < 3:
                continue
            shared = max(3, len(base) - 2)
            words = self._name_words_from("place", columns, stem[:3], base[:shared])
            places = {w: vids for w, vids in words.items()
                      if w != stem and _shared_start(base, w) >= shared}
            if not places:
                continue
            holding = reader.doc_frequency("body", stem)
            need = self.settings.derived_share * holding
            # A place with fewer articles than the share needs cannot be it: its
            # articles are not gathered, nor the word's postings read.
            places = {w: set().union(*(columns.docs_of_value(vid) for vid in vids))
                      for w, vids in places.items()
                      if sum(columns._df(vid) for vid in vids) >= need}
            places = {w: docs for w, docs in places.items() if len(docs) >= need}
            if not holding or not places:
                continue
            # The query tree has just scored the word: its postings are at hand.
            said = self.ranker._weights("body", stem)[0]
            best, best_n = None, 0
            for word, docs in sorted(places.items()):
                named = np.zeros(self.ranker.size, dtype=bool)
                named[np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
                n = int(np.count_nonzero(named[said]))
                if n > best_n:
                    best, best_n = named, n
            if best is not None and best_n >= need:
                return best
        return None

    def _names_with(self, kind, columns, stem):
        """The value ids of the facet ``kind`` with a word whose stem is ``stem``."""
        return self._name_words_from(kind, columns, stem[:3], stem).get(stem, ())

    def _name_words_from(self, kind, columns, key, start):
        """``_words_of_names(columns, key, start)``, kept for the next query."""
        cached = self._name_words.get((kind, key, start))
        if cached is None:
            if len(self._name_words) > 4096:
                self._name_words.clear()
            cached = self._name_words[kind, key, start] = _words_of_names(columns, key, start)
        return cached

    def _answers_first(self, ranked, kind):
        """``ranked`` with ``answer_boost`` for articles holding what the question asks for."""
        pattern = ANSWER_PATTERNS[kind]
        out = []
        for docnum, score in ranked:
            f = self._searcher.stored_fields(docnum)
            if pattern.search(f.get("title") or "") or pattern.search(stored_text(f)):
                score = score * (1.0 + self.settings.answer_boost)
            out.append((docnum, score))
        out.sort(key=lambda pair: (-pair[1], pair[0]))
        return out

    def _term_matcher(self, parsed):
        """What to highlight: the stems (and expanded prefixes) the query can match."""
        stems = set()
        for fieldname, term in parsed.terms(self._searcher.reader()):
            if fieldname in ("title", "body"):
                term = term.decode("utf-8") if isinstance(term, bytes) else term
                stems.add(term.lstrip(PART_PREFIX))
        return TermMatcher(stems, words=parsed.words,
                           fuzzy=parsed.expanded_by() == "fuzzy",
                           parts=_typed_parts(parsed.words, parsed.part_stems()))

    def _date_column(self):
        """``date_lo`` of every article (YYYYMMDD, 0 for none), loaded on first date sort."""
        if self._dates is None:
            self._dates = np.array(list(self._searcher.reader().column_reader("date_lo")),
                                   dtype=np.int64)
        return self._dates

    def dup_groups(self):
        """Each document's agency-copy group (:func:`search.duplicates.group_column`)."""
        if self._dup_groups is None:
            self._dup_groups = load_groups(self.store, self._searcher.reader())
        return self._dup_groups

    def copies(self, article_id):
        """The ids of the agency copies of the article ``article_id``; raise ArticleNotFound."""
        docnum = self._searcher.document_number(id=str(article_id))
        if docnum is None:
            raise ArticleNotFound(article_id)
        return copies_of(self._searcher, self.dup_groups(), docnum)

    def _hit(self, rank, docnum, score, matcher, n_snippets, fragment_chars, names=None):
        """The :class:`Hit` of one document: stored fields, snippets, match reasons.

        ``names`` is ``(self.names("person"), self.names("place"))`` when the caller
        makes many hits (each call checks the curation file otherwise).
        """
        f = self._searcher.stored_fields(docnum)
        date = ArticleDate.parse(f["date"]) if f.get("date") else None
        title = f.get("title") or ""
        # The title is scanned once, for its highlights and its reasons.
        title_found = matcher.matches(title)
        snippets, matched = [], []
        if n_snippets:
            # Snippets and reasons come from one scan of the text. Without snippets
            # (--batch) the text is not even decompressed, and reasons are skipped.
            text = stored_text(f)
            found = matcher.matches(text)
            snippets = make_snippets(text, matcher, max_fragments=n_snippets,
                                     fragment_chars=fragment_chars, found=found)
            matched = matcher.explain(title, "title", found=title_found) + \
                matcher.explain(text, "body", found=found)
        person_names, place_names = names or (self.names("person"), self.names("place"))
        persons, places = _split(f.get("persons")), _split(f.get("places"))
        return Hit(
            rank=rank, id=f["id"], score=float(score or 0.0), title=title,
            date=date.display if date else None,
            date_precision=date.precision if date else None,
            source=f.get("source") or "", url=f.get("url") or "",
            title_matches=[(s, e) for s, e, _, _, _ in title_found],
            snippets=snippets,
            persons=person_names.apply(persons),
            places=place_names.apply(places),
            matched=matched,
            persons_printed=persons, places_printed=places,
        )

    def similar(self, article_id, *, limit=10, snippets=1, fragment_chars=260):
        """Articles like the one with ``article_id`` (more-like-this); raise ArticleNotFound."""
        started = time.perf_counter()
        s = self._searcher
        docnum = s.document_number(id=str(article_id))
        if docnum is None:
            raise ArticleNotFound(article_id)
        f = s.stored_fields(docnum)
        text = stored_text(f)
        terms = key_terms(s, f.get("title") or "", text)
        hits = []
        if terms:
            results = s.search(similar_query(terms), limit=max(limit, 1), mask={docnum})
            matcher = TermMatcher({t.lstrip(PART_PREFIX) for t, _ in terms})
            hits = [self._hit(rank, hit.docnum, hit.score, matcher, snippets, fragment_chars)
                    for rank, hit in enumerate(results, 1) if rank <= limit]
            total = len(results)
        else:
            total = 0
        out = SearchResults(query=f"similar:{article_id}", total=total, hits=hits,
                            limit=limit)
        out.seconds = time.perf_counter() - started
        return out

    def get(self, article_id):
        """The stored article with this id; raise ArticleNotFound."""
        fields_ = self._searcher.document(id=str(article_id))
        if fields_ is None:
            raise ArticleNotFound(article_id)
        return (article_from_stored(fields_),
                self.names("person").apply(_split(fields_.get("persons"))),
                self.names("place").apply(_split(fields_.get("places"))))

    def facet_values(self, kind, text=None, prefix=None, limit=50):
        """Values of a facet with article counts, over a query's matches or all articles."""
        if kind not in FACET_FIELDS and kind != "source":
            raise BadOption("facet", kind, "use person, place or source")
        docs = None
        if text and text.strip():
            docs = set(self._searcher.docs_for_query(self.parse(text).query))
        if kind == "source":
            return browse_sources(self.sources(), docs, prefix=prefix, n=limit)
        return self.columns(kind).browse(docs, prefix=prefix, n=limit)

    # ------------------------------------------------------------ outlets, dates, all matches

    def sources(self):
        """The facet column of the articles' ``source`` (outlets), from the index folder's
        cache of this commit or built from the field's postings (:mod:`search.sources`)."""
        if "source" not in self._raw_columns:
            self._raw_columns["source"] = self._load_columns("source")
        return self._raw_columns["source"]

    def resolve_sources(self, names):
        """The outlets that source filter ``names`` mean (any matches); raise UnknownName."""
        return resolve_sources(self.sources(), names) if names else []

    def date_column(self):
        """Every article's date and its precision (:class:`search.timeline.DateColumn`)."""
        if self._timeline is None:
            from search.timeline import DateColumn
            self._timeline = DateColumn.load(self)
        return self._timeline

    def _dates_facet(self, ids, filters, since, until):
        """The ``dates`` facet: matching articles per month, the date filter ignored."""
        from search.timeline import month_facet

        keep = _intersect([d for d in filters if d is not None])
        if keep is not None:
            ids = ids[np.isin(ids, np.fromiter(keep, dtype=np.int64, count=len(keep)))]
        return month_facet(self.date_column(), ids, since, until)

    def matching(self, text=None, *, since=None, until=None, person=(), place=(), source=(),
                 sort=None, fuzzy=False, relax=True):
        """Every article :meth:`search` counts in its ``total``, as a :class:`Matches`.

        With ``sort`` (``relevance``, ``date``, ``date-asc``) the document numbers are
        in the order of :meth:`search`'s hits (for a question, the answer boost applies
        among the first ``answer_depth`` as on a first page); without, in index order,
        unscored: what a count over them (a timeline) needs.
        """
        if sort is not None and sort not in SORTS:
            raise BadOption("sort", sort, f"use one of {', '.join(SORTS)}")
        person = [self._resolve("person", n) for n in person or ()]
        place = [self._resolve("place", n) for n in place or ()]
        source = self.resolve_sources(source)
        filters = {"person": person, "place": place, "source": source,
                   "since": since, "until": until}
        if text and text.strip():
            parsed = self.parse(text, fuzzy=fuzzy)
            q = parsed.query
        elif person or place or source or since or until:
            parsed, q = None, wq.Every()
            if sort == "relevance":
                sort = "date"
        else:
            parsed = self.parse(text)  # raises EmptyQuery with the right message
            q = parsed.query
        ids, scores = self.ranker.ranked(q)
        if sort == "relevance" and parsed is not None and parsed.keywords:
            ids, scores = self.ranker.rank_keywords(
                parsed.keywords, ids, scores,
                entities=[self._named(kw) for kw in parsed.keywords])
        keep = np.ones(len(ids), dtype=bool)
        if since or until:
            # The date column answers search.query.date_filter's question without reading the
            # date postings (0.9 s a call on 41,000 articles).
            keep &= self.date_column().in_range(since, until)[ids]
        for docs in (_intersect([self.columns("person").docs_for(n) for n in person]),
                     _intersect([self.columns("place").docs_for(n) for n in place]),
                     source_docs(self.sources(), source) if source else None):
            if docs is not None:
                keep &= np.isin(ids, np.fromiter(docs, dtype=np.int64, count=len(docs)))
        ids, scores = ids[keep], scores[keep]
        if not len(ids) and relax and parsed is not None:
            loose = loosened(text)
            if loose:
                try:
                    out = self.matching(loose, since=since, until=until, person=person,
                                        place=place, source=source, sort=sort, fuzzy=fuzzy,
                                        relax=False)
                except FundstelleError:
                    out = None
                if out is not None and len(out.docnums):
                    out.query, out.relaxed_query = text, loose
                    return out
        if sort is not None:
            key = None if sort == "relevance" else \
                self._date_column() * (1 if sort == "date" else -1)
            ranked = top(ids, scores, len(ids), key=key)
            kind = answer_kind(text) if key is None and self.settings.answer_boost \
                and parsed else None
            if kind:
                depth = self.settings.answer_depth
                ranked = self._answers_first(ranked[:depth], kind) + ranked[depth:]
            ids = np.array([d for d, _ in ranked], dtype=np.int64)
            scores = np.array([s for _, s in ranked], dtype=np.float64)
        return Matches(query=text or "", docnums=ids, scores=scores, parsed=parsed,
                       filters=filters, sort=sort)

    def period_counts(self, text, by, **filters):
        """One timeline series: matches per period (:func:`search.timeline.period_counts`)."""
        from search.timeline import period_counts
        return period_counts(self, text, by, **filters)

    def hit(self, rank, docnum, score, matches, snippets=1, fragment_chars=260):
        """The :class:`~search.results.Hit` of one of ``matches``'s documents, with
        snippets of its query: to go through every match one at a time."""
        if matches.matcher is None:
            matches.matcher = self._term_matcher(matches.parsed) if matches.parsed \
                else TermMatcher(())
        return self._hit(rank, docnum, score, matches.matcher, snippets, fragment_chars)


class Matches:
    """All articles a search matches (:meth:`SearchEngine.matching`): document numbers
    (a NumPy array) with their scores, the parsed query and the resolved filters."""

    def __init__(self, query, docnums, scores, parsed, filters, sort=None):
        self.query, self.docnums, self.scores = query, docnums, scores
        self.parsed, self.filters, self.sort = parsed, filters, sort
        self.relaxed_query = None
        self.matcher = None

    def __len__(self):
        return len(self.docnums)


def _within(base, *filters):
    """``base`` narrowed by each of the other facets' article sets that is given."""
    for docs in filters:
        if docs is not None:
            base = base & docs
    return base


def _complete(cols):
    """Add what is kept with a facet column's cache and not built with it: the folded
    names (name resolution and the curation match them) and the automatic merges under
    their rule (``_automatic``: lone surnames of persons, aliases of places); True when
    something was added."""
    added = False
    if not cols.has_folded():
        cols._folded_index()
        added = True
    kind = next((k for k, field in FACET_FIELDS.items() if field == cols.fieldname), None)
    if kind is None:  # the sources' column: nothing merged automatically
        return added
    rule = automatic_rule(kind)
    if getattr(cols, "_automatic", (None,))[0] != rule:
        if kind == "person":
            merges = surname_merges(cols.values, cols.docs_of, cols._folded_index())
        else:
            merges = alias_merges(cols.values, cols._folded_index())
        cols._automatic = (rule, merges)
        added = True
    return added


def _name_key(word):
    """The first three letters of a word as its stem spells them (``Söder``, ``Soeder``: sod)."""
    # An ASCII word folds to its lowercase: no Unicode decomposition needed.
    return _umlauts_short(word.lower() if word.isascii() else fold_diacritics(word))[:3]


def _words_of_names(columns, key, start=""):
    """{stem of a word of a facet value: value ids}, for the words under one :func:`_name_key`
    (``Jens Spahn`` under ``spahn`` with key ``spa``) whose stem begins with ``start``.

    Only the values whose folded name holds ``key`` where a word can begin are split into
    words (:func:`_values_holding`): a word's key is part of its name's folded form,
    umlauts spelled as in :func:`_name_key`. Keying every word of every value first took
    0.3-0.7 s of a cold two-word search on full FANG (61,000 persons). With ``start``
    the folded name must hold its beginning: Snowball leaves a stem a beginning of its
    word (umlauts without dots, ``ß`` as ``ss``), and up to its first a, o or u a stem
    is spelled in its word's folded form as in its own (then an umlaut adds an e, which
    ``_umlauts_short`` may take out or not). ``sch`` holds 2,700 persons on full FANG,
    ``schikan`` none.
    """
    values = columns.values
    folded = fold_diacritics(start)
    vowel = min((at for at in map(folded.find, "aou") if at >= 0), default=len(folded))
    probe = max(folded[:vowel + 1], key, key=len)
    out = {}
    # A word beginning with an ASCII capital has a key beginning with that letter: the
    # other words are not folded. Names share words (first names): each is stemmed once.
    first = key[:1]
    capital = first.upper() if "a" <= first <= "z" else None
    stems = {}
    vids = _values_holding(columns, key, probe)
    for vid, words in zip(vids, map(WORD_RE.findall, map(values.__getitem__, vids))):
        for word in words:
            c = word[0]
            if (c == capital or (c >= "\x80" or not first) and c.isupper()) and len(word) > 2:
                stem = stems.get(word, stems)
                if stem is stems:
                    stem = stems[word] = stem_word(word) if _name_key(word) == key else None
                    if stem is not None and not stem.startswith(start):
                        stem = stems[word] = None
                if stem is not None:
                    out.setdefault(stem, []).append(vid)
    return out


def _shared_start(a, b):
    """How many letters ``a`` and ``b`` begin with alike (``dan``, ``danemark``: 3)."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _values_holding(columns, key, probe=None):
    """The value ids (ascending) whose folded name, spelled as :func:`_name_key` spells
    a word, holds ``probe`` (by default ``key``) where a word can begin: at its start or
    after a character that is no letter or digit; and those holding ``key`` anywhere
    that have a character folding may join to the word before.

    A word (``WORD_RE``) follows no letter or digit, and a character that is neither
    folds to itself when it is ASCII, so in such a value a word's key stands after
    no letter or digit in the folded text as well. A value with another character
    that is neither (``’``, a combining accent, ``™``, a soft hyphen) keeps every
    place that holds the key. Words are split only in the values found.
    """
    keyed = getattr(columns, "_name_key_text", None)
    if keyed is None:
        found = columns.folded_text()
        if found is None:  # a folded name holds a line break (no word does)
            found = "\n".join(f.replace("\n", " ") for f in columns._folded_index()), "\n"
        text, sep = _umlauts_short(found[0]), found[1]
        # Where each value's text ends, to turn what a search finds into value ids.
        parts = text.split(sep)
        ends = np.cumsum(np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)) + 1)
        joinable = [vid for vid, value in enumerate(columns.values)
                    if not value.isascii() and _JOINABLE(value)]
        keyed = columns._name_key_text = (text, ends, joinable)
    text, ends, joinable = keyed
    if not columns.values:
        return []
    if not key:
        return range(len(columns.values))
    probe = probe or key
    starts, at = [], text.find(probe)
    while at >= 0:
        if not at or not text[at - 1].isalnum():
            starts.append(at)
        at = text.find(probe, at + 1)
    vids = set(np.searchsorted(ends, starts, side="right").tolist())
    for vid in joinable:
        if vid not in vids and key in text[int(ends[vid - 1]) if vid else 0:int(ends[vid]) - 1]:
            vids.add(vid)
    return sorted(vids)


#: A character that is neither ASCII nor a letter or digit (see :func:`_values_holding`).
_JOINABLE = re.compile(r"[^\w\x00-\x7f]").search


def _umlauts_short(folded):
    """Umlauts spelled as :func:`_name_key` spells them (``soeder``: ``soder``)."""
    return folded.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _typed_parts(words, stems):
    """{stem: the part as typed} of the compound parts of typed ``words`` among ``stems``.

    >>> _typed_parts(["Hochwasser"], {"hoch", "wass"})
    {'hoch': 'hoch', 'wass': 'wasser'}
    """
    out = {}
    if not stems:
        return out
    for word in words:
        for part in _SPLITTER.parts(strip_invisible(word).lower()):
            stem = stem_word(part.text)
            if stem in stems:
                out.setdefault(stem, part.text)
    return out


def _intersect(sets):
    if not sets:
        return None
    out = set(sets[0])
    for s in sets[1:]:
        out &= s
    return out


def _split(value):
    return [v for v in (value or "").split(",") if v]
