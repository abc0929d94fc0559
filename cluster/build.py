"""Building a sharded index, in this process or as tasks on a Dask cluster.

Every shard is an ordinary index written by :func:`index.build.index_paths`; this
module only decides which articles go where (:func:`cluster.manifest.shard_of`).

**One writer per shard.** On a cluster the input is cut into chunks (groups of
files, or line ranges of a JSON Lines file) and each (chunk, shard) pair is one
task: it reads the chunk, keeps the articles of its shard, tags, analyses and
writes them, and commits once. The tasks of one shard form a chain (each depends
on the one before), so at most one task writes a shard at any time, and the
shard's own run lock (an ``flock``, which NFS honours) keeps any other run out.
A chunk is read once per shard: parsing JSON is cheap beside tagging and
analysis, which each article gets once, in its shard's task.

**Faults.** A task commits only at its end, and a commit is Whoosh's atomic swap
of the table of contents: a worker killed mid-task leaves its shard at the
previous commit (its half-written segment files are not in any table of
contents, and the next writer removes them). Dask runs the lost task again on
another worker; the articles already committed are skipped as unchanged (same
id, same content hash) and replaced, never added twice, when changed. A task that
fails for good names its shard, and the same command again completes the index.
"""

import gzip
import io
import os
import shutil
import tempfile

from cluster.manifest import Manifest, ShardingError, is_sharded, shard_of
from index.errors import ArticleError
from index.ingest import JSONL_SUFFIXES, Skipped, Warning_, read_articles, \
    read_jsonl_stream, walk
from index.store import IndexSummary

#: A chunk of a large JSON Lines file: about this many bytes (or lines, gzipped).
CHUNK_BYTES = 16 << 20
CHUNK_LINES = 5000
#: On a cluster, a chunk holds about this many bytes per shard, so that each task (a
#: chunk's share of one shard) writes about as many articles as an ordinary run's
#: commit (``BATCH_SIZE``, 4,000: 24 MB of FANG), up to ``MAX_CHUNK_BYTES`` a chunk.
#: A task's fixed costs (a new segment and its term dictionary, the shard's state
#: files read and written, Dask's hand-offs) are then spread over 4,000 articles, not
#: 1,300 (docs/scaling.md, "Why a Dask build cost twice the CPU").
TASK_BYTES = 24 << 20
MAX_CHUNK_BYTES = 256 << 20
#: Small files (plain text, web pages, feeds) go to tasks in groups of this many.
FILES_PER_CHUNK = 200
#: Articles between two commits of a task: all of its chunk (one commit a task).
TASK_BATCH = 1 << 30


def index_sharded(path, paths, *, shards=None, cluster=None, stdin=None, progress=None,
                  report=None, rebuild=False, prune=False, **options):
    """Index ``paths`` into the sharded index at ``path`` (created with ``shards``).

    Without ``cluster`` each shard is written in this process, one after the other
    (``options`` are :func:`index.build.index_paths`'s: ``entities``, ``procs``,
    ``batch_size``, ...). With ``cluster`` (``local`` or a scheduler address) the
    work runs as Dask tasks (module docstring). With ``shards`` 1 or None on a
    folder that is not sharded, ``path`` is written as one ordinary index.
    ``rebuild`` builds anew beside the old folder and swaps it in when complete.
    Returns the run's IndexSummary, the shards' summed.
    """
    if rebuild:
        return _rebuild(path, paths, shards=shards, cluster=cluster, stdin=stdin,
                        progress=progress, report=report, prune=prune, **options)
    if is_sharded(path) or (shards or 1) > 1:
        manifest = Manifest.open_or_create(path, shards)
        targets = manifest.shard_paths()
    else:
        targets = [str(path)]
    if cluster:
        from cluster.dask import build_on_cluster
        return build_on_cluster(cluster, targets, paths, report=report, prune=prune,
                                progress=progress, **options)
    return _build_here(targets, paths, stdin=stdin, progress=progress, report=report,
                       prune=prune, **options)


def _build_here(targets, paths, *, stdin=None, progress=None, report=None, prune=False,
                **options):
    from index.build import index_paths

    spool = None
    if stdin is not None or "-" in paths:
        # Standard input is read once per shard: keep a copy to read again.
        spool = tempfile.TemporaryFile()
        shutil.copyfileobj(stdin if stdin is not None else _stdin(), spool)
    total = IndexSummary()
    try:
        for k, target in enumerate(targets):
            if spool is not None:
                spool.seek(0)
            shared = []  # errors and warnings every shard sees: reported and counted once
            items = route(read_articles(paths, stdin=spool), k, len(targets), shared)
            summary = index_paths(target, paths, items=items, stdin=spool, prune=prune,
                                  progress=progress if k == 0 else None,
                                  report=report if k == 0 else None, **options)
            add_summary(total, summary, first=k == 0, shared=shared)
            if summary.interrupted:
                break
    finally:
        if spool is not None:
            spool.close()
    return total


def _stdin():
    import sys
    return sys.stdin.buffer


def route(items, shard, shards, shared=None, seen=None):
    """The items of ``read_articles`` that belong to ``shard``: its articles, and every
    error (``--prune`` must know which files failed) and, for shard 0, the warnings
    and skipped records. What more than one shard sees is appended to ``shared``;
    the ids of the articles routed here are added to ``seen``."""
    for item in items:
        if isinstance(item, ArticleError):
            if shared is not None:
                shared.append(item)
            yield item
        elif isinstance(item, (Warning_, Skipped)):
            if shard == 0:
                yield item
        elif shard_of(item.id, shards) == shard:
            if seen is not None:
                seen.add(item.id)
            yield item


def add_summary(total, part, first, shared=()):
    """Add one shard's IndexSummary to ``total``; input errors that every shard saw
    count once (from the first shard)."""
    for key in ("added", "updated", "unchanged", "pruned", "duplicates"):
        setattr(total, key, getattr(total, key) + getattr(part, key))
    seen = {id(e) for e in shared}
    if first:
        total.failed += part.failed
        total.problems += part.problems
        total.warnings += part.warnings
        for k, v in part.skipped.items():
            total.skipped[k] = total.skipped.get(k, 0) + v
    else:
        total.problems += [p for p in part.problems if id(p) not in seen]
    for k, v in part.formats.items():
        total.formats[k] = total.formats.get(k, 0) + v
    total.seconds += part.seconds
    total.interrupted = total.interrupted or part.interrupted


def _rebuild(path, paths, **kwargs):
    """Build the sharded index anew beside ``path`` and swap it in when complete."""
    from index.build import _swap_dirs

    path = os.path.normpath(str(path))
    fresh = f"{path}.rebuild-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    shards = kwargs.pop("shards", None)
    if shards is None and is_sharded(path):
        shards = Manifest.read(path).shards
    try:
        summary = index_sharded(fresh, paths, shards=shards, **kwargs)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    if summary.interrupted:
        shutil.rmtree(fresh, ignore_errors=True)
        return summary
    _swap_dirs(fresh, path)
    shutil.rmtree(fresh, ignore_errors=True)
    return summary


# --- chunks of the input, for cluster tasks ---------------------------------------------

def plan_chunks(paths, chunk_bytes=CHUNK_BYTES, chunk_lines=CHUNK_LINES,
                files_per_chunk=FILES_PER_CHUNK):
    """Cut the input into chunks for tasks: ``("files", [paths])``, ``("bytes", path,
    start, end)`` of a JSON Lines file, or ``("lines", path, first, stop)`` of a gzipped
    one. Errors of the walk itself (a missing path) come as ``("error", source, problem)``.
    """
    chunks, files = [], []
    for item in walk(paths):
        if isinstance(item, ArticleError):
            chunks.append(("error", item.source, item.problem))
            continue
        if item == "-":
            raise ShardingError("-", "standard input cannot be split over a cluster; "
                                     "save it to a .jsonl file and index that")
        lower = item.lower()
        if lower.endswith(".gz"):
            n = _count_lines(item)
            if n is None or n <= chunk_lines:
                files.append(item)
            else:
                chunks.extend(("lines", item, a, min(a + chunk_lines, n))
                              for a in range(0, n, chunk_lines))
            continue
        if lower.endswith(JSONL_SUFFIXES):
            size = os.path.getsize(item)
            if size > chunk_bytes:
                chunks.extend(("bytes", item, a, b) for a, b in _byte_ranges(item, size,
                                                                             chunk_bytes))
                continue
        files.append(item)
        if len(files) >= files_per_chunk:
            chunks.append(("files", files))
            files = []
    if files:
        chunks.append(("files", files))
    return chunks


def _count_lines(path):
    try:
        with gzip.open(path, "rb") as f:
            return sum(1 for _ in f)
    except (OSError, EOFError):
        return None  # read whole by one task, which reports the damage


def _byte_ranges(path, size, chunk_bytes):
    """(start, end) ranges of about ``chunk_bytes``, each ending after a newline."""
    out, start = [], 0
    with open(path, "rb") as f:
        while start < size:
            f.seek(min(start + chunk_bytes, size))
            f.readline()
            end = min(f.tell(), size)
            out.append((start, end))
            start = end
    return out


def read_chunk(chunk):
    """Articles, errors and warnings of one chunk, as ``read_articles`` yields them."""
    kind = chunk[0]
    if kind == "error":
        yield ArticleError(chunk[1], chunk[2])
    elif kind == "files":
        yield from read_articles(chunk[1])
    elif kind == "bytes":
        _, path, start, end = chunk
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read(end - start)
        yield from _jsonl(io.BytesIO(data), path)
    elif kind == "lines":
        _, path, first, stop = chunk

        def lines():
            with gzip.open(path, "rb") as f:
                for n, line in enumerate(f):
                    if n >= stop:
                        return
                    if n >= first:
                        yield line
        yield from _jsonl(_LineStream(lines()), path)


def _jsonl(stream, path):
    for item in read_jsonl_stream(stream, path):
        if hasattr(item, "format") and not isinstance(item, (ArticleError, Warning_)):
            item.format = item.format or "jsonl"
        yield item


class _LineStream(io.RawIOBase):
    """A binary stream over an iterator of lines (``readline`` is all JSON Lines needs)."""

    def __init__(self, lines):
        self._lines = lines
        self._pending = b""

    def readable(self):
        return True

    def readline(self, limit=-1):
        if not self._pending:
            self._pending = next(self._lines, b"")
        if limit is None or limit < 0 or limit >= len(self._pending):
            out, self._pending = self._pending, b""
        else:
            out, self._pending = self._pending[:limit], self._pending[limit:]
        return out


def chunk_paths(chunk):
    """The input paths a chunk reads (for ``--prune``)."""
    if chunk[0] == "files":
        return list(chunk[1])
    return [chunk[1]]


def chunk_bytes_for(shards):
    """The chunk size for a cluster build of ``shards`` shards (``TASK_BYTES``)."""
    return min(max(CHUNK_BYTES, TASK_BYTES * shards), MAX_CHUNK_BYTES)


def write_chunk(target, chunk, shard, shards, *, entities=True, lock_timeout=120.0,
                after=None, word_cache=None):
    """A cluster task: index the articles of ``chunk`` that belong to ``shard`` into the
    index folder ``target``, committing once. ``after`` is the same shard's previous
    task (only ordering); ``word_cache`` the worker's analysed words, kept from task to
    task (``index_paths``). Returns plain data: the summary's counts, its problems and
    warnings as text, the ids seen and the sources that failed (for ``--prune``)."""
    from index.build import index_paths

    shared, seen = [], set()
    items = route(read_chunk(chunk), shard, shards, shared, seen)
    summary = index_paths(target, chunk_paths(chunk), items=items, entities=entities,
                          procs=1, batch_size=TASK_BATCH, lock_timeout=lock_timeout,
                          word_cache=word_cache)
    return {"shard": shard,
            "counts": {k: getattr(summary, k) for k in ("added", "updated", "unchanged",
                                                         "failed", "duplicates")},
            "formats": dict(summary.formats), "skipped": dict(summary.skipped),
            "errors": [(p.source, p.problem, p.line) for p in summary.problems],
            "shared": [id(e) in {id(s) for s in shared} for e in summary.problems],
            "warnings": [str(w) for w in summary.warnings],
            "seen": sorted(seen),
            "failed_sources": sorted({e.source for e in shared}),
            "seconds": summary.seconds}


def prune_shard(target, seen, paths, failed_sources=(), lock_timeout=120.0):
    """A cluster task after all chunks: remove from ``target`` the articles of files
    under ``paths`` whose ids the run did not see (``index_paths``' ``--prune``)."""
    from index.build import INNER_LOCK_TIMEOUT, _commit, _prune
    from index.pipeline import open_writer
    from index.store import IndexStore, RunLock, index_exists

    if not index_exists(target):
        return 0
    with RunLock(target).acquire(lock_timeout):
        store = IndexStore.open(target)
        writer = open_writer(store, None, procs=1, timeout=INNER_LOCK_TIMEOUT)
        try:
            removed = _prune(writer, store, set(seen), paths, set(failed_sources))
        except BaseException:
            writer.cancel()
            raise
        _commit(writer, store)
    return removed


def optimize_shard(target, lock_timeout=120.0):
    """A cluster task after all chunks: merge the shard ``target`` into one segment."""
    from index.build import INNER_LOCK_TIMEOUT, _commit
    from index.pipeline import open_writer
    from index.store import IndexStore, RunLock, index_exists

    if not index_exists(target):
        return
    with RunLock(target).acquire(lock_timeout):
        store = IndexStore.open(target)
        _commit(open_writer(store, None, procs=1, timeout=INNER_LOCK_TIMEOUT), store,
                optimize=True)
