"""The web app's one door to the search library: every call into ``search`` goes through here.

Each method returns the dict the JSON API sends (the same object the CLI prints
with ``--format json``); the pages render those same dicts. Keeping the engine
behind this one class means it can later be switched to the library's single
entry point without touching the routes or templates.

A ``SearchEngine`` is not safe to share between threads (its searcher, caches
and the bulk scorer's arrays change during a query), so one lock serialises
the calls of a process; on two cores more throughput comes from
``fundstelle serve --workers 2`` (one engine per process), not from threads.
"""

import json
import os
import re
import threading
import time

from index.errors import FundstelleError, QueryError
from index.store import IndexStore, while_writers_commit
from search.engine import SearchEngine
from search.snippets import highlight_ranges

#: Seconds between two checks for a new commit of the index (a folder listing each).
REFRESH_EVERY = 1.0


class ParameterError(QueryError):
    """A request parameter that is missing, malformed or out of range."""


class Library:
    """One open index, used by every request of this process.

    >>> lib = Library("fundstelle-index")                    # doctest: +SKIP
    >>> lib.search(q="Hochwasser", person=["Söder"])["total"]  # doctest: +SKIP
    2
    """

    def __init__(self, index_path, refresh_every=REFRESH_EVERY):
        self.index_path = str(index_path)
        self.refresh_every = refresh_every
        self._lock = threading.Lock()
        self._engine = SearchEngine(self.index_path)
        self._checked = time.monotonic()
        self._stats = (None, None)  # (generation, stats dict)

    def close(self):
        """Release the index's files."""
        with self._lock:
            self._engine.close()

    def _current(self):
        """The engine, refreshed to the newest commit at most once every ``refresh_every`` s.

        Called with the lock held. A commit beside us may delete the table of
        contents being opened (retried); an index rebuilt from scratch is opened anew.
        """
        now = time.monotonic()
        if now - self._checked >= self.refresh_every:
            self._checked = now
            try:
                while_writers_commit(self._engine.refresh, tries=50)
            except FundstelleError:
                raise
            except Exception:  # the old files are gone (a rebuild): open the new index
                old = self._engine
                self._engine = while_writers_commit(SearchEngine, self.index_path, tries=50)
                try:
                    old.close()
                except Exception:
                    pass
        return self._engine

    def article_count(self):
        """How many articles the current commit holds (cheap, unlike :meth:`stats`)."""
        with self._lock:
            return self._current().searcher.doc_count()

    def generation(self):
        """The commit this process currently searches."""
        with self._lock:
            return self._current().searcher.reader().generation()

    # ------------------------------------------------------------ the API's objects

    def search(self, q=None, *, limit=10, offset=0, sort="relevance", since=None, until=None,
               person=(), place=(), facets=10, snippets=2):
        """A result page as ``fundstelle search --format json`` prints it."""
        if not (q and q.strip()) and not (person or place or since or until):
            raise ParameterError("give a query (q), or person/place/since/until to list "
                                 "articles")
        with self._lock:
            results = self._current().search(q, limit=limit, offset=offset, sort=sort,
                                              since=since, until=until, person=person,
                                              place=place, facets=facets, snippets=snippets)
        return _plain(results.to_dict())

    def article(self, article_id, q=None):
        """An article as ``fundstelle show --format json`` prints it.

        With a query ``q``, ``title_matches`` and ``text_matches`` hold the
        character ranges of its words in the title and the text.
        """
        with self._lock:
            engine = self._current()
            article, persons, places = engine.get(article_id)
            matches = None
            if q and q.strip():
                try:
                    matcher = engine._term_matcher(engine.parse(q))
                except QueryError:
                    matcher = None  # a query that cannot be parsed highlights nothing
                if matcher is not None:
                    matches = (highlight_ranges(article.title or "", matcher),
                               highlight_ranges(article.text or "", matcher))
        d = article.to_dict()
        d["date_precision"] = article.date.precision if article.date else None
        d["persons"], d["places"] = persons, places
        if matches is not None:
            d["query"] = q
            d["title_matches"] = [list(m) for m in matches[0]]
            d["text_matches"] = [list(m) for m in matches[1]]
        return _plain(d)

    def similar(self, article_id, *, limit=10, snippets=1):
        """Articles like this one, as ``fundstelle similar --format json`` prints them."""
        with self._lock:
            results = self._current().similar(article_id, limit=limit, snippets=snippets)
        return _plain(results.to_dict())

    def facets(self, kind, q=None, *, prefix=None, limit=50):
        """A facet's values, as ``fundstelle facets KIND --format json`` prints them."""
        with self._lock:
            values = self._current().facet_values(kind, q, prefix=prefix, limit=limit)
        return _plain({"facet": kind, "query": q, "prefix": prefix,
                       "values": [v.to_dict() for v in values]})

    def stats(self):
        """What ``fundstelle stats --format json`` prints, computed once per commit.

        It reads every stored article (seconds on a large index), so it runs
        outside the engine's lock and is kept until the next commit.
        """
        generation = self.generation()
        cached_generation, cached = self._stats
        if cached is not None and cached_generation == generation:
            return cached
        stats = while_writers_commit(lambda: IndexStore.open(self.index_path).stats(),
                                     tries=50)
        stats["generation"] = generation
        self._stats = (generation, stats)
        return stats

    def batch(self, lines, *, limit=10, sort="relevance", since=None, until=None, person=(),
              place=(), snippets=0, facets=0):
        """Answer JSON Lines queries ``{"id", "text"}``: one dict per non-blank line, in order.

        Like ``fundstelle search --batch``: a line that is not such an object,
        or whose query fails, gets ``{"id", "error": {"kind", "message"}}`` and
        the other lines are still answered. The lock is taken per line, so
        other requests are served between the lines of a long batch.
        """
        for line_no, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
                if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                    raise ValueError('expected {"id": ..., "text": "..."}')
            except (ValueError, UnicodeDecodeError) as exc:
                yield {"id": None, "line": line_no,
                       "error": {"kind": "bad_line", "message": f"line {line_no}: {exc}"}}
                continue
            qid = item.get("id")
            try:
                with self._lock:
                    results = self._current().search(
                        item["text"], limit=limit, sort=sort, since=since, until=until,
                        person=person, place=place, facets=facets, snippets=snippets)
            except FundstelleError as exc:
                yield {"id": qid, "error": {"kind": error_kind(exc), "message": str(exc)}}
                continue
            out = {"id": qid, "total": results.total,
                   "hits": [_batch_hit(h, snippets) for h in results.hits]}
            if results.relaxed_query:
                out["relaxed_query"] = results.relaxed_query
            if facets:
                out["facets"] = results.to_dict()["facets"]
            yield _plain(out)

    def warm(self):
        """Load what the first search would (facet columns, date column), so it is not slow."""
        with self._lock:
            engine = self._current()
            engine.columns("person")
            engine.columns("place")
            engine._date_column()


def _batch_hit(hit, snippets):
    """A hit of a batch answer, as ``fundstelle search --batch`` writes it."""
    d = {"id": hit.id, "score": round(hit.score, 4), "rank": hit.rank, "title": hit.title,
         "date": hit.date}
    if snippets:
        d["snippets"] = [s.to_dict() for s in hit.snippets]
    return d


def error_kind(exc):
    """A short name for an error class: ``EmptyQuery`` → ``empty_query``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def _plain(data):
    """``data`` as JSON would give it back (tuples as lists), so page and API see one thing."""
    return json.loads(json.dumps(data))


def index_path_from_env():
    """The index folder named by ``FUNDSTELLE_INDEX`` (what ``fundstelle --index`` sets)."""
    from index.store import ENV_INDEX, default_index_path
    return os.environ.get(ENV_INDEX) or default_index_path()
