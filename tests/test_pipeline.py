"""Parallel indexing writes the same documents, terms and entities as serial indexing."""

import pickle

import pytest

from index.build import index_paths
from index.errors import OutOfMemory
from index.pipeline import ParallelArticleWriter, SerialArticleWriter, open_writer
from index.store import IndexStore

from conftest import CORPUS, SHARED

SAMPLE_300 = SHARED / "data" / "fang-covid" / "sample-300.jsonl"


def _documents(path):
    """Every stored document, by id, without the source path."""
    with IndexStore.open(path).searcher() as s:
        docs = {f["id"]: {k: v for k, v in f.items() if k != "origin"}
                for f in s.all_stored_fields()}
    return docs


def _terms(path, fieldname):
    """Every term of a field with its document frequency."""
    with IndexStore.open(path).searcher() as s:
        r = s.reader()
        return {t: r.doc_frequency(fieldname, t) for t in r.lexicon(fieldname)}


@pytest.fixture(scope="module")
def serial_and_parallel(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    serial, parallel = str(root / "serial"), str(root / "parallel")
    # Small batches, so several commits (and several worker rounds) happen.
    a = index_paths(serial, [str(CORPUS)], procs=1, batch_size=5)
    b = index_paths(parallel, [str(CORPUS)], procs=2, batch_size=5)
    assert (a.added, a.failed) == (b.added, b.failed) == (13, 0)
    return serial, parallel


def test_same_documents_and_entities(serial_and_parallel):
    serial, parallel = serial_and_parallel
    docs_a, docs_b = _documents(serial), _documents(parallel)
    assert docs_a == docs_b
    assert any(d["persons"] for d in docs_a.values())
    assert any(d["places"] for d in docs_a.values())


@pytest.mark.parametrize("fieldname", ["title", "body", "persons", "places", "id"])
def test_same_terms(serial_and_parallel, fieldname):
    serial, parallel = serial_and_parallel
    assert _terms(serial, fieldname) == _terms(parallel, fieldname)


def test_parallel_index_searches_like_serial(serial_and_parallel):
    from search import SearchEngine

    serial, parallel = serial_and_parallel
    with SearchEngine(serial) as a, SearchEngine(parallel) as b:
        for q in ("Rakete", "Lehrer Gewerkschaft", "Berlin"):
            ra, rb = a.search(q, limit=20), b.search(q, limit=20)
            assert ra.total == rb.total
            assert {h.id: round(h.score, 6) for h in ra.hits} == \
                {h.id: round(h.score, 6) for h in rb.hits}
            assert [f.to_dict() for f in ra.facets["person"]] == \
                [f.to_dict() for f in rb.facets["person"]]


def test_update_replaces_the_old_copy(tmp_path, write_article):
    folder = tmp_path / "articles"
    p = write_article("a.txt", "date 2024-01-02", "Markus Söder besuchte Nürnberg.", folder)
    path = str(tmp_path / "ix")
    index_paths(path, [str(folder)], procs=2)
    p.write_text("date 2024-01-02\n\nOlaf Scholz besuchte Hamburg.\n", encoding="utf-8")
    summary = index_paths(path, [str(folder)], procs=2)
    assert summary.updated == 1
    docs = list(_documents(path).values())
    assert len(docs) == 1
    assert "Scholz" in docs[0]["persons"] and "Söder" not in docs[0]["persons"]


@pytest.mark.skipif(not SAMPLE_300.exists(), reason="needs ../shared FANG sample")
def test_same_documents_on_real_news(tmp_path):
    serial, parallel = str(tmp_path / "s"), str(tmp_path / "p")
    # 60 articles are enough to spread over both workers and several hand-overs.
    sample = tmp_path / "sample.jsonl"
    with open(SAMPLE_300, encoding="utf-8") as f:
        sample.write_text("".join(line for _, line in zip(range(60), f)), encoding="utf-8")
    index_paths(serial, [str(sample)], procs=1)
    index_paths(parallel, [str(sample)], procs=2, batch_size=25)
    assert _documents(serial) == _documents(parallel)
    assert _terms(serial, "body") == _terms(parallel, "body")


def test_open_writer_kinds(tmp_path):
    store = IndexStore.create(str(tmp_path / "ix"))
    w = open_writer(store, None, procs=1)
    assert isinstance(w, SerialArticleWriter)
    w.cancel()
    w = open_writer(store, None, procs=2)
    assert isinstance(w, ParallelArticleWriter)
    w.cancel()
    assert store.ix.doc_count() == 0


class _Broken:
    """An extractor whose failure is not caught inside extract()."""

    def extract(self, title, text):
        raise MemoryError("simulated")


def test_worker_failure_raises_and_writes_nothing(tmp_path, write_article):
    folder = tmp_path / "articles"
    write_article("a.txt", "date 2024-01-02", "Markus Söder besuchte Nürnberg.", folder)
    store = IndexStore.create(str(tmp_path / "ix"))
    from index.ingest import read_articles

    w = open_writer(store, _Broken(), procs=2)
    for article in read_articles([str(folder)]):
        w.add_article(article)
    with pytest.raises(OutOfMemory, match=r"worker process \d+ ran out of memory \(simulated\)"):
        w.commit()
    w.cancel()
    assert IndexStore.open(store.path).doc_count() == 0
    # The lock is free again.
    open_writer(store, None, procs=1).cancel()


def test_extractor_pickles_for_workers():
    from index.entities import default_extractor

    ex = pickle.loads(pickle.dumps(default_extractor()))
    assert ex.extract("", "Markus Söder besuchte Berlin.").places == ("Berlin",)


def _articles(n):
    import json

    with open(SAMPLE_300, encoding="utf-8") as f:
        return [json.loads(line) for _, line in zip(range(n), f)]


@pytest.mark.skipif(not SAMPLE_300.exists(), reason="needs ../shared FANG sample")
def test_word_cache_gives_whoosh_postings_exactly():
    from whoosh.formats import Positions

    from index.analysis import german_analyzer
    from index.postings import WordCachePositions

    analyzer = german_analyzer()
    cached, plain = WordCachePositions(field_boost=2.0), Positions(field_boost=2.0)
    texts = [a["text"] for a in _articles(120)] + [a["title"] for a in _articles(120)]
    texts += ["der CDU-Chef und die Wähler", "Bürger*innen und Lehrer:innen", "und die",
              "Verkehrs\u00administer im Hauptbahnhof", "Hin-und-her, und-Chef, Chef-und", "",
              "XQZJ und xqzj-Test, Zjqx-xqzj der"]
    for text in texts:
        want = sorted(plain.word_values(text, analyzer, mode="index"))
        assert sorted(cached.word_values(text, analyzer, mode="index")) == want


def test_schema_with_word_cache_pickles():
    from index.schema import build_schema

    schema = build_schema()
    list(schema["body"].index("Die Masken"))
    again = pickle.loads(pickle.dumps(schema))
    assert [w for w, *_ in again["body"].index("Die Masken")] == [b"mask"] or \
        [w for w, *_ in again["body"].index("Die Masken")] == ["mask"]


@pytest.mark.skipif(not SAMPLE_300.exists(), reason="needs ../shared FANG sample")
def test_compact_codec_reads_back_what_whoosh_codec_writes(tmp_path):
    """Same ids, weights and positions for every term as Whoosh's own codec."""
    from whoosh.codec.whoosh3 import W3Codec

    from index.postings import CompactCodec
    from index.store import article_document
    from index.ingest import read_articles

    sample = tmp_path / "sample.jsonl"
    with open(SAMPLE_300, encoding="utf-8") as f:
        sample.write_text("".join(line for _, line in zip(range(150), f)), encoding="utf-8")
    docs = [article_document(a) for a in read_articles([str(sample)])]
    postings = []
    for name, codec in (("w3", W3Codec()), ("compact", CompactCodec())):
        store = IndexStore.create(str(tmp_path / name))
        w = store.ix.writer(codec=codec, limitmb=32)
        for d in docs:
            w.add_document(**d)
        w.commit()
        with store.ix.searcher() as s:
            r = s.reader()
            got = {}
            for field in ("title", "body", "source"):
                for term in r.lexicon(field):
                    m = r.postings(field, term)
                    items = []
                    while m.is_active():
                        pos = m.value_as("positions") if field != "source" else None
                        items.append((m.id(), m.weight(), pos))
                        m.next()
                    got[field, term] = items
            postings.append(got)
    assert postings[0] == postings[1]
    assert len(postings[0]) > 5000


def test_facet_columns_from_column_equal_from_postings(serial_and_parallel):
    from search.facets import FacetColumns

    for path in serial_and_parallel:
        with IndexStore.open(path).searcher() as s:
            r = s.reader()
            for field in ("persons", "places"):
                assert r.has_column(field)
                a = FacetColumns.from_column(r, field)
                b = FacetColumns.from_postings(r, field)
                assert a.values == b.values and a.values
                assert a.docs_of == b.docs_of
                assert a.per_doc == b.per_doc


def test_word_cache_survives_batch_commits(tmp_path):
    """Workers hand the words they analysed back, so the next batch starts warm."""
    store = IndexStore.create(str(tmp_path / "ix"))
    from index.ingest import read_articles
    from index.pipeline import open_writer as ow

    articles = list(read_articles([str(CORPUS)]))
    w = ow(store, None, procs=2)
    for a in articles[:6]:
        w.add_article(a)
    w.commit()
    cache = store.word_cache
    assert len(cache) > 50
    assert "Rakete" in cache or "Raketen" in cache or any(k[0].isupper() for k in cache)
    before = len(cache)
    w = ow(store, None, procs=1)
    for a in articles[6:]:
        w.add_article(a)
    w.commit()
    assert len(store.word_cache) > before


@pytest.mark.skipif(not SAMPLE_300.exists(), reason="needs ../shared FANG sample")
def test_snippet_fast_path_finds_what_the_token_scan_finds():
    """Long texts skip non-matching words; the matches must be the same."""
    import random

    from index.analysis import WORD_RE, stem_word
    from search.snippets import TermMatcher

    rnd = random.Random(5)
    texts = [a["text"] for a in _articles(80)]
    texts.append("Die CDU-Chefin und der Corona-Test: Bürger*innen testen. " * 40)
    for text in texts:
        words = WORD_RE.findall(text)
        stems = {stem_word(w) for w in rnd.sample(words, min(3, len(words)))}
        stems |= {"corona", "cdu", "test", "chefin", "burg"}
        fast = list(TermMatcher(stems, words=["Corona"])._matches(text))
        slow = list(TermMatcher(stems, words=["Corona"])._matches(text, 0, len(text)))
        assert fast == slow


def test_commits_merge_only_small_segments_and_only_when_many(tmp_path, monkeypatch,
                                                              write_article):
    from index import pipeline
    from search import SearchEngine

    monkeypatch.setattr(pipeline, "SMALL_SEGMENT", 5)
    monkeypatch.setattr(pipeline, "MERGE_SMALL_AT", 4)
    path = str(tmp_path / "index")
    index_paths(path, [str(CORPUS)], entities=False, procs=1)  # one large segment (13)

    def segments():
        return [(s.segment_id(), s.doc_count_all()) for s in IndexStore.open(path).ix._segments()]

    [(large, _)] = segments()
    sentences = ["Die Lehrer streiken in Köln.", "Der Bahnhof bleibt gesperrt.",
                 "Die Gewerkschaft fordert mehr Geld.", "Der Regen hört nicht auf."]
    counts = []
    for run in range(6):
        folder = tmp_path / f"run{run}"
        write_article(f"a{run}.txt", f" date 2024-0{run + 1} Nachricht {run}",
                      sentences[run % 4], folder=folder)
        index_paths(path, [str(folder)], entities=False, procs=1)
        counts.append(len(segments()))
    # Once four small segments exist, the next commit merges them with its own new
    # articles into one segment; the large segment is never read for a merge.
    assert counts == [2, 3, 4, 5, 2, 3]
    assert large in {sid for sid, _ in segments()}
    with SearchEngine(path) as e:
        assert e.search("*").total == 13 + 6
        assert e.search("Gewerkschaft").total >= 2


def test_optimize_merges_the_index_into_one_segment_with_the_same_answers(tmp_path):
    from conftest import SAMPLES
    from search import SearchEngine

    path = str(tmp_path / "index")
    index_paths(path, [str(CORPUS)], procs=2, batch_size=4)
    index_paths(path, [str(SAMPLES)], procs=2, batch_size=8)
    assert len(IndexStore.open(path).ix._segments()) > 2

    def answers():
        with SearchEngine(path) as e:
            out = {}
            for q in ("Lehrer Gewerkschaft", "Corona", "Bahnhof", "Bayern"):
                r = e.search(q, limit=50, facets=5)
                out[q] = (r.total, dict((h.id, h.score) for h in r.hits), r.facets)
            return out

    before = answers()
    summary = index_paths(path, [str(CORPUS), str(SAMPLES)], optimize=True)
    assert summary.unchanged == 34 and summary.added == 0
    assert len(IndexStore.open(path).ix._segments()) == 1
    after = answers()
    for q, (total, scores, facet_counts) in before.items():
        assert after[q][0] == total and after[q][2] == facet_counts
        assert after[q][1].keys() == scores.keys()
        # A merge re-adds field lengths from their one-byte encoding, so the average
        # length BM25 divides by moves a little: scores within 2%.
        assert all(after[q][1][i] == pytest.approx(v, rel=0.02) for i, v in scores.items())


def test_a_run_leaves_the_ids_and_hashes_for_the_next_one(tmp_path, monkeypatch):
    import os
    import shutil

    from whoosh.reading import MultiReader, SegmentReader

    folder = tmp_path / "articles"
    shutil.copytree(CORPUS, folder)
    path = str(tmp_path / "index")
    assert index_paths(path, [str(folder)], entities=False).added == 13

    def hash_files():
        return [n for n in os.listdir(path) if n.startswith("hashes-")]

    assert len(hash_files()) == 1
    # The next run does not read the articles' stored fields to find what changed.
    with monkeypatch.context() as m:
        for reader_class in (SegmentReader, MultiReader):
            m.setattr(reader_class, "all_stored_fields", lambda self: (_ for _ in ()).throw(
                AssertionError("stored fields read")))
        changed = folder / "07_lehrer-portraet.txt"
        changed.write_text(changed.read_text(encoding="utf-8") + "\nEin Nachtrag.\n",
                           encoding="utf-8")
        summary = index_paths(path, [str(folder)], entities=False)
    assert (summary.unchanged, summary.updated) == (12, 1)
    assert len(hash_files()) == 1
    # A pruning run leaves no file (its ids changed); the next run reads the index instead.
    os.remove(folder / "10_und-was-nun.txt")
    assert index_paths(path, [str(folder)], entities=False, prune=True).pruned == 1
    summary = index_paths(path, [str(folder)], entities=False)
    assert (summary.unchanged, summary.added) == (12, 0)
    assert len(hash_files()) == 1



@pytest.mark.parametrize("counts_extra, length", [(True, 8), (False, 4)])
def test_body_length_with_or_without_compound_parts_and_whole_hyphen_words(
        tmp_path, monkeypatch, counts_extra, length):
    """cdu-chef, cdu, chef, corona-kinderbonus, corona, kinderbonus, +kind, +bonus: the
    switch leaves the four words."""
    import index.pipeline
    from index.pipeline import SerialArticleWriter, writer_settings

    monkeypatch.setattr(index.pipeline, "LENGTH_COUNTS_EXTRA_TERMS", counts_extra)
    store = IndexStore.create(str(tmp_path / "ix"))
    w = SerialArticleWriter(store.ix, None, **writer_settings())
    w.add_document(id="a", body="CDU-Chef und Corona-Kinderbonus")
    w.commit()
    with store.searcher() as s:
        assert s.reader().doc_field_length(0, "body") == length


def test_entity_features_survive_batch_commits(tmp_path):
    """Workers hand the token features they computed back, so the next batch's start warm."""
    from index.entities import EntityExtractor
    from index.ingest import read_articles

    store = IndexStore.create(str(tmp_path / "ix"))
    articles = list(read_articles([str(CORPUS)]))
    extractor = EntityExtractor.load()
    w = open_writer(store, extractor, procs=2)
    for a in articles[:6]:
        w.add_article(a)
    w.commit()
    rows = extractor.rows
    assert len(rows.ids) > 100 and extractor.cached_tokens() == len(rows.ids)
    tok, k = next(iter(rows.ids.items()))
    fresh = EntityExtractor.load().rows
    (j,) = fresh.token_ids([tok])
    assert (rows.table[rows.pieces[5 * k:5 * k + 5]]
            == fresh.table[fresh.pieces[5 * j:5 * j + 5]]).all()
    before = extractor.cached_tokens()
    w = open_writer(store, extractor, procs=2)
    for a in articles[6:]:
        w.add_article(a)
    w.commit()
    assert extractor.cached_tokens() > before
    docs, serial = _documents(store.path), EntityExtractor.load()
    for a in articles:
        found = serial.extract(a.title, a.text)
        assert (docs[a.id]["persons"], docs[a.id]["places"]) == (
            ",".join(found.persons), ",".join(found.places))
