"""The web app: search page, article page and the JSON API, over one :class:`Library`.

Datasette's model: every page view builds the very dict its ``/api/…`` twin
returns (``Library.search``, ``Library.article`` …) and hands it to a Jinja2
template (autoescape on), so the page and the API cannot drift apart. Errors on
``/api`` always have one shape, made by :func:`api_error`.
"""

import contextlib
import hashlib
import hmac
import itertools
import os
import pathlib
import urllib.parse

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.templating import Jinja2Templates

from index.errors import ArticleNotFound, FundstelleError, IndexNotFound, StaleIndex
from search import export
from search.errors import user_message
from search.render import marked_html, safe_json
from web.adapter import Library, ParameterError, error_kind, index_path_from_env

HERE = pathlib.Path(__file__).resolve().parent
ENV_TOKEN = "FUNDSTELLE_TOKEN"
#: MB for the cache of search answers in each server process (``serve --cache-size``).
ENV_CACHE_MB = "FUNDSTELLE_CACHE_MB"
COOKIE = "fundstelle_session"

#: Limits on what a request may ask for; each is named in the error it causes.
MAX_QUERY_CHARS = 1000
MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_FACETS = 200
MAX_SNIPPETS = 10
MAX_FILTERS = 10
MAX_BODY_BYTES = 1 << 20
DRAIN_BYTES = 16 << 20
MAX_BATCH_LINES = 1000
#: Facet values the page asks for: the first PAGE_FACETS_SHOWN are shown, the rest
#: behind "weitere", all searchable with the box above the list.
PAGE_FACETS = 50
PAGE_FACETS_SHOWN = 10
SORT_LABELS = {"relevance": "Relevanz", "date": "Neueste zuerst", "date-asc": "Älteste zuerst"}
#: ``--by`` of the timeline endpoint.
TIMELINE_BY = ("day", "week", "month", "year")
#: The facet kind (URL parameter) of each facet key of a result.
FACET_KINDS = {"person": "person", "place": "place", "sources": "source"}
#: The month histogram above the hits: its drawing area in SVG units.
HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT = 600, 72
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
          "September", "Oktober", "November", "Dezember")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


# ------------------------------------------------------------------ errors

def api_error(status, kind, message):
    """The one error shape of the API: ``{"error": {"kind", "message"}}``."""
    return _json_response({"error": {"kind": kind, "message": message}}, status)


def error_status(exc):
    """The HTTP status of a domain error."""
    if isinstance(exc, ArticleNotFound):
        return 404
    if isinstance(exc, (IndexNotFound, StaleIndex)):
        return 503
    return 400


def error_message(exc, index_path):
    """The library's one line for ``exc`` (:func:`search.errors.user_message`)."""
    return user_message(exc, index=index_path)


class ApiError(Exception):
    """An error found by the web layer itself (a bad parameter, a body too large)."""

    def __init__(self, status, kind, message):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def _json_response(data, status=200):
    # Compact: with ``indent`` Python's json falls back from its C encoder (2.0 ms
    # instead of 0.5 for a page of ten hits).
    return Response(safe_json(data) + "\n", status_code=status,
                    media_type="application/json")


# ------------------------------------------------------------------ parameters

def _one(params, name, default=None):
    values = params.getlist(name)
    if len(values) > 1:
        raise ParameterError(f"{name} given {len(values)} times; give it once")
    return values[0] if values else default


def _int(params, name, default, lo, hi):
    raw = _one(params, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParameterError(f"{name} must be a whole number, not {raw!r}") from None
    if not lo <= value <= hi:
        raise ParameterError(f"{name} must be between {lo} and {hi}, not {value}")
    return value


def _text(params, name, max_chars=MAX_QUERY_CHARS):
    value = _one(params, name)
    if value is not None and len(value) > max_chars:
        raise ParameterError(f"{name} is {len(value):,} characters long; at most "
                             f"{max_chars:,} are allowed")
    return value or None


def _names(params, name):
    values = [v for v in params.getlist(name) if v.strip()]
    if len(values) > MAX_FILTERS:
        raise ParameterError(f"at most {MAX_FILTERS} {name} filters are allowed")
    for v in values:
        if len(v) > 200:
            raise ParameterError(f"a {name} name is at most 200 characters long")
    return values


def table_format(params):
    """``format`` (``json`` or ``csv``) and ``bom`` (1 or 0) of an endpoint that gives a table."""
    fmt = _one(params, "format") or "json"
    if fmt not in ("json", "csv"):
        raise ParameterError(f"format must be json or csv, not {fmt!r}")
    bom = _one(params, "bom") or "1"
    if bom not in ("0", "1"):
        raise ParameterError(f"bom must be 1 or 0, not {bom!r}")
    return fmt, bom == "1"


def _csv_response(records, filename):
    """CSV records (:mod:`search.export`) streamed as a download."""
    return StreamingResponse(
        records, media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'})


def _peek(items):
    """``items`` (an iterator) with its first item already read: a search's error is
    raised here, before a response has started."""
    first = next(items, None)
    if first is None:
        return iter(())
    return itertools.chain([first], items)


def search_options(params, *, facets=10, snippets=2):
    """The keyword arguments of ``Library.search`` from URL parameters (the CLI's options).

    ``page`` sets ``offset`` to (page − 1) × limit, as ``--page`` does.
    """
    sort = _one(params, "sort") or "relevance"
    if sort not in SORT_LABELS:
        raise ParameterError(f"sort must be one of {', '.join(SORT_LABELS)}, not {sort!r}")
    limit = _int(params, "limit", 10, 0, MAX_LIMIT)
    offset = _int(params, "offset", 0, 0, MAX_OFFSET)
    page = _int(params, "page", None, 1, MAX_OFFSET)
    if page is not None:
        offset = (page - 1) * limit
        if offset > MAX_OFFSET:
            raise ParameterError(f"page {page} lies beyond the first {MAX_OFFSET:,} hits")
    return {
        "q": _text(params, "q"), "limit": limit, "offset": offset, "sort": sort,
        "since": _text(params, "since", 40), "until": _text(params, "until", 40),
        "person": _names(params, "person"), "place": _names(params, "place"),
        "source": _names(params, "source"),
        "facets": _int(params, "facets", facets, 0, MAX_FACETS),
        "snippets": _int(params, "snippets", snippets, 0, MAX_SNIPPETS),
        "collapse": _flag(params, "collapse", True),
    }


def _flag(params, name, default):
    """A yes/no parameter: 1/true/yes or 0/false/no."""
    raw = _one(params, name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise ParameterError(f"{name} must be 1 or 0, not {raw!r}")


def cooccurrence_options(params):
    """The arguments of ``Library.cooccurrence`` from URL parameters: one of ``person``
    or ``place`` (whose companions to list), ``q``, ``since``, ``until``, ``limit``,
    ``min_count``."""
    person, place = _names(params, "person"), _names(params, "place")
    if len(person) + len(place) != 1:
        raise ParameterError("give one person or one place (person=NAME or place=NAME)")
    kind, name = ("person", person[0]) if person else ("place", place[0])
    return {"kind": kind, "name": name, "q": _text(params, "q"),
            "since": _text(params, "since", 40), "until": _text(params, "until", 40),
            "limit": _int(params, "limit", 20, 0, MAX_LIMIT),
            "min_count": _int(params, "min_count", 2, 1, 1_000_000)}


async def read_body(request, limit=MAX_BODY_BYTES):
    """The request body, refused with 413 past ``limit`` bytes (counted, not trusted).

    A body somewhat over the limit is read to its end before the refusal, so the
    client gets the 413 instead of a connection reset while it is still sending;
    one over DRAIN_BYTES is refused at once.
    """
    declared = request.headers.get("content-length")
    declared = int(declared) if declared and declared.isdigit() else None
    if declared is not None and declared > DRAIN_BYTES:
        raise _too_large(declared, limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > DRAIN_BYTES:
            raise _too_large(size, limit)
        if size <= limit:
            chunks.append(chunk)
    if size > limit:
        raise _too_large(size, limit)
    return b"".join(chunks)


def _too_large(size, limit):
    return ApiError(413, "too_large", f"the request body is {size:,} bytes or more; at most "
                                      f"{limit:,} are allowed (send fewer lines a request)")


# ------------------------------------------------------------------ template helpers

def marked(text, ranges):
    """Article text as HTML: escaped, control characters removed, matches marked."""
    return Markup(marked_html(text, ranges))


def german_date(value, precision=None):
    """``2024-06-04`` → ``4. Juni 2024``, ``2024-06`` → ``Juni 2024``, at its precision."""
    if not value:
        return "ohne Datum"
    parts = str(value)[:10].split("-")
    try:
        if len(parts) == 1:
            return parts[0]
        month = MONTHS[int(parts[1]) - 1]
        if len(parts) == 2:
            return f"{month} {parts[0]}"
        return f"{int(parts[2])}. {month} {parts[0]}"
    except (ValueError, IndexError):
        return str(value)


def safe_url(url):
    """``url`` if it is an http(s) address, else None: article data never becomes a script link."""
    try:
        scheme = urllib.parse.urlsplit((url or "").strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def article_href(article_id, q=None, similar=False):
    """The page of one article, with the query to highlight (and its similar articles)."""
    href = "/article/" + urllib.parse.quote(str(article_id), safe="")
    params = ([("q", q)] if q else []) + ([("similar", "1")] if similar else [])
    return href + ("?" + urllib.parse.urlencode(params) if params else "")


def similar_src(article_id):
    """The API address the article page's script reads its similar articles from."""
    return "/api/similar/" + urllib.parse.quote(str(article_id), safe="") + \
        "?limit=5&snippets=0"


class Link:
    """The current search's URL parameters, with helpers making links that change one thing."""

    KEYS = ("q", "person", "place", "source", "since", "until", "sort", "limit")

    def __init__(self, params):
        self.pairs = [(k, v) for k, v in params.multi_items() if k in self.KEYS and v != ""]

    def href(self, pairs):
        return "/?" + urllib.parse.urlencode(pairs) if pairs else "/"

    def adding(self, key, value):
        pairs = [(k, v) for k, v in self.pairs if (k, v) != (key, value)]
        return self.href(pairs + [(key, value)])

    def removing(self, key, value=None):
        return self.href([(k, v) for k, v in self.pairs
                          if not (k == key and (value is None or v == value))])

    def with_(self, key, value):
        pairs = [(k, v) for k, v in self.pairs if k != key]
        if value not in (None, ""):
            pairs.append((key, str(value)))
        return self.href(pairs)

    def page(self, n):
        return self.with_("page", n if n > 1 else None)

    def csv_of_all(self):
        """The API's CSV of every hit of the current search (``format=csv&all=1``)."""
        pairs = [(k, v) for k, v in self.pairs if k not in ("page", "limit")]
        return "/api/search?" + urllib.parse.urlencode(pairs + [("format", "csv"),
                                                                 ("all", "1")])

    def month(self, month):
        """The same search narrowed to one month (``since`` and ``until`` both ``YYYY-MM``)."""
        pairs = [(k, v) for k, v in self.pairs if k not in ("since", "until", "page")]
        return self.href(pairs + [("since", month), ("until", month)])


def _templates():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["marked"] = marked
    env.filters["german_date"] = german_date
    env.globals["safe_url"] = safe_url
    env.globals["article_href"] = article_href
    env.globals["similar_src"] = similar_src
    env.globals["SORT_LABELS"] = SORT_LABELS
    env.globals["PAGE_FACETS_SHOWN"] = PAGE_FACETS_SHOWN
    return Jinja2Templates(env=env)


# ------------------------------------------------------------------ the app

def create_app(index_path, token=None, refresh_every=None, cache_mb=None):
    """The ASGI app serving the index at ``index_path``; every request needs ``token`` if set.

    ``cache_mb`` sizes the cache of search answers (:mod:`web.cache`; 0 turns it off).
    """
    kwargs = {} if refresh_every is None else {"refresh_every": refresh_every}
    if cache_mb is not None:
        kwargs["cache_mb"] = cache_mb
    library = Library(index_path, **kwargs)
    templates = _templates()

    def page(request, name, context, status=200):
        return templates.TemplateResponse(request, name, context, status_code=status)

    def page_error(request, exc, status=None, title="Fehler"):
        message = exc if isinstance(exc, str) else error_message(exc, library.index_path)
        status = status or (error_status(exc) if not isinstance(exc, str) else 400)
        return page(request, "error.html", {"title": title, "message": message,
                                            "q": request.query_params.get("q", "")}, status)

    # ---------------------------------------------------------------- pages

    async def search_page(request):
        params = request.query_params
        try:
            opts = search_options(params, facets=PAGE_FACETS)
        except FundstelleError as exc:
            return page_error(request, exc, title="Ungültige Suche")
        link = Link(params)
        context = {"opts": opts, "link": link, "data": None, "error": None, "companions": None,
                   "q": opts["q"] or "", "chips": _filter_views(opts, None, link)["chips"],
                   "facet_lists": []}
        if opts["q"] or opts["person"] or opts["place"] or opts["source"] or opts["since"] \
                or opts["until"]:
            try:
                context["data"] = await run_in_threadpool(library.search, **opts)
            except FundstelleError as exc:
                context["error"] = error_message(exc, library.index_path)
                return page(request, "search.html", context, error_status(exc))
            data = context["data"]
            context["pages"] = _pages(data["offset"], max(opts["limit"], 1),
                                      data["groups"] if data.get("groups") is not None
                                      else data["total"])
            context.update(_filter_views(opts, data, link))
            context["histogram"] = histogram(data["facets"].get("dates") or [], link)
            context["companions"] = await run_in_threadpool(_companions, library, opts, link)
        else:
            context["articles"] = await run_in_threadpool(library.article_count)
        return page(request, "search.html", context)

    async def article_page(request):
        article_id = request.path_params["article_id"]
        q = request.query_params.get("q") or None
        if q and len(q) > MAX_QUERY_CHARS:
            q = None
        # Similar articles take a more-like-this search (a second on full FANG): the
        # page's script fetches them from /api/similar after the text is shown; without
        # script, ?similar=1 renders them here.
        try:
            article = await run_in_threadpool(library.article, article_id, q)
            similar = None
            if request.query_params.get("similar") == "1":
                similar = await run_in_threadpool(library.similar, article_id, limit=5,
                                                  snippets=0)
        except FundstelleError as exc:
            title = ("Artikel nicht gefunden" if isinstance(exc, ArticleNotFound)
                     else "Fehler")
            return page_error(request, exc, title=title)
        return page(request, "article.html", {"article": article, "similar": similar,
                                              "q": q or ""})

    async def login(request):
        nxt = _local_path(request.query_params.get("next"))
        if not token:  # nothing to log in to
            return RedirectResponse(nxt, status_code=303)
        if request.method == "GET":
            return page(request, "login.html", {"next": nxt, "failed": False, "q": ""})
        try:
            body = await read_body(request, 16 * 1024)
        except ApiError as exc:
            return page_error(request, exc.message, exc.status)
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        given = (form.get("token") or [""])[0]
        nxt = _local_path((form.get("next") or [nxt])[0])
        if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
            return page(request, "login.html", {"next": nxt, "failed": True, "q": ""}, 401)
        response = RedirectResponse(nxt, status_code=303)
        response.set_cookie(COOKIE, _session_value(token), httponly=True, samesite="strict",
                            path="/")
        return response

    # ---------------------------------------------------------------- API

    async def api_search(request):
        params = request.query_params
        opts = search_options(params)
        fmt, bom = table_format(params)
        if _one(params, "all") not in (None, "", "0", "1"):
            raise ParameterError(f"all must be 1 or 0, not {_one(params, 'all')!r}")
        if _one(params, "all") == "1":
            if fmt != "csv":
                raise ParameterError("all=1 streams every hit as CSV: add format=csv")
            hits = library.every_hit(opts["q"], sort=opts["sort"], since=opts["since"],
                                     until=opts["until"], person=opts["person"],
                                     place=opts["place"], source=opts["source"],
                                     snippets=min(opts["snippets"], 1))
            first = await run_in_threadpool(_peek, hits)  # errors before the first byte
            return _csv_response(export.search_csv(first, bom), "fundstelle-treffer.csv")
        if fmt == "csv":
            opts.update(facets=0, snippets=min(opts["snippets"], 1))
            data = await run_in_threadpool(library.search, **opts)
            return _csv_response(export.search_csv(data["hits"], bom),
                                 "fundstelle-treffer.csv")
        body = library.cached_json(**opts)  # a repeat: answered here, no thread needed
        if body is not None:
            return Response(body, media_type="application/json", headers={"x-cache": "hit"})
        _, body, cached = await run_in_threadpool(library.search_answer, **opts)
        # Says whether the answer came from the cache (web/cache.py), as proxies do.
        return Response(body, media_type="application/json",
                        headers={"x-cache": "hit" if cached else "miss"})

    async def api_batch(request):
        params = request.query_params
        opts = search_options(params, facets=0, snippets=0)
        body = await read_body(request)
        lines = body.splitlines()
        if len(lines) > MAX_BATCH_LINES:
            raise ApiError(413, "too_large", f"the batch has {len(lines):,} lines; at most "
                                             f"{MAX_BATCH_LINES:,} are allowed a request")
        answers = library.batch(lines, limit=opts["limit"], sort=opts["sort"],
                                since=opts["since"], until=opts["until"],
                                person=opts["person"], place=opts["place"],
                                source=opts["source"], snippets=opts["snippets"],
                                facets=opts["facets"], collapse=opts["collapse"])

        def jsonl():
            for answer in answers:
                yield safe_json(answer) + "\n"

        return StreamingResponse(jsonl(), media_type="application/x-ndjson")

    async def api_article(request):
        q = _text(request.query_params, "q")
        return _json_response(await run_in_threadpool(
            library.article, request.path_params["article_id"], q))

    async def api_similar(request):
        params = request.query_params
        return _json_response(await run_in_threadpool(
            library.similar, request.path_params["article_id"],
            limit=_int(params, "limit", 10, 0, MAX_LIMIT),
            snippets=_int(params, "snippets", 1, 0, MAX_SNIPPETS)))

    async def api_facets(request):
        kind = request.path_params["kind"]
        if kind not in ("person", "place", "source"):
            raise ApiError(404, "not_found", f"no facet {kind!r}; use person, place or source")
        params = request.query_params
        fmt, bom = table_format(params)
        data = await run_in_threadpool(
            library.facets, kind, _text(params, "q"), prefix=_text(params, "prefix", 200),
            limit=_int(params, "limit", 50, 1, 1000))
        if fmt == "csv":
            return _csv_response(export.facets_csv(data, bom), f"fundstelle-{kind}.csv")
        return _json_response(data)

    async def api_timeline(request):
        params = request.query_params
        by = _one(params, "by") or "month"
        if by not in TIMELINE_BY:
            raise ParameterError(f"by must be one of {', '.join(TIMELINE_BY)}, not {by!r}")
        compare = _one(params, "compare") or "0"
        if compare not in ("0", "1", "true", "false"):
            raise ParameterError(f"compare must be 1 or 0, not {compare!r}")
        fmt, bom = table_format(params)
        queries = _names(params, "q")
        for q in queries:
            if len(q) > MAX_QUERY_CHARS:
                raise ParameterError(f"q is {len(q):,} characters long; at most "
                                     f"{MAX_QUERY_CHARS:,} are allowed")
        data = await run_in_threadpool(
            library.timeline, queries, by=by, since=_text(params, "since", 40),
            until=_text(params, "until", 40), person=_names(params, "person"),
            place=_names(params, "place"), source=_names(params, "source"),
            compare=compare in ("1", "true"))
        if fmt == "csv":
            return _csv_response(export.timeline_csv(data, bom), "fundstelle-zeitleiste.csv")
        return _json_response(data)

    async def api_cooccurrence(request):
        opts = cooccurrence_options(request.query_params)
        return _json_response(await run_in_threadpool(library.cooccurrence, **opts))

    async def api_stats(request):
        return _json_response(await run_in_threadpool(library.stats))

    async def api_openapi(request):
        from web.openapi import openapi
        return _json_response(openapi())

    # ---------------------------------------------------------------- errors

    async def on_http_error(request, exc):
        if request.url.path.startswith("/api"):
            kind = {401: "unauthorized", 404: "not_found",
                    405: "method_not_allowed"}.get(exc.status_code, "http_error")
            message = {404: f"no API endpoint at {request.url.path}; "
                            "see /api/openapi.json",
                       405: f"{request.method} is not allowed on {request.url.path}"}.get(
                exc.status_code, exc.detail)
            return api_error(exc.status_code, kind, message)
        if exc.status_code == 404:
            return page_error(request, "Diese Seite gibt es nicht.", 404,
                              title="Nicht gefunden")
        return page_error(request, str(exc.detail), exc.status_code)

    async def on_api_error(request, exc):
        if request.url.path.startswith("/api"):
            return api_error(exc.status, exc.kind, exc.message)
        return page_error(request, exc.message, exc.status)

    async def on_domain_error(request, exc):
        if request.url.path.startswith("/api"):
            return api_error(error_status(exc), error_kind(exc),
                             error_message(exc, library.index_path))
        return page_error(request, exc)

    async def on_crash(request, exc):
        message = (f"unexpected {type(exc).__name__}; this is a bug in Fundstelle, the "
                   "server's log has the details")
        if request.url.path.startswith("/api"):
            return api_error(500, "internal", message)
        return page_error(request, message, 500)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await run_in_threadpool(library.warm)
        try:
            yield
        finally:
            library.close()

    routes = [
        Route("/", search_page),
        Route("/article/{article_id:path}", article_page),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/api/search", api_search),
        Route("/api/search/batch", api_batch, methods=["POST"]),
        Route("/api/article/{article_id:path}", api_article),
        Route("/api/similar/{article_id:path}", api_similar),
        Route("/api/facets/{kind}", api_facets),
        Route("/api/timeline", api_timeline),
        Route("/api/cooccurrence", api_cooccurrence),
        Route("/api/stats", api_stats),
        Route("/api/openapi.json", api_openapi),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        HTTPException: on_http_error, ApiError: on_api_error,
        FundstelleError: on_domain_error, Exception: on_crash})
    app.state.library = library
    guarded = TokenGate(app, token) if token else app
    return SecurityHeaders(guarded)


def app_from_env():
    """The app for uvicorn's factory mode (``--workers``): index, token and cache size
    from the environment."""
    cache = os.environ.get(ENV_CACHE_MB)
    return create_app(index_path_from_env(), token=os.environ.get(ENV_TOKEN) or None,
                      cache_mb=float(cache) if cache else None)


def _filter_views(opts, data, link):
    """What the page shows of the filters: removable chips and the facet lists with links.

    A filter's URL value is what the reader typed (``söder``); the results name the
    person it resolved to (``Markus Söder``), which the facet list marks as selected.
    """
    labels = {"person": ("Person", "Personen"), "place": ("Ort", "Orte"),
              "source": ("Quelle", "Quellen")}
    chips, raw_of = [], {}
    for kind in ("person", "place", "source"):
        resolved = (data or {}).get("filters", {}).get(kind) or []
        if kind == "source":  # any of them; one name may mean several spellings
            for value in resolved:
                raw_of[(kind, value)] = _source_raw(opts[kind], value)
        for i, raw in enumerate(opts[kind]):
            shown = raw if kind == "source" else resolved[i] if i < len(resolved) else raw
            raw_of.setdefault((kind, shown), raw)
            chips.append({"kind": labels[kind][0], "shown": shown,
                          "remove": link.removing(kind, raw)})
    for key, label in (("since", "ab"), ("until", "bis")):
        if opts[key]:
            chips.append({"kind": "Datum " + label, "shown": opts[key],
                          "remove": link.removing(key)})
    facet_lists = []
    for key, values in ((data or {}).get("facets") or {}).items():
        kind = FACET_KINDS.get(key, key)
        if kind not in labels or (kind == "source" and not values):
            continue  # an index without outlets (plain-text files) lists none
        shown = []
        for v in values:
            href = (link.removing(kind, raw_of.get((kind, v["value"]), v["value"]))
                    if v["selected"] else link.adding(kind, v["value"]))
            shown.append({**v, "href": href})
        facet_lists.append({"kind": kind, "title": labels[kind][1], "entries": shown})
    return {"chips": chips, "facet_lists": facet_lists}


def _source_raw(raws, value):
    """Which of the typed source names ``raws`` selected the outlet ``value``."""
    from index.analysis import fold_diacritics
    from search.sources import site_name

    folded = fold_diacritics(value)
    for raw in raws:
        want = fold_diacritics(raw.strip())
        if want in (folded, site_name(value)) or set(want.split()) <= set(folded.split()):
            return raw
    return raws[0] if len(raws) == 1 else value


def histogram(months, link):
    """The bars of the ``dates`` facet as an SVG chart: one bar a month, each a link to
    the search narrowed to that month.

    Returns None for fewer than two months, else ``{"width", "height", "bars",
    "first", "last"}`` with each bar's box, count, German label and link.
    """
    if len(months) < 2:
        return None
    most = max(m["count"] for m in months) or 1
    step = HISTOGRAM_WIDTH / len(months)
    gap = min(2.0, step / 4)
    bars = []
    for i, m in enumerate(months):
        h = round(HISTOGRAM_HEIGHT * m["count"] / most, 1)
        if m["count"] and h < 1:
            h = 1.0
        bars.append({"x": round(i * step + gap / 2, 2), "w": round(step - gap, 2),
                     "y": round(HISTOGRAM_HEIGHT - h, 1), "h": h, "count": m["count"],
                     "selected": m["selected"], "month": m["value"],
                     "label": german_date(m["value"]), "href": link.month(m["value"])})
    return {"width": HISTOGRAM_WIDTH, "height": HISTOGRAM_HEIGHT, "bars": bars,
            "first": bars[0]["label"], "last": bars[-1]["label"]}
def _companions(library, opts, link, limit=10):
    """The page's "named with" box: for the one person or place filtered by, the names
    most specific to its articles among the query's matches (None otherwise, or when
    the name cannot be resolved: the search itself says why)."""
    if len(opts["person"]) + len(opts["place"]) != 1:
        return None
    kind, name = ("person", opts["person"][0]) if opts["person"] else ("place", opts["place"][0])
    try:
        data = library.cooccurrence(kind, name, opts["q"], since=opts["since"],
                                    until=opts["until"], limit=limit)
    except FundstelleError:
        return None
    for row in data["rows"]:
        row["href"] = link.adding(row["kind"], row["name"])
    return data


def _pages(offset, limit, total):
    """Page numbers to link: first, last, and two either side of the current one."""
    current = offset // limit + 1
    last = max((min(total, 10_000 + limit) - 1) // limit + 1, 1)
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    out, prev = [], 0
    for n in shown:
        if n - prev > 1:
            out.append(None)  # a gap: …
        out.append(n)
        prev = n
    return {"current": current, "last": last, "numbers": out}


def _local_path(path):
    """``path`` if it stays on this site (``/…``, not ``//host``), else ``/``."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def _session_value(token):
    """The login cookie's value: derived from the token, never the token itself."""
    return hmac.new(token.encode(), b"fundstelle-session-v1", hashlib.sha256).hexdigest()


# ------------------------------------------------------------------ middleware

class SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every response."""

    HEADERS = [(b"content-security-policy", CSP.encode()),
               (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"no-referrer"),
               (b"x-frame-options", b"DENY")]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", []))
                           + self.HEADERS}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TokenGate:
    """Lets a request through only with ``Authorization: Bearer TOKEN`` or the login cookie.

    ``/login`` and ``/static/`` stay open (the login form needs its style sheet).
    Without the token, ``/api`` answers 401 in the API's error shape and pages
    redirect to the login form.
    """

    def __init__(self, app, token):
        self.app = app
        self.token = token.encode()
        self.session = _session_value(token).encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path == "/login" or path.startswith("/static/") or self._allowed(scope):
            return await self.app(scope, receive, send)
        if path.startswith("/api"):
            response = api_error(401, "unauthorized",
                                 "this server needs its token: send the header "
                                 "`Authorization: Bearer TOKEN`")
            response.headers["www-authenticate"] = 'Bearer realm="fundstelle"'
        else:
            target = path + ("?" + scope["query_string"].decode("latin-1")
                             if scope.get("query_string") else "")
            response = RedirectResponse("/login?" + urllib.parse.urlencode({"next": target}),
                                        status_code=303)
        await response(scope, receive, send)

    def _allowed(self, scope):
        headers = dict(scope.get("headers") or [])
        auth = headers.get(b"authorization", b"")
        if auth[:7].lower() == b"bearer " and hmac.compare_digest(auth[7:].strip(),
                                                                   self.token):
            return True
        cookies = Request(scope).cookies
        given = cookies.get(COOKIE, "").encode()
        return bool(given) and hmac.compare_digest(given, self.session)
