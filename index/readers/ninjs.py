"""IPTC ninjs 1.x/2.x (a ``.json`` object or array, or JSON Lines of objects).

``uri`` → id, ``headline`` (2.x: ``headlines[0].value``) → title, ``body_text``
or ``body_html`` (2.x: ``bodies``) → text, ``versioncreated`` (else
``firstcreated``) → date, ``byline`` → ``meta["authors"]``, and ``subject``,
``people``, ``places`` kept as stored metadata.
"""

import json

from index.errors import ArticleError
from index.readers._common import (html_fragment_text, name_of, paragraphs,
                                   parse_date, read_bytes)

#: The largest ninjs file read, in bytes.
MAX_NINJS_BYTES = 50_000_000

_KEPT = ("subject", "people", "places", "organisations", "genre", "language", "urgency")


def _body(obj):
    if obj.get("body_text"):
        return paragraphs(str(obj["body_text"]))
    if obj.get("body_html"):
        return html_fragment_text(str(obj["body_html"]))
    for body in obj.get("bodies") or ():  # ninjs 2.x
        if isinstance(body, dict) and body.get("value"):
            kind = str(body.get("contenttype") or body.get("content_type") or "")
            value = str(body["value"])
            return html_fragment_text(value) if "html" in kind else paragraphs(value)
    return ""


def _headline(obj):
    if obj.get("headline"):
        return str(obj["headline"])
    for h in obj.get("headlines") or ():
        if isinstance(h, dict) and h.get("value"):
            return str(h["value"])
    return ""


def article_from_ninjs(obj, source, line=None):
    """Map one decoded ninjs object to an Article (ArticleError when it is none)."""
    from index.ingest import Article

    if not isinstance(obj, dict):
        raise ArticleError(source, f"expected a ninjs object, got {type(obj).__name__}", line)
    if not obj.get("uri"):
        raise ArticleError(source, "ninjs object without 'uri'; skipped", line)
    text = _body(obj)
    if not text:
        raise ArticleError(source, f"ninjs {obj['uri']} has no body_text or body_html; "
                                   "skipped", line)
    meta = {k: obj[k] for k in _KEPT if obj.get(k)}
    if obj.get("byline"):
        meta["authors"] = [str(obj["byline"])]
    date = parse_date(obj.get("versioncreated") or obj.get("firstcreated"))
    source_name = obj.get("copyrightholder") or ""
    return Article(id=str(obj["uri"]), title=" ".join(_headline(obj).split()), text=text,
                   date=date, source=str(source_name), meta=meta, origin=source)


def read(path_or_stream):
    """Yield the Articles of a ninjs file: one object, an array, or JSON Lines."""
    source = name_of(path_or_stream)
    try:
        data = read_bytes(path_or_stream, MAX_NINJS_BYTES, "ninjs document")
        text = data.decode("utf-8-sig")
    except ArticleError as exc:
        yield exc
        return
    except UnicodeDecodeError as exc:
        yield ArticleError(source, f"not UTF-8 (byte {exc.start}); ninjs is UTF-8 JSON")
        return
    try:
        docs = [(json.loads(text), None)]
    except RecursionError:
        yield ArticleError(source, "not valid JSON (nested too deeply)")
        return
    except ValueError:
        docs = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                docs.append((json.loads(line), n))
            except RecursionError:
                yield ArticleError(source, "not valid JSON (nested too deeply)", n)
            except ValueError as exc:
                yield ArticleError(source, f"not valid JSON ({getattr(exc, 'msg', exc)})", n)
    if len(docs) == 1 and isinstance(docs[0][0], list):
        docs = [(obj, None) for obj in docs[0][0]]
    for obj, line in docs:
        try:
            yield article_from_ninjs(obj, source, line)
        except ArticleError as exc:
            yield exc
