"""An indexing run: read articles, find their persons and places, write them in batches."""

import json
import os
import shutil
import time

from index.errors import ArticleError, IndexLocked
from index.ingest import Article, Warning_, read_articles
from index.store import LOCK_INFO, IndexStore, IndexSummary, article_document

#: Articles written between two commits. A run killed at any moment loses at
#: most the batch in progress; re-running the command completes it.
BATCH_SIZE = 2000


def load_extractor():
    """The shipped person/place extractor, or None when no model is installed."""
    try:
        from index.entities import default_extractor
        return default_extractor()
    except (ImportError, OSError, FileNotFoundError):
        return None


def index_paths(index_path, paths, *, entities=True, batch_size=BATCH_SIZE, stdin=None,
                progress=None, report=None, lock_timeout=0.0, prune=False, rebuild=False):
    """Index the articles under ``paths`` into the index at ``index_path``.

    Unchanged articles (same content hash) are skipped, changed ones replaced.
    ``progress(n_read)`` is called as articles are read; ``report(item)`` gets
    each ArticleError and warning as it happens. With ``prune``, articles
    whose source files were read in this run's folders but no longer hold them
    are removed. With ``rebuild``, a fresh index is built beside the old one
    and swapped in by renaming when complete, so searches keep working and a
    failed rebuild leaves the old index as it was.
    Returns an :class:`~index.store.IndexSummary`.
    """
    if rebuild:
        return _rebuild(index_path, paths, entities=entities, batch_size=batch_size,
                        stdin=stdin, progress=progress, report=report)
    started = time.monotonic()
    store = IndexStore.open_or_create(index_path)
    existing = store.existing_hashes()
    extractor = load_extractor() if entities else None
    summary = IndexSummary()
    writer = store.writer(timeout=lock_timeout)
    _write_lock_info(store.path)
    seen = {}
    pending = 0
    try:
        for n, item in enumerate(read_articles(paths, stdin=stdin), 1):
            if progress:
                progress(n)
            if isinstance(item, ArticleError):
                summary.failed += 1
                summary.problems.append(item)
                if report:
                    report(item)
                continue
            if isinstance(item, Warning_):
                summary.warnings.append(item)
                if report:
                    report(item)
                continue
            article = item
            if article.id in seen:
                summary.duplicates += 1
                dup = ArticleError(article.origin, f"article id {article.id!r} was already read "
                                                   f"from {seen[article.id]}; this copy skipped")
                summary.problems.append(dup)
                if report:
                    report(dup)
                continue
            seen[article.id] = article.origin
            digest = article.content_hash
            old = existing.get(article.id, False)
            if old == digest:
                summary.unchanged += 1
                continue
            found = extractor.extract(article.title, article.text) if extractor else None
            doc = article_document(article, found)
            if old is False:
                writer.add_document(**doc)
                summary.added += 1
            else:
                writer.update_document(**doc)
                summary.updated += 1
            existing[article.id] = digest
            pending += 1
            if pending >= batch_size:
                writer.commit()
                writer = store.writer(timeout=max(lock_timeout, 30.0))
                pending = 0
        if prune:
            summary.pruned = _prune(writer, store, seen, paths)
        writer.commit()
    except BaseException:
        # Ctrl-C or a crash: keep what was read, release the lock.
        try:
            writer.commit()
        except Exception:
            writer.cancel()
        raise
    finally:
        _clear_lock_info(store.path)
        summary.seconds = time.monotonic() - started
    return summary


def _prune(writer, store, seen, paths):
    """Delete articles from files under ``paths`` that this run did not see."""
    roots = [os.path.abspath(p) for p in paths if p != "-"]
    removed = 0
    with store.ix.searcher() as s:
        for fields_ in s.all_stored_fields():
            origin = fields_.get("origin") or ""
            if fields_["id"] in seen or not origin or origin == "-":
                continue
            origin_abs = os.path.abspath(origin)
            if any(origin_abs == r or origin_abs.startswith(r + os.sep) for r in roots):
                writer.delete_by_term("id", fields_["id"])
                removed += 1
    return removed


def _write_lock_info(path):
    info = {"pid": os.getpid(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}
    tmp = os.path.join(path, LOCK_INFO + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(info, f)
    os.replace(tmp, os.path.join(path, LOCK_INFO))


def _clear_lock_info(path):
    try:
        os.remove(os.path.join(path, LOCK_INFO))
    except OSError:
        pass


def _rebuild(index_path, paths, **kwargs):
    index_path = os.path.normpath(str(index_path))
    fresh = f"{index_path}.rebuild-{os.getpid()}"
    old = f"{index_path}.old-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    if os.path.isdir(index_path) and os.path.exists(os.path.join(index_path, LOCK_INFO)):
        # Refuse while another run writes the old index.
        IndexStore.open_or_create(index_path).writer(timeout=0.0).cancel()
    try:
        summary = index_paths(fresh, paths, **kwargs)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    if os.path.exists(index_path):
        os.rename(index_path, old)
    os.rename(fresh, index_path)
    shutil.rmtree(old, ignore_errors=True)
    return summary
