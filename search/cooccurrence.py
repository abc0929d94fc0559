"""Who appears with whom: the persons and places named in the same articles as one name.

Counting is two passes over facet columns (:mod:`search.facets`): the values of
the articles that name the chosen person or place (``count``), and the values
of all articles in scope (``total``: the whole index, or a query's matches).

Ranking by ``count`` alone puts the names that are everywhere first (on FANG,
Angela Merkel and Jens Spahn beside every politician). The ``score`` is
Dunning's log-likelihood ratio G² of the 2×2 table (this article names the
chosen one or not, names the other or not), signed: negative when the other is
named *less* often beside the chosen one than elsewhere. G² weighs both how
much more often two names meet than chance would have them meet and how much
evidence there is for it, so a name met twice by accident does not outrank
one met fifty times (pointwise mutual information does that), and a name met
everywhere does not outrank one met only here (raw counts do that). Rows need
at least :data:`MIN_COUNT` shared articles.

Agency copies (:mod:`search.duplicates`) count once: on FANG one article
crawled 23 times had put its 23-times-named interviewees at the top of Karl
Lauterbach's list.

>>> rows = cooccurring(engine, "person", "Christian Drosten")["rows"]   # doctest: +SKIP
>>> [(r["name"], r["count"]) for r in rows[:2]]                         # doctest: +SKIP
[('Charité', 412), ('Hendrik Streeck', 88)]
"""

import numpy as np

from search.errors import BadOption
from search.facets import FACET_FIELDS
from search.scope import matching

#: Rows need this many articles that name both.
MIN_COUNT = 2
#: What the score is, for the output.
SCORE = "log-likelihood G² (signed)"


def cooccurring(engine, kind, name, query=None, *, since=None, until=None, person=(),
                place=(), limit=20, min_count=MIN_COUNT):
    """The names most specific to the articles naming ``name`` (a ``kind``: person/place).

    Returns ``{"name", "kind", "query", "filters", "articles", "scope", "score",
    "rows"}``; each row ``{"name", "kind", "count", "total", "score"}``: the
    articles naming both, the articles in scope naming the other, and G²
    (:data:`SCORE`), for names in at least ``min_count`` articles with it.
    ``articles`` counts those naming ``name`` in scope, ``scope`` all articles
    in scope (the query's matches and filters); copies of one agency report
    count once in all of them.
    """
    if kind not in FACET_FIELDS:
        raise BadOption("kind", kind, "use person or place")
    if limit < 0:
        raise BadOption("limit", limit, "it must not be negative")
    target = engine._resolve(kind, name)
    ids, _, resolved = matching(engine, query, since=since, until=until, person=person,
                                place=place)
    groups = engine.dup_groups()
    scope = _one_per_group(ids, groups)
    in_scope = np.zeros(len(groups), dtype=bool)
    in_scope[scope] = True
    target_docs = engine.columns(kind).docs_for(target)
    with_target = sorted(d for d in target_docs if in_scope[d])
    n_scope, n_target = len(scope), len(with_target)
    rows = []
    for other_kind in ("person", "place"):
        columns = engine.columns(other_kind)
        counts = columns.count(with_target)
        if other_kind == kind:
            counts.pop(columns.ids.get(target), None)
        counts = {vid: c for vid, c in counts.items() if c >= min_count}
        if not counts:
            continue
        vids = np.fromiter(counts, dtype=np.int64, count=len(counts))
        totals = _totals(columns, vids.tolist(), in_scope)
        both = np.array([counts[v] for v in vids.tolist()], dtype=np.int64)
        scores = log_likelihood(both, n_target, totals, n_scope)
        for vid, c, t, g in zip(vids.tolist(), both.tolist(), totals.tolist(),
                                scores.tolist()):
            rows.append({"name": columns._value(vid), "kind": other_kind, "count": c,
                         "total": t, "score": round(g, 2)})
    rows.sort(key=lambda r: (-r["score"], -r["count"], r["name"]))
    return {"name": target, "kind": kind, "query": query or None,
            "filters": dict(resolved, since=since, until=until),
            "articles": n_target, "scope": n_scope, "score": SCORE, "min_count": min_count,
            "rows": rows[:limit]}


def _one_per_group(docnums, groups):
    """``docnums`` with one document of each agency-copy group (the first in index order)."""
    docnums = np.sort(docnums)
    _, first = np.unique(groups[docnums], return_index=True)
    return np.sort(docnums[first])


def _totals(columns, vids, in_scope):
    """For each value id, how many documents in scope (a boolean array) have it.

    Counting only the candidates, value by value, beats counting every value of
    every document in scope (0.4 s for all of FANG's articles)."""
    docs = np.frombuffer(columns._docs, dtype=np.uint32)
    start = columns._doc_start
    return np.array([int(np.count_nonzero(in_scope[docs[start[v]:start[v + 1]]]))
                     for v in vids], dtype=np.int64)


def log_likelihood(both, n_target, totals, n_scope):
    """Signed G² for each other name: ``both`` articles name it and the target,
    ``totals`` name it, ``n_target`` name the target, of ``n_scope`` articles.

    >>> [round(float(g), 1) for g in log_likelihood(np.array([10, 10]), 20, np.array([10, 1000]), 2000)]
    [98.2, 0.0]
    """
    k11 = both.astype(float)
    k12 = n_target - k11
    k21 = totals - k11
    k22 = n_scope - n_target - k21
    table = (k11, k12, k21, k22)
    row1, row2 = k11 + k12, k21 + k22
    col1, col2 = k11 + k21, k12 + k22
    expected = (row1 * col1 / n_scope, row1 * col2 / n_scope,
                row2 * col1 / n_scope, row2 * col2 / n_scope)
    g2 = np.zeros_like(k11)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, e in zip(table, expected):
            g2 += np.where(k > 0, k * np.log(k / e), 0.0)
    g2 = 2.0 * np.maximum(g2, 0.0)
    sign = np.where(k11 * n_scope >= row1 * col1, 1.0, -1.0)
    return sign * g2


def edge_rows(result):
    """The rows of :func:`cooccurring` as a network tool's edge list:
    ``(source, target, count, score)``."""
    return [(result["name"], r["name"], r["count"], r["score"]) for r in result["rows"]]
