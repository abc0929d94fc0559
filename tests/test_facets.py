"""Facet counting: the bitset path for broad queries ranks exactly as counting one by one."""

import random

import pytest

from search import facets
from search.facets import FacetColumns


def columns(n_docs, n_values, seed):
    """Values with a Zipf-like spread over documents, as names are spread over news."""
    rnd = random.Random(seed)
    values = [f"Name {i:05d}" for i in range(n_values)]
    per_doc = []
    for _ in range(n_docs):
        k = rnd.randint(0, 8)
        per_doc.append(tuple(sorted({min(int(rnd.paretovariate(0.7)) - 1, n_values - 1)
                                     for _ in range(k)})))
    docs_of = [set() for _ in values]
    for d, vids in enumerate(per_doc):
        for v in vids:
            docs_of[v].add(d)
    return FacetColumns("persons", values, [frozenset(d) for d in docs_of], per_doc)


@pytest.mark.parametrize("seed", range(6))
def test_bitset_counts_rank_like_counting_each_document(seed, monkeypatch):
    cols = columns(6000, 400, seed)
    rnd = random.Random(seed)
    for size in (2500, 4000, 6000):
        scope = set(rnd.sample(range(6000), size))
        for n in (1, 5, 10, 40):
            monkeypatch.setattr(facets, "BITSET_SCOPE", 10**9)  # one by one
            expected = [(f.value, f.count) for f in cols.top(scope, n, selected=["Name 00399"])]
            monkeypatch.setattr(facets, "BITSET_SCOPE", 0)  # bitsets where they can tell
            got = [(f.value, f.count) for f in cols.top(scope, n, selected=["Name 00399"])]
            assert got == expected
            assert cols._top_by_bits(scope, n) is not None or n == 40


def test_bitsets_step_aside_when_rare_values_could_rank(monkeypatch):
    cols = columns(3000, 50, 1)
    monkeypatch.setattr(facets, "BITSET_MIN_DF", 10**6)  # no value has a bitset
    assert cols._top_by_bits(set(range(3000)), 5) is None
    monkeypatch.setattr(facets, "BITSET_SCOPE", 0)
    top = cols.top(set(range(3000)), 5)
    assert [f.count for f in top] == sorted((f.count for f in top), reverse=True)
    assert top[0].count == max(len(d) for d in cols.docs_of)


def test_broad_search_facets_on_the_corpus_match_one_by_one_counts(engine, monkeypatch):
    monkeypatch.setattr(facets, "BITSET_MIN_DF", 1)
    monkeypatch.setattr(facets, "BITSET_SCOPE", 10**9)
    expected = engine.search("*", facets=8).facets
    monkeypatch.setattr(facets, "BITSET_SCOPE", 0)
    engine._columns = {}
    got = engine.search("*", facets=8).facets
    assert got == expected and expected["place"] and expected["person"]


def test_a_tie_goes_to_the_first_name_even_when_it_is_in_fewer_articles(monkeypatch):
    # "Anna" is in 25 articles, all in the scope; "Zora" in 30, 25 of them in the scope.
    anna, zora = frozenset(range(25)), frozenset(range(100, 130))
    per_doc = [()] * 3000
    for d in anna:
        per_doc[d] = (0,)
    for d in zora:
        per_doc[d] = (1,)
    cols = FacetColumns("persons", ["Anna", "Zora"], [anna, zora], per_doc)
    scope = set(range(25)) | set(range(100, 125)) | set(range(1000, 3000))
    monkeypatch.setattr(facets, "BITSET_SCOPE", 0)
    assert cols._top_by_bits(scope, 1) == [(0, 25)]
    assert [(f.value, f.count) for f in cols.top(scope, 1)] == [("Anna", 25)]


def test_facet_columns_are_cached_per_commit_in_the_index_folder(tmp_path, monkeypatch,
                                                                 write_article):
    import os

    from conftest import CORPUS
    from index.build import index_paths
    from search import SearchEngine
    from search.engine import FACET_CACHE

    path = str(tmp_path / "index")
    index_paths(path, [str(CORPUS)])
    with SearchEngine(path) as e:
        built = e.search("Lehrer", facets=5).facets
    cached = sorted(n for n in os.listdir(path) if n.startswith("facets-"))
    assert [n.rsplit("-", 1)[0] for n in cached] == [f"{FACET_CACHE}-persons",
                                                      f"{FACET_CACHE}-places",
                                                      f"{FACET_CACHE}-source"]

    # A new engine reads the cache instead of the index's columns.
    def fail(*args):
        raise AssertionError("built again")
    monkeypatch.setattr(FacetColumns, "from_reader", fail)
    with SearchEngine(path) as e:
        assert e.search("Lehrer", facets=5).facets == built
    monkeypatch.undo()

    # A commit makes the cache stale: it is rebuilt, and the old file removed.
    folder = tmp_path / "more"
    write_article("neu.txt", " date 2024-05 Lehrer in Leipzig",
                  "Die Lehrer in Leipzig streiken, sagte Marlis Tepe in Leipzig.", folder=folder)
    index_paths(path, [str(folder)])
    with SearchEngine(path) as e:
        places = {f.value for f in e.search("Lehrer", facets=20).facets["place"]}
    assert "Leipzig" in places
    now = sorted(n for n in os.listdir(path) if n.startswith("facets-"))
    assert len(now) == 3 and not set(now) & set(cached)


def test_columns_pickle_as_flat_arrays_and_count_alike(monkeypatch):
    import pickle

    cols = columns(3000, 300, 7)
    clone = pickle.loads(pickle.dumps(cols, protocol=pickle.HIGHEST_PROTOCOL))
    assert set(vars(cols)) >= {"_docs", "_vids"} and "per_doc" not in vars(clone)
    assert clone.docs_of == cols.docs_of and clone.per_doc == cols.per_doc
    assert clone.doc_count == 3000 and clone.values == cols.values
    scope = set(range(0, 3000, 2))
    for bitset_scope in (0, 10**9):
        monkeypatch.setattr(facets, "BITSET_SCOPE", bitset_scope)
        assert clone.top(scope, 7, selected=["Name 00299"]) == \
            cols.top(scope, 7, selected=["Name 00299"])
    assert clone.browse(None, n=5) == cols.browse(None, n=5)
    assert clone.docs_for("Name 00000") == cols.docs_of[0]
    odd = FacetColumns("persons", ["Müller, Anna", "Ömer"], [frozenset({0}), frozenset({1})],
                       [(0,), (1,)])
    assert pickle.loads(pickle.dumps(odd)).top(None, 2) == odd.top(None, 2)
