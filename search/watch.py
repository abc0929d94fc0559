"""Saved searches: what a query finds among the articles added since it last ran.

A watch is a name, a query and filters, kept in the index folder
(``watches.json``, :data:`index.arrivals.WATCHES_FILE`), with the last arrival
(:mod:`index.arrivals`: the number of the commit that added an article) it has
seen. Running it searches only the articles that arrived after that one, by
when they were indexed, not by their date: an old article indexed today is
new. A new watch starts at the newest arrival, so its first run shows what
came in since it was added. ``fundstelle index --rebuild`` keeps the articles'
arrivals and the watches, so a rebuild makes nothing new.

The file is replaced whole under the index folder's curation lock (the one a
rebuild holds while it swaps folders), so a watch run during a rebuild is not
lost.

>>> with Archive("fundstelle-index") as archive:                       # doctest: +SKIP
...     archive.watch_add("impf", "Impfstoff", person=["Spahn"])
...     archive.watch_run("impf")["watches"][0]["new"]
0
"""

import json
import os
import re
import time

import numpy as np

from index.arrivals import WATCHES_FILE, Arrivals
from index.curation_file import curation_lock
from index.errors import FundstelleError
from search.errors import BadOption, UnknownName
from search.scope import matching
from search.snippets import TermMatcher

#: Exit status of ``fundstelle watch run`` when no watch found anything new (0: new
#: hits; 1 stays an error, as everywhere).
NO_NEW_HITS = 3
_NAME_RE = re.compile(r"^[\w][\w.-]{0,63}$")


class WatchError(FundstelleError):
    """A saved search that cannot be added, found or run as asked."""

    kind = "watch"


class WatchExists(WatchError):
    """``watch add`` with a name already taken."""

    kind = "watch_exists"

    def __init__(self, name):
        self.name = name
        super().__init__(f"there is already a watch named {name!r}; remove it first or "
                         "choose another name")


class WatchNotFound(WatchError):
    """A watch name that is not saved."""

    kind = "watch_not_found"

    def __init__(self, name, known=()):
        self.name, self.known = name, list(known)
        shown = f" (saved: {', '.join(self.known)})" if self.known else " (none are saved)"
        super().__init__(f"no watch named {name!r}{shown}")


class BadWatchFile(WatchError):
    """A watches file that cannot be read."""

    kind = "bad_watch_file"

    def __init__(self, path, reason):
        self.path = path
        super().__init__(f"cannot read the saved searches in {path}: {reason}; fix or "
                         "delete the file")


def watches_path(index_path):
    return os.path.join(str(index_path), WATCHES_FILE)


def load_watches(index_path):
    """{name: watch dict} from the index folder (empty without a file)."""
    path = watches_path(index_path)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise BadWatchFile(path, str(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("watches"), dict):
        raise BadWatchFile(path, "it is not a watches file")
    return data["watches"]


def _save_watches(index_path, watches):
    path = watches_path(index_path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"version": 1, "watches": watches}, f, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def add_watch(engine, name, query=None, *, since=None, until=None, person=(), place=()):
    """Save a watch; its query, dates and names are checked now (raising what a search
    raises), except that a person or place no article names yet may be watched for."""
    check_name(name)
    try:
        matching(engine, query, since=since, until=until, person=person, place=place)
    except UnknownName:
        matching(engine, query, since=since, until=until)
    path = engine.store.path
    return save_new(path, name, Arrivals.load(path).last, query, since=since, until=until,
                    person=person, place=place)


def check_name(name):
    """Raise BadOption unless ``name`` can name a watch."""
    if not _NAME_RE.match(name or ""):
        raise BadOption("name", name, "use letters, digits, '.', '-' and '_' (up to 64)")


def save_new(path, name, last_arrival, query=None, *, since=None, until=None, person=(),
             place=()):
    """Write a new watch into the watch file of the index folder ``path``, starting after
    ``last_arrival``; raise WatchExists if the name is taken. Its description."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    with curation_lock(path):
        watches = load_watches(path)
        if name in watches:
            raise WatchExists(name)
        watches[name] = {"query": query or None, "person": list(person or ()),
                         "place": list(place or ()), "since": since, "until": until,
                         "created": now, "last_arrival": last_arrival, "last_run": None}
        _save_watches(path, watches)
    return _describe(name, watches[name])


def list_watches(index_path):
    """The saved watches, by name."""
    return [_describe(name, w) for name, w in sorted(load_watches(index_path).items())]


def remove_watch(index_path, name):
    """Delete a watch; raise WatchNotFound."""
    with curation_lock(index_path):
        watches = load_watches(index_path)
        if name not in watches:
            raise WatchNotFound(name, sorted(watches))
        removed = watches.pop(name)
        _save_watches(index_path, watches)
    return _describe(name, removed)


def run_watches(engine, name=None, *, snippets=1, remember=True):
    """Run one watch (or all): the articles each finds among those added since its last run.

    Returns ``{"watches": [...], "new": total new hits}``; each watch's dict
    has ``name``, ``query``, ``filters``, ``after_arrival`` (what it had seen),
    ``arrival`` (where it stops now), ``new`` and ``hits`` (search hits, best
    first, each with ``added``: when its commit was made). With ``remember``,
    each watch then starts after ``arrival`` next time.
    """
    arrivals = Arrivals.load(engine.store.path)
    return run_each(engine.store.path, name, remember,
                    lambda watch_name, watch: _run_one(engine, watch_name, watch, arrivals,
                                                       snippets))


def run_each(path, name, remember, run_one):
    """Run one watch of the index folder ``path`` (or all) by ``run_one(name, watch)``,
    which gives ``(result, where the watch stops)``; with ``remember``, note the stops and
    the time in the watch file. The loop of :func:`run_watches`, for one index or shards."""
    watches = load_watches(path)
    if name is not None and name not in watches:
        raise WatchNotFound(name, sorted(watches))
    names = [name] if name is not None else sorted(watches)
    out, stops = [], {}
    for watch_name in names:
        result, stop = run_one(watch_name, watches[watch_name])
        out.append(result)
        stops[watch_name] = stop
    if remember and names:
        now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        with curation_lock(path):
            current = load_watches(path)
            for watch_name, stop in stops.items():
                if watch_name in current:
                    current[watch_name]["last_arrival"] = stop
                    current[watch_name]["last_run"] = now
            _save_watches(path, current)
    return {"watches": out, "new": sum(w["new"] for w in out)}


def _run_one(engine, name, watch, arrivals, n_snippets):
    after = int(watch.get("last_arrival") or 0)
    new_ids = [i for i, a in arrivals.ids.items() if a > after]
    searcher = engine.searcher
    docnums, arrival_of, missing = [], {}, []
    for article_id in new_ids:
        docnum = searcher.document_number(id=article_id)
        if docnum is None:  # committed after this searcher opened: next run shows it
            missing.append(arrivals.ids[article_id])
        else:
            docnums.append(docnum)
            arrival_of[docnum] = arrivals.ids[article_id]
    stop = arrivals.last if not missing else max(after, min(missing) - 1)
    hits = []
    try:
        ids, scores, _ = matching(engine, watch.get("query"), since=watch.get("since"),
                                  until=watch.get("until"), person=watch.get("person") or (),
                                  place=watch.get("place") or ()) if docnums else (None, None,
                                                                                   None)
    except UnknownName:  # watched for, but no article names it yet
        docnums = []
    if docnums:
        keep = np.isin(ids, np.array(docnums, dtype=np.int64))
        ids, scores = ids[keep], scores[keep]
        order = np.lexsort((ids, -scores))
        query = watch.get("query")
        matcher = engine._term_matcher(engine.parse(query)) if query and query.strip() \
            else TermMatcher(())
        for rank, i in enumerate(order.tolist(), 1):
            docnum = int(ids[i])
            if arrival_of[docnum] > stop:
                continue
            hit = engine._hit(rank, docnum, float(scores[i]), matcher, n_snippets, 260)
            d = hit.to_dict()
            d["added"] = arrivals.time_of(arrival_of[docnum])
            hits.append(d)
        for rank, d in enumerate(hits, 1):
            d["rank"] = rank
    result = _describe(name, watch)
    result.update(after_arrival=after, arrival=stop, new=len(hits), hits=hits)
    return result, stop


def _describe(name, watch):
    return {"name": name, "query": watch.get("query"),
            "filters": {"person": watch.get("person") or [], "place": watch.get("place") or [],
                        "since": watch.get("since"), "until": watch.get("until")},
            "created": watch.get("created"), "last_run": watch.get("last_run"),
            "last_arrival": watch.get("last_arrival")}
