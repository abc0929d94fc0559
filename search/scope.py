"""The articles a query and its filters match, as arrays: what the investigation commands count.

:func:`matching` is :meth:`search.engine.SearchEngine.search` without ranking
pages, facets or snippets: every matching document number with its score.
Co-occurrence counts over it (:mod:`search.cooccurrence`), saved searches pick
the new articles out of it (:mod:`search.watch`).
"""

import numpy as np
from whoosh import query as wq

from search.query import date_filter


def matching(engine, query=None, *, since=None, until=None, person=(), place=()):
    """(document numbers, scores) of the live articles matching ``query`` and the
    filters, as NumPy arrays in no particular order; with neither, every article.

    ``person``/``place`` names are resolved as a search resolves them (raising
    AmbiguousName or UnknownName); the resolved names are returned third.
    """
    person = [engine._resolve("person", n) for n in person or ()]
    place = [engine._resolve("place", n) for n in place or ()]
    q = engine.parse(query).query if query and query.strip() else wq.Every()
    ids, scores = engine.ranker.ranked(q)
    dates = date_filter(since, until)
    if dates is not None:
        in_range = np.zeros(engine.ranker.size, dtype=bool)
        in_range[np.fromiter(engine.searcher.docs_for_query(dates), dtype=np.int64)] = True
        keep = in_range[ids]
        ids, scores = ids[keep], scores[keep]
    for kind, names in (("person", person), ("place", place)):
        for name in names:
            docs = engine.columns(kind).docs_for(name)
            keep = np.isin(ids, np.fromiter(docs, dtype=np.int64, count=len(docs)))
            ids, scores = ids[keep], scores[keep]
    return ids, scores, {"person": person, "place": place}
