"""The cache of search answers (web/cache.py) and the Library that keeps it: bounded,
keyed by the request, the same bytes for equal requests, and never older than the
commit and curation the server searches."""

import json
import shutil

import pytest

from conftest import SAMPLES
from search.render import safe_json
from web.adapter import Library
from web.cache import ENTRY_OVERHEAD, ResponseCache


def _cost(body):
    return 2 * len(body) + ENTRY_OVERHEAD


# ---------------------------------------------------------------- ResponseCache alone

def test_the_least_recently_used_answer_goes_first_when_the_entries_are_full():
    cache = ResponseCache(max_bytes=1 << 20, max_entries=2)
    for q in ("Hochwasser", "Passau", "Pegel"):
        assert cache.put(1, q, {"query": q}, q.encode())
        if q == "Passau":
            assert cache.get(1, "Hochwasser")  # now used more recently than Passau
    assert cache.get(1, "Passau") is None
    assert cache.get(1, "Hochwasser") == ({"query": "Hochwasser"}, b"Hochwasser")
    assert cache.get(1, "Pegel") is not None
    assert len(cache) == 2


def test_the_bytes_bound_holds_and_a_too_large_answer_is_not_kept():
    body = b"x" * 1000
    cache = ResponseCache(max_bytes=3 * _cost(body), max_entries=100)
    for i in range(10):
        cache.put(1, i, {}, body)
        assert cache.size_bytes <= cache.max_bytes
    assert len(cache) == 3 and [cache.get(1, i) is not None for i in (6, 7, 8, 9)] == \
        [False, True, True, True]
    assert not cache.put(1, "big", {}, b"y" * (2 * cache.max_bytes))
    assert cache.get(1, "big") is None


def test_a_new_state_drops_every_answer_and_an_answer_of_the_old_one_is_not_kept():
    cache = ResponseCache()
    cache.put(("gen", 4), "q", {"total": 1}, b"1")
    assert cache.get(("gen", 5), "q") is None  # the server moved to commit 5
    assert len(cache) == 0 and cache.size_bytes == 0
    # A search that ran on commit 4 and finishes now must not store its answer.
    assert not cache.put(("gen", 4), "q", {"total": 1}, b"1")
    assert cache.get(("gen", 5), "q") is None


def test_size_zero_keeps_nothing():
    cache = ResponseCache(max_bytes=0)
    assert not cache.enabled
    assert not cache.put(1, "q", {}, b"{}")
    assert cache.get(1, "q") is None


# ---------------------------------------------------------------- the Library's answers

@pytest.fixture()
def small_index(tmp_path):
    """An index of five samples (the rest of them are added by a later run)."""
    from index.build import index_paths

    first = tmp_path / "erste"
    first.mkdir()
    for p in sorted(SAMPLES.glob("*.txt"))[:5]:
        shutil.copy(p, first)
    path = tmp_path / "index"
    assert index_paths(str(path), [str(first)], procs=1).failed == 0
    return str(path)


def test_equal_requests_get_the_same_bytes_and_the_library_is_asked_once(small_index):
    lib = Library(small_index, refresh_every=3600)
    try:
        first = lib.search_json("Hochwasser Passau", limit=5)
        again = lib.search_json("Hochwasser Passau", limit=5, offset=0, sort="relevance")
        assert again is first  # the kept bytes themselves
        assert json.loads(first) == lib.search("Hochwasser Passau", limit=5)
        assert (lib.cache.hits, lib.cache.misses) == (2, 1)
        # What the API sends is the encoding of the library's answer, uncached too.
        off = Library(small_index, cache_mb=0)
        try:
            fresh = off.search("Hochwasser Passau", limit=5)
            assert first == (safe_json(fresh) + "\n").encode("utf-8")
            assert len(off.cache) == 0
        finally:
            off.close()
        # Another page, another request.
        assert lib.search("Hochwasser Passau", limit=5, offset=5) != json.loads(first)
        assert len(lib.cache) == 2
    finally:
        lib.close()


def test_a_new_commit_is_searched_at_once_despite_the_cache(small_index, tmp_path):
    from index.build import index_paths

    lib = Library(small_index, refresh_every=0)
    try:
        before = lib.search("*", limit=3, facets=5)
        assert lib.search("*", limit=3, facets=5) is before  # kept
        assert index_paths(small_index, [str(SAMPLES)], procs=1).failed == 0
        after = lib.search("*", limit=3, facets=5)
        assert after["total"] == len(list(SAMPLES.glob("*.txt"))) > before["total"]
        assert lib.search("*", limit=3, facets=5) is after
    finally:
        lib.close()


def test_a_curation_is_shown_at_once_despite_the_cache(small_index):
    from click.testing import CliRunner

    from cli import main

    lib = Library(small_index, refresh_every=3600)
    try:
        shown = lib.search("*", limit=20, facets=50)
        places = [v["value"] for v in shown["facets"]["place"]]
        assert "Passau" in places, places
        assert lib.search("*", limit=20, facets=50) is shown
        done = CliRunner().invoke(main, ["--index", small_index, "curate", "rename", "--place",
                                         "Passau", "Dreiflüssestadt"])
        assert done.exit_code == 0, done.output
        renamed = lib.search("*", limit=20, facets=50)
        values = [v["value"] for v in renamed["facets"]["place"]]
        assert "Dreiflüssestadt" in values and "Passau" not in values
    finally:
        lib.close()


def test_the_event_loops_look_up_never_waits_for_a_search(small_index):
    lib = Library(small_index, refresh_every=3600)
    try:
        assert lib.cached_json("Hochwasser") is None  # never asked: no answer kept
        body = lib.search_json("Hochwasser")
        assert lib.cached_json("Hochwasser") is body
        lib.refresh_every = 0  # a check for a new commit is due at every request ...
        with lib._lock:        # ... while a search holds the lock: no waiting, no answer
            assert lib.cached_json("Hochwasser") is None
        assert lib.cached_json("Hochwasser") is body
    finally:
        lib.close()
