"""Web crawls in WARC (``.warc``, ``.warc.gz``; ISO 28500), read with warcio.

Every ``response`` record with HTTP status 200 and an HTML content type is an
article, extracted as a saved page (:mod:`index.readers.html`); its id is the
target URI without fragment and ``utm_*`` parameters, and the WARC-Date is the
fallback date. Revisits, non-HTML and non-200 responses are passed over and
counted. When one URL was captured twice, the later capture wins, by WARC-Date
and then by file order, also across the WARC files of one run: a first pass
(:func:`latest_captures`) notes each URL's winning capture, a second
(:func:`units`) hands out only those for extraction. Both passes stream record
by record, so a 2 GB crawl needs no 2 GB of memory. A truncated
or damaged file ends with one error naming the byte offset of the record that
could not be read; the records before it are read.
"""

import datetime
import os
import zlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from index.errors import ArticleError
from index.readers._common import name_of, parse_date

#: The largest response body extracted, in bytes.
MAX_BODY_BYTES = 20_000_000


def normalise_url(uri):
    """The article id of a captured URL: no fragment, no ``utm_*`` parameters.

    >>> normalise_url("https://www.example.de/politik/wahl.html?utm_source=rss&seite=2#kommentare")
    'https://www.example.de/politik/wahl.html?seite=2'
    """
    parts = urlsplit(uri.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith("utm_")]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/",
                       urlencode(query), ""))


def _is_html(ctype):
    ctype = (ctype or "").split(";")[0].strip().lower()
    return ctype in ("text/html", "application/xhtml+xml")


def _records(path_or_stream, source):
    """Yield ``(offset, record)`` and, on damage, a final ``(offset, ArticleError)``."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    own = isinstance(path_or_stream, (str, os.PathLike))
    stream = open(path_or_stream, "rb") if own else path_or_stream
    offset = 0
    it = None
    try:
        it = ArchiveIterator(stream)
        for record in it:
            offset = it.offset  # where this record starts (get_record_offset reads it all)
            yield offset, record
            if not _complete(record):
                yield offset, ArticleError(source, f"truncated WARC: the record at byte "
                                                   f"{offset} ends early; the records before "
                                                   "it were read")
                return
            offset = it.offset
        if own and _trailing_data(path_or_stream, it.offset):
            # warcio ends quietly at a record cut off inside its gzip member
            yield it.offset, ArticleError(source, f"truncated WARC: the record at byte "
                                                  f"{it.offset} is incomplete; the records "
                                                  "before it were read")
    except (ArchiveLoadFailed, zlib.error, EOFError, ValueError, OSError) as exc:
        offset = max(offset, getattr(it, "offset", 0) or 0) if it is not None else offset
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        yield offset, ArticleError(source, f"damaged or truncated WARC at byte {offset} "
                                           f"({reason}); the records before it were read")
    finally:
        if own:
            stream.close()


def _trailing_data(path, offset):
    """Whether the file holds more than blank lines after ``offset``."""
    with open(path, "rb") as f:
        f.seek(offset)
        rest = f.read(4096)
    return bool(rest.strip())


def _complete(record):
    """Read the rest of a record; False when the file ended before its Content-Length.

    warcio returns a cut-off last record as if it were whole.
    """
    stream = record.raw_stream
    while stream.read(1 << 16):
        pass
    return getattr(stream, "limit", 0) <= 0


def _target(record):
    return record.rec_headers.get_header("WARC-Target-URI") or ""


def _wanted(record):
    """``None`` for an article record, else the reason it is passed over (or ``""``
    for records that are not captures at all: warcinfo, request, metadata)."""
    kind = record.rec_type
    if kind == "revisit":
        return "WARC revisit"
    if kind != "response" or record.http_headers is None:
        return ""
    if record.http_headers.get_statuscode() != "200":
        return "WARC non-200"
    if not _is_html(record.http_headers.get_header("Content-Type")):
        return "WARC non-HTML"
    return None


def _date_key(value):
    """A WARC-Date as a sortable tuple; a missing or unreadable one sorts first."""
    try:
        when = datetime.datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return (0,)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return (1, when.timestamp())


def latest_captures(paths):
    """Which capture of each URL wins over the WARC files ``paths`` (in the run's order).

    Returns ``{article id: (file number, byte offset)}``: of the HTML captures with
    status 200, the one with the latest WARC-Date, and of equal dates the one in
    the later file, then further down its file. One streaming pass per file,
    keeping only this map; a file's damage is reported when its records are read.
    """
    best = {}
    for number, path in enumerate(paths):
        for offset, record in _records(path, name_of(path)):
            if isinstance(record, ArticleError):
                break
            if _wanted(record) is None:
                article_id = normalise_url(_target(record))
                key = (_date_key(record.rec_headers.get_header("WARC-Date")), number, offset)
                if article_id not in best or key > best[article_id][0]:
                    best[article_id] = (key, (number, offset))
    return {article_id: where for article_id, (_, where) in best.items()}


def units(path_or_stream, winners=None, number=0):
    """Yield Skipped notes, ArticleErrors and a :class:`~index.readers.Unit` per capture
    to extract.

    ``winners`` is :func:`latest_captures` over every WARC file of the run and
    ``number`` this file's place among them; a capture that is not its URL's
    winner is skipped as an earlier capture. Without ``winners`` every capture
    of a stream is extracted.
    """
    from index.ingest import Skipped
    from index.readers import Unit, unit_key

    source = name_of(path_or_stream)
    if isinstance(path_or_stream, (str, os.PathLike)):
        if winners is None:
            winners, number = latest_captures([path_or_stream]), 0
        try:
            empty = os.path.getsize(path_or_stream) == 0
        except OSError as exc:
            yield ArticleError(source, f"cannot be read: {exc.strerror or exc}")
            return
        if empty:
            yield ArticleError(source, "empty file (0 bytes), not a WARC")
            return
    for offset, record in _records(path_or_stream, source):
        if isinstance(record, ArticleError):
            yield record
            return
        why = _wanted(record)
        if why:
            yield Skipped(source, why)
            continue
        if why is not None:
            continue
        uri = _target(record)
        article_id = normalise_url(uri)
        if winners is not None and winners.get(article_id) != (number, offset):
            yield Skipped(source, "WARC earlier capture")
            continue
        body = record.content_stream().read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            yield ArticleError(source, f"the capture of {uri} at byte {offset} is larger than "
                                       f"{MAX_BODY_BYTES / 1e6:g} MB; skipped")
            continue
        if not _complete(record):
            continue  # _records reports the truncation next
        warc_date = record.rec_headers.get_header("WARC-Date") or ""
        yield Unit("warc", source, "index.readers.warc:extract_record",
                   (body, article_id, source, offset, uri, warc_date),
                   key=unit_key("warc", source, uri, warc_date, body))


def extract_record(body, article_id, source, offset, uri, warc_date):
    """The Article of one HTML capture (in a list), or the ArticleError naming it."""
    from index.readers.html import article_from_html

    where = f"{source} (record at byte {offset}, {uri})"
    try:
        article = article_from_html(body, article_id, where, url=uri,
                                    fallback_date=parse_date(warc_date))
    except ArticleError as exc:
        return [ArticleError(source, f"record at byte {offset} ({uri}): {exc.problem}")]
    article.origin = source
    return [article]


def read(path_or_stream):
    """Yield an Article per HTML capture, Skipped notes, and ArticleErrors."""
    from index.readers import Unit

    for item in units(path_or_stream):
        if isinstance(item, Unit):
            yield from item.run()
        else:
            yield item
