"""The one entry point to Fundstelle from Python: an index folder opened as an :class:`Archive`.

The command line, the web server and scripts all call these methods; each returns
the data that ``fundstelle COMMAND --format json`` prints for that command, as
plain dicts and lists (what ``json.loads`` of that output gives).

>>> from search import Archive                                        # doctest: +SKIP
>>> with Archive("fundstelle-index") as archive:                      # doctest: +SKIP
...     page = archive.search("Hochwasser", person=["Söder"], limit=3)
...     [hit["id"] for hit in page["hits"]]
['002_hochwasser-passau']

Errors are domain exceptions (:mod:`search.errors`, :mod:`index.errors`);
:func:`search.errors.user_message` words any of them for a person.
"""

import json

from index.errors import FundstelleError
from index.store import IndexStore, while_writers_commit

#: How often to retry opening when a commit beside us deletes the files being opened.
OPEN_TRIES = 50


class Archive:
    """An index folder, for searching, reading articles, counting facets and indexing.

    Opening is cheap: the index is read on the first call that needs it (so
    :meth:`check` works on an index too broken to search). Not safe to share
    between threads without a lock; use one Archive per thread or process.
    """

    def __new__(cls, path=None, *args, **kwargs):
        # One opener: a folder with a shard manifest opens as a ShardedArchive.
        if cls is Archive and path is not None:
            from cluster.manifest import is_sharded
            if is_sharded(path):
                from cluster.archive import ShardedArchive
                return super().__new__(ShardedArchive)
        return super().__new__(cls)

    def __init__(self, path, settings=None):
        """``settings``: the ranking's :class:`~search.settings.RankingSettings` (default:
        the shipped ones), for scripts and benchmarks that compare variants."""
        self.path = str(path)
        self.settings = settings
        self._engine = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"Archive({self.path!r})"

    def close(self):
        """Release the index's files (the Archive opens them again when used)."""
        if self._engine is not None:
            engine, self._engine = self._engine, None
            engine.close()

    @property
    def engine(self):
        """The :class:`~search.engine.SearchEngine` behind this Archive, opened on first use."""
        if self._engine is None:
            from search.engine import SearchEngine
            args = (self.path,) if self.settings is None else (self.path, self.settings)
            self._engine = while_writers_commit(SearchEngine, *args, tries=OPEN_TRIES)
        return self._engine

    def refresh(self):
        """Search the newest commit from now on; an index rebuilt from scratch is opened anew."""
        if self._engine is None:
            return
        try:
            while_writers_commit(self._engine.refresh, tries=OPEN_TRIES)
        except FundstelleError:
            raise
        except Exception:  # the old files are gone (a rebuild): open the new index
            old, self._engine = self._engine, None
            self.engine  # noqa: B018 -- opens the new index
            try:
                old.close()
            except Exception:
                pass

    def generation(self):
        """The commit this Archive currently searches."""
        return self.engine.searcher.reader().generation()

    def article_count(self):
        """How many articles the current commit holds (cheap, unlike :meth:`stats`)."""
        if self._engine is None:
            return IndexStore.open(self.path).doc_count()
        return self.engine.searcher.doc_count()

    # ------------------------------------------------------------ searching

    def search(self, query=None, *, limit=10, offset=0, sort="relevance", since=None,
               until=None, person=(), place=(), source=(), facets=10, snippets=2,
               collapse=True):
        """A page of hits as ``fundstelle search --format json`` prints it.

        ``query`` may be None when ``person``, ``place``, ``source``, ``since`` or
        ``until`` filter: then every article passing the filters matches. Dates are
        ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ``sort`` is ``relevance``,
        ``date`` or ``date-asc``; ``facets`` is how many persons, places and
        sources to count (with ``dates``, articles per month), ``snippets`` how many
        fragments a hit gets. Every ``person`` and ``place`` must match, any
        ``source`` (outlets, case-insensitive). With ``collapse``, each group of
        agency copies is one hit whose ``duplicates`` name the others (``groups``
        counts the matches so); ``total`` and facets count articles.
        """
        return _plain(self.search_results(query, limit=limit, offset=offset, sort=sort,
                                          since=since, until=until, person=person,
                                          place=place, source=source, facets=facets,
                                          snippets=snippets, collapse=collapse).to_dict())

    def search_results(self, query=None, **options):
        """:meth:`search` as a :class:`~search.results.SearchResults` (for the text renderers)."""
        return self.engine.search(query, **options)

    def search_batch(self, lines, *, describe=None, skip_blank=False, **options):
        """Answer JSON Lines queries ``{"id", "text"}`` in order, one dict per line.

        Each answer is :meth:`search`'s dict with ``id`` in front, or for a
        line that is not such an object or whose query fails, ``{"id", "line",
        "error": {"kind", "message"}}``; every line is answered (blank ones
        too, unless ``skip_blank``). ``describe(exc)`` words an error (default:
        :func:`search.errors.user_message`); ``options`` are :meth:`search`'s.
        """
        from search.batch import run_batch
        from search.errors import user_message

        options.setdefault("collapse", True)  # as search() does
        for out in run_batch(self.engine, lines, describe=describe or user_message,
                             skip_blank=skip_blank, **options):
            yield _plain(out)

    def similar(self, article_id, *, limit=10, snippets=1):
        """Articles like this one, as ``fundstelle similar --format json`` prints them."""
        return _plain(self.similar_results(article_id, limit=limit,
                                           snippets=snippets).to_dict())

    def similar_results(self, article_id, **options):
        """:meth:`similar` as a :class:`~search.results.SearchResults`."""
        return self.engine.similar(article_id, **options)

    def article(self, article_id, query=None):
        """An article as ``fundstelle show --format json`` prints it; raise ArticleNotFound.

        With a ``query``, ``title_matches`` and ``text_matches`` hold the
        character ranges of its words in the title and the text (none for a
        query that cannot be parsed).
        """
        from search.errors import QueryError
        from search.snippets import highlight_ranges

        engine = self.engine
        article, persons, places = engine.get(article_id)
        d = article.to_dict()
        d["date_precision"] = article.date.precision if article.date else None
        d["persons"], d["places"] = persons, places
        d["copies"] = engine.copies(article_id)
        if query and query.strip():
            try:
                matcher = engine._term_matcher(engine.parse(query))
            except QueryError:
                matcher = None
            if matcher is not None:
                d["query"] = query
                d["title_matches"] = [list(m) for m in
                                      highlight_ranges(article.title or "", matcher)]
                d["text_matches"] = [list(m) for m in
                                     highlight_ranges(article.text or "", matcher)]
        return _plain(d)

    def facets(self, kind, query=None, prefix=None, limit=50):
        """Persons, places or sources with article counts, as ``fundstelle facets --format json``.

        ``kind`` is ``person``, ``place`` or ``source``; with a ``query`` the counts cover
        its hits, else all articles; ``prefix`` keeps names with a word
        starting so (case and accents ignored).
        """
        values = self.engine.facet_values(kind, query, prefix=prefix, limit=limit)
        return _plain({"facet": kind, "query": query, "prefix": prefix,
                       "values": [v.to_dict() for v in values]})

    # ------------------------------------------------------------ over time, and every hit

    def timeline(self, query=None, *, by="month", since=None, until=None, person=(), place=(),
                 source=(), compare=False):
        """Matching articles per period, as ``fundstelle timeline --format json`` prints it.

        ``by`` is ``day``, ``week`` (ISO), ``month`` or ``year``; ``query`` a string or
        a list of them (several only with ``compare``: see
        :func:`search.timeline.timeline`). Each series has ``rows`` of ``{period,
        count}`` with empty periods 0, and ``left_out`` (articles dated too coarsely
        for the grouping, or undated).
        """
        from search.timeline import timeline

        queries = [query] if isinstance(query, str) else list(query or ())
        return _plain(timeline(self.engine, queries, by=by, since=since, until=until,
                               person=person, place=place, source=source, compare=compare))

    def iter_hits(self, query=None, *, sort="relevance", since=None, until=None, person=(),
                  place=(), source=(), snippets=1):
        """Every hit of a search, in :meth:`search`'s order, one dict at a time.

        For export: the hits are made one by one as they are read (stored fields,
        snippets), so a search matching the whole archive is never held in memory.
        Each dict is a hit of :meth:`search`; nothing is yielded for no hits. The
        search runs at the call, so a bad query or filter raises there, before the
        first hit is asked for.
        """
        engine = self.engine
        matches = engine.matching(query, since=since, until=until, person=person,
                                  place=place, source=source, sort=sort)

        def hits():
            for rank, (docnum, score) in enumerate(zip(matches.docnums.tolist(),
                                                       matches.scores.tolist()), 1):
                yield _plain(engine.hit(rank, docnum, score, matches,
                                        snippets=snippets).to_dict())

        return hits()
    # ------------------------------------------------------------ investigating

    def cooccurrence(self, kind, name, query=None, *, since=None, until=None, person=(),
                     place=(), limit=20, min_count=2):
        """Who appears with a person or place, as ``fundstelle cooccurrence --format json``.

        ``kind`` is ``person`` or ``place``; counts cover the articles matching
        ``query`` and the filters (all articles without them). Rows ``{name,
        kind, count, total, score}``, best score first; the score is explained in
        :mod:`search.cooccurrence` (signed log-likelihood G²).
        """
        from search.cooccurrence import cooccurring
        return _plain(cooccurring(self.engine, kind, name, query, since=since, until=until,
                                  person=person, place=place, limit=limit,
                                  min_count=min_count))

    def watch_add(self, name, query=None, *, since=None, until=None, person=(), place=()):
        """Save a search as watch ``name``; its first run shows what is added from now on."""
        from search.watch import add_watch
        return _plain(add_watch(self.engine, name, query, since=since, until=until,
                                person=person, place=place))

    def watch_list(self):
        """The saved watches, as ``fundstelle watch list --format json``."""
        from search.watch import list_watches
        return _plain(list_watches(self.path))

    def watch_remove(self, name):
        """Delete watch ``name``; raise WatchNotFound."""
        from search.watch import remove_watch
        return _plain(remove_watch(self.path, name))

    def watch_run(self, name=None, *, snippets=1, remember=True):
        """Run watch ``name`` (or all): the hits among articles added since each last ran,
        as ``fundstelle watch run --format json``; each then starts from here next time."""
        from search.watch import run_watches
        return _plain(run_watches(self.engine, name, snippets=snippets, remember=remember))

    # ------------------------------------------------------------ the index itself

    def stats(self):
        """Counts, date range, sources and size, as ``fundstelle stats --format json``."""
        return while_writers_commit(lambda: IndexStore.open(self.path).stats(),
                                    tries=OPEN_TRIES)

    def check(self):
        """Read every segment and look for problems, as ``fundstelle check --format json``.

        ``ok`` is False when there is a problem; each names what is wrong and the fix.
        """
        from index.check import check_index
        return check_index(self.path).to_dict()

    @staticmethod
    def analyze(text):
        """How German text is analysed, as ``fundstelle analyze --format json``.

        One dict a token: its ``term``, position ``pos``, ``start``/``end``
        offsets and the ``surface`` text they span.

        >>> [(t["surface"], t["term"]) for t in Archive.analyze("Die Hauptbahnhöfe")]
        [('Hauptbahnhöfe', 'hauptbahnhof')]
        """
        from index.analysis import german_analyzer

        return [{"term": t.text, "pos": t.pos, "start": t.startchar, "end": t.endchar,
                 "surface": text[t.startchar:t.endchar]}
                for t in german_analyzer()(text, positions=True, chars=True)]

    @staticmethod
    def entities(paths, report=None):
        """The persons and places of the articles under ``paths`` (no index needed).

        Yields ``{"id", "persons", "places"}`` an article, as ``fundstelle
        entities`` prints them; ``report(item)`` gets each ArticleError and
        warning. Raises NoEntityModel when no model is installed.
        """
        from index.build import load_extractor
        from index.errors import ArticleError, NoEntityModel
        from index.ingest import Warning_, read_articles

        extractor = load_extractor()
        if extractor is None:
            raise NoEntityModel()
        for item in read_articles([str(p) for p in paths]):
            if isinstance(item, (ArticleError, Warning_)):
                if report is not None:
                    report(item)
                continue
            found = extractor.extract(item.title, item.text)
            yield {"id": item.id, "persons": list(found.persons),
                   "places": list(found.places)}

    @classmethod
    def index(cls, path, paths, **options):
        """Index the articles under ``paths`` into the index folder ``path``.

        ``options`` are :func:`index.build.index_paths`'s (``entities``,
        ``prune``, ``rebuild``, ``procs``, ``progress``, ``report``, ...).
        Returns the run's :class:`~index.store.IndexSummary` (``to_dict()`` for
        JSON); a run that cannot write raises IndexWriteFailed or one of its kinds.
        With ``shards`` N > 1 (or on a sharded index, or with ``cluster``, an
        address or ``local``), :func:`cluster.build.index_sharded` writes a sharded
        index; ``shards=1`` is an ordinary index.
        """
        from cluster.manifest import is_sharded

        shards, cluster = options.pop("shards", None), options.pop("cluster", None)
        if (shards or 1) > 1 or cluster or is_sharded(path):
            from cluster.build import index_sharded
            return index_sharded(str(path), [str(p) for p in paths], shards=shards,
                                 cluster=cluster, **options)
        from index.build import index_paths
        return index_paths(str(path), [str(p) for p in paths], **options)


def _plain(data):
    """``data`` as JSON gives it back (tuples as lists), so every caller sees one shape."""
    return json.loads(json.dumps(data))
