"""German compounds: the splitter, the analyzer's part terms, and search by part."""

import gzip
import os
import pickle

import pytest

from conftest import ids
from index.analysis import PART_PREFIX, CompoundFilter, german_analyzer, stem_word
from index import compounds
from index.compounds import CompoundSplitter, WordTable, load_vocabulary


@pytest.fixture(scope="module")
def splitter():
    return CompoundSplitter()


@pytest.mark.parametrize("word, parts", [
    ("mehrfachraketenwerfern", ["mehrfach", "raketen", "werfern", "raketenwerfern"]),
    ("hauptbahnhöfen", ["haupt", "bahn", "höfen", "bahnhöfen"]),
    ("bundeskanzlerin", ["bund", "kanzlerin"]),
    ("gesundheitsministerium", ["gesundheit", "ministerium"]),
    ("infektionsschutzgesetz", ["infektion", "schutz", "gesetz", "schutzgesetz"]),
])
def test_compounds_split_into_known_words_with_linking_elements(splitter, word, parts):
    assert [p.text for p in splitter.parts(word)] == parts


@pytest.mark.parametrize("word", [
    "ministern",       # not mini + stern: "minister" is more frequent than the parts
    "verbreitet",      # "ver" is no word
    "unternehmen",     # no split after a particle
    "herausforderung",
    "wissenschaft",    # "-schaft" is a suffix, not a part
    "bahnhof",         # parts shorter than four letters are not split off
    "raketen",
])
def test_simple_and_derived_words_stay_whole(splitter, word):
    assert splitter.parts(word) == []


def test_part_offsets_slice_the_word(splitter):
    word = "mehrfachraketenwerfern"
    for p in splitter.parts(word):
        assert word[p.start:p.end].startswith(p.text) or p.head


def test_index_mode_adds_marked_parts_at_the_words_position():
    tokens = [(t.text, t.pos) for t in german_analyzer()(
        "Die Mehrfachraketenwerfer rollen", mode="index", positions=True)]
    assert (stem_word("Mehrfachraketenwerfer"), 0) in tokens
    assert (PART_PREFIX + stem_word("Raketenwerfer"), 0) in tokens
    assert (stem_word("rollen"), 1) in tokens


def test_query_mode_adds_no_parts():
    assert [t.text for t in german_analyzer()("Mehrfachraketenwerfer", mode="query")] == \
        [stem_word("Mehrfachraketenwerfer")]


def test_compound_filter_pickles_without_its_cache():
    f = CompoundFilter()
    f.splitter.parts("bundeskanzlerin")
    clone = pickle.loads(pickle.dumps(f))
    assert clone == f and clone.splitter._cache == {}
    assert pickle.loads(pickle.dumps(german_analyzer())) == german_analyzer()


def test_raketenwerfer_finds_mehrfachraketenwerfer_but_ranks_the_exact_word_first(engine):
    r = engine.search("Raketenwerfer")
    assert ids(r)[:2] == ["02_nordkorea-raketen", "01_manoever-litauen"]
    assert r.hits[0].score > r.hits[1].score


def test_bahnhof_finds_hauptbahnhoefen_and_kanzler_finds_bundeskanzlerin(engine):
    assert ids(engine.search("Bahnhof")) == ["03_sturm-hauptbahnhoefe"]
    assert "08_laschet-cdu-chef" in ids(engine.search("Kanzlerin"))
    assert "08_laschet-cdu-chef" in ids(engine.search("Kanzler"))


def test_phrases_do_not_match_compound_parts(engine):
    assert ids(engine.search('"Raketenwerfer vom Typ"', relax=False)) == []
    # By default the words are searched instead, and the result says so.
    assert engine.search('"Raketenwerfer vom Typ"').relaxed_query == "Raketenwerfer vom Typ"


def test_word_table_gives_every_frequency_of_the_word_list_and_nothing_else():
    table, words = WordTable.open(), load_vocabulary()
    assert table is not None
    assert all(table.get(w) == z for w, z in words.items())
    near = [w[:-1] for w in list(words)[::50]] + [w + "e" for w in list(words)[::50]]
    assert [table.get(w, 0.0) for w in near] == [words.get(w, 0.0) for w in near]
    assert table.get("xqzjbahnhof") is None and "bahnhof" in table and "xqzj" not in table


def _word_list(path, rows):
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("# test list\n" + "".join(f"{w}\t{z}\n" for w, z in rows))
    return str(path)


def test_word_table_is_rebuilt_when_its_list_changes(tmp_path):
    source = _word_list(tmp_path / "wl.tsv.gz", [("haupt", 420), ("bahnhof", 390)])
    assert WordTable.open(source).get("bahnhof") == 3.9
    assert os.path.exists(tmp_path / "wl.table")
    source = _word_list(tmp_path / "wl.tsv.gz", [("haupt", 420), ("höfen", 250)])
    table = WordTable.open(source)
    assert (table.get("bahnhof"), table.get("höfen")) == (None, 2.5)


def test_word_table_goes_to_the_cache_folder_when_it_cannot_be_kept_beside_the_list(
        tmp_path, monkeypatch):
    source = _word_list(tmp_path / "wl.tsv.gz", [("straße", 480)])
    (tmp_path / "wl.table").mkdir()  # in the way, whoever runs the test
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert WordTable.open(source).get("straße") == 4.8
    assert os.path.exists(tmp_path / "cache" / "fundstelle" / "wl.table")


def test_a_torn_table_file_is_built_again(tmp_path):
    source = _word_list(tmp_path / "wl.tsv.gz", [("bahnhof", 390)])
    (tmp_path / "wl.table").write_bytes(b"FSWT1")
    assert WordTable.open(source).get("bahnhof") == 3.9


def test_splitter_reads_the_table_then_the_dict_and_splits_alike(monkeypatch):
    words = ["hauptbahnhöfen", "bundeskanzlerin", "gesundheitsministerium", "ministern",
             "infektionsschutzgesetz", "mehrfachraketenwerfern", "herausforderung"]
    by_dict = CompoundSplitter(load_vocabulary())
    monkeypatch.setattr(compounds, "DICT_AFTER_SPLITS", 3)
    s = CompoundSplitter()
    got = [s.split(w) for w in words]
    assert isinstance(s.vocab, dict)  # switched after three words
    assert got == [by_dict.split(w) for w in words]
    fresh = CompoundSplitter()
    fresh.split("hauptbahnhöfen")
    assert isinstance(fresh.vocab, WordTable)
