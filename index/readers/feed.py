"""RSS 2.0 and Atom feeds (``.rss``, ``.atom``, ``.xml`` that is a feed), read with feedparser.

One article per entry: the full content where the feed has it, else the
summary; the link as id and url; the published (else updated) date; the feed's
title as source; the entry's authors in ``meta["authors"]``. The file is first
checked with defusedxml, so entity declarations and external entities are
refused before feedparser sees it.
"""

import time

from index.errors import ArticleError
from index.readers._common import (html_fragment_text, name_of, parse_date,
                                   read_bytes, safe_xml)

#: The largest feed read, in bytes.
MAX_FEED_BYTES = 50_000_000


def _date(entry):
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return parse_date(time.strftime("%Y-%m-%dT%H:%M:%S+00:00", value))
    return None


def read(path_or_stream):
    """Yield an Article per feed entry (or an ArticleError)."""
    source = name_of(path_or_stream)
    try:
        data = read_bytes(path_or_stream, MAX_FEED_BYTES, "feed")
        safe_xml(data, source, "feed", required=False)
    except ArticleError as exc:
        yield exc
        return
    import feedparser

    from index.ingest import Article

    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.entries:
        if parsed.get("bozo"):
            reason = str(parsed.get("bozo_exception") or "not well-formed").splitlines()[0]
            yield ArticleError(source, f"not a readable RSS/Atom feed ({reason}); skipped")
        else:
            yield ArticleError(source, "a feed without entries: no articles")
        return
    site = parsed.feed.get("title") or ""
    for n, entry in enumerate(parsed.entries, 1):
        link = entry.get("link") or entry.get("id") or ""
        if entry.get("content"):
            body = "\n".join(c.get("value", "") for c in entry.content)
        else:
            body = entry.get("summary") or ""
        text = html_fragment_text(body)
        if not link:
            yield ArticleError(source, f"entry {n} has no link or id; skipped")
            continue
        if not text:
            yield ArticleError(source, f"entry {n} ({link}) has no content or summary; skipped")
            continue
        meta = {}
        authors = [a.get("name") for a in entry.get("authors") or () if a.get("name")]
        if authors:
            meta["authors"] = authors
        yield Article(id=link, title=" ".join((entry.get("title") or "").split()), text=text,
                      date=_date(entry), source=site, url=entry.get("link") or "", meta=meta,
                      origin=source)
