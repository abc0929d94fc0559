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
           "named": Counter(), "plain_lengths": (0.0, 0)}
    for part in parts:
        out["doc_count"] += part["doc_count"]
        if part.get("plain_lengths"):
            out["plain_lengths"] = tuple(a + b for a, b in zip(out["plain_lengths"],
                                                               part["plain_lengths"]))
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



def copy_links(tables, threshold, bands=25, rows=5, max_bucket=500):
    """Agency copies across shards: ``{(shard, group): group number}`` joining each
    shard's copy groups (``dupgroup``) to those of other shards holding copies.

    ``tables`` are each shard's ``(groups, signatures)``: the group of each signed
    article and its MinHash signature (rows of uint32). Candidates share one band of
    ``rows`` signature values (locality-sensitive hashing, as the index's own LSH with
    ``bands`` × ``rows``); a pair of articles of different shards whose signatures
    agree in at least ``threshold`` of their places joins their groups. Joined
    groups take the smallest group number among them (group numbers are hashes of
    article ids: unique over the collection). Buckets of more than ``max_bucket``
    groups (boilerplate shared by hundreds of articles) are skipped. Only joined
    groups are in the answer.

    >>> import numpy as np
    >>> a = np.array([[1, 2, 3, 4]], dtype=np.uint32)
    >>> b = np.array([[1, 2, 3, 9], [5, 6, 7, 8]], dtype=np.uint32)
    >>> copy_links([(np.array([10]), a), (np.array([20, 30]), b)], 0.5, bands=2, rows=2)
    {(0, 10): 10, (1, 20): 10}
    """
    import numpy as np

    parts = [(k, np.asarray(g, dtype=np.int64), np.asarray(sig, dtype=np.uint32))
             for k, (g, sig) in enumerate(tables) if len(g)]
    if len(parts) < 2:
        return {}
    shard = np.concatenate([np.full(len(g), k) for k, g, _ in parts])
    group = np.concatenate([g for _, g, _ in parts])
    sigs = np.concatenate([sig for _, _, sig in parts])
    parent = {}

    def root(key):
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for band in range(min(bands, sigs.shape[1] // rows)):
        keys = np.ascontiguousarray(sigs[:, band * rows:(band + 1) * rows])
        keys = keys.view(np.dtype((np.void, keys.dtype.itemsize * rows))).ravel()
        _, bucket, sizes = np.unique(keys, return_inverse=True, return_counts=True)
        bucket = bucket.ravel()
        for b in np.flatnonzero(sizes > 1).tolist():
            members = np.flatnonzero(bucket == b)
            if len(np.unique(shard[members])) < 2:
                continue
            # One article per (shard, group) is enough to join groups.
            _, first = np.unique(np.stack([shard[members], group[members]]), axis=1,
                                 return_index=True)
            members = members[first]
            if len(members) > max_bucket:
                continue
            agree = (sigs[members][:, None, :] == sigs[members][None, :, :]).mean(axis=2)
            other = shard[members][:, None] != shard[members][None, :]
            for i, j in zip(*np.nonzero(np.triu((agree >= threshold) & other, 1))):
                a = (int(shard[members[i]]), int(group[members[i]]))
                b2 = (int(shard[members[j]]), int(group[members[j]]))
                ra, rb = root(a), root(b2)
                if ra != rb:
                    keep, drop = (ra, rb) if ra[1] <= rb[1] else (rb, ra)
                    parent[drop] = keep
    roots = {key: root(key) for key in parent}
    size = Counter(roots.values())
    return {key: r[1] for key, r in roots.items() if size[r] > 1}


def collapse_entries(entries, groups, members, want):
    """One entry per group of agency copies among the merged ``entries`` (best first).

    ``groups`` maps ``(shard, docnum)`` to the entry's group, numbered over the
    collection (:func:`copy_links` joined the groups of copies in different shards);
    ``members`` maps a group to its matching articles in every shard, ``[(score,
    id)]``. Returns ``(shown, duplicates)``: the first ``want`` entries of distinct
    groups, and for each the ids of its group's other matching articles, best first.

    >>> e = [(3.0, 0, "a", 0, 1), (2.0, 0, "b", 1, 4), (1.0, 0, "c", 1, 5)]
    >>> collapse_entries(e, {(0, 1): 10, (1, 4): 10, (1, 5): 21},
    ...                  {10: [(3.0, "a"), (2.0, "b")], 21: [(1.0, "c")]}, 2)
    ([(3.0, 0, 'a', 0, 1), (1.0, 0, 'c', 1, 5)], [['b'], []])
    """
    shown, seen = [], set()
    for entry in entries:
        group = groups[(entry[3], entry[4])]
        if group in seen:
            continue
        seen.add(group)
        shown.append(entry)
        if len(shown) >= want:
            break
    duplicates = []
    for entry in shown:
        found = sorted(members.get(groups[(entry[3], entry[4])], ()),
                       key=lambda m: (-m[0], m[1]))
        duplicates.append([aid for _, aid in found if aid != entry[2]])
    return shown, duplicates
