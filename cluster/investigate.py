"""Co-occurrence and saved searches (issue 21) over the shards of a sharded index.

Both are sums of what each shard counts or finds, as a page of hits is:

* **Co-occurrence** (:func:`cooccurring`): each shard counts, over its articles in
  scope (the query's matches and filters, with the collection's statistics), the
  articles naming the chosen name and, per other name, those naming both; the
  counts are summed, names below ``min_count`` dropped, each shard then counts the
  articles in scope naming each remaining name, and Dunning's G² is computed on
  the sums (:func:`search.cooccurrence.log_likelihood`), as one index does.
  Agency copies count once: each shard keeps one article per copy group, and a
  group joined over shards (``ShardedEngine.copy_links``) counts in the first
  shard holding one of its articles in scope (one index keeps the group's first
  article in index order: where copies name different people the counts may
  differ by those names).
* **Watches** (:func:`add_watch`, :func:`run_watches`): kept in the sharded
  folder's ``watches.json``; a watch remembers the last arrival it saw *per shard*
  (each shard's commits number its own arrivals), so ``last_arrival``,
  ``after_arrival`` and ``arrival`` are lists, one number a shard. A run asks each
  shard for its matches among the articles that arrived since, scored with the
  collection's statistics; they are merged by score, then article id.
"""

import numpy as np

from search.cooccurrence import SCORE, log_likelihood
from search.errors import BadOption, UnknownName
from search.facets import FACET_FIELDS
from search.watch import _describe, check_name, run_each, save_new


def _scope_options(engine, query, since, until, person, place):
    """The shards' scope arguments: names resolved over all shards, and the
    collection's statistics for the query."""
    person, place, _ = engine._filters(person, place, ())
    collection = engine._statistics(query, {}) if query and query.strip() else None
    return dict(since=since, until=until, person=person, place=place,
                collection=collection)


def cooccurring(engine, kind, name, query=None, *, since=None, until=None, person=(),
                place=(), limit=20, min_count=2):
    """``search.cooccurrence.cooccurring`` over a :class:`cluster.engine.ShardedEngine`:
    the same dict, from counts summed over the shards."""
    if kind not in FACET_FIELDS:
        raise BadOption("kind", kind, "use person or place")
    if limit < 0:
        raise BadOption("limit", limit, "it must not be negative")
    engine._current()
    target = engine._resolve(kind, name)
    options = _scope_options(engine, query, since, until, person, place)
    drop = [()] * len(engine.shards)
    if engine.copy_links():
        # A report copied into several shards counts once, in the first of them.
        joined = engine.shards.map("joined_in_scope", query, **options)
        first = {}
        for k, groups in enumerate(joined):
            for g in groups:
                first.setdefault(g, k)
        drop = [tuple(g for g in groups if first[g] != k) for k, groups in enumerate(joined)]
    parts = engine.shards.calls([(k, "cooccurrence_counts", (kind, target, query),
                                  dict(options, drop=drop[k]))
                                 for k in range(len(engine.shards))])
    counts = {}
    for part in parts:
        for key, c in part["counts"].items():
            counts[key] = counts.get(key, 0) + c
    n_scope = sum(p["scope"] for p in parts)
    n_target = sum(p["articles"] for p in parts)
    keep = sorted(k for k, c in counts.items() if c >= min_count)
    rows = []
    if keep:
        totals = {}
        for part in engine.shards.calls([(k, "cooccurrence_totals", (keep, query),
                                          dict(options, drop=drop[k]))
                                         for k in range(len(engine.shards))]):
            for key, t in part.items():
                totals[key] = totals.get(key, 0) + t
        both = np.array([counts[k] for k in keep], dtype=np.int64)
        total = np.array([totals.get(k, 0) for k in keep], dtype=np.int64)
        scores = log_likelihood(both, n_target, total, n_scope)
        for (other, value), c, t, g in zip(keep, both.tolist(), total.tolist(),
                                           scores.tolist()):
            rows.append({"name": value, "kind": other, "count": c, "total": t,
                         "score": round(g, 2)})
    rows.sort(key=lambda r: (-r["score"], -r["count"], r["name"]))
    return {"name": target, "kind": kind, "query": query or None,
            "filters": {"person": options["person"], "place": options["place"],
                        "since": since, "until": until},
            "articles": n_target, "scope": n_scope, "score": SCORE, "min_count": min_count,
            "rows": rows[:limit]}


def add_watch(engine, path, name, query=None, *, since=None, until=None, person=(),
              place=()):
    """``search.watch.add_watch`` for the sharded index at ``path``: it starts at each
    shard's newest arrival."""
    check_name(name)
    _check(engine, query, since, until, person, place)
    return save_new(path, name, engine.shards.map("last_arrival"), query, since=since,
                    until=until, person=person, place=place)


def _check(engine, query, since, until, person, place):
    """Raise what a search raises for this watch's query and filters (a person or
    place no article names yet may be watched for)."""
    if not (query and query.strip()) and not (person or place or since or until):
        return
    try:
        engine.search(query, limit=0, since=since, until=until, person=person, place=place,
                      facets=0, snippets=0, suggestions=False, relax=False)
    except UnknownName:
        if query and query.strip():
            engine.search(query, limit=0, since=since, until=until, facets=0, snippets=0,
                          suggestions=False, relax=False)


def run_watches(engine, path, name=None, *, snippets=1, remember=True):
    """``search.watch.run_watches`` for the sharded index at ``path``."""
    return run_each(path, name, remember,
                    lambda watch_name, watch: _run_one(engine, watch_name, watch, snippets))


def _run_one(engine, name, watch, snippets):
    n = len(engine.shards)
    after = watch.get("last_arrival") or 0
    after = [int(a) for a in after] if isinstance(after, list) and len(after) == n \
        else [int(after) if not isinstance(after, list) else 0] * n
    query = watch.get("query")
    try:
        options = _scope_options(engine, query, watch.get("since"), watch.get("until"),
                                 watch.get("person") or (), watch.get("place") or ())
    except UnknownName:  # watched for, but no article names it yet
        options = None
    if options is None:
        parts = [{"entries": [], "stop": last}
                 for last in engine.shards.map("last_arrival")]
    else:
        parts = engine.shards.calls([(i, "watch_entries", (query, after[i]), options)
                                     for i in range(n)])
    stop = [p["stop"] for p in parts]
    entries = sorted((e for p in parts for e in p["entries"]), key=lambda e: (-e[0], e[2]))
    hits = []
    if entries:
        made = engine._hits([e[:5] for e in entries], 0, query, snippets=snippets,
                            fragment_chars=260)
        for hit, entry in zip(made, entries):
            d = hit.to_dict()
            d["added"] = entry[5]
            hits.append(d)
    result = _describe(name, watch)
    result.update(after_arrival=after, arrival=stop, new=len(hits), hits=hits)
    return result, stop
