"""Querying, ranking, snippets, facets and rendering over a Fundstelle index.

The entry point is :class:`Archive` (module :mod:`search.archive`): an index folder
with ``search``, ``article``, ``similar``, ``facets``, ``stats``, ``check`` and
``index``, each returning what the matching ``fundstelle`` command prints as JSON.

>>> from search import Archive                                 # doctest: +SKIP
>>> with Archive("fundstelle-index") as archive:               # doctest: +SKIP
...     for hit in archive.search("Lehrer Gewerkschaft")["hits"]:
...         print(hit["rank"], hit["title"])
"""

from search.archive import Archive
from search.engine import SearchEngine
from search.query import ParsedQuery, parse_query
from search.results import FacetValue, Hit, SearchResults, Snippet

__all__ = ["Archive", "SearchEngine", "parse_query", "ParsedQuery", "SearchResults", "Hit",
           "Snippet", "FacetValue"]
