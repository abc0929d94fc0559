"""Reading articles from files, with validation: plain text and JSON Lines here,
web pages, WARC crawls, feeds and the IPTC agency formats in :mod:`index.readers`.

Readers yield :class:`Article` objects, and :class:`~index.errors.ArticleError`
objects for what they could not read, so one bad file never stops a run.
"""

import errno
import gzip
import hashlib
import json
import os
import re
import sys
import zlib
from dataclasses import dataclass, field

from index.dates import ArticleDate
from index.errors import ArticleError

#: File endings read when a directory is walked.
TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")

_HEADER_RE = re.compile(r"^[ \t\ufeff]*date[ \t]+(\S+)(?:[ \t]+(.*?))?[ \t]*$")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_KNOWN_KEYS = ("id", "title", "text", "date", "source", "url")

#: The largest article read, in bytes of its file or JSON line. Real articles
#: reach 333,000 characters (FANG); anything past this is not one article.
MAX_ARTICLE_BYTES = 5_000_000


@dataclass
class Article:
    """One news article as read from a file.

    ``meta`` holds any further JSON keys, kept as stored metadata; ``origin``
    is the file it came from (``-`` for standard input).
    """

    id: str
    title: str
    text: str
    date: ArticleDate = None
    source: str = ""
    url: str = ""
    meta: dict = field(default_factory=dict)
    origin: str = ""
    #: The input format it was read from (``text``, ``jsonl``, ``html``, ``warc``, ...),
    #: for the run's summary; not stored.
    format: str = field(default="", compare=False)

    @property
    def content_hash(self):
        """A hash of everything stored for the article, to skip unchanged ones."""
        h = hashlib.blake2b(digest_size=16)
        for part in (self.id, self.title, self.text, self.date.value if self.date else "",
                     self.source, self.url, json.dumps(self.meta, sort_keys=True,
                                                       ensure_ascii=False)):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\0")
        return h.hexdigest()

    def to_dict(self):
        """The article as JSON-ready data, in the JSON Lines input shape."""
        d = {"id": self.id, "title": self.title, "date": self.date.value if self.date else None,
             "source": self.source, "url": self.url, "text": self.text}
        d.update(self.meta)
        return d


@dataclass
class Warning_:
    """Something worth telling the user about an article that was still read."""

    source: str
    message: str

    def __str__(self):
        return f"{self.source}: {self.message}"


@dataclass
class Skipped:
    """A record a reader passed over on purpose (a WARC revisit, an image), counted in
    the summary by ``reason``."""

    source: str
    reason: str


def decode_text(data, source):
    """Decode file bytes as UTF-8, falling back to cp1252 with a warning.

    Returns ``(text, warning_or_None)``; raises ArticleError for binary data.
    """
    if b"\0" in data[:8192]:
        raise ArticleError(source, "binary file (contains NUL bytes), not a text article")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        return text, Warning_(str(source), f"not valid UTF-8 (byte {exc.start}); "
                                           "read as Windows-1252/Latin-1")


def parse_plain_text(text, article_id, source):
    """Parse the plain-text layout: ``date YYYY-MM Title``, a blank line, paragraphs.

    >>> a = parse_plain_text(" date 2023-09 Putin trifft Kim\\n\\nErster Absatz.\\n", "x", "x.txt")
    >>> a.title, a.date.display, a.text
    ('Putin trifft Kim', '2023-09', 'Erster Absatz.')
    """
    if not text.strip():
        raise ArticleError(source, "empty file: expected a first line ' date YYYY-MM Title'")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header = lines[0]
    m = _HEADER_RE.match(header)
    if not m:
        shown = header.strip()[:60]
        raise ArticleError(source, f"first line {shown!r} is not ' date YYYY-MM Title' "
                                   "(or ' date YYYY-MM-DD Title'); add that header line")
    try:
        date = ArticleDate.parse(m.group(1))
    except ValueError as exc:
        raise ArticleError(source, f"bad date in the first line: {exc}") from None
    body = "\n".join(lines[1:]).strip("\n")
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", body) if p.strip()]
    return Article(id=article_id, title=(m.group(2) or "").strip(),
                   text="\n\n".join(paragraphs), date=date, origin=str(source))


def article_from_json(obj, source, line):
    """Build an Article from one decoded JSON Lines object.

    Raises ArticleError naming the file and line when a required key is
    missing or a value has the wrong type.
    """
    if not isinstance(obj, dict):
        raise ArticleError(source, f"expected a JSON object, got {type(obj).__name__}", line)
    missing = [k for k in ("id", "text") if obj.get(k) in (None, "")]
    if missing:
        raise ArticleError(source, "missing " + " and ".join(f"'{k}'" for k in missing), line)
    if not isinstance(obj["id"], (str, int)) or isinstance(obj["id"], bool):
        raise ArticleError(source, "'id' must be a string or a number", line)
    for key in ("title", "text", "source", "url"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise ArticleError(source, f"'{key}' must be a string", line)
    date = None
    if obj.get("date") not in (None, ""):
        try:
            date = ArticleDate.parse(obj["date"])
        except ValueError as exc:
            raise ArticleError(source, f"bad 'date': {exc}", line) from None
    meta = {k: v for k, v in obj.items() if k not in _KNOWN_KEYS}
    return Article(id=str(obj["id"]), title=obj.get("title") or "", text=obj["text"],
                   date=date, source=obj.get("source") or "", url=obj.get("url") or "",
                   meta=meta, origin=str(source))


def _without_surrogates(value):
    """``(value, changed)`` with lone surrogates (JSON ``"\\ud800"``) replaced by U+FFFD.

    They cannot be written as UTF-8, so they would break every output later.
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value, False
        except UnicodeEncodeError:
            return _SURROGATE_RE.sub("\ufffd", value), True
    if isinstance(value, list):
        items = [_without_surrogates(v) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    if isinstance(value, dict):
        changed = False
        out = {}
        for k, v in value.items():
            (k2, c1), (v2, c2) = _without_surrogates(k), _without_surrogates(v)
            out[k2] = v2
            changed = changed or c1 or c2
        return out, changed
    return value, False


def _lines(stream, limit):
    """Yield a stream's lines, each cut at ``limit`` bytes (the rest skipped, flagged)."""
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:  # skip the rest of the overlong line without holding it
                more = stream.readline(1 << 20)
                if not more or more.endswith(b"\n"):
                    break
            yield raw, True
        else:
            yield raw, False


def read_jsonl_stream(stream, source):
    """Yield Articles, ArticleErrors and warnings from a binary stream of JSON Lines."""
    line_no = 0
    try:
        for line_no, (raw, too_long) in enumerate(_lines(stream, MAX_ARTICLE_BYTES), 1):
            if too_long:
                yield ArticleError(source, f"line longer than {_mb(MAX_ARTICLE_BYTES)}, the "
                                           "most an article may have; skipped", line_no)
                continue
            if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a byte order mark from a Windows editor
            if not raw.strip():
                continue
            if b"\0" in raw:
                yield ArticleError(source, "binary data (NUL bytes), not JSON Lines; "
                                           "the rest of the file skipped", line_no)
                return
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = raw.decode("cp1252", "replace")
                yield Warning_(f"{source}:{line_no}", f"not valid UTF-8 (byte {exc.start}); "
                                                      "read as Windows-1252")
            try:
                obj = json.loads(line)
            except ValueError as exc:
                msg = getattr(exc, "msg", str(exc))
                yield ArticleError(source, f"not valid JSON ({msg})", line_no)
                continue
            except RecursionError:
                yield ArticleError(source, "not valid JSON (nested too deeply)", line_no)
                continue
            obj, changed = _without_surrogates(obj)
            if changed:
                yield Warning_(f"{source}:{line_no}", "invalid Unicode escapes (lone "
                                                      "surrogates) replaced by U+FFFD")
            try:
                yield article_from_json(obj, source, line_no)
            except ArticleError as exc:
                yield exc
    except gzip.BadGzipFile as exc:
        if line_no == 0:
            yield ArticleError(source, f"not a gzip file ({exc})")
        else:
            yield ArticleError(source, f"damaged gzip file after line {line_no} ({exc}); "
                                       "the lines before were read", line_no + 1)
    except (EOFError, zlib.error) as exc:
        yield ArticleError(source, f"damaged or truncated gzip file after line {line_no} "
                                   f"({exc}); the lines before were read", line_no + 1)
    except OSError as exc:
        yield ArticleError(source, f"could not be read after line {line_no}: "
                                   f"{exc.strerror or exc}")


def _mb(n):
    return f"{n / 1e6:g} MB"


def _open_problem(exc):
    """What went wrong opening or reading a file, for a user."""
    if isinstance(exc, FileNotFoundError):
        return "vanished before it could be read (deleted or moved during the run?)"
    if exc.errno == errno.ELOOP:
        return "cannot be read: a symbolic link loop"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not an article file"
    return f"cannot be read: {exc.strerror or exc}"


def _tagged(items, fmt):
    for item in items:
        if isinstance(item, Article):
            item.format = item.format or fmt
        yield item


@dataclass
class Unchanged:
    """A file (or WARC capture) whose raw bytes are those a past run extracted, in place
    of its articles: ``entries`` are their ``(id, content hash)`` pairs.

    The indexing run (:func:`index.build.index_paths`) counts them unchanged
    when the index still holds exactly those, and else extracts ``unit`` again.
    """

    unit: object
    entries: tuple

    @property
    def source(self):
        return self.unit.source


def inline(items):
    """``items`` with every :class:`~index.readers.Unit` extracted here, in order."""
    from index.readers import Unit

    for item in items:
        if isinstance(item, Unit):
            yield from item.run()
        else:
            yield item


def read_file(path):
    """Yield the articles (and errors, and warnings) of one file.

    Web pages, WARC, feeds and the agency formats go to :mod:`index.readers`;
    ``.xml`` and ``.json`` files are sniffed, and one of no known format is
    an ArticleError.
    """
    yield from inline(file_units(path))


def file_units(path, warc_winners=None, warc_number=0):
    """Yield the items of one file, with a :class:`~index.readers.Unit` in place of the
    articles of a format that needs extraction (everything but plain text and JSON
    Lines, which are read here). ``warc_winners``/``warc_number``: see
    :func:`index.readers.warc.units`."""
    from index import readers

    if readers.suffix_of(path):
        try:
            fmt = readers.format_of(path)
        except OSError as exc:
            yield ArticleError(path, _open_problem(exc))
            return
        if fmt is None:
            yield ArticleError(path, "not a known format (expected a web page, WARC, "
                                     "RSS/Atom feed, NITF, NewsML-G2 or ninjs); skipped")
            return
        if fmt == "warc":
            from index.readers import warc
            yield from warc.units(path, warc_winners, warc_number)
        else:
            yield readers.file_unit(fmt, path)
        return
    yield from _tagged(_read_text_or_jsonl(path), "")


def read_units(paths, stdin=None):
    """Yield the items of files, directories and ``-`` as :func:`read_articles` does, with a
    :class:`~index.readers.Unit` for each page, feed, agency file or WARC capture.

    Over every WARC file of the run, the latest capture of a URL wins (by
    WARC-Date, then the later file): the files are walked first, and the WARC
    files scanned once for their captures, before any item is yielded.
    """
    from index import readers

    files = list(walk(paths))
    warcs = [p for p in files if p != "-" and not isinstance(p, ArticleError)
             and readers.SUFFIXES.get(readers.suffix_of(p), "") == "warc"]
    winners = None
    if warcs:
        from index.readers.warc import latest_captures
        winners = latest_captures(warcs)
    numbers = {path: n for n, path in enumerate(warcs)}
    for item in files:
        if isinstance(item, ArticleError):
            yield item
        elif item == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from _tagged(read_jsonl_stream(stream, "-"), "jsonl")
        else:
            yield from file_units(item, winners, numbers.get(item, 0))


def _read_text_or_jsonl(path):
    name = os.path.basename(path)
    lower = name.lower()
    try:
        if lower.endswith(".gz"):
            with gzip.open(path, "rb") as stream:
                yield from _tagged(read_jsonl_stream(stream, path), "jsonl")
            return
        if lower.endswith((".jsonl", ".ndjson")):
            with open(path, "rb") as stream:
                yield from _tagged(read_jsonl_stream(stream, path), "jsonl")
            return
        with open(path, "rb") as stream:
            data = stream.read(MAX_ARTICLE_BYTES + 1)
    except OSError as exc:
        yield ArticleError(path, _open_problem(exc))
        return
    if len(data) > MAX_ARTICLE_BYTES:
        yield ArticleError(path, f"larger than {_mb(MAX_ARTICLE_BYTES)}, the most an article "
                                 "may have; is it really one article? Skipped")
        return
    try:
        text, warning = decode_text(data, path)
        if warning:
            yield warning
        article_id = name[:-4] if lower.endswith(".txt") else os.path.splitext(name)[0]
        article = parse_plain_text(text, article_id, path)
        article.format = "text"
        yield article
    except ArticleError as exc:
        yield exc


def walk(paths):
    """Expand paths to the article files below them, in a stable order.

    Directories are walked recursively, following symbolic links but never
    entering the same directory twice (a link loop is reported once).
    Yields file paths, ``-`` for standard input, and ArticleErrors.
    """
    seen_dirs = set()
    for path in paths:
        path = str(path)
        if path == "-":
            yield "-"
            continue
        if os.path.isdir(path):
            yield from _walk_dir(path, seen_dirs)
        elif os.path.exists(path):
            yield path
        else:
            yield ArticleError(path, "no such file or directory")


def _walk_dir(top, seen_dirs):
    real = os.path.realpath(top)
    if real in seen_dirs:
        yield ArticleError(top, "directory already read (a symbolic link loop?); skipped")
        return
    seen_dirs.add(real)
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError as exc:
        yield ArticleError(top, f"directory cannot be read: {exc.strerror or exc}")
        return
    if any(e.name == "fundstelle.json" for e in entries) and \
            any(e.name.startswith("_MAIN_") for e in entries):
        return  # a Fundstelle index (its fundstelle.json is no article)
    if any(e.name == "fundstelle-shards.json" for e in entries):
        return  # a sharded Fundstelle index (cluster.manifest)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk_dir(entry.path, seen_dirs)
        elif entry.name.lower().endswith(TEXT_SUFFIXES + JSONL_SUFFIXES + _reader_suffixes()):
            yield entry.path


def _reader_suffixes():
    from index.readers import SUFFIXES
    return tuple(SUFFIXES)


def read_articles(paths, stdin=None):
    """Yield Articles, ArticleErrors and warnings from files, directories and ``-``.

    Pages, WARC captures, feeds and agency files are extracted here, one after
    the other; an indexing run extracts them in worker processes instead
    (:func:`read_units`, :func:`index.readers.workers.extracted`), with the
    same result.

    >>> import os, tempfile
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "a1.txt")
    >>> from pathlib import Path
    >>> _ = Path(p).write_text("date 2020-03-15 Titel\\n\\nText.", encoding="utf-8")
    >>> [a.id for a in read_articles([d])]
    ['a1']
    """
    yield from inline(read_units(paths, stdin=stdin))
