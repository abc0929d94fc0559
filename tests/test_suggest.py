"""Did-you-mean suggestions, fuzzy matching on request, and related articles."""

import json
import os

from click.testing import CliRunner

from cli import main
from conftest import ids
from search.suggest import Speller


def test_a_misspelt_word_with_no_hits_suggests_the_surface_form(engine):
    r = engine.search("Raketenwefer")
    assert r.total == 0
    assert r.suggestions == ["Raketenwerfer"]  # the word, not the stem "raketenwerf"


def test_only_the_misspelt_word_is_replaced(engine):
    r = engine.search("Gewerkschat Lehrer")
    assert r.suggestions == ["Gewerkschaft Lehrer"]


def test_a_query_with_enough_hits_gets_no_suggestion(engine):
    assert engine.search("Lehrer").suggestions == []
    assert Speller(engine.searcher).correct_word("Lehrer") is None


def test_umlauts_typed_wrongly_are_corrected_to_the_articles_spelling(engine):
    assert engine.search("Düseldorf").suggestions == ["Düsseldorf"]


def test_fuzzy_matching_on_request(engine):
    assert ids(engine.search("Raketenwefer")) == []
    r = engine.search("Raketenwefer", fuzzy=True)
    assert ids(r)[0] == "02_nordkorea-raketen"
    assert ("Raketenwefer", "Raketenwerfer", "fuzzy") in {
        (m.query_word, m.surface, m.how) for m in r.hits[0].matched}
    assert "02_nordkorea-raketen" in ids(engine.search("Raketenwefer~"))


def test_suggestions_in_json_and_text(corpus_index):
    runner = CliRunner()
    r = runner.invoke(main, ["--index", corpus_index, "search", "Raketenwefer",
                             "--format", "json"])
    assert r.exit_code == 0
    assert json.loads(r.stdout)["suggestions"] == ["Raketenwerfer"]
    r = runner.invoke(main, ["--index", corpus_index, "search", "Raketenwefer"])
    assert "Did you mean: Raketenwerfer?" in r.stdout


def test_similar_articles_exclude_the_article_itself(engine):
    r = engine.similar("02_nordkorea-raketen", limit=5)
    assert r.hits and "02_nordkorea-raketen" not in ids(r)
    assert ids(r)[0] == "01_manoever-litauen"  # both about rockets
    assert ids(engine.similar("06_gew-lehrer-schulstart", limit=1)) == ["07_lehrer-portraet"]


def test_similar_command_formats_and_unknown_id(corpus_index):
    runner = CliRunner()
    r = runner.invoke(main, ["--index", corpus_index, "similar", "06_gew-lehrer-schulstart",
                             "--format", "json", "-n", "2"])
    assert r.exit_code == 0
    hits = json.loads(r.stdout)["hits"]
    assert [h["id"] for h in hits][0] == "07_lehrer-portraet" and len(hits) == 2
    r = runner.invoke(main, ["--index", corpus_index, "similar", "nope"])
    assert r.exit_code == 1 and "no article with id 'nope'" in r.stderr


def test_the_lexicon_of_a_letter_is_cached_per_commit_for_the_next_process(tmp_path):
    import shutil

    from index.build import index_paths
    from search import SearchEngine
    from conftest import CORPUS

    path = tmp_path / "ix"
    shutil.copytree(CORPUS, tmp_path / "a")
    index_paths(str(path), [str(tmp_path / "a")], entities=False)
    with SearchEngine(str(path)) as e:
        assert e.search("Raketenwefer").suggestions == ["Raketenwerfer"]
        words = e.speller._words("body", "r")
    cached = [n for n in os.listdir(path) if n.startswith(f"lexicon-v1-body-{ord('r')}-")]
    assert len(cached) == 1

    def unread(*args):
        raise AssertionError("the lexicon was read from the segments again")

    with SearchEngine(str(path)) as e:
        e.speller._read_words = unread
        assert e.search("Raketenwefer").suggestions == ["Raketenwerfer"]
        assert e.speller._words("body", "r") == words

    # A new commit has other words: its lexicon is read afresh, the old file removed.
    (tmp_path / "a" / "neu.txt").write_text(" date 2021-06 Rakentenstart\n\nDie "
                                            "Raumfahrtbehörde meldet einen Rekordstart.\n",
                                            encoding="utf-8")
    index_paths(str(path), [str(tmp_path / "a")], entities=False)
    with SearchEngine(str(path)) as e:
        fresh = e.speller._words("body", "r")
    assert "rekordstart" in fresh[len("rekordstart")]
    assert "rekordstart" not in words.get(len("rekordstart"), [])
    assert len([n for n in os.listdir(path)
                if n.startswith(f"lexicon-v1-body-{ord('r')}-")]) == 1


def test_fuzzy_words_are_the_words_whooshs_automaton_finds(engine):
    # A fuzzy term's words come from the cached lexicon (RapidFuzz), not from Whoosh's
    # automaton walking every segment's word list; both must find the same words.
    from whoosh.query import FuzzyTerm

    reader = engine.searcher.reader()
    found = 0
    for text, maxdist, prefix in [("gewerkschaft", 2, 0), ("lehr", 1, 0), ("rakete", 2, 1),
                                  ("litau", 1, 2), ("schul", 2, 1), ("bar", 1, 0)]:
        for field in ("body", "title"):
            automaton = set()
            for sub, _ in reader.leaf_readers():
                automaton.update(FuzzyTerm(field, text, maxdist=maxdist,
                                           prefixlength=prefix)._btexts(sub))
            listed = set(engine.speller.words_within(field, text, maxdist, prefix))
            assert listed == automaton, (text, maxdist, prefix, field)
            found += len(listed)
    assert found >= 15
    assert "gewerkschaft" in engine.speller.words_within("body", "gewerkschat", 1, 0)


def test_a_fuzzy_query_matches_as_before_the_lookup(engine):
    from whoosh.query import FuzzyTerm

    r = engine.search("Gewerkschat~")
    assert "06_gew-lehrer-schulstart" in ids(r)
    leaves = [q for q in engine.parse("Gewerkschat~").query.leaves()
              if isinstance(q, FuzzyTerm)]
    assert leaves and all(getattr(q, "words", None) for q in leaves)
