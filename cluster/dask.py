"""The Dask edge of the cluster layer: connecting, shard actors, build tasks.

``local`` starts a ``LocalCluster`` with one worker process per core (one thread
each: the work is Python); any other address (``tcp://host:8786``) joins a running
scheduler, whose workers must run this same Fundstelle and see the index folder
at the same path (shared storage such as NFS), or hold their shards on local disk
with the actors pinned to them (docs/scaling.md).

Searching: each shard is held open by a :class:`ShardActor` on one worker (its
searcher, facet columns and caches stay warm there); the coordinator calls its
:class:`~cluster.shard.ShardSearcher` methods through the actor, all shards at
once. Building: :func:`build_on_cluster` submits :func:`index_task` tasks
(:func:`cluster.build.write_chunk` with the worker's word cache), chained per shard.
"""

import importlib
import os
import threading
import time
import uuid

from distributed.diagnostics.plugin import WorkerPlugin

from cluster.manifest import ShardingError
from index.errors import ArticleError, FundstelleError
from index.ingest import Warning_
from index.store import IndexSummary

#: How often Dask runs a build task again after an error (a lost worker is retried
#: by the scheduler itself, up to its ``allowed-failures``).
TASK_RETRIES = 2


class ClusterError(FundstelleError):
    """The Dask cluster could not be reached or did not finish the work."""

    def __init__(self, address, reason):
        self.address, self.reason = str(address), reason
        super().__init__(f"cluster {address}: {reason}")


def connect(address):
    """A ``distributed.Client`` for ``address`` (``local``: a new LocalCluster)."""
    import logging

    from distributed import Client

    logging.getLogger("distributed").setLevel(logging.ERROR)
    try:
        if address == "local":
            cluster = local_cluster(os.cpu_count() or 1)
            client = Client(cluster)
            client._fundstelle_cluster = cluster
        else:
            client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise ClusterError(address, f"cannot connect ({exc}); start a scheduler with "
                                    "`dask-scheduler` or use --cluster local") from None
    client.register_plugin(WorkerState(), name=WorkerState.name)
    return client


#: Dask settings for the processes of a LocalCluster: the event loop's tick (20 ms by
#: default: 50 wake-ups a second in every process) and the system monitor (500 ms) are
#: for diagnostics only. An idle 1-worker LocalCluster used 8.4 CPU-s a minute with
#: Dask's defaults and 4.5 with these (load ~10, alternating); a hand-started cluster
#: gets them from the environment (docs/scaling.md).
QUIET_DASK = {"distributed.admin.tick.interval": "1s",
              "distributed.admin.system-monitor.interval": "5s"}


def local_cluster(workers):
    """A LocalCluster of ``workers`` single-threaded worker processes (``QUIET_DASK``)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(QUIET_DASK):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            dashboard_address=":0")


def disconnect(client):
    cluster = getattr(client, "_fundstelle_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


class WorkerState(WorkerPlugin):
    """Worker plugin: what a worker process keeps from one build task to the next.

    The entity extractor is loaded once when the worker starts (it is cached per
    process), so no task pays for it; the cache of analysed words
    (:mod:`index.wordcache`) is kept here, one per worker thread, so each task
    starts with the words the tasks before it analysed, as an ordinary run's
    batches do. A task that started cold spent about a quarter of its CPU analysing
    words anew (docs/scaling.md, "Why a Dask build cost twice the CPU").
    """

    name = "fundstelle-worker"

    def __init__(self):
        self.words = {}

    def setup(self, worker):
        from index.build import load_extractor
        load_extractor()

    def word_cache(self):
        """This thread's word cache (a worker may run tasks on several threads)."""
        return self.words.setdefault(threading.get_ident(), {})


def _worker_words():
    """The word cache of the worker running this task, or None outside a worker or
    without the plugin."""
    from distributed import get_worker

    try:
        state = get_worker().plugins.get(WorkerState.name)
    except ValueError:  # not on a worker
        return None
    return state.word_cache() if isinstance(state, WorkerState) else None


def index_task(target, chunk, shard, shards, **kwargs):
    """The build task: :func:`cluster.build.write_chunk` with the worker's word cache."""
    from cluster.build import write_chunk

    return write_chunk(target, chunk, shard, shards, word_cache=_worker_words(), **kwargs)


class ShardActor:
    """A Dask actor that keeps one shard open on its worker."""

    def __init__(self, path, number, settings):
        from cluster.shard import ShardSearcher

        self.shard = ShardSearcher(path, number, settings=settings)

    def call(self, method, args, kwargs):
        """``ShardSearcher.method(*args, **kwargs)``; an error comes back as data (our
        exceptions do not all survive pickling)."""
        try:
            return ("ok", getattr(self.shard, method)(*args, **kwargs))
        except FundstelleError as exc:
            return ("error", type(exc).__module__, type(exc).__qualname__,
                    dict(vars(exc)), str(exc))


def _raise(answer):
    if answer[0] == "ok":
        return answer[1]
    _, module, name, state, message = answer
    cls = getattr(importlib.import_module(module), name, None)
    if not (isinstance(cls, type) and issubclass(cls, FundstelleError)):
        raise FundstelleError(message)
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)
    exc.__dict__.update(state)
    raise exc


class DaskShards:
    """Every shard held open by an actor on a worker of the cluster at ``address``.

    Shards are placed round-robin over the workers (shard i on worker i mod W).
    """

    local = False

    def __init__(self, manifest, address, settings):
        self.client = connect(address) if isinstance(address, str) else address
        self._own_client = isinstance(address, str)
        workers = sorted(self.client.scheduler_info()["workers"])
        if not workers:
            raise ClusterError(address, "has no workers")
        futures = [self.client.submit(ShardActor, path, i, settings, actor=True,
                                      workers=[workers[i % len(workers)]],
                                      key=f"shard-{i}-{uuid.uuid4().hex[:8]}")
                   for i, path in enumerate(manifest.shard_paths())]
        self.actors = [f.result() for f in futures]
        self._futures = futures  # an actor lives as long as its future

    def __len__(self):
        return len(self.actors)

    def map(self, method, *args, **kwargs):
        pending = [a.call(method, args, kwargs) for a in self.actors]
        return [_raise(p.result()) for p in pending]

    def call(self, shard, method, *args, **kwargs):
        return _raise(self.actors[shard].call(method, args, kwargs).result())

    def calls(self, requests):
        pending = [self.actors[i].call(m, a, k) for i, m, a, k in requests]
        return [_raise(p.result()) for p in pending]

    def close(self):
        self.actors, self._futures = [], []
        if self._own_client:
            disconnect(self.client)


def build_on_cluster(address, targets, paths, *, report=None, prune=False, progress=None,
                     entities=True, lock_timeout=0.0, client=None, chunk_bytes=None,
                     optimize=False, **ignored):
    """Index ``paths`` into the shard folders ``targets`` with tasks on a cluster.

    Returns the IndexSummary of the whole run. A task that fails for good raises
    ClusterError naming its shard; the index keeps what was committed, and the same
    command again completes it.
    """
    from distributed import as_completed

    from cluster.build import chunk_bytes_for, optimize_shard, plan_chunks, prune_shard

    started = time.monotonic()
    if client is None and not isinstance(address, str):
        client = address  # a Client made by the caller
    own = client is None
    client = client or connect(address)
    summary = IndexSummary()
    try:
        if not own:  # connect() registered it
            client.register_plugin(WorkerState(), name=WorkerState.name)
        chunks = plan_chunks(paths, chunk_bytes=chunk_bytes or chunk_bytes_for(len(targets)))
        run = uuid.uuid4().hex[:8]
        futures, where = [], {}
        for k, target in enumerate(targets):
            previous = None
            for c, chunk in enumerate(chunks):
                f = client.submit(index_task, target, chunk, k, len(targets),
                                  entities=entities, lock_timeout=max(lock_timeout, 120.0),
                                  after=previous, key=f"index-{run}-shard{k}-chunk{c}",
                                  pure=False, retries=TASK_RETRIES)
                futures.append(f)
                where[f.key] = (k, target)
                previous = f
        seen = [set() for _ in targets]
        failed_sources = set()
        done = 0
        for f in as_completed(futures):
            k, target = where[f.key]
            try:
                part = f.result()
            except Exception as exc:
                for other in futures:
                    other.cancel()
                raise ClusterError(address, f"indexing shard {k} ({target}) failed: "
                                            f"{exc}; what was committed is kept: run the "
                                            "same command again to complete it") from None
            _add(summary, part, report)
            seen[k].update(part["seen"])
            failed_sources.update(part["failed_sources"])
            done += len(part["seen"])
            if progress:
                progress(done)
        if prune:
            pruned = [client.submit(prune_shard, target, sorted(seen[k]), list(paths),
                                    sorted(failed_sources), pure=False)
                      for k, target in enumerate(targets)]
            summary.pruned = sum(f.result() for f in pruned)
        if optimize:
            client.gather([client.submit(optimize_shard, target, pure=False)
                           for target in targets])
        summary.seconds = time.monotonic() - started
    finally:
        if own:
            disconnect(client)
    return summary


def _add(summary, part, report):
    """Add a task's answer to the run's summary; input errors that every shard's task
    saw count (and are reported) once, from shard 0."""
    counts = part["counts"]
    for key in ("added", "updated", "unchanged", "duplicates"):
        setattr(summary, key, getattr(summary, key) + counts[key])
    first = part["shard"] == 0
    for (source, problem, line), shared in zip(part["errors"], part["shared"]):
        if shared and not first:
            continue
        err = ArticleError(source, problem, line)
        summary.problems.append(err)
        if shared:
            summary.failed += 1
        if report:
            report(err)
    if first:
        for text in part["warnings"]:
            source, _, message = text.partition(": ")
            warning = Warning_(source, message)
            summary.warnings.append(warning)
            if report:
                report(warning)
        for k, v in part["skipped"].items():
            summary.skipped[k] = summary.skipped.get(k, 0) + v
    for k, v in part["formats"].items():
        summary.formats[k] = summary.formats.get(k, 0) + v


__all__ = ["ClusterError", "ShardingError", "connect", "DaskShards", "build_on_cluster"]
