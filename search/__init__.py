"""Querying, ranking, snippets, facets and rendering over a Fundstelle index.

>>> from search import SearchEngine                     # doctest: +SKIP
>>> with SearchEngine("fundstelle-index") as engine:    # doctest: +SKIP
...     for hit in engine.search("Lehrer Gewerkschaft").hits:
...         print(hit.rank, hit.title)
"""

from search.engine import SearchEngine
from search.query import ParsedQuery, parse_query
from search.results import FacetValue, Hit, SearchResults, Snippet

__all__ = ["SearchEngine", "parse_query", "ParsedQuery", "SearchResults", "Hit", "Snippet",
           "FacetValue"]
