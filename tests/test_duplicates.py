"""Agency copies: grouping at index time (index.duplicates) and collapsing at search time.

The fixtures in tests/fixtures/agency are written for these tests: one agency
report on a ferry aground near Bingen as two outlets print it (a1: whole; a2:
another headline, one sentence reworded, the last sentence cut), and a3, a
follow-up report on the same ferry in other words (not a copy).
"""

import os
import pathlib
import shutil

import numpy as np
import pytest

from index.build import index_paths
from index.duplicates import (MIN_WORDS, STATE_FILE, DuplicateGroups, Signer, group_key,
                              shingle_hashes)
from index.store import IndexStore
from search import Archive
from search.duplicates import GROUPS_CACHE, group_column, load_groups

from conftest import CORPUS, SAMPLES

AGENCY = pathlib.Path(__file__).resolve().parent / "fixtures" / "agency"
A1, A2, A3 = "a1_rheinpost-faehre", "a2_mittelrhein-echo-faehre", "a3_weinzeitung-faehre"


def _body(name):
    return (AGENCY / f"{name}.txt").read_text(encoding="utf-8").split("\n", 2)[2]


def _folder(tmp_path, *names):
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(AGENCY / f"{name}.txt", folder / f"{name}.txt")
    return folder


def _index(path, *paths, **options):
    return index_paths(str(path), [str(p) for p in paths], procs=1, **options)


@pytest.fixture(scope="module")
def agency_index(tmp_path_factory):
    """The samples, the test corpus and the three ferry reports, in one run."""
    path = tmp_path_factory.mktemp("agency") / "index"
    summary = index_paths(str(path), [str(SAMPLES), str(CORPUS), str(AGENCY)], procs=1)
    assert summary.added == 21 + 13 + 3
    return str(path)


# ---------------------------------------------------------------- signatures

def test_edited_copy_estimates_high_and_other_report_zero():
    signer = Signer()
    a1, a2, a3 = (signer.signature(_body(n)) for n in (A1, A2, A3))
    assert 0.5 <= np.mean(a1 == a2) < 1.0  # a reworded sentence and a cut one
    assert np.mean(a1 == a3) < 0.2


def test_signatures_do_not_depend_on_the_process():
    # CRC-32 and a seeded permutation: a signature kept beside the index stays valid.
    assert (Signer().signature(_body(A1)) == Signer().signature(_body(A1))).all()
    assert group_key(A1) == group_key(A1) != group_key(A2)


def test_short_texts_are_not_signed():
    short = " ".join(["Die Fähre sitzt fest."] * ((MIN_WORDS - 1) // 4))
    assert shingle_hashes(short) is None
    assert Signer().signature(short) is None


# ---------------------------------------------------------------- search

def test_search_collapses_the_copy_into_the_best_hit(agency_index):
    with Archive(agency_index) as archive:
        page = archive.search("Fähre Bingen")
        by_id = {h["id"]: h for h in page["hits"]}
        assert page["groups"] == page["total"] - 1
        assert {A1, A3} <= set(by_id) or {A2, A3} <= set(by_id)
        shown = A1 if A1 in by_id else A2
        other = A2 if shown == A1 else A1
        assert by_id[shown]["duplicates"] == [other]
        assert by_id[A3]["duplicates"] == []
        # Facets still count articles: Mainz is named in all three.
        places = {v["value"]: v["count"] for v in page["facets"]["place"]}
        assert places.get("Mainz") == 3

        everything = archive.search("Fähre Bingen", collapse=False)
        assert {A1, A2, A3} <= {h["id"] for h in everything["hits"]}
        assert everything["groups"] is None and everything["total"] == page["total"]
        assert all(h["duplicates"] == [] for h in everything["hits"])


def test_collapsed_pages_count_groups(agency_index):
    with Archive(agency_index) as archive:
        groups = archive.search("Fähre Bingen")["groups"]
        shown = [archive.search("Fähre Bingen", limit=1, offset=i)["hits"][0]["id"]
                 for i in range(groups)]
        past_the_end = archive.search("Fähre Bingen", limit=1, offset=groups)
    assert len(set(shown)) == groups
    assert len({A1, A2} & set(shown)) == 1
    assert past_the_end["hits"] == []


def test_show_lists_the_copies(agency_index):
    with Archive(agency_index) as archive:
        assert archive.article(A1)["copies"] == [A2]
        assert archive.article(A2)["copies"] == [A1]
        assert archive.article(A3)["copies"] == []
        assert archive.article("002_hochwasser-passau")["copies"] == []


def test_the_group_column_is_cached_per_commit_and_a_bad_cache_is_read_again(agency_index,
                                                                             tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(agency_index, copy)
    for name in os.listdir(copy):
        if name.startswith(GROUPS_CACHE):
            os.remove(copy / name)
    store = IndexStore.open(str(copy))
    with store.ix.searcher() as s:
        reader = s.reader()
        read = group_column(reader)
        assert (load_groups(store, reader) == read).all()
        cached = [n for n in os.listdir(copy) if n.startswith(GROUPS_CACHE)]
        assert cached == [f"{GROUPS_CACHE}-{reader.generation()}.pickle"]
        assert (store.read_cache(GROUPS_CACHE, reader.generation()) == read).all()
        assert (load_groups(store, reader) == read).all()
        # A cache of another length (another index's file) is not believed.
        store.write_cache(GROUPS_CACHE, reader.generation(), read[:-1])
        assert (load_groups(store, reader) == read).all()
    with Archive(copy) as archive:
        assert archive.article(A1)["copies"] == [A2]


# ---------------------------------------------------------------- incremental runs

def test_a_later_run_joins_the_copy_to_the_group_on_disk(tmp_path):
    path = tmp_path / "index"
    _index(path, _folder(tmp_path, A1, A3))
    _index(path, _folder(tmp_path, A2))
    with Archive(path) as archive:
        assert archive.article(A2)["copies"] == [A1]


def test_a_lost_state_file_is_rebuilt_from_the_index(tmp_path):
    # As if the last run had died between its commit and the state file.
    path = tmp_path / "index"
    _index(path, _folder(tmp_path, A1, A3))
    for name in os.listdir(path):
        if name.startswith(STATE_FILE):
            os.remove(path / name)
    _index(path, _folder(tmp_path, A2))
    with Archive(path) as archive:
        assert archive.article(A2)["copies"] == [A1]


def test_pruned_articles_leave_the_state_and_their_copies_stay_grouped(tmp_path):
    path = tmp_path / "index"
    folder = _folder(tmp_path, A1, A2, A3)
    _index(path, folder)
    (folder / f"{A1}.txt").unlink()
    summary = _index(path, folder, prune=True)
    assert summary.pruned == 1
    store = IndexStore.open(path)
    groups = DuplicateGroups.load(store, store.existing_hashes())
    assert A1 not in groups.entries and {A2, A3} <= set(groups.entries)
    # a2 keeps a1's group number: a1 coming back joins it again.
    shutil.copy(AGENCY / f"{A1}.txt", folder / f"{A1}.txt")
    _index(path, folder)
    with Archive(path) as archive:
        assert archive.article(A1)["copies"] == [A2]


def test_rebuild_groups_the_copies_again(tmp_path):
    path = tmp_path / "index"
    folder = _folder(tmp_path, A1, A2, A3)
    _index(path, folder)
    _index(path, folder, rebuild=True)
    with Archive(path) as archive:
        assert archive.article(A1)["copies"] == [A2]
        page = archive.search("Fähre")
        assert page["total"] == 3 and page["groups"] == 2


def test_without_grouping_every_article_is_its_own_group(tmp_path):
    path = tmp_path / "index"
    _index(path, _folder(tmp_path, A1, A2, A3), duplicates=False)
    with Archive(path) as archive:
        assert archive.article(A1)["copies"] == []
        assert archive.search("Fähre Bingen")["groups"] == 3


def test_cli_says_plus_n_similar_and_show_lists_copies(agency_index):
    from click.testing import CliRunner

    from cli import main

    runner = CliRunner()
    collapsed = runner.invoke(main, ["--index", agency_index, "search", "Fähre Rüdesheim"])
    assert collapsed.exit_code == 0 and collapsed.stdout.count("+1 similar") == 1
    everything = runner.invoke(main, ["--index", agency_index, "search", "Fähre Rüdesheim",
                                      "--no-collapse"])
    assert everything.exit_code == 0 and "similar" not in everything.stdout
    shown = runner.invoke(main, ["--index", agency_index, "show", A1])
    assert f"Copies: {A2}" in shown.stdout


def test_cooccurrence_counts_copies_once(agency_index):
    with Archive(agency_index) as archive:
        out = archive.cooccurrence("place", "Rüdesheim", min_count=1, limit=100)
        naming = archive.search(place=["Rüdesheim"], collapse=False)
    assert {h["id"] for h in naming["hits"]} == {A1, A2, A3}
    assert out["articles"] == 2  # a1 and a2 are one report
    mainz = next(r for r in out["rows"] if r["name"] == "Mainz")
    assert mainz["count"] == 2
