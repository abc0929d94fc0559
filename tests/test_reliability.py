"""Incremental, crash-safe indexing with real processes and signals.

A run killed with SIGKILL at any moment leaves an index that opens and searches at
its last commit, and the same command run again completes it with no article lost
or duplicated; SIGINT/SIGTERM commit what is done; a second writer waits, then says
who holds the index; readers keep working during a write.

The corpora are generated from the sentences of tests/corpus, small enough to index
in about two seconds with small batches, so a kill lands in the middle of a run.
"""

import json
import os
import pathlib
import random
import re
import signal
import subprocess
import sys
import time

import pytest

from conftest import corpus_sentences
from index.build import index_paths
from index.check import check_index
from index.errors import IndexLocked, IndexWriteFailed
from index.store import LOCK_INFO, IndexStore, RunLock
from search import SearchEngine

N = 600
BATCH = 20
CLI = [sys.executable, "-m", "cli"]


def make_archive(folder, n=N, seed=1, start=0):
    """Write ``n`` German articles built from the corpus's sentences; return their ids."""
    rng = random.Random(seed)
    sentences = corpus_sentences()
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for i in range(start, start + n):
        body = " ".join(rng.choice(sentences) for _ in range(12))
        aid = f"{i:04d}_bericht"
        (folder / f"{aid}.txt").write_text(
            f" date 2020-{1 + i % 12:02d}-{1 + i % 28:02d} Bericht Nummer {i} aus Bayern\n\n"
            f"{body}\n", encoding="utf-8")
        ids.append(aid)
    return ids


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("archiv") / "artikel"
    return folder, make_archive(folder)


def start(index, *args, batch=BATCH, procs=1):
    """Start `fundstelle index` (serial unless ``procs`` says otherwise)."""
    cmd = CLI + ["--index", str(index), "index", "--no-entities", "--batch-size", str(batch),
                 "--procs", str(procs), *map(str, args)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run(index, *args, batch=BATCH, timeout=120, procs=1):
    p = start(index, *args, batch=batch, procs=procs)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def cli(index, *args, timeout=60):
    p = subprocess.run(CLI + ["--index", str(index), *map(str, args)], capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def stored_ids(index):
    """All stored ids, duplicates kept (a list, not a set)."""
    with IndexStore.open(index).searcher() as s:
        return [f["id"] for f in s.all_stored_fields()]


def commits(index):
    """The generation of the index's latest table of contents (-1: none yet)."""
    gens = [int(n[len("_MAIN_"):-len(".toc")]) for n in os.listdir(index)
            if n.startswith("_MAIN_") and n.endswith(".toc")] if os.path.isdir(index) else []
    return max(gens, default=-1)


def wait_for(cond, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.005)
    return False


def holder_pid(index):
    try:
        with open(os.path.join(index, LOCK_INFO), encoding="utf-8") as f:
            return json.loads(f.read() or "{}").get("pid")
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------------ incremental

def test_rerun_skips_unchanged_replaces_changed_and_prunes(tmp_path):
    folder = tmp_path / "artikel"
    ids = make_archive(folder, n=30)
    index = tmp_path / "ix"
    rc, _, err = run(index, folder)
    assert rc == 0 and "30 added, 0 updated, 0 unchanged, 0 failed" in err
    rc, _, err = run(index, folder)
    assert rc == 0 and "0 added, 0 updated, 30 unchanged, 0 failed" in err

    changed = folder / f"{ids[3]}.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nDer Nachtrag über Lawinen.\n",
                       encoding="utf-8")
    os.remove(folder / f"{ids[7]}.txt")
    make_archive(folder, n=1, seed=9, start=100)
    rc, _, err = run(index, folder)
    assert rc == 0 and "1 added, 1 updated, 28 unchanged, 0 failed" in err
    assert len(stored_ids(index)) == 31  # without --prune the removed file's article stays
    assert "Nachtrag" in IndexStore.open(index).get(ids[3]).text

    rc, _, err = run(index, "--prune", folder)
    assert rc == 0 and "0 added, 0 updated, 30 unchanged, 0 failed, 1 pruned" in err
    got = stored_ids(index)
    assert ids[7] not in got and len(got) == len(set(got)) == 30


def test_prune_keeps_articles_whose_file_failed_or_whose_folder_is_missing(tmp_path):
    folder = tmp_path / "artikel"
    ids = make_archive(folder, n=5)
    other = tmp_path / "anderswo"
    other_ids = make_archive(other, n=2, start=50)
    index = tmp_path / "ix"
    assert run(index, folder, other)[0] == 0
    broken = folder / f"{ids[2]}.txt"
    broken.write_text(" date 2020-13-01 Kaputt\n\nText.\n", encoding="utf-8")
    rc, _, err = run(index, "--prune", folder, tmp_path / "nicht-eingehaengt")
    assert rc == 1 and "bad date" in err and "no such file or directory" in err
    got = stored_ids(index)
    assert ids[2] in got, "an article must not be pruned because its file failed once"
    assert set(other_ids) <= set(got), "articles outside the pruned paths stay"
    assert "pruned" not in err


def test_rebuild_starts_afresh_and_swaps_in(tmp_path):
    folder = tmp_path / "artikel"
    ids = make_archive(folder, n=20)
    index = tmp_path / "ix"
    assert run(index, folder)[0] == 0
    for aid in ids[10:]:
        os.remove(folder / f"{aid}.txt")
    os.makedirs(f"{index}.rebuild-99999")  # left by a rebuild that was killed
    rc, _, err = run(index, "--rebuild", folder)
    assert rc == 0 and "10 added, 0 updated, 0 unchanged" in err
    assert sorted(stored_ids(index)) == ids[:10]
    assert sorted(os.listdir(tmp_path)) == ["artikel", "ix"]
    assert check_index(index).ok


def test_rebuild_waits_for_and_refuses_a_running_writer(tmp_path):
    folder = tmp_path / "artikel"
    make_archive(folder, n=5)
    index = tmp_path / "ix"
    assert run(index, folder)[0] == 0
    with RunLock(index).acquire():
        rc, _, err = run(index, "--rebuild", folder)
    assert rc == 1 and "another indexing run holds the index" in err
    assert f"process {os.getpid()}" in err
    assert len(stored_ids(index)) == 5


def test_interrupted_rebuild_leaves_the_old_index(tmp_path, archive):
    folder, ids = archive
    small = tmp_path / "klein"
    make_archive(small, n=3, start=900)
    index = tmp_path / "ix"
    assert run(index, small)[0] == 0
    p = start(index, "--rebuild", folder)
    assert wait_for(lambda: commits(f"{index}.rebuild-{p.pid}") >= 2)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130 and "rebuild was abandoned" in err
    assert sorted(stored_ids(index)) == ["0900_bericht", "0901_bericht", "0902_bericht"]
    assert sorted(os.listdir(tmp_path)) == ["ix", "klein"]


# ------------------------------------------------------------------ signals

@pytest.mark.parametrize("after, procs, batch", [
    (0.0, 1, BATCH), (0.013, 1, BATCH), (0.041, 1, BATCH), (0.11, 1, BATCH), (0.3, 1, BATCH),
    (0.2, 2, 100)])
def test_sigkill_at_any_moment_then_rerun_completes(tmp_path, archive, after, procs, batch):
    folder, ids = archive
    index = tmp_path / "ix"
    p = start(index, folder, procs=procs, batch=batch)
    assert wait_for(lambda: commits(index) >= 2 or p.poll() is not None)
    time.sleep(after)
    p.kill()
    p.wait()
    p.stdout.close()
    p.stderr.close()
    assert p.returncode == -signal.SIGKILL

    # The index opens and searches at its last commit.
    got = stored_ids(index)
    assert len(got) == len(set(got)) and len(got) % batch == 0 and 0 < len(got) < N
    assert set(got) <= set(ids)
    with SearchEngine(str(index)) as engine:
        assert engine.search("Bayern", limit=3).total == len(got)
    rc, out, _ = cli(index, "search", "Bundeswehr", "--format", "json")
    assert rc == 0 and json.loads(out)["total"] >= 0
    rc, out, _ = cli(index, "check")
    assert rc == 0 and "did not finish" in out

    # The lock died with the process: the same command runs at once and completes.
    rc, _, err = run(index, folder, procs=procs, batch=batch)
    assert rc == 0, err
    assert "did not finish" in err
    assert f"{N - len(got)} added, 0 updated, {len(got)} unchanged, 0 failed" in err
    final = stored_ids(index)
    assert sorted(final) == sorted(ids)
    rc, out, _ = cli(index, "check")
    assert rc == 0 and f"{N} articles" in out and "did not finish" not in out


@pytest.mark.parametrize("sig, code, procs, batch", [
    (signal.SIGINT, 130, 1, BATCH), (signal.SIGTERM, 143, 1, BATCH),
    (signal.SIGINT, 130, 2, 100)])
def test_ctrl_c_and_sigterm_commit_what_is_done(tmp_path, archive, sig, code, procs, batch):
    folder, ids = archive
    index = tmp_path / "ix"
    p = start(index, folder, procs=procs, batch=batch)
    assert wait_for(lambda: commits(index) >= 3)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == code, err
    assert f"Interrupted ({signal.Signals(sig).name})" in err and "Traceback" not in err
    added = int(re.search(r"(\d+) added, 0 updated", err).group(1))
    got = stored_ids(index)
    assert len(got) == len(set(got)) == added, "everything read before the signal is kept"
    assert 0 < added < N
    assert check_index(index).ok
    rc, _, err = run(index, folder, procs=procs, batch=batch)
    assert rc == 0 and f"{N - added} added, 0 updated, {added} unchanged" in err
    assert sorted(stored_ids(index)) == sorted(ids)


# ------------------------------------------------------------------ two writers, readers

def test_second_writer_waits_then_says_who_holds_the_index(tmp_path, archive):
    folder, _ = archive
    index = tmp_path / "ix"
    first = start(index, folder)
    try:
        assert wait_for(lambda: holder_pid(index) == first.pid)
        t0 = time.monotonic()
        rc, _, err = run(index, "--wait", "0.5", folder)
        waited = time.monotonic() - t0
        assert first.poll() is None, "the first run must still be going for this test"
        assert rc == 1
        line = err.strip().splitlines()[-1]
        assert line.startswith("Error: another indexing run holds the index in")
        assert f"(process {first.pid} on " in line and ", since 20" in line
        assert "--wait SECONDS" in line
        assert waited >= 0.5
        # Waiting long enough lets it through once the first run is done.
        rc, _, err = run(index, "--wait", "120", folder)
        assert rc == 0 and f"0 added, 0 updated, {N} unchanged" in err
    finally:
        # The first run releases the lock just before its process ends: the run that
        # waited for it can finish first (seen 2 times in 6). Give it time to exit.
        try:
            first.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            first.kill()
            first.communicate()
    assert first.returncode == 0


def test_since_is_when_the_holder_started(tmp_path):
    import datetime
    index = tmp_path / "ix"
    before = datetime.datetime.now().astimezone().replace(microsecond=0)
    with RunLock(index).acquire():
        with pytest.raises(IndexLocked) as info:
            RunLock(index).acquire(timeout=0.3)
    since = datetime.datetime.fromisoformat(info.value.info["since"])
    assert before <= since <= datetime.datetime.now().astimezone()
    assert info.value.info["pid"] == os.getpid()


def test_a_forked_worker_does_not_keep_the_run_lock(tmp_path):
    # Indexing workers are forked while the run holds its lock; one that
    # outlives a killed run must not keep the index locked.
    index = tmp_path / "ix"
    lock = RunLock(index).acquire()
    child = os.fork()
    if child == 0:
        time.sleep(3.0)
        os._exit(0)
    try:
        lock.release()
        RunLock(index).acquire(timeout=2.0).release()  # the child sleeps longer
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def test_a_lock_released_while_waiting_lets_the_writer_in(tmp_path):
    folder = tmp_path / "artikel"
    make_archive(folder, n=5)
    index = tmp_path / "ix"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from index.store import RunLock; "
         "lock = RunLock(sys.argv[1]).acquire(); print('ok', flush=True); time.sleep(1.0); "
         "lock.release()", str(index)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ok"
    rc, _, err = run(index, "--wait", "30", folder)
    holder.communicate()
    assert rc == 0 and "5 added" in err
    assert "did not finish" not in err, "a holder that exited normally is not stale"


def test_readers_keep_working_during_a_write(tmp_path, archive):
    folder, _ = archive
    index = tmp_path / "ix"
    writer = start(index, folder)
    searched = 0
    totals = []
    try:
        assert wait_for(lambda: commits(index) >= 1)
        while writer.poll() is None:
            with SearchEngine(str(index)) as engine:
                totals.append(engine.search("Bayern", limit=5).total)
            searched += 1
        rc, out, err = cli(index, "search", "Bayern", "--format", "json")
        assert rc == 0, err
    finally:
        writer.communicate()
    assert writer.returncode == 0
    assert searched >= 3
    assert totals == sorted(totals), "a reader sees commits, never fewer articles"
    assert json.loads(out)["total"] == N


def test_a_failed_commit_releases_the_lock_and_says_what_is_kept(tmp_path, monkeypatch):
    from whoosh.writing import SegmentWriter

    folder = tmp_path / "artikel"
    make_archive(folder, n=30)
    index = tmp_path / "ix"
    calls = []
    real_commit = SegmentWriter.commit

    def failing_commit(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_commit(self, *args, **kwargs)

    monkeypatch.setattr(SegmentWriter, "commit", failing_commit)
    with pytest.raises(IndexWriteFailed) as info:
        index_paths(str(index), [str(folder)], entities=False, batch_size=10, procs=1)
    assert "No space left on device" in str(info.value)
    monkeypatch.setattr(SegmentWriter, "commit", real_commit)
    assert len(stored_ids(index)) == 10  # the first batch is kept
    # Neither Whoosh's lock nor ours is left held.
    IndexStore.open(index).writer().cancel()
    summary = index_paths(str(index), [str(folder)], entities=False, batch_size=10, procs=1)
    assert (summary.added, summary.unchanged) == (20, 10)


@pytest.mark.parametrize("number, says, next_step", [
    (28, "No space left on device", "Free space on the disk that holds {ix}, then"),
    (30, "Read-only file system", "Fix the cause, then")])
def test_failed_commit_message_at_the_cli(tmp_path, monkeypatch, number, says, next_step):
    from click.testing import CliRunner
    from whoosh.writing import SegmentWriter

    from cli import main

    def failing(self, *args, **kwargs):
        raise OSError(number, os.strerror(number))

    make_archive(tmp_path / "a", n=2)
    monkeypatch.setattr(SegmentWriter, "commit", failing)
    ix = tmp_path / "ix"
    r = CliRunner().invoke(main, ["--index", str(ix), "index", "--no-entities",
                                  "--procs", "1", str(tmp_path / "a")], catch_exceptions=False)
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        f"Error: could not write the index in {ix}: {says}. The index is intact at its last "
        f"commit, with 0 articles. {next_step.format(ix=ix)} run the same command again: it "
        "resumes where the last commit left off and skips the unchanged articles."]


# ------------------------------------------------------------------ check

def test_check_finds_duplicate_ids_and_says_to_rebuild(tmp_path):
    folder = tmp_path / "artikel"
    make_archive(folder, n=3)
    index = tmp_path / "ix"
    assert run(index, folder)[0] == 0
    store = IndexStore.open(index)
    w = store.ix.writer()
    w.add_document(id="0001_bericht", title="Doppelt", hash="x")  # add, not update
    w.commit()
    rc, out, err = cli(index, "check")
    assert rc == 1
    assert "problem: 1 article id(s) stored more than once: '0001_bericht' (2×)" in out
    assert f"fundstelle --index {index} index --rebuild" in out


def test_check_finds_a_stale_analyzer_and_a_damaged_segment(tmp_path):
    folder = tmp_path / "artikel"
    make_archive(folder, n=3)
    index = tmp_path / "ix"
    assert run(index, folder)[0] == 0
    meta_path = index / "fundstelle.json"
    meta = json.loads(meta_path.read_text())
    meta["analyzer_version"] = "0"
    meta_path.write_text(json.dumps(meta))
    rc, out, _ = cli(index, "check")
    assert rc == 1 and "analyzer_version is '0'" in out and "--rebuild" in out

    [seg] = [n for n in os.listdir(index) if n.endswith(".seg")]
    data = bytearray((index / seg).read_bytes())
    data[len(data) // 2:] = b"\0" * (len(data) - len(data) // 2)
    (index / seg).write_bytes(bytes(data))
    rc, out, err = cli(index, "check")
    assert rc == 1 and "Traceback" not in out + err
    assert "segment" in out or "table of contents" in out


def test_check_on_no_index_says_how_to_make_one(tmp_path):
    rc, out, err = cli(tmp_path / "nichts", "check")
    assert rc == 1 and out == ""
    assert "no index in" in err and "fundstelle index ARTICLES" in err
