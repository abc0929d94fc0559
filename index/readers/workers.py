"""Extraction in worker processes: the units of a run, extracted in parallel, in order.

:func:`index.ingest.read_units` yields what a run reads, with a
:class:`~index.readers.Unit` wherever a page, feed, agency file or WARC capture
needs extracting. :func:`extracted` replaces each unit by its items: here, one
after the other, or in ``procs`` forked processes (trafilatura is pure-Python
work and most of a page's cost). The order of the items is the input's either
way, so the indexing run sees the same stream: duplicate ids, the content-hash
skip and ``--prune`` are decided in the parent as before.

>>> from index.ingest import read_units
>>> items = extracted(read_units(["seiten/"]), procs=2)   # doctest: +SKIP
"""

import collections
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import traceback
from multiprocessing.connection import wait

from index.errors import ArticleError, WorkerFailed

#: Units handed out ahead of the one the run waits for, per process. A unit holds
#: its raw bytes (a page: ~100 KB; at most 50 MB), so this bounds the memory.
AHEAD_PER_PROC = 4

#: Items (and units) kept waiting behind a unit still being extracted.
MAX_WAITING = 1000

#: Seconds between checks that the workers are alive while waiting for a result
#: (a dead worker's pipe usually says so at once).
POLL_SECONDS = 0.5


def extracted(items, procs=1, skip=None, done=None):
    """Yield ``items`` with each Unit replaced by the items its extraction gives.

    ``procs`` > 1 extracts in that many worker processes, started at the first
    unit (a run of plain text or JSON Lines starts none). ``skip(unit)`` may
    return the ``(id, hash)`` entries of a unit extracted by an earlier run with
    the same raw bytes: an :class:`~index.ingest.Unchanged` is yielded instead,
    and nothing is extracted. ``done(unit, items)`` is told each extraction.

    A worker that dies (killed, out of memory) raises WorkerFailed naming the
    file it was reading. Closing the generator stops the workers.
    """
    from index.ingest import Unchanged
    from index.readers import Unit

    pool = None
    pending = collections.deque()  # [item or unit, its items (None while extracted)]
    try:
        for item in items:
            if not isinstance(item, Unit):
                entry = [item, [item]]
            elif (entries := skip(item) if skip is not None else None) is not None:
                entry = [item, [Unchanged(item, entries)]]
            elif procs <= 1:
                entry = [item, item.run()]
                if done is not None:
                    done(item, entry[1])
            else:
                if pool is None:
                    pool = _Pool(procs)
                entry = [item, None]
                pool.submit(entry)
            pending.append(entry)
            # What is ready goes on at once; the oldest unit is waited for when
            # enough work is out, or enough items wait behind it.
            while pending and (pending[0][1] is not None or (
                    pool.out >= procs * AHEAD_PER_PROC or len(pending) >= MAX_WAITING)):
                yield from _ready(pending, pool, done)
        while pending:
            yield from _ready(pending, pool, done)
        if pool is not None:
            pool.close()
            pool = None
    finally:
        if pool is not None:
            pool.kill()


def _ready(pending, pool, done):
    """The items at the head of ``pending`` that are ready, waiting for the first."""
    head = pending[0]
    if head[1] is None:
        while head[1] is None:
            pool.receive(done)
    out = []
    while pending and pending[0][1] is not None:
        out.extend(pending.popleft()[1])
    return out


class _Pool:
    """``procs`` forked processes extracting units from a job queue.

    Each worker answers on a pipe of its own, written synchronously: a worker
    killed after it said which unit it took has still said it.
    """

    def __init__(self, procs):
        ctx = multiprocessing.get_context("fork")
        self.jobs = ctx.Queue()
        self.waiting = {}  # job number -> pending entry
        self.working = {}  # pid -> the unit it is extracting
        self.number = 0
        self.processes = []
        self.pipes = {}  # the parent's end of a worker's pipe -> the worker
        for _ in range(procs):
            receiver, sender = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_work, args=(self.jobs, sender), daemon=True)
            process.start()
            sender.close()
            self.processes.append(process)
            self.pipes[receiver] = process

    @property
    def out(self):
        return len(self.waiting)

    def submit(self, entry):
        self.number += 1
        self.waiting[self.number] = entry
        self.jobs.put((self.number, entry[0]))

    def receive(self, done):
        """Take the workers' messages that have come, waiting for at least one; raise
        WorkerFailed for a worker that ended."""
        ready = wait(list(self.pipes), timeout=POLL_SECONDS)
        gone = False
        for pipe in ready:
            gone = not self._take(pipe, done) or gone
        if gone or not ready:
            dead = [p for p in self.processes if p.exitcode is not None]
            if dead:
                # Another may be ending too, and what each said last tells which file
                # it was reading: the one that was extracting something says the most.
                for process in self.processes:
                    process.join(timeout=0.2)
                for pipe in self.pipes:
                    self._take(pipe, done)
                dead = [p for p in self.processes if p.exitcode is not None]
                dead.sort(key=lambda p: p.pid not in self.working)
                raise self._failure(dead[0])

    def _take(self, pipe, done):
        """Read every message waiting in a worker's pipe; False when the pipe is closed
        (the worker is gone)."""
        process = self.pipes[pipe]
        try:
            while pipe.poll(0):
                kind, number, payload = pickle.loads(pipe.recv_bytes())
                if kind == "start":
                    self.working[process.pid] = self.waiting[number][0]
                    continue
                self.working.pop(process.pid, None)
                entry = self.waiting.pop(number)
                entry[1] = [_restored(item) for item in payload]
                if done is not None:
                    done(entry[0], entry[1])
        except (EOFError, OSError, pickle.UnpicklingError):
            process.join(timeout=5.0)
            return False
        return True

    def _failure(self, process):
        """The WorkerFailed for a worker that ended before its work was done."""
        unit = self.working.get(process.pid)
        reading = f" while reading {unit.source}" if unit is not None else ""
        code = process.exitcode
        where = f"extraction process {process.pid}"
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            hint = " (the system may have run out of memory)" if name == "SIGKILL" else ""
            return WorkerFailed("", where, f"was killed by {name}{hint}{reading}", signal=name)
        return WorkerFailed("", where, f"ended with exit status {code}{reading}")

    def close(self):
        """Let the workers finish (they have no work left) and end."""
        for _ in self.processes:
            self.jobs.put(None)
        for process in self.processes:
            process.join(timeout=5.0)
        self.kill()

    def kill(self):
        """End the workers now; what they were extracting is dropped."""
        for process in self.processes:
            if process.is_alive():
                process.kill()  # workers ignore SIGTERM, as the writer's do
        for process in self.processes:
            process.join()
        for pipe in self.pipes:
            pipe.close()
        self.jobs.close()
        self.jobs.cancel_join_thread()


def _portable(item):
    """An item as it can be pickled: an ArticleError's arguments (its pickle would
    call ``ArticleError(message)``), anything else as it is."""
    if isinstance(item, ArticleError):
        return ("ArticleError", item.source, item.problem, item.line)
    return item


def _restored(item):
    if isinstance(item, tuple) and item and item[0] == "ArticleError":
        return ArticleError(*item[1:])
    return item


def _work(jobs, pipe):
    """A worker's loop: extract each unit it is given and send back its items."""
    # The parent decides about Ctrl-C and SIGTERM; a worker stops when told, or
    # when its parent is gone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid()
    while True:
        try:
            job = jobs.get(timeout=5.0)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if job is None:
            return
        number, unit = job
        pipe.send_bytes(pickle.dumps(("start", number, None)))
        try:
            message = pickle.dumps(("done", number, [_portable(i) for i in unit.run()]),
                                   protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an item that cannot be pickled: still one message
            if os.environ.get("FUNDSTELLE_DEBUG"):
                traceback.print_exc()
                sys.stderr.flush()
            message = pickle.dumps(("done", number, [_portable(ArticleError(
                unit.source, f"could not be read ({type(exc).__name__}: {exc}); skipped"))]))
        pipe.send_bytes(message)
