"""An indexing run: read articles, find their persons and places, write them in batches."""

import ctypes
import glob
import os
import shutil
import signal
import threading
import time

from index.arrivals import WATCHES_FILE, Arrivals, carry_over_arrivals, carry_over_file
from index.curation_file import carry_over_curation, curation_lock
from index.errors import ArticleError, DiskFull, IndexWriteFailed, OutOfMemory
from index.ingest import Skipped, Unchanged, Warning_, read_units
from index.pipeline import DISK_FULL_ERRNOS, default_procs, merge_small_segments, open_writer
from index.store import BATCH_SIZE, IndexStore, IndexSummary, RunLock, index_exists

#: The cache of extracted units beside the index (see :class:`_RawCache`).
RAW_FILE = "units-v1"

#: Seconds to wait for Whoosh's own lock. The RunLock already keeps other
#: Fundstelle runs out; this only waits out a foreign Whoosh writer.
INNER_LOCK_TIMEOUT = 10.0


def load_extractor():
    """The shipped person/place extractor, or None when no model is installed."""
    try:
        from index.entities import default_extractor
        return default_extractor()
    except (ImportError, OSError, FileNotFoundError):
        return None


def index_paths(index_path, paths, *, entities=True, batch_size=BATCH_SIZE, stdin=None,
                progress=None, report=None, lock_timeout=0.0, prune=False, rebuild=False,
                procs=None, optimize=False, items=None, duplicates=True, word_cache=None):
    """Index the articles under ``paths`` into the index at ``index_path``.

    Unchanged articles (same content hash) are skipped, changed ones replaced.
    ``progress(n_read)`` is called as articles are read; ``report(item)`` gets
    each ArticleError and warning as it happens. With ``prune``, articles
    whose source files were read in this run's folders but no longer hold them
    are removed. With ``rebuild``, a fresh index is built beside the old one
    and swapped in by renaming when complete, so searches keep working and a
    failed rebuild leaves the old index as it was.

    The run holds the index's :class:`~index.store.RunLock` throughout (waiting
    up to ``lock_timeout`` seconds, else IndexLocked) and commits every
    ``batch_size`` articles. SIGINT and SIGTERM stop it after the article in
    hand; what was read is committed and ``summary.interrupted`` names the
    signal. ``procs`` worker processes extract web pages, WARC captures, feeds
    and agency files (:mod:`index.readers.workers`), and as many tag and
    analyse articles (default: one per core; 1 runs everything in this
    process). A file or capture whose raw bytes a past run extracted into what
    the index still holds is not extracted again. With ``optimize``, the index
    is merged into one segment at the end (smaller and faster to search; it
    rewrites the whole index). Each article gets its agency-copy group
    (:mod:`index.duplicates`; ``duplicates=False`` gives every article its own,
    for measuring what grouping costs) and its arrival (:mod:`index.arrivals`).
    Returns an :class:`~index.store.IndexSummary`.

    A run that cannot write (a full disk, a worker process that fails or is
    killed, no memory) cancels its batch and raises IndexWriteFailed or one of
    its kinds (DiskFull, OutOfMemory, WorkerFailed) with ``committed``, the
    articles the index holds at its last commit: the same call again resumes.

    ``items``, when given, is what the run indexes instead of reading ``paths``
    (Articles, ArticleErrors and warnings as :func:`index.ingest.read_articles`
    yields them): a sharded index (``cluster.build``) hands each shard its own.
    ``paths`` still name the folders ``prune`` looks under. ``word_cache``, a dict,
    is the analysed-word cache (:mod:`index.wordcache`) to use and fill: a caller
    indexing many small runs in one process (a cluster worker) keeps it warm.
    """
    kwargs = dict(entities=entities, batch_size=batch_size, stdin=stdin, progress=progress,
                  report=report, procs=procs, optimize=optimize, items=items,
                  duplicates=duplicates, word_cache=word_cache)
    try:
        lock = RunLock(index_path).acquire(lock_timeout)
    except (OSError, MemoryError) as exc:
        raise _run_failed(exc, index_path, rebuild) from exc
    try:
        if lock.stale and report:
            report(Warning_(str(index_path), _stale_message(lock.stale)))
        with _StopOnSignal() as stop:
            if rebuild:
                return _rebuild(index_path, paths, stop, **kwargs)
            return _index_locked(index_path, paths, stop, prune=prune, **kwargs)
    except (OSError, MemoryError, IndexWriteFailed) as exc:
        # Counted while the lock is held: no other run has committed since.
        failed = _run_failed(exc, index_path, rebuild)
        if failed is exc:
            raise
        raise failed from exc
    finally:
        lock.release()


def _run_failed(exc, index_path, rebuild):
    """The IndexWriteFailed (DiskFull, OutOfMemory, ...) to raise for ``exc``, which
    ended a run on ``index_path``, with the number of articles the index now holds.

    The writer has been cancelled by then: the index is at its last commit.
    """
    if isinstance(exc, IndexWriteFailed):
        failed = exc
    elif isinstance(exc, MemoryError):
        failed = OutOfMemory(index_path, "the indexing process", str(exc))
    elif exc.errno in DISK_FULL_ERRNOS:
        failed = DiskFull(index_path, exc.strerror or os.strerror(exc.errno))
    else:
        failed = IndexWriteFailed(index_path, _os_reason(exc))
    failed.path = str(index_path)  # a rebuild wrote beside it; the user named this one
    failed.rebuild = rebuild
    failed.committed = _committed(index_path)
    return failed


def _os_reason(exc):
    reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename else reason


def _committed(index_path):
    """Articles in the index at ``index_path`` at its last commit (0 without one; None
    when it cannot be read)."""
    try:
        if not index_exists(index_path):
            return 0
        return IndexStore.open(index_path).doc_count()
    except Exception:  # the count only adds to the message; the failure is what matters
        return None


def _stale_message(info):
    who = f"process {info.get('pid')}" + (f" on {info['host']}" if info.get("host") else "")
    return (f"the indexing run by {who} since {info.get('since', '?')} did not finish; "
            "the index is at its last commit and this run completes it")


def _index_locked(index_path, paths, stop, *, entities, batch_size, stdin, progress,
                  report, prune=False, procs=None, optimize=False, items=None,
                  duplicates=True, word_cache=None):
    """The body of an indexing run; the caller holds the RunLock."""
    started = time.monotonic()
    store = IndexStore.open_or_create(index_path)
    if word_cache is not None:
        store.word_cache = word_cache  # what open_writer shares
    existing = store.existing_hashes()
    sidecars = _Sidecars(store, existing, duplicates)
    extractor = load_extractor() if entities else None
    summary = IndexSummary()
    writer = open_writer(store, extractor, procs=procs, timeout=INNER_LOCK_TIMEOUT)
    seen = {}
    failed_sources = set()
    pending = 0
    raw = None
    stream = None
    try:
        if items is None:
            from index.readers.workers import extracted
            raw = _RawCache(store, existing)
            stream = extracted(read_units(paths, stdin=stdin),
                               procs=default_procs() if procs is None else procs,
                               skip=raw.lookup, done=raw.record)
            items = _settle(stream, seen, existing)
        for n, item in enumerate(items, 1):
            if progress:
                progress(n)
            if isinstance(item, ArticleError):
                summary.failed += 1
                summary.problems.append(item)
                failed_sources.add(item.source)
                if report:
                    report(item)
            elif isinstance(item, Warning_):
                summary.warnings.append(item)
                if report:
                    report(item)
            elif isinstance(item, Skipped):
                summary.skipped[item.reason] = summary.skipped.get(item.reason, 0) + 1
            elif isinstance(item, Unchanged):  # _settle checked it still holds
                fmt = item.unit.fmt
                for article_id, _ in item.entries:
                    seen[article_id] = item.source
                    summary.unchanged += 1
                    summary.formats[fmt] = summary.formats.get(fmt, 0) + 1
            else:
                article = item
                if article.format:
                    summary.formats[article.format] = summary.formats.get(article.format, 0) + 1
                if article.id in seen:
                    summary.duplicates += 1
                    dup = ArticleError(article.origin, f"article id {article.id!r} was already "
                                                       f"read from {seen[article.id]}; "
                                                       "this copy skipped")
                    summary.problems.append(dup)
                    if report:
                        report(dup)
                else:
                    seen[article.id] = article.origin
                    digest = article.content_hash
                    old = existing.get(article.id, False)
                    if old == digest:
                        summary.unchanged += 1
                    else:
                        writer.add_article(article, update=old is not False,
                                           extra=sidecars.add(article))
                        if old is False:
                            summary.added += 1
                        else:
                            summary.updated += 1
                        existing[article.id] = digest
                        pending += 1
                        if pending >= batch_size:
                            _commit(writer, store)
                            sidecars.committed(existing)
                            writer = open_writer(store, extractor, procs=procs,
                                                 timeout=INNER_LOCK_TIMEOUT)
                            pending = 0
            if stop.signal:
                summary.interrupted = stop.signal
                break
        # An interrupted run has not seen every file: pruning now would delete
        # articles only because their files were not reached yet.
        if prune and not summary.interrupted:
            summary.pruned = _prune(writer, store, seen, paths, failed_sources,
                                    on_remove=sidecars.remove)
        _commit(writer, store)
        sidecars.committed(existing, final=not summary.interrupted)
        if optimize and not summary.interrupted:
            writer = open_writer(store, None, procs=1, timeout=INNER_LOCK_TIMEOUT)
            _commit(writer, store, optimize=True)
            sidecars.committed(existing)
        if not summary.pruned:  # pruned ids are not taken out of ``existing``
            store.save_hashes(existing)
        if raw is not None:
            raw.save(sidecars.removed)
    except BaseException:
        # An error, or a second Ctrl-C, may have come in the middle of a document:
        # drop the batch in progress rather than commit half of it.
        if not getattr(writer, "is_closed", False):  # a failed commit has cancelled it
            try:
                writer.cancel()
            except Exception:
                pass  # the first error is the one to report
        raise
    finally:
        if stream is not None:
            stream.close()  # stops the extraction workers
        summary.seconds = time.monotonic() - started
    return summary


def _settle(items, seen, existing):
    """``items`` with each :class:`~index.ingest.Unchanged` checked when its turn comes:
    it stands for its articles only while the index holds exactly them and the run
    has not read their ids yet (else the unit is extracted here, as it would have
    been)."""
    for item in items:
        if isinstance(item, Unchanged) and not all(
                article_id not in seen and existing.get(article_id, False) == digest
                for article_id, digest in item.entries):
            yield from item.unit.run()
        else:
            yield item


class _RawCache:
    """Which raw units (:attr:`index.readers.Unit.key`) earlier runs extracted into which
    articles, kept beside the index as ``units-v1-<generation>.pickle``.

    A unit whose key is known, and whose articles the index holds with the same
    content hashes, need not be extracted again: a re-run over 300 saved pages
    reads their bytes instead of running trafilatura on each. Only units that
    gave articles alone (no error, warning or note) are kept, so a bad file's
    message comes back on every run.
    """

    def __init__(self, store, existing):
        self.store = store
        self.existing = existing
        self._known = None
        self.new = {}

    @property
    def known(self):
        if self._known is None:  # read at the first unit: a JSON Lines run never does
            found = self.store.read_cache(RAW_FILE, self.store.ix.latest_generation())
            self._known = found if isinstance(found, dict) else {}
        return self._known

    def _holds(self, entries):
        return bool(entries) and all(self.existing.get(article_id, False) == digest
                                     for article_id, digest in entries)

    def lookup(self, unit):
        """The ``(id, hash)`` entries of ``unit`` when the index holds them, else None."""
        entries = self.known.get(unit.key) if unit.key else None
        if entries is not None and self._holds(entries):
            self.new[unit.key] = entries
            return entries
        return None

    def record(self, unit, items):
        """Note what ``unit``'s extraction gave."""
        from index.ingest import Article

        if unit.key and items and all(isinstance(i, Article) for i in items):
            self.new[unit.key] = tuple((a.id, a.content_hash) for a in items)

    def save(self, removed=()):
        """Keep the units whose articles the index holds, for the next run."""
        if self._known is None and not self.new:
            return
        keep = {}
        for source in (self.known, self.new):
            for key, entries in source.items():
                if self._holds(entries) and not any(i in removed for i, _ in entries):
                    keep[key] = entries
        self.store.write_cache(RAW_FILE, self.store.ix.latest_generation(), keep)


class _Sidecars:
    """What a run keeps beside the index per commit: agency-copy groups and arrivals.

    The groups are loaded when the first article is added or removed: a run that
    changes nothing does not import datasketch (with SciPy, about a CPU second).
    """

    def __init__(self, store, existing, duplicates=True):
        self.store = store
        self.existing = existing
        self.duplicates = duplicates
        self._groups = None
        self.arrivals = Arrivals.load(store.path)
        self.arrivals.adopt(existing)
        self.removed = set()

    @property
    def groups(self):
        if self._groups is None and self.duplicates:
            from index.duplicates import DuplicateGroups
            self._groups = DuplicateGroups.load(self.store, self.existing)
        return self._groups

    def add(self, article):
        """The extra fields of an article about to be written (its ``dupgroup``)."""
        self.arrivals.add(article.id)
        self.removed.discard(article.id)
        if self.groups is None:
            from index.duplicates import group_key
            return {"dupgroup": group_key(article.id)}
        return {"dupgroup": self.groups.assign(article)}

    def remove(self, article_id):
        self.removed.add(article_id)
        self.arrivals.remove(article_id)
        if self.groups is not None:
            self.groups.remove(article_id)

    def committed(self, existing, final=False):
        """Save both for the commit just made. At the ``final`` commit of a run that saw
        all its input, arrivals are kept only for ``existing`` (the ids the index holds,
        pruned ones aside): a rebuild drops those its input no longer has."""
        if self._groups is not None:
            self._groups.save(self.store)
        self.arrivals.commit()
        if final:
            self.arrivals.keep_only(existing.keys() - self.removed)
        self.arrivals.save(self.store.path)


def _commit(writer, store, optimize=False):
    """Commit, or cancel (a failed commit keeps Whoosh's lock) and raise what failed.

    With ``optimize``, every segment is merged into one; otherwise only small ones.
    """
    try:
        if optimize:
            writer.commit(optimize=True)
        else:
            writer.commit(mergetype=merge_small_segments)
    except BaseException:
        try:
            writer.cancel()
        except Exception:
            pass  # the first error is the one to report
        raise


class _StopOnSignal:
    """Turn the first SIGINT or SIGTERM into a flag the indexing loop checks.

    Stopping between two articles lets the run commit what it has; a second
    SIGINT raises KeyboardInterrupt at once. Outside the main thread (where
    handlers cannot be installed) it does nothing.
    """

    def __init__(self):
        self.signal = ""
        self._old = {}

    def _handle(self, signum, frame):
        if self.signal and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.signal = signal.Signals(signum).name

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _prune(writer, store, seen, paths, failed_sources=(), on_remove=None):
    """Delete articles from files under ``paths`` that this run did not see.

    Articles from a file or folder that could not be read in this run are
    kept: a file that fails once (unreadable, half-written) is not "gone".
    """
    roots = [os.path.abspath(p) for p in paths if p != "-"]
    kept = [os.path.abspath(p) for p in failed_sources if p != "-"]

    def under(path, tops):
        return any(path == t or path.startswith(t.rstrip(os.sep) + os.sep) for t in tops)

    removed = 0
    with store.ix.searcher() as s:
        for fields_ in s.all_stored_fields():
            origin = fields_.get("origin") or ""
            if fields_["id"] in seen or not origin or origin == "-":
                continue
            origin_abs = os.path.abspath(origin)
            if under(origin_abs, roots) and not under(origin_abs, kept):
                writer.delete_by_term("id", fields_["id"])
                if on_remove is not None:
                    on_remove(fields_["id"])
                removed += 1
    return removed


def _rebuild(index_path, paths, stop, **kwargs):
    """Build a fresh index beside the old one and swap it in when complete.

    The caller holds the old index's RunLock, so no incremental run writes to
    the old index meanwhile (its changes would be lost in the swap). A rebuild
    that is interrupted or fails leaves the old index untouched.
    """
    index_path = os.path.normpath(str(index_path))
    for leftover in glob.glob(glob.escape(index_path) + ".rebuild-*"):
        shutil.rmtree(leftover, ignore_errors=True)  # from a rebuild that was killed
    fresh = f"{index_path}.rebuild-{os.getpid()}"
    # Articles keep the arrival they had in the old index: a rebuild is not news.
    carry_over_arrivals(index_path, fresh)
    try:
        with RunLock(fresh).acquire():
            summary = _index_locked(fresh, paths, stop, **kwargs)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    if summary.interrupted:
        shutil.rmtree(fresh, ignore_errors=True)
        return summary
    if os.path.isdir(index_path):
        # The user's curation (search.curation) belongs to the folder, not to its
        # articles: copied under its lock, so a `curate` meanwhile waits and then
        # writes into the fresh index.
        with curation_lock(index_path):
            carry_over_curation(index_path, fresh)
            carry_over_file(index_path, fresh, WATCHES_FILE)
            _swap_dirs(fresh, index_path)
    else:
        _swap_dirs(fresh, index_path)
    shutil.rmtree(fresh, ignore_errors=True)  # now the old index
    return summary


_RENAME_EXCHANGE = 2


def _swap_dirs(fresh, target):
    """Put ``fresh`` at ``target``; the old ``target`` ends up at ``fresh``.

    On Linux one ``renameat2(RENAME_EXCHANGE)`` does it atomically: there is no
    moment without an index at ``target``. Elsewhere two renames do it.
    """
    if os.path.isdir(target):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            rc = libc.renameat2(-100, os.fsencode(fresh), -100, os.fsencode(target),
                                _RENAME_EXCHANGE)  # -100: AT_FDCWD
            if rc == 0:
                return
        except (OSError, AttributeError):
            pass
        old = f"{fresh}.old"
        os.rename(target, old)
        os.rename(fresh, target)
        os.rename(old, fresh)
    else:
        os.rename(fresh, target)
