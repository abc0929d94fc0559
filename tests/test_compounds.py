"""German compounds: the splitter, the analyzer's part terms, and search by part."""

import pickle

import pytest

from conftest import ids
from index.analysis import PART_PREFIX, CompoundFilter, german_analyzer, stem_word
from index.compounds import CompoundSplitter


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
