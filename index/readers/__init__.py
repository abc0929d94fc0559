"""Readers of input formats: one module per format, picked by suffix or by content.

Each reader module has a generator ``read(path_or_stream)`` yielding
:class:`~index.ingest.Article`, :class:`~index.errors.ArticleError` (and
:class:`~index.ingest.Warning_` / :class:`~index.ingest.Skipped` notes). The
extraction is a library call (trafilatura, warcio, feedparser, defusedxml);
the modules only map fields. Heavy libraries are imported inside ``read`` so
that a search never loads them.

The table is :data:`SUFFIXES`; ``.xml`` and ``.json`` are ambiguous and are
sniffed from their first bytes (:func:`sniff`), as Apache Tika's detector does.

>>> sniff(b'<?xml version="1.0"?>\\n<rss version="2.0"><channel>')
'feed'
>>> sniff(b'<nitf><head><title>Hochwasser</title>')
'nitf'
"""

import gzip
import importlib
import os
import re

#: Format name -> module under index.readers.
MODULES = {"html": "html", "warc": "warc", "feed": "feed", "ninjs": "ninjs",
           "nitf": "nitf", "newsml": "newsml"}

#: File ending -> format; ``None`` means "sniff the first bytes".
SUFFIXES = {
    ".html": "html", ".htm": "html", ".html.gz": "html", ".htm.gz": "html",
    ".warc": "warc", ".warc.gz": "warc",
    ".rss": "feed", ".atom": "feed",
    ".xml": None, ".json": None,
}

#: How many bytes :func:`sniff` looks at.
SNIFF_BYTES = 8192

_SKIP_RE = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)",
                      re.S | re.I)
_TAG_RE = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_ROOTS = {b"rss": "feed", b"feed": "feed", b"rdf:rdf": "feed", b"nitf": "nitf",
          b"newsitem": "newsml", b"newsmessage": "newsml", b"packageitem": "newsml",
          b"html": "html"}


def suffix_of(path):
    """The known file ending of ``path`` (lower case), or ``""``.

    >>> suffix_of("archiv/Crawl-2024.WARC.gz")
    '.warc.gz'
    """
    name = os.path.basename(str(path)).lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return ""


def sniff(head):
    """The format of a file from its first bytes, or None when none is known."""
    head = head.lstrip(b"\xef\xbb\xbf")
    if head.startswith(b"WARC/"):
        return "warc"
    stripped = head.lstrip()
    if stripped[:1] in (b"{", b"["):
        return "ninjs" if b'"uri"' in head or b'"headline"' in head else None
    pos = 0
    while True:
        m = _SKIP_RE.match(head, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    if head[pos:pos + 14].lower().startswith(b"<!doctype html"):
        return "html"
    m = _TAG_RE.match(head, pos)
    if not m:
        return None
    name = m.group(1).lower()
    local = name.rsplit(b":", 1)[-1] if name != b"rdf:rdf" else name
    return _ROOTS.get(name) or _ROOTS.get(local)


def head_of(path):
    """The first :data:`SNIFF_BYTES` bytes of a file, unpacked when it is gzipped."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as g:
                head = g.read(SNIFF_BYTES)
        except (OSError, EOFError):
            pass  # the reader reports the damage
    return head


def format_of(path):
    """The format name for ``path``: by suffix, else by content; None if unknown.

    Raises OSError when the file must be sniffed and cannot be read.
    """
    suffix = suffix_of(path)
    fmt = SUFFIXES.get(suffix)
    if fmt is None and suffix:
        fmt = sniff(head_of(path))
    return fmt


def reader(fmt):
    """The ``read`` generator of a format."""
    return importlib.import_module(f"index.readers.{MODULES[fmt]}").read
