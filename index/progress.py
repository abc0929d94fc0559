"""Counting the articles a run will read, for a progress display with an ETA."""

import gzip
import threading

from index.errors import ArticleError
from index.ingest import JSONL_SUFFIXES, walk


def count_articles(paths):
    """Count the articles under ``paths`` without parsing them (None when that cannot be
    known cheaply: standard input, a WARC crawl or a feed).

    Walks exactly the files a run reads (:func:`index.ingest.walk`). JSON Lines files
    count their non-empty lines (gzipped ones are decompressed, about a second per
    250 MB); any other file (plain text, a web page, an agency document) counts one.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> from pathlib import Path
    >>> _ = Path(d, "a.jsonl").write_text('{"id": 1}\\n{"id": 2}\\n', encoding="utf-8")
    >>> _ = Path(d, "b.html").write_text("<p>Text</p>", encoding="utf-8")
    >>> count_articles([d])
    3
    >>> _ = Path(d, "c.warc.gz").write_bytes(b"")
    >>> count_articles([d]) is None
    True
    """
    total = 0
    for item in walk(paths):
        if item == "-":
            return None
        if not isinstance(item, ArticleError):
            n = _count_file(item)
            if n is None:
                return None
            total += n
    return total


#: Files holding an unknown number of articles: counting them means reading them.
UNCOUNTED_SUFFIXES = (".warc", ".warc.gz", ".rss", ".atom")


def _count_file(path):
    lower = path.lower()
    if lower.endswith(UNCOUNTED_SUFFIXES):
        return None
    if not lower.endswith(JSONL_SUFFIXES):
        return 1
    opener = gzip.open if lower.endswith(".gz") else open
    try:
        n = 0
        with opener(path, "rb") as f:
            for line in f:
                if line.strip():
                    n += 1
        return n
    except (OSError, EOFError, ValueError):
        return 0


class BackgroundCount:
    """Counts articles in a daemon thread so indexing starts at once.

    ``total`` is None until the count is known (or for standard input).
    """

    def __init__(self, paths):
        self.total = None
        self._thread = threading.Thread(target=self._run, args=(list(paths),), daemon=True)
        self._thread.start()

    def _run(self, paths):
        try:
            self.total = count_articles(paths)
        except Exception:  # a progress estimate must never break a run
            self.total = None
