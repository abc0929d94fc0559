"""The web app's one door to the search library: every call goes through a :class:`search.Archive`.

Each method returns the dict the JSON API sends (the same object the CLI prints
with ``--format json``, made by the same Archive method); the pages render
those same dicts.

An Archive is not safe to share between threads (its searcher, caches and the
bulk scorer's arrays change during a query), so one lock serialises the calls
of a process; on two cores more throughput comes from ``fundstelle serve
--workers 2`` (one Archive per process), not from threads.

Search answers are kept in a :class:`web.cache.ResponseCache` (per process) under
the normalised request, the commit and the curation file's state: a repeated
search is answered without the lock, from the same bytes.
"""

import os
import re
import threading
import time

from search.archive import Archive
from search.curation import curation_state
from search.errors import ParameterError
from search.render import safe_json
from web.cache import DEFAULT_MB, ResponseCache

#: Seconds between two checks for a new commit of the index (a folder listing each).
REFRESH_EVERY = 1.0

__all__ = ["Library", "ParameterError", "error_kind", "index_path_from_env"]


class Library:
    """One open index, used by every request of this process.

    >>> lib = Library("fundstelle-index")                    # doctest: +SKIP
    >>> lib.search(q="Hochwasser", person=["Söder"])["total"]  # doctest: +SKIP
    2
    """

    def __init__(self, index_path, refresh_every=REFRESH_EVERY, cache_mb=DEFAULT_MB):
        self.index_path = str(index_path)
        self.refresh_every = refresh_every
        self._lock = threading.Lock()
        self._archive = Archive(self.index_path)
        self._archive.engine  # noqa: B018 -- open now: a missing index fails at start
        self._searcher = _searcher_of(self._archive)
        self._generation = (0, self._archive.generation())  # (searchers opened, commit)
        self._checked = time.monotonic()
        self._stats = (None, None)  # (generation, stats dict)
        #: Search answers by request (``cache_mb`` MB of them; 0: none kept).
        self.cache = ResponseCache(max_bytes=int(cache_mb * (1 << 20)))

    def close(self):
        """Release the index's files."""
        with self._lock:
            self._archive.close()

    def _current(self):
        """The Archive, refreshed to the newest commit at most once every ``refresh_every`` s.

        Called with the lock held.
        """
        now = time.monotonic()
        if now - self._checked >= self.refresh_every:
            self._checked = now
            self._archive.refresh()
            searcher = _searcher_of(self._archive)
            if searcher is not self._searcher:
                # Counted too: an index rebuilt from scratch may reach the same commit number.
                self._searcher = searcher
                self._generation = (self._generation[0] + 1, self._archive.generation())
        return self._archive

    def _state(self):
        """What a search's answer depends on besides its request: the commit searched
        (refreshed first when due, as a search would) and the curation file."""
        if time.monotonic() - self._checked >= self.refresh_every:
            with self._lock:
                self._current()
        return self._generation, curation_state(self.index_path)

    def article_count(self):
        """How many articles the current commit holds (cheap, unlike :meth:`stats`)."""
        with self._lock:
            return self._current().article_count()

    def generation(self):
        """The commit this process currently searches."""
        with self._lock:
            return self._current().generation()

    # ------------------------------------------------------------ the API's objects

    def search(self, q=None, **options):
        """A result page as ``fundstelle search --format json`` prints it (agency copies
        collapsed unless ``collapse`` is False). Treat it as read-only: it may be the
        cached answer of an earlier request."""
        return self.search_answer(q, **options)[0]

    def search_json(self, q=None, **options):
        """:meth:`search`'s answer encoded as the API sends it (UTF-8 JSON and a newline);
        equal requests get the same bytes while the index does not change."""
        return self.search_answer(q, **options)[1]

    def cached_json(self, q=None, *, limit=10, offset=0, sort="relevance", since=None,
                    until=None, person=(), place=(), source=(), facets=10, snippets=2,
                    collapse=True):
        """The kept bytes of :meth:`search_json` for this request, or None; never waits
        (when a check for a new commit is due and a search holds the lock, None), so the
        server's event loop may ask it before handing a request to a thread."""
        if not self.cache.enabled:
            return None
        if time.monotonic() - self._checked >= self.refresh_every:
            if not self._lock.acquire(blocking=False):
                return None
            try:
                self._current()
            finally:
                self._lock.release()
        key = _search_key(q, limit, offset, sort, since, until, person, place, source, facets,
                          snippets, collapse)
        state = self._generation, curation_state(self.index_path)
        cached = self.cache.get(state, key, count=False)  # a miss counts in search_answer
        return None if cached is None else cached[1]

    def search_answer(self, q=None, *, limit=10, offset=0, sort="relevance", since=None,
                      until=None, person=(), place=(), source=(), facets=10, snippets=2,
                      collapse=True):
        """``(data, body, cached)``: :meth:`search`'s dict and its encoding, from the
        cache (``cached`` True) when this request was answered before on the same
        commit and curation."""
        if not (q and q.strip()) and not (person or place or source or since or until):
            raise ParameterError("give a query (q), or person/place/source/since/until to "
                                 "list articles")
        key = _search_key(q, limit, offset, sort, since, until, person, place, source, facets,
                          snippets, collapse)
        cached = self.cache.get(self._state(), key)
        if cached is not None:
            return cached + (True,)
        with self._lock:
            archive = self._current()
            state = self._generation, curation_state(self.index_path)
            # Several clients asking the same new question at once: the first answers it.
            cached = self.cache.get(state, key, count=False)
            if cached is not None:
                return cached + (True,)
            data = archive.search(q, limit=limit, offset=offset, sort=sort, since=since,
                                  until=until, person=person, place=place, source=source,
                                  facets=facets, snippets=snippets, collapse=collapse)
        body = (safe_json(data) + "\n").encode("utf-8")
        self.cache.put(state, key, data, body)
        return data, body, False

    def timeline(self, q=(), *, by="month", since=None, until=None, person=(), place=(),
                 source=(), compare=False):
        """Articles per period, as ``fundstelle timeline --format json`` prints it."""
        if not (q or person or place or source or since or until):
            raise ParameterError("give a query (q), or person/place/source/since/until to "
                                 "count articles")
        if len(q) > 1 and not compare:
            raise ParameterError("q given several times; give it once, or compare=1 for "
                                 "one series each")
        with self._lock:
            return self._current().timeline(list(q), by=by, since=since, until=until,
                                            person=person, place=place, source=source,
                                            compare=compare)

    def article(self, article_id, q=None):
        """An article as ``fundstelle show --format json`` prints it.

        With a query ``q``, ``title_matches`` and ``text_matches`` hold the
        character ranges of its words in the title and the text.
        """
        with self._lock:
            return self._current().article(article_id, q)

    def similar(self, article_id, *, limit=10, snippets=1):
        """Articles like this one, as ``fundstelle similar --format json`` prints them."""
        with self._lock:
            return self._current().similar(article_id, limit=limit, snippets=snippets)

    def facets(self, kind, q=None, *, prefix=None, limit=50):
        """A facet's values, as ``fundstelle facets KIND --format json`` prints them."""
        with self._lock:
            return self._current().facets(kind, q, prefix=prefix, limit=limit)

    def cooccurrence(self, kind, name, q=None, *, since=None, until=None, limit=20,
                     min_count=2):
        """Who appears with a person or place, as ``fundstelle cooccurrence --format json``."""
        with self._lock:
            return self._current().cooccurrence(kind, name, q, since=since, until=until,
                                                limit=limit, min_count=min_count)

    def stats(self):
        """What ``fundstelle stats --format json`` prints, computed once per commit.

        It reads every stored article (seconds on a large index), so it runs
        outside the lock and is kept until the next commit.
        """
        generation = self.generation()
        cached_generation, cached = self._stats
        if cached is not None and cached_generation == generation:
            return cached
        stats = Archive(self.index_path).stats()
        stats["generation"] = generation
        self._stats = (generation, stats)
        return stats

    def every_hit(self, q=None, *, sort="relevance", since=None, until=None, person=(),
                  place=(), source=(), snippets=1):
        """Every hit of a search, one dict at a time (``fundstelle search --all``).

        The search runs now (errors raise here); the lock is then taken per hit, so
        other requests are served while a long export is read.
        """
        if not (q and q.strip()) and not (person or place or source or since or until):
            raise ParameterError("give a query (q), or person/place/source/since/until to "
                                 "list articles")
        with self._lock:
            hits = self._current().iter_hits(q, sort=sort, since=since, until=until,
                                             person=person, place=place, source=source,
                                             snippets=snippets)
        while True:
            with self._lock:
                hit = next(hits, None)
            if hit is None:
                return
            yield hit

    def batch(self, lines, *, limit=10, sort="relevance", since=None, until=None, person=(),
              place=(), source=(), snippets=0, facets=0, collapse=True):
        """Answer JSON Lines queries ``{"id", "text"}``: one dict per non-blank line, in order.

        Like ``fundstelle search --batch`` (the same Archive method and answers),
        but blank lines get no answer. The lock is taken per line, so other
        requests are served between the lines of a long batch.
        """
        from search.errors import user_message

        with self._lock:
            answers = self._current().search_batch(
                lines, describe=user_message, skip_blank=True, limit=limit, sort=sort,
                since=since, until=until, person=person, place=place, source=source,
                facets=facets, snippets=snippets, collapse=collapse)
        while True:
            with self._lock:
                answer = next(answers, None)
            if answer is None:
                return
            yield answer

    def warm(self):
        """Load what the first search would (facet columns, date column), so it is not slow."""
        with self._lock:
            engine = self._current().engine
            engine.columns("person")
            engine.columns("place")
            engine.sources()
            engine.date_column()
            engine._date_column()


def _searcher_of(archive):
    """What a refresh replaces when the index changed: the searcher of one index, the
    engine of a sharded one (whose generation names every shard's commit)."""
    engine = archive.engine
    return getattr(engine, "searcher", engine)


def _search_key(q, limit, offset, sort, since, until, person, place, source, facets, snippets,
                collapse):
    """A search request as the cache's key: its parameters as ``search_options`` normalised
    them (defaults filled in, ``page`` made an offset), so the order and spelling of URL
    parameters do not matter; the order of names does (the answer's ``filters`` repeat it).
    """
    return (q, limit, offset, sort, since, until, tuple(person), tuple(place), tuple(source),
            facets, snippets, collapse)


def error_kind(exc):
    """A short name for an error class: ``EmptyQuery`` → ``empty_query``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def index_path_from_env():
    """The index folder named by ``FUNDSTELLE_INDEX`` (what ``fundstelle --index`` sets)."""
    from index.store import ENV_INDEX, default_index_path
    return os.environ.get(ENV_INDEX) or default_index_path()
