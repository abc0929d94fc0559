"""The bulk scorer gives every query Whoosh's own scores, over segments and deletions."""

import shutil
from dataclasses import replace

import pytest

from conftest import CORPUS, SAMPLES
from search import SearchEngine
from search.ranking import Ranker, top

QUERIES = [
    "Corona",
    "Lehrer Gewerkschaft",
    "Raketenwerfer",
    "Bahnhof",
    "Koeln",
    "Wie viele Menschen wurden in Italien geimpft",
    '"Robert Koch"',
    "Kanzler*",
    "Lehrer AND Schule",
    "Schule AND Lehrer AND Gewerkschaft",
    "Lehrer -Gewerkschaft",
    "Lehrer OR Bahnhof NOT Gewerkschaft",
    "title:Lehrer",
    "CDU-Chef",
    "Sturm-Bilanz Lehrer",
    "Mecklenburg-Vorpommern-Schulstart",
    "(Lehrer OR Schule) AND Gewerkschaft",
    "Gewerkschaft Lehrer fordern mehr Schutz",
    "Impfstof~",
    "Lehrergewerkschaft Schulstart",  # compound parts as a bonus (AndMaybe)
    "Hauptbahnhof Sturm -Lehrergewerkschaft",
    "Auto Nordkoreas",  # the other -s forms
    "*",
]


@pytest.fixture(scope="module")
def changed_index(tmp_path_factory):
    """An index written in two runs (several segments), then one article changed (a deletion)."""
    from index.build import index_paths

    root = tmp_path_factory.mktemp("ranking")
    first, second = root / "first", root / "second"
    shutil.copytree(CORPUS, first)
    shutil.copytree(SAMPLES, second)
    path = str(root / "index")
    index_paths(path, [str(first)])
    index_paths(path, [str(second)])
    changed = first / "06_gew-lehrer-schulstart.txt"  # matches most of QUERIES
    changed.write_text(changed.read_text(encoding="utf-8")
                       + "\nNachtrag: Die Lehrer und die Gewerkschaft streiten über Corona.\n",
                       encoding="utf-8")
    summary = index_paths(path, [str(first)])
    assert summary.updated == 1, summary
    return path


def whoosh_scores(searcher, q):
    return {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}


@pytest.mark.parametrize("text", QUERIES)
def test_bulk_scores_are_whooshs_scores(changed_index, text):
    with SearchEngine(changed_index) as engine:
        s = engine.searcher
        assert len(s.leaf_searchers()) > 1
        assert s.reader().has_deletions()
        q = engine.parse(text).query
        expected = whoosh_scores(s, q)
        got = Ranker(s).scores(q)
        assert got.keys() == expected.keys()
        if text.count(" AND ") >= 2 or text.count("-") >= 2:
            # Three ANDed (or ORed) parts are summed in another pairing than Whoosh's tree.
            assert all(got[d] == pytest.approx(v, rel=1e-12) for d, v in expected.items())
        else:
            assert got == expected
        if text != "*":
            assert expected, f"{text!r} should match something in the corpus"


def test_proximity_is_whooshs_for_the_best_articles_only(changed_index):
    text = "Die Lehrer und die Gewerkschaft streiten über Corona"
    with SearchEngine(changed_index) as engine:
        s = engine.searcher
        q = engine.parse(text).query
        assert type(q).__name__ == "WordsNearby"
        expected = whoosh_scores(s, q)
        words = Ranker(s).scores(q.subqueries[0])
        got = Ranker(s, replace(engine.settings, rerank_depth=3)).scores(q)
        assert got.keys() == expected.keys() and len(got) > 3
        best = sorted(words, key=lambda d: (-words[d], d))[:3]
        assert {d: got[d] for d in best} == {d: expected[d] for d in best}
        # 06 has "Die Lehrer und die Gewerkschaft streiten": a bonus on top of its words.
        assert any(got[d] > words[d] for d in best)
        assert all(got[d] == words[d] for d in got if d not in best)


def test_deleted_articles_are_never_scored(changed_index):
    with SearchEngine(changed_index) as engine:
        s = engine.searcher
        deleted = {d for d in range(s.reader().doc_count_all()) if s.reader().is_deleted(d)}
        assert deleted
        for text in ("Corona", "Lehrer Gewerkschaft", "*"):
            assert not deleted & Ranker(s).scores(engine.parse(text).query).keys()


def test_top_orders_by_score_then_document_number_like_whoosh(changed_index):
    with SearchEngine(changed_index) as engine:
        s = engine.searcher
        for text in ("Corona", "Lehrer Gewerkschaft", "*"):
            q = engine.parse(text).query
            expected = [(h.docnum, h.score) for h in s.search(q, limit=5)]
            assert top(*Ranker(s).ranked(q), 5) == expected


def test_kept_scores_of_common_words_are_the_scores_computed_anew(changed_index):
    # Every word counts as common here; the cache holds a few postings only, so
    # words are evicted (least recently used first) and computed again.
    with SearchEngine(changed_index) as engine:
        s = engine.searcher
        fresh = {t: Ranker(s).scores(engine.parse(t).query) for t in QUERIES}
        ranker = Ranker(s, replace(engine.settings, scored_cache_min=1,
                                   scored_cache_postings=12))
        for _ in range(2):  # the second round reads what the first kept
            for t in QUERIES:
                assert ranker.scores(engine.parse(t).query) == fresh[t], t
                assert ranker._scored_postings <= 12 or len(ranker._scored) == 1
        assert ranker._scored, "nothing was kept"


def test_segments_of_another_codec_are_scored_through_whoosh(changed_index, monkeypatch):
    from search import ranking

    class NotOurs:  # no segment's dictionary is a CompactTermsReader now
        pass

    monkeypatch.setattr(ranking, "CompactTermsReader", NotOurs)
    with SearchEngine(changed_index) as engine:
        s = engine.searcher
        for text in ["Corona", "Lehrer Gewerkschaft", "Raketenwerfer", "Nichtvorhandenwort"]:
            q = engine.parse(text).query
            assert Ranker(s).scores(q) == pytest.approx(whoosh_scores(s, q), rel=1e-12), text
