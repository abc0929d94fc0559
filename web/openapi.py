"""The OpenAPI 3.1 description of ``/api/…``, served at ``/api/openapi.json``.

Written out rather than generated: the endpoints are few, and their parameters
are the CLI's options, which a generator could not know.
"""

from web.app import MAX_FACETS, MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS, MAX_SNIPPETS


def _param(name, description, schema, where="query", required=False, repeat=False):
    p = {"name": name, "in": where, "description": description, "required": required,
         "schema": {"type": "array", "items": schema} if repeat else schema}
    if repeat:
        p.update(style="form", explode=True)
    return p


_ERROR = {"description": "An error: `{\"error\": {\"kind\", \"message\"}}`.",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_ID = _param("article_id", "The article's id (as in the hits).", {"type": "string"}, "path",
             required=True)
_FILTERS = [
    _param("person", "Only articles naming this person (repeatable; all must match). "
           "Resolved like `--person`: case, accents and surname.", {"type": "string"},
           repeat=True),
    _param("place", "Only articles naming this place (repeatable; all must match).",
           {"type": "string"}, repeat=True),
    _param("source", "Only articles from this outlet (repeatable; any may match). Case "
           "and accents ignored; `zeit` finds `zeit.de`.", {"type": "string"}, repeat=True),
    _param("since", "Only articles from this date on: 2020, 2020-03 or 2020-03-15.",
           {"type": "string"}),
    _param("until", "Only articles up to this date.", {"type": "string"}),
    _param("sort", "Order of the hits.",
           {"type": "string", "enum": ["relevance", "date", "date-asc"],
            "default": "relevance"}),
    _param("limit", "Hits to return.", {"type": "integer", "minimum": 0,
                                        "maximum": MAX_LIMIT, "default": 10}),
]


_TABLE = [
    _param("format", "json, or csv: a download of the table (RFC 4180, UTF-8, header row; "
           "the CLI's `--format csv`).", {"type": "string", "enum": ["json", "csv"],
                                          "default": "json"}),
    _param("bom", "With format=csv: 1 starts it with a UTF-8 byte order mark (for Excel), "
           "0 not.", {"type": "string", "enum": ["1", "0"], "default": "1"}),
]
_CSV = {"text/csv": {"schema": {"type": "string"}}}


def _ok(description, schema=None, media="application/json"):
    return {"description": description,
            "content": {media: {"schema": schema or {"type": "object"}}}}


def openapi():
    """The description as a dict."""
    errors = {"400": _ERROR, "401": _ERROR}
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "Fundstelle", "version": "0.1.0",
                 "description": "Search German news articles: the JSON objects of "
                                "`fundstelle … --format json`. With a token, send "
                                "`Authorization: Bearer TOKEN`."},
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {
                "type": "object", "required": ["error"],
                "properties": {"error": {"type": "object", "required": ["kind", "message"],
                                         "properties": {"kind": {"type": "string"},
                                                        "message": {"type": "string"}}}}}},
        },
        "security": [{}, {"token": []}],
        "paths": {
            "/api/search": {"get": {
                "summary": "Search: the object `fundstelle search --format json` prints.",
                "parameters": [
                    _param("q", "The query, in the CLI's syntax. May be empty when a filter "
                           "is given.", {"type": "string", "maxLength": MAX_QUERY_CHARS}),
                    *_FILTERS,
                    _param("offset", "Hits to skip.", {"type": "integer", "minimum": 0,
                                                       "maximum": MAX_OFFSET, "default": 0}),
                    _param("page", "Page number: offset = (page - 1) × limit.",
                           {"type": "integer", "minimum": 1}),
                    _param("facets", "How many persons, places and sources to count "
                           "(the `dates` facet lists every month of the matches).",
                           {"type": "integer", "minimum": 0, "maximum": MAX_FACETS,
                            "default": 10}),
                    _param("snippets", "Snippets a hit.",
                           {"type": "integer", "minimum": 0, "maximum": MAX_SNIPPETS,
                            "default": 2}),
                    *_TABLE,
                    _param("all", "With format=csv: 1 streams every hit (limit, offset and "
                           "page do not apply), like `search --all`.",
                           {"type": "string", "enum": ["0", "1"], "default": "0"}),
                    _param("collapse", "1: each group of agency copies is one hit, whose "
                           "`duplicates` list the others' ids (`groups` counts matches so; "
                           "offset and limit count groups); 0: every article.",
                           {"type": "integer", "enum": [0, 1], "default": 1}),
                ],
                "responses": {"200": _ok("The result page: query, total, groups, offset, "
                                         "limit, sort, filters, hits (each with duplicates), "
                                         "facets (person, place, sources, dates), "
                                         "suggestions, relaxed_query, notes."), **errors}}},
            "/api/search/batch": {"post": {
                "summary": "Many queries at once, like `fundstelle search --batch`.",
                "description": "The body is JSON Lines of `{\"id\": …, \"text\": \"…\"}`. "
                               "The answer has one JSON line for every non-blank line, in "
                               "order: an answer is the object of `/api/search` with the "
                               "line's `id`; a bad line or query gets `{\"id\", \"line\", "
                               "\"error\": {\"kind\", \"message\"}}` and the rest are "
                               "answered.",
                "parameters": [*_FILTERS,
                               _param("facets", "Persons and places to count a query.",
                                      {"type": "integer", "minimum": 0, "default": 0}),
                               _param("snippets", "Snippets a hit.",
                                      {"type": "integer", "minimum": 0, "default": 0})],
                "requestBody": {"required": True, "content": {
                    "application/x-ndjson": {"schema": {"type": "string"}}}},
                "responses": {"200": _ok("One JSON line a query.", {"type": "string"},
                                         "application/x-ndjson"),
                              "413": _ERROR, **errors}}},
            "/api/article/{article_id}": {"get": {
                "summary": "One article: the object `fundstelle show --format json` prints.",
                "parameters": [_ID, _param("q", "A query whose words to locate: adds "
                                           "`title_matches` and `text_matches`.",
                                           {"type": "string"})],
                "responses": {"200": _ok("The article with its persons and places."),
                              "404": _ERROR, **errors}}},
            "/api/similar/{article_id}": {"get": {
                "summary": "Articles like this one (`fundstelle similar --format json`).",
                "parameters": [_ID, _param("limit", "Articles to return.",
                                           {"type": "integer", "default": 10}),
                               _param("snippets", "Snippets a hit.",
                                      {"type": "integer", "default": 1})],
                "responses": {"200": _ok("A result page."), "404": _ERROR, **errors}}},
            "/api/facets/{kind}": {"get": {
                "summary": "Persons, places or sources with article counts "
                           "(`fundstelle facets KIND --format json`).",
                "parameters": [
                    _param("kind", "person, place or source",
                           {"type": "string", "enum": ["person", "place", "source"]},
                           "path", required=True),
                    _param("q", "Count over this query's matches (default: all articles).",
                           {"type": "string"}),
                    _param("prefix", "Only names with a word starting so.", {"type": "string"}),
                    _param("limit", "Values to list.", {"type": "integer", "minimum": 1,
                                                        "maximum": 1000, "default": 50}),
                    *_TABLE,
                ],
                "responses": {"200": _ok("facet, query, prefix and values "
                                         "[{value, count, selected}]."),
                              "404": _ERROR, **errors}}},
            "/api/timeline": {"get": {
                "summary": "Articles per period: the object `fundstelle timeline --format "
                           "json` prints.",
                "description": "Every period from the first match (or `since`) to the "
                               "last (or `until`), empty ones 0; each series has `rows` "
                               "of `{period, count}` and `left_out` (articles dated only "
                               "by month or year in a finer grouping, or undated). With "
                               "`compare=1`, each value of a parameter given several "
                               "times (q, person, place, source) is a series.",
                "parameters": [
                    _param("q", "The query (repeatable with compare=1).",
                           {"type": "string", "maxLength": MAX_QUERY_CHARS}, repeat=True),
                    *[p for p in _FILTERS if p["name"] not in ("sort", "limit")],
                    _param("by", "Length of a period (week: ISO week).",
                           {"type": "string", "enum": ["day", "week", "month", "year"],
                            "default": "month"}),
                    _param("compare", "1: one series a value of a repeated parameter.",
                           {"type": "string", "enum": ["0", "1"], "default": "0"}),
                    *_TABLE,
                ],
                "responses": {"200": _ok("by, compare, query, filters, from, to, series "
                                         "[{label, kind, total, counted, left_out, rows}], "
                                         "notes."), **errors}}},
            "/api/cooccurrence": {"get": {
                "summary": "Who appears with a person or place "
                           "(`fundstelle cooccurrence --format json`).",
                "description": "Give exactly one of `person` or `place`. Rows `{name, kind, "
                               "count, total, score}`: articles naming both, articles in "
                               "scope naming the other, and the signed log-likelihood G² "
                               "of meeting so often (names met everywhere rank low).",
                "parameters": [
                    _param("person", "The person whose companions to list.",
                           {"type": "string"}),
                    _param("place", "The place whose companions to list.", {"type": "string"}),
                    _param("q", "Count over this query's matches (default: all articles).",
                           {"type": "string", "maxLength": MAX_QUERY_CHARS}),
                    _param("since", "Only articles from this date on.", {"type": "string"}),
                    _param("until", "Only articles up to this date.", {"type": "string"}),
                    _param("limit", "Names to list.", {"type": "integer", "minimum": 0,
                                                       "maximum": MAX_LIMIT, "default": 20}),
                    _param("min_count", "Only names in at least this many articles with it.",
                           {"type": "integer", "minimum": 1, "default": 2}),
                ],
                "responses": {"200": _ok("name, kind, query, filters, articles, scope, "
                                         "score, min_count and rows."), **errors}}},
            "/api/stats": {"get": {
                "summary": "The index's counts (`fundstelle stats --format json`), and the "
                           "commit (generation) being searched.",
                "responses": {"200": _ok("Counts, date range, sources, size."), **errors}}},
            "/api/openapi.json": {"get": {"summary": "This description.",
                                          "responses": {"200": _ok("OpenAPI 3.1.")}}},
        },
    }
    for path in ("/api/search", "/api/facets/{kind}", "/api/timeline"):
        spec["paths"][path]["get"]["responses"]["200"]["content"].update(_CSV)
    return spec
