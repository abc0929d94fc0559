"""Faults while indexing reach the user as one message from the main process.

A full disk, a worker that runs out of memory, fails or is killed: the run ends with
exit status 1 and exactly one line on stderr that says what failed, where, how many
articles the index holds (its last commit, intact) and what to do. No process prints
a traceback. Running the same command again once the cause is gone completes the run.

The disk-full case is tested for real on a small tmpfs (needs root, as in CI), and on
every write path (a worker's segment, the parent's hand-over files, merged segment,
table of contents, caches) with a stub: ``STUB`` runs the CLI with one file-system call
failing as a full disk fails it. Workers are forked, so the stub reaches them too.
"""

import errno
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

from conftest import SHARED
from test_reliability import make_archive

FANG_SAMPLE = "data/fang-covid/sample-300.jsonl"

# The fundstelle CLI with one fault injected, chosen by environment variables:
#   FAULT_KIND   enospc (a file write fails: disk full), error, memory, kill (a worker's
#                add_document raises RuntimeError, MemoryError, or SIGKILLs itself),
#                cache (pickling an index cache fails: disk full)
#   FAULT_IN     worker or parent: the process the fault happens in
#   FAULT_FILES  regular expression: only files whose name it finds (enospc, cache)
#   FAULT_FROM   the fault waits until the index has this many commits (default 0)
#   FAULT_INDEX  the index folder (to count its commits)
STUB = r'''
import errno, os, pickle, re, signal, sys

from whoosh.filedb.filestore import FileStorage

import index.arrivals
import index.store
from index import pipeline

kind, where = os.environ["FAULT_KIND"], os.environ.get("FAULT_IN", "worker")
files = re.compile(os.environ.get("FAULT_FILES", "."))
start, index_dir = int(os.environ.get("FAULT_FROM", "0")), os.environ["FAULT_INDEX"]
main_pid = os.getpid()


def armed():
    gens = [int(m.group(1)) for m in map(re.compile(r"_MAIN_(\d+)\.toc$").match,
                                         os.listdir(index_dir)) if m]
    return (os.getpid() != main_pid) == (where == "worker") and max(gens, default=-1) >= start


def no_space():
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class FullDisk:
    """A file on a full disk: a write stores half its bytes, then fails."""

    def __init__(self, f):
        self._f = f

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()

    def write(self, data):
        data = bytes(data)
        self._f.write(data[:len(data) // 2])
        raise no_space()


create_file = FileStorage.create_file


def failing_create_file(self, name, *args, **kwargs):
    f = create_file(self, name, *args, **kwargs)
    if kind == "enospc" and files.search(name) and armed():
        f.file = FullDisk(f.file)
    return f


add_document = pipeline.BufferedSegmentWriter.add_document


def failing_add_document(self, **fields):
    if kind in ("error", "memory", "kill") and armed():
        if kind == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise MemoryError("simulated") if kind == "memory" else RuntimeError("simulated")
    return add_document(self, **fields)


class FailingPickle:
    def __getattr__(self, name):
        return getattr(pickle, name)

    def dump(self, obj, f, *args, **kwargs):
        if kind == "cache" and files.search(os.path.basename(f.name)) and armed():
            FullDisk(f).write(pickle.dumps(obj))
        return pickle.dump(obj, f, *args, **kwargs)


FileStorage.create_file = failing_create_file
pipeline.BufferedSegmentWriter.add_document = failing_add_document
index.store.pickle = FailingPickle()
index.arrivals.pickle = index.store.pickle

import cli
cli.run()
'''


def fundstelle(index, *args, fault=None, debug=False, timeout=300):
    """Run the CLI in a fresh process (with ``fault``, a dict of FAULT_* settings)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FAULT_") and k != "FUNDSTELLE_DEBUG"}
    if debug:
        env["FUNDSTELLE_DEBUG"] = "1"
    cmd = [sys.executable, "-m", "cli"]
    if fault:
        env.update({f"FAULT_{k.upper()}": str(v) for k, v in fault.items()},
                   FAULT_INDEX=str(index))
        cmd = [sys.executable, "-c", STUB]
    p = subprocess.run(cmd + ["--index", str(index), *map(str, args)], capture_output=True,
                       text=True, timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr


def index_args(source, procs, batch):
    return ["index", "--no-entities", "--procs", procs, "--batch-size", batch, source]


def the_one_error(err):
    """The single line a failed run writes to stderr."""
    lines = err.strip().splitlines()
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith("Error: "), err
    return lines[0]


def committed_in(message):
    return int(re.search(r"with ([\d,]+) articles?\b", message).group(1).replace(",", ""))


def assert_intact(index, message, total):
    """The index passes `check` and holds what the message says: some, not all articles."""
    committed = committed_in(message)
    rc, out, err = fundstelle(index, "check")
    assert rc == 0 and ": ok: " in out, out + err
    rc, out, _ = fundstelle(index, "stats", "--format", "json")
    assert rc == 0 and json.loads(out)["articles"] == committed
    assert 0 < committed < total
    return committed


def assert_rerun_completes(index, args, committed, total):
    rc, _, err = fundstelle(index, *args)
    assert rc == 0, err
    assert (f"{total - committed} added, 0 updated, {committed} unchanged, 0 failed"
            in err), err
    rc, out, _ = fundstelle(index, "check")
    assert rc == 0 and f"ok: {total:,} articles" in out, out


def fang_sample():
    for shared in (SHARED, pathlib.Path("/work/shared")):
        if (shared / FANG_SAMPLE).is_file():
            return shared / FANG_SAMPLE
    return None


# ------------------------------------------------------------------ a real full disk

@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """FANG articles when the shared data is there, else articles from tests/corpus;
    with the size of their index (100-article commits, two workers)."""
    sample = fang_sample()
    if sample is None:
        sample = tmp_path_factory.mktemp("artikel")
        make_archive(sample, n=300)
    index = tmp_path_factory.mktemp("measure") / "ix"
    rc, _, err = fundstelle(index, *index_args(sample, 2, 100))
    assert rc == 0, err
    total = int(re.search(r"(\d+) added, 0 updated, 0 unchanged", err).group(1))
    size = sum(f.stat().st_size for f in index.iterdir() if f.is_file())
    return sample, total, size


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MB tmpfs; skipped where mounting is not allowed (not root, no CAP_SYS_ADMIN)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the stub tests cover the disk-full paths")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({p.stderr.strip()}); "
                    "the stub tests cover the disk-full paths")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


@pytest.mark.parametrize("procs", [2, 1])
def test_a_full_disk_is_one_message_and_the_rerun_completes(small_disk, corpus, procs):
    source, total, size = corpus
    # Leave room for about three quarters of the whole index: the first commit fits.
    ballast = small_disk / "ballast"
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    with open(ballast, "wb") as f:
        f.write(b"\0" * (free - size * 3 // 4))
    index = small_disk / "ix"
    args = index_args(source, procs, 100)

    rc, out, err = fundstelle(index, *args)
    assert rc == 1 and out == ""
    message = the_one_error(err)
    assert message.startswith(f"Error: could not write the index in {index}: "
                              "No space left on device. The index is intact at its last "
                              "commit, with "), message
    assert message.endswith(f"Free space on the disk that holds {index}, then run the same "
                            "command again: it resumes where the last commit left off and "
                            "skips the unchanged articles."), message
    committed = assert_intact(index, message, total)
    # Nothing of the failed batch is left taking up space: only committed segments.
    leftovers = [n for n in os.listdir(index) if n.endswith((".tmp", ".ctmp", ".doclist"))
                 or os.path.isdir(index / n)]
    assert leftovers == []

    os.remove(ballast)  # free space
    assert_rerun_completes(index, args, committed, total)


# ------------------------------------------------------------------ every write path, stubbed

@pytest.fixture(scope="module")
def articles(tmp_path_factory):
    folder = tmp_path_factory.mktemp("artikel")
    return folder, len(make_archive(folder, n=60))


@pytest.mark.parametrize("where, files, after, procs, batch", [
    # a worker's segment files (its compound segment's parts, then the segment itself)
    ("worker", r".", 2, 2, 10),
    # the parent's hand-over files to the workers
    ("parent", r"\.doclist$", 2, 2, 10),
    # the parent's merge of small segments (one a commit here): 8 pile up by commit 8
    ("parent", r"\.ctmp$|^MAIN_\w+\.seg$", 8, 2, 5),
    # the table of contents, written by the parent at every commit
    ("parent", r"^_MAIN_\d+\.toc\.", 2, 2, 10),
    # --procs 1: the segment is written in the one process
    ("parent", r".", 2, 1, 10),
])
def test_a_full_disk_on_any_write_path(tmp_path, articles, where, files, after, procs, batch):
    folder, total = articles
    index = tmp_path / "ix"
    args = index_args(folder, procs, batch)
    fault = {"kind": "enospc", "in": where, "files": files, "from": after}
    rc, out, err = fundstelle(index, *args, fault=fault)
    assert rc == 1 and out == ""
    message = the_one_error(err)
    assert f"could not write the index in {index}: No space left on device." in message
    assert "Free space on the disk" in message and "run the same command again" in message
    committed = assert_intact(index, message, total)
    assert committed == after * batch
    assert not [n for n in os.listdir(index) if ".toc." in n or n.endswith(".tmp")]
    assert_rerun_completes(index, args, committed, total)


def test_a_full_disk_during_a_rebuild_leaves_the_old_index(tmp_path, articles):
    folder, total = articles
    index = tmp_path / "ix"
    assert fundstelle(index, *index_args(folder, 2, 20))[0] == 0
    rc, out, err = fundstelle(index, "index", "--rebuild", "--no-entities", "--batch-size", 10,
                              folder, fault={"kind": "enospc", "from": 1})
    assert rc == 1
    message = the_one_error(err)
    assert message == (f"Error: could not write the index in {index}: No space left on "
                       f"device. The rebuild was abandoned; the index is unchanged, with "
                       f"{total} articles. Free space on the disk that holds {index}, then "
                       "run the same command again.")
    assert sorted(os.listdir(tmp_path)) == ["ix"]
    assert fundstelle(index, "check")[0] == 0


def test_a_cache_that_cannot_be_written_does_not_fail_the_run(tmp_path, articles):
    folder, total = articles
    index = tmp_path / "ix"
    args = index_args(folder, 2, 30)
    fault = {"kind": "cache", "in": "parent",
             "files": "^(hashes|facets|lexicon|dates|dupsig|dupgroups|automatic|arrivals)-"}
    rc, _, err = fundstelle(index, *args, fault=fault)
    assert rc == 0 and f"{total} added" in err and "Error" not in err
    rc, out, err = fundstelle(index, "search", "Bayern", "--format", "json", fault=fault)
    assert rc == 0 and json.loads(out)["total"] > 0 and err == ""
    rc, out, err = fundstelle(index, "search", "Bayren", fault=fault)
    assert rc == 0 and "Traceback" not in err
    assert not [n for n in os.listdir(index) if n.endswith((".pickle", ".tmp"))]
    # Without the hashes file the next run reads the stored ids and hashes instead.
    rc, _, err = fundstelle(index, *args)
    assert rc == 0 and f"0 added, 0 updated, {total} unchanged" in err


# ------------------------------------------------------------------ other worker faults

@pytest.mark.parametrize("kind, says, advice", [
    ("memory", r"worker process \d+ ran out of memory \(simulated\)",
     "Use fewer worker processes (--procs) or a smaller --batch-size, then run the same "
     "command again"),
    ("kill", r"worker process \d+ was killed by SIGKILL \(the system may have run out of "
             r"memory\)",
     "If nothing stopped it on purpose, run the same command again"),
    ("error", r"worker process \d+ failed: RuntimeError: simulated",
     "This is a bug in Fundstelle; run again with FUNDSTELLE_DEBUG=1"),
])
def test_a_failing_worker_is_one_message_from_the_parent(tmp_path, articles, kind, says,
                                                        advice):
    folder, total = articles
    index = tmp_path / "ix"
    args = index_args(folder, 2, 20)
    rc, out, err = fundstelle(index, *args, fault={"kind": kind, "from": 1})
    assert rc == 1 and out == ""
    message = the_one_error(err)
    assert re.match(rf"Error: indexing into {re.escape(str(index))} stopped: {says}\. The "
                    r"index is intact at its last commit, with 20 articles\. ", message), message
    assert advice in message
    assert_intact(index, message, total)
    assert_rerun_completes(index, args, 20, total)


def test_a_failing_article_in_process_is_one_message(tmp_path, articles):
    folder, total = articles
    index = tmp_path / "ix"
    args = index_args(folder, 1, 20)
    rc, _, err = fundstelle(index, *args, fault={"kind": "memory", "in": "parent", "from": 1})
    assert rc == 1
    message = the_one_error(err)
    assert message.startswith(f"Error: indexing into {index} stopped: the indexing process "
                              "ran out of memory (simulated). The index is intact at its "
                              "last commit, with 20 articles.")
    assert_intact(index, message, total)


def test_debug_shows_the_workers_traceback(tmp_path, articles):
    folder, _ = articles
    rc, _, err = fundstelle(tmp_path / "ix", *index_args(folder, 2, 20),
                            fault={"kind": "error", "from": 1}, debug=True)
    assert rc == 1
    assert "Traceback" in err and "RuntimeError: simulated" in err
    assert err.strip().splitlines()[-1].startswith("Error: indexing into ")


def test_the_disk_full_errors():
    from index.errors import DiskFull, IndexWriteFailed

    exc = DiskFull("ix", committed=500)
    assert isinstance(exc, IndexWriteFailed)
    assert str(exc) == "ix: could not write the index: No space left on device"
    assert os.strerror(errno.ENOSPC) == "No space left on device"
