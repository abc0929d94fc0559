"""Readers of input formats: one module per format, picked by suffix or by content.

Each reader module has a generator ``read(path_or_stream)`` yielding
:class:`~index.ingest.Article`, :class:`~index.errors.ArticleError` (and
:class:`~index.ingest.Warning_` / :class:`~index.ingest.Skipped` notes). The
extraction is a library call (trafilatura, warcio, feedparser, defusedxml);
the modules only map fields. Heavy libraries are imported inside ``read`` so
that a search never loads them.

The table is :data:`SUFFIXES`; ``.xml`` and ``.json`` are ambiguous and are
sniffed from their first bytes (:func:`sniff`), as Apache Tika's detector does.

Extraction is the slow part of reading these formats, so an indexing run does
not call ``read`` itself: :func:`index.ingest.read_units` reads each file's raw
bytes (a WARC: each capture's) and yields a :class:`Unit` for it, which
:func:`index.readers.workers.extracted` runs in worker processes. A unit's
``key`` hashes its raw bytes, so a re-run can skip an unchanged file without
extracting it again.

>>> sniff(b'<?xml version="1.0"?>\\n<rss version="2.0"><channel>')
'feed'
>>> sniff(b'<nitf><head><title>Hochwasser</title>')
'nitf'
"""

import gzip
import hashlib
import importlib
import io
import os
import re
import traceback

from index.errors import ArticleError

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

#: The most raw bytes read from a file of each format: one more than its reader's
#: limit, so the reader still reports an oversized file.
RAW_LIMITS = {"html": 20_000_001, "feed": 50_000_001, "ninjs": 50_000_001,
              "nitf": 20_000_001, "newsml": 20_000_001}

#: Bump when a reader's mapping changes what it extracts from the same bytes: a
#: unit's :attr:`Unit.key` includes it, so a re-run extracts every file again.
READERS_VERSION = 1

#: Libraries whose versions go into every unit key, for the same reason.
_KEY_LIBRARIES = ("trafilatura", "htmldate", "justext", "lxml", "warcio", "feedparser",
                  "defusedxml")

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


class Unit:
    """One piece of extraction work: a file's raw bytes, or one WARC capture.

    ``func`` names a module-level function (``"index.readers.warc:extract_record"``)
    called with ``args``; it returns (or yields) Articles and ArticleErrors.
    Units are pickled to worker processes, so ``args`` hold plain data. ``key``
    is a hash of the format, the source, the readers' and libraries' versions
    and the raw bytes (None when a unit cannot be keyed).
    """

    __slots__ = ("fmt", "source", "func", "args", "key")

    def __init__(self, fmt, source, func, args, key=None):
        self.fmt = fmt
        self.source = str(source)
        self.func = func
        self.args = args
        self.key = key

    def __repr__(self):
        return f"Unit({self.fmt!r}, {self.source!r})"

    def run(self):
        """The items of this unit, as a list, with the format tagged on its Articles.

        An error the reader did not expect (a bug in a library on a strange file)
        becomes one ArticleError naming the file, as a file that cannot be read.
        """
        from index.ingest import Article

        module, name = self.func.split(":")
        try:
            items = list(getattr(importlib.import_module(module), name)(*self.args))
        except ArticleError as exc:
            items = [exc]
        except RecursionError:
            items = [ArticleError(self.source, "nested too deeply to be read; skipped")]
        except Exception as exc:
            if os.environ.get("FUNDSTELLE_DEBUG"):
                traceback.print_exc()
            items = [ArticleError(self.source, f"could not be read ({type(exc).__name__}: "
                                               f"{exc}); skipped")]
        for item in items:
            if isinstance(item, Article):
                item.format = item.format or self.fmt
        return items


def unit_key(fmt, source, *parts):
    """The :attr:`Unit.key` of raw data: a hash of everything extraction depends on.

    ``parts`` are strings or bytes (the raw bytes last).
    """
    h = hashlib.blake2b(digest_size=16)
    for part in (fmt, str(source), _versions(), *parts):
        h.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


_VERSIONS = []


def _versions():
    if not _VERSIONS:
        from importlib.metadata import PackageNotFoundError, version

        found = [f"readers {READERS_VERSION}"]
        for name in _KEY_LIBRARIES:
            try:
                found.append(f"{name} {version(name)}")
            except PackageNotFoundError:
                found.append(f"{name} -")
        _VERSIONS.append(", ".join(found))
    return _VERSIONS[0]


def read_named(fmt, data, source):
    """Run the reader of ``fmt`` over raw file bytes read elsewhere, as if over the file."""
    stream = io.BytesIO(data)
    stream.name = source
    return reader(fmt)(stream)


def file_unit(fmt, path):
    """The :class:`Unit` of a one-file format (anything but WARC), or an ArticleError
    when the file cannot be read."""
    source = str(path)
    try:
        with open(path, "rb") as f:
            data = f.read(RAW_LIMITS[fmt])
    except OSError as exc:
        return ArticleError(source, f"cannot be read: {exc.strerror or exc}")
    return Unit(fmt, source, "index.readers:read_named", (fmt, data, source),
                key=unit_key(fmt, source, data))
