"""Result types: hits, snippets and facets, each with the JSON shape in ``to_dict()``.

A snippet is text plus match ranges; colour, ``[[markers]]`` and HTML are
renderings of that data (all in :mod:`search.render`), never stored in it.
"""

from dataclasses import dataclass, field


@dataclass
class Snippet:
    """A fragment of an article with the character ranges of matched words.

    ``matches`` are ``(start, end)`` offsets into ``text``; ``start``/``end``
    locate the fragment in the article text; ``leading``/``trailing`` say
    whether text was cut off before or after it.
    """

    text: str
    matches: list
    start: int = 0
    end: int = 0
    leading: bool = False
    trailing: bool = False

    def to_dict(self):
        return {"text": self.text, "matches": [list(m) for m in self.matches],
                "start": self.start, "end": self.end}

    def marked(self):
        """The text with each match in ``[[…]]`` (:func:`search.render.plain_marked`).

        >>> Snippet("Die Raketen flogen", [(4, 11)]).marked()
        'Die [[Raketen]] flogen'
        """
        from search.render import plain_marked
        return plain_marked(self.text, self.matches)


@dataclass
class MatchReason:
    """Why a hit matched: which query word matched which surface form, and how."""

    query_word: str
    surface: str
    field: str
    how: str

    def to_dict(self):
        return {"query": self.query_word, "surface": self.surface, "field": self.field,
                "how": self.how}


@dataclass
class Hit:
    """One ranked article in a result list."""

    rank: int
    id: str
    score: float
    title: str
    date: str = None
    date_precision: str = None
    source: str = ""
    url: str = ""
    title_matches: list = field(default_factory=list)
    snippets: list = field(default_factory=list)
    persons: list = field(default_factory=list)
    places: list = field(default_factory=list)
    matched: list = field(default_factory=list)
    #: The names as the article prints them (``persons``/``places`` are the curated ones).
    persons_printed: list = field(default_factory=list)
    places_printed: list = field(default_factory=list)
    #: Ids of the agency copies collapsed into this hit (search.duplicates), best first.
    duplicates: list = field(default_factory=list)

    def to_dict(self):
        return {
            "rank": self.rank,
            "id": self.id,
            "score": round(self.score, 4),
            "title": self.title,
            "title_matches": [list(m) for m in self.title_matches],
            "date": self.date,
            "date_precision": self.date_precision,
            "source": self.source,
            "url": self.url,
            "persons": list(self.persons),
            "places": list(self.places),
            "persons_printed": list(self.persons_printed),
            "places_printed": list(self.places_printed),
            "snippets": [s.to_dict() for s in self.snippets],
            "matched": [m.to_dict() for m in self.matched],
            "duplicates": list(self.duplicates),
        }


@dataclass
class FacetValue:
    """One value of a facet with the number of matching articles that have it."""

    value: str
    count: int
    selected: bool = False

    def to_dict(self):
        return {"value": self.value, "count": self.count, "selected": self.selected}


@dataclass
class SearchResults:
    """A page of hits with the total count, facets and suggestions."""

    query: str
    total: int
    hits: list
    offset: int = 0
    limit: int = 10
    sort: str = "relevance"
    facets: dict = field(default_factory=dict)
    filters: dict = field(default_factory=dict)
    suggestions: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    #: The query searched instead when an exact phrase found nothing (quotes dropped).
    relaxed_query: str = None
    seconds: float = 0.0
    #: Matches counted once per group of agency copies (None when not collapsed).
    groups: int = None

    def to_dict(self):
        return {
            "query": self.query,
            "total": self.total,
            "groups": self.groups,
            "offset": self.offset,
            "limit": self.limit,
            "sort": self.sort,
            "filters": self.filters,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {name: [v.to_dict() for v in values]
                       for name, values in self.facets.items()},
            "suggestions": list(self.suggestions),
            "relaxed_query": self.relaxed_query,
            "notes": list(self.notes),
        }
