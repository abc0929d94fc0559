"""Merging what the shards answer: pure functions on plain lists and dicts.

Kept apart from any transport, as Elasticsearch keeps its SearchPhaseController
(merge the shards' top documents, sum their facet counts) apart from the network:
the same functions merge shards searched in this process and on a Dask cluster.

A shard's entry for a hit is ``(score, key, article id, shard, docnum)``: ``key``
is the date sort value (0 without a date sort). Hits are ordered as one index
orders them, best score first, then by article id (one index breaks ties by its
document number, which means nothing across shards).
"""

import heapq
from collections import Counter


def sum_statistics(parts):
    """One statistics dict from the shards' ``{"doc_count", "field_lengths",
    "frequencies", "named"}``: every number summed.

    >>> sum_statistics([{"doc_count": 2, "field_lengths": {"body": 10},
    ...                  "frequencies": {("body", b"wahl"): 1}, "named": {}},
    ...                 {"doc_count": 3, "field_lengths": {"body": 5},
    ...                  "frequencies": {("body", b"wahl"): 2}, "named": {}}])["frequencies"]
    {('body', b'wahl'): 3}
    """
    out = {"doc_count": 0, "field_lengths": Counter(), "frequencies": Counter(),
           "named": Counter()}
    for part in parts:
        out["doc_count"] += part["doc_count"]
        for key in ("field_lengths", "frequencies", "named"):
            out[key].update(part.get(key) or {})
    return {k: dict(v) if isinstance(v, Counter) else v for k, v in out.items()}


def order_key(entry, sort="relevance"):
    """The sort key of a hit entry: score (or date, then score) descending, then id."""
    score, key, article_id = entry[0], entry[1], entry[2]
    if sort == "relevance":
        return (-score, article_id)
    sign = 1 if sort == "date" else -1
    return (-sign * key, -score, article_id)


def merge_top(pages, n, sort="relevance"):
    """The ``n`` best entries of all shards' pages (each already in order).

    >>> merge_top([[(2.0, 0, "b", 0, 5), (1.0, 0, "a", 0, 1)], [(2.0, 0, "a2", 1, 0)]], 2)
    [(2.0, 0, 'a2', 1, 0), (2.0, 0, 'b', 0, 5)]
    """
    if n <= 0:
        return []
    return heapq.nsmallest(n, (e for page in pages for e in page),
                           key=lambda e: order_key(e, sort))


def answers_first(entries, want, boost):
    """Entries of a when/how-many question, those holding an answer raised by ``boost``.

    ``entries`` are ``(score, key, id, shard, docnum, has_answer)``, the
    question's ``answer_depth`` best of the collection; returns the ``want``
    best after the boost, as ``SearchEngine._answers_first`` orders them.
    """
    raised = [((score * (1.0 + boost) if answer else score), key, aid, shard, docnum)
              for score, key, aid, shard, docnum, answer in entries]
    raised.sort(key=lambda e: (-e[0], e[2]))
    return raised[:want]


def sum_facets(counts, n, selected=()):
    """``[(name, count, selected)]``: the ``n`` commonest names over all shards' counts
    (``{name: articles}`` each), ties by name as one index orders them (UTF-8 bytes),
    then the selected names not among them.

    >>> sum_facets([{"Olaf Scholz": 2, "Angela Merkel": 1}, {"Angela Merkel": 1}], 1)
    [('Angela Merkel', 2, False)]
    """
    total = Counter()
    for part in counts:
        total.update(part)
    total = {name: c for name, c in total.items() if c}
    best = heapq.nsmallest(n, total.items(), key=lambda kv: (-kv[1], kv[0].encode("utf-8"))) \
        if n > 0 else []
    out = [(name, c, name in selected) for name, c in best]
    shown = {name for name, _ in best}
    out.extend((name, total.get(name, 0), True) for name in selected if name not in shown)
    return out


def choose_correction(stem, facts, fields=("body", "title"), known_limit=2):
    """The correction did-you-mean picks for a typed word's ``stem`` over all shards, or None.

    ``facts`` are the shards' ``{"known": {field: df}, "candidates": {term: {field: df}}}``
    (:meth:`cluster.shard.ShardSearcher.spelling_facts`); the choice is
    ``search.suggest.Speller.correct_word``'s, with each frequency summed over shards.
    """
    from search.suggest import _ratio

    known_by_field = Counter()
    cand_by_field = {}
    for part in facts:
        known_by_field.update(part["known"])
        for term, dfs in part["candidates"].items():
            cand_by_field.setdefault(term, Counter()).update(dfs)
    known = max((known_by_field.get(f, 0) for f in fields), default=0)
    if known > known_limit:
        return None
    best = None
    for term, dfs in cand_by_field.items():
        if term == stem:
            continue
        df = max(dfs.get(f, 0) for f in fields)
        if df <= known or (known and df < 5 * known):
            continue
        key = (_ratio(stem, term) * (1 + df) ** 0.25, df)
        if best is None or key > best[0]:
            best = (key, term)
    return None if best is None else best[1]


def sum_counts(parts):
    """One ``{key: count}`` from the shards' (a timeline's periods, the dates facet's
    months, the outlets' articles), zero counts dropped.

    >>> sum_counts([{24242: 2, 24243: 1}, {24243: 4}])
    {24242: 2, 24243: 5}
    """
    total = Counter()
    for part in parts:
        total.update(part)
    return {k: c for k, c in sorted(total.items()) if c}


def sum_period_counts(parts):
    """One timeline series' counts from the shards' ``{"periods", "left_out", "total"}``.

    >>> out = sum_period_counts([
    ...     {"periods": {2020: 2}, "total": 3,
    ...      "left_out": {"month_only": 0, "year_only": 0, "undated": 1}},
    ...     {"periods": {2020: 1, 2021: 1}, "total": 2,
    ...      "left_out": {"month_only": 1, "year_only": 0, "undated": 0}}])
    >>> out["periods"], out["total"], out["left_out"]["month_only"]
    ({2020: 3, 2021: 1}, 5, 1)
    """
    left_out = Counter()
    for part in parts:
        left_out.update(part["left_out"])
    keys = parts[0]["left_out"] if parts else {}
    return {"periods": sum_counts(p["periods"] for p in parts),
            "left_out": {k: left_out[k] for k in keys},
            "total": sum(p["total"] for p in parts)}


def merge_streams(streams, sort="relevance"):
    """The entries of all shards' streams (each already in :func:`order_key`'s order)
    as one stream in that order, read lazily: every hit in one index's order.

    >>> [e[2] for e in merge_streams([iter([(2.0, 0, "b", 0, 5), (1.0, 0, "a", 0, 1)]),
    ...                               iter([(2.0, 0, "a2", 1, 0)])])]
    ['a2', 'b', 'a']
    """
    return heapq.merge(*streams, key=lambda e: order_key(e, sort))


class SourceNames:
    """All shards' outlets as one column for :func:`search.sources.resolve_sources`:
    the names in the index's order (UTF-8 bytes) and, per name, its article count
    (``docs_for`` stands for the articles only by its length).

    A filter name is resolved over every shard's outlets at once: ``rheinblatt``
    takes ``rheinblatt.de`` and ``RHEINBLATT.DE`` even when no shard holds both.
    """

    def __init__(self, counts):
        self.counts = {name: c for name, c in counts.items() if c}
        self.values = sorted(self.counts, key=lambda v: v.encode("utf-8"))
        self.ids = {v: i for i, v in enumerate(self.values)}

    def docs_for(self, name):
        return range(self.counts.get(name, 0))
