"""Verifying an index: `fundstelle check`.

Opens every segment and reads all it holds (stored fields, every term and its
postings), counts the articles, checks that stored ids are unique and that the
index was written by this analyzer. Each problem comes with what to do.
"""

import errno
import fcntl
import glob
import json
import os
from dataclasses import dataclass, field

from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from index.errors import IndexNotFound
from index.schema import index_metadata
from index.store import (LOCK_INFO, META_FILE, index_exists, read_lock_info, stored_text,
                         while_writers_commit)


@dataclass
class Problem:
    """Something wrong with the index, and the next step."""

    what: str
    fix: str

    def to_dict(self):
        return {"problem": self.what, "fix": self.fix}


@dataclass
class CheckReport:
    """What `check_index` found. ``ok`` is False when there is any problem."""

    path: str
    articles: int = 0
    segments: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    def to_dict(self):
        return {"index": self.path, "ok": self.ok, "articles": self.articles,
                "segments": self.segments,
                "problems": [p.to_dict() for p in self.problems], "notes": self.notes}


def check_index(path):
    """Verify the index at ``path``; raise IndexNotFound when there is none.

    >>> check_index("fundstelle-index").ok        # doctest: +SKIP
    True
    """
    path = str(path)
    if not index_exists(path):
        raise IndexNotFound(path)
    report = CheckReport(path=path)
    rebuild = f"rebuild it: `fundstelle --index {path} index --rebuild ARTICLES...`"
    _check_meta(path, report, rebuild)
    _check_lock(path, report)
    for leftover in sorted(glob.glob(glob.escape(os.path.normpath(path)) + ".rebuild-*")):
        report.notes.append(f"{leftover} was left by a rebuild that was stopped; the next "
                            "`index --rebuild` removes it (or delete it)")
    try:
        ix = while_writers_commit(whoosh_index.open_dir, path)
        segments = ix._segments()
    except Exception as exc:  # Whoosh raises assorted errors for a damaged table of contents
        report.problems.append(Problem(f"the table of contents cannot be read ({exc})", rebuild))
        return report
    ids = {}
    for seg in segments:
        _check_segment(ix, seg, report, ids, rebuild)
    dups = {i: n for i, n in ids.items() if n > 1}
    if dups:
        shown = ", ".join(f"{i!r} ({n}×)" for i, n in list(dups.items())[:5])
        report.problems.append(Problem(
            f"{len(dups)} article id(s) stored more than once: {shown}", rebuild))
    try:
        counted = while_writers_commit(ix.doc_count)
    except Exception as exc:
        report.problems.append(Problem(f"the article count cannot be read ({exc})", rebuild))
        counted = None
    report.articles = sum(ids.values())
    if counted is not None and counted != report.articles:
        report.problems.append(Problem(
            f"the table of contents counts {counted} articles, the segments hold "
            f"{report.articles}", rebuild))
    return report


def _check_meta(path, report, rebuild):
    try:
        with open(os.path.join(path, META_FILE), encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as exc:
        report.problems.append(Problem(f"{META_FILE} cannot be read ({exc}), so the "
                                       "analyzer version is unknown", rebuild))
        return
    expected = index_metadata()
    for key in ("schema_version", "analyzer_version"):
        if meta.get(key) != expected[key]:
            report.problems.append(Problem(
                f"{key} is {meta.get(key)!r}, this Fundstelle needs {expected[key]!r}; "
                "searches would miss words", rebuild))
    if meta.get("snowballstemmer") != expected["snowballstemmer"]:
        report.notes.append(f"written with snowballstemmer {meta.get('snowballstemmer')}, "
                            f"this is {expected['snowballstemmer']}; if searches miss "
                            f"words, {rebuild}")


def _check_lock(path, report):
    lockfile = os.path.join(path, LOCK_INFO)
    if not os.path.exists(lockfile):
        return
    info = read_lock_info(path)
    try:
        fd = os.open(lockfile, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        held = False
    except OSError as exc:
        held = exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK)
    finally:
        os.close(fd)
    who = f"process {info.get('pid')}, since {info.get('since', '?')}" if info else "?"
    if held:
        report.notes.append(f"an indexing run is writing ({who}); this check saw its "
                            "last commit")
    elif info:
        report.notes.append(f"the indexing run by {who} did not finish; the index is at "
                            "its last commit. Run the same `fundstelle index` command "
                            "again to complete it")


def _check_segment(ix, seg, report, ids, rebuild):
    name = seg.segment_id()
    entry = {"segment": name, "articles": 0, "deleted": 0}
    report.segments.append(entry)
    try:
        reader = SegmentReader(ix.storage, ix.schema, seg)
    except Exception as exc:
        report.problems.append(Problem(f"segment {name} cannot be opened ({exc})", rebuild))
        return
    try:
        for docnum, stored in reader.iter_docs():
            entry["articles"] += 1
            doc_id = stored.get("id")
            if not doc_id:
                report.problems.append(Problem(f"segment {name}: document {docnum} has no "
                                               "id", rebuild))
                continue
            ids[doc_id] = ids.get(doc_id, 0) + 1
            if stored.get("text_z") is not None:
                stored_text(stored)
        entry["deleted"] = reader.doc_count_all() - entry["articles"]
        for fieldname in reader.indexed_field_names():
            for term in reader.lexicon(fieldname):
                for _ in reader.postings(fieldname, term).all_ids():
                    pass
    except Exception as exc:
        report.problems.append(Problem(f"segment {name} is damaged "
                                       f"({type(exc).__name__}: {exc})", rebuild))
    finally:
        reader.close()
