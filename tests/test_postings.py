"""The codec: stored fields, stored text and the in-memory posting buffer write what Whoosh would."""

import hashlib

import pytest
from whoosh.filedb.compound import CompoundStorage
from whoosh.writing import SegmentWriter

from index.ingest import Article, read_articles
from index.pipeline import BufferedSegmentWriter, writer_settings
from index.store import (ZDICT_FILE, ZDICT_SHA256, IndexStore, article_document, compress_text,
                         stored_text)

from conftest import CORPUS, SAMPLES, SHARED

SAMPLE_300 = SHARED / "data" / "fang-covid" / "sample-300.jsonl"


def _articles(n):
    """``n`` real news articles from ../shared, or our own articles where it is missing (CI)."""
    sources = [str(SAMPLE_300)] if SAMPLE_300.exists() else [str(SAMPLES), str(CORPUS)]
    return [a for a in read_articles(sources) if isinstance(a, Article)][:n]


def _segment_files(store):
    """The sub-files of the index's only segment, by extension: {'pst': bytes, ...}."""
    (seg,) = store.ix._segments()
    f = store.ix.storage.open_file(seg.make_filename(".seg"))
    cs = CompoundStorage(f, use_mmap=False)
    try:
        return {name.split(".", 1)[1]: cs.open_file(name).read() for name in cs._dir}
    finally:
        cs.close()


def test_buffered_writer_writes_whooshs_segment_byte_for_byte(tmp_path):
    docs = [article_document(a) for a in _articles(120)]
    files = []
    for name, cls in (("whoosh", SegmentWriter), ("buffered", BufferedSegmentWriter)):
        store = IndexStore.create(str(tmp_path / name))
        w = cls(store.ix, **writer_settings())
        for d in docs:
            w.add_document(**d)
        w.commit()
        files.append(_segment_files(store))
    assert sorted(files[0]) == sorted(files[1])
    assert {"pst", "trm", "_stored.col", "_body_len.col"} <= set(files[0])
    for ext in files[0]:
        assert files[0][ext] == files[1][ext], ext


def test_buffered_writer_merges_segments_like_whoosh(tmp_path):
    """``add_reader`` (merging) goes through the buffer too; the answers stay the same."""
    from index.build import index_paths

    if SAMPLE_300.exists():
        sample = tmp_path / "sample.jsonl"
        with open(SAMPLE_300, encoding="utf-8") as f:
            sample.write_text("".join(line for _, line in zip(range(40), f)), encoding="utf-8")
        sources, count = [str(sample)], 40
    else:  # a clean clone without ../shared: our own 34 articles
        sources = [str(SAMPLES), str(CORPUS)]
        count = len(_articles(1000))
    path = str(tmp_path / "ix")
    index_paths(path, sources, entities=False, procs=1, batch_size=10, optimize=True)
    store = IndexStore.open(path)
    assert len(store.ix._segments()) == 1
    with store.searcher() as s:
        r = s.reader()
        assert r.doc_count() == count
        term = next(t for t in r.lexicon("body") if r.doc_frequency("body", t) > 5)
        m = r.postings("body", term)
        ids = list(m.all_ids())
        assert ids == sorted(ids) and len(ids) == r.doc_frequency("body", term)


@pytest.mark.parametrize("text", ["", "Die Maske bleibt.", "Übergröße ß \u00ad" * 500,
                                  "\ud800 lone surrogate"])
def test_stored_text_round_trip(text):
    assert stored_text({"text_z": compress_text(text)}) == text


def test_stored_text_is_smaller_than_plain_zlib():
    import zlib

    texts = [a.text.encode("utf-8") for a in _articles(50)]
    plain = sum(len(zlib.compress(t, 6)) for t in texts)
    ours = sum(len(compress_text(t.decode("utf-8"))) for t in texts)
    assert ours < 0.95 * plain


def test_preset_dictionary_is_the_one_texts_are_stored_with():
    with open(ZDICT_FILE, "rb") as f:
        data = f.read()
    assert len(data) == 32768
    assert hashlib.sha256(data).hexdigest() == ZDICT_SHA256


def test_stored_fields_round_trip(tmp_path):
    article = _articles(1)[0]
    store = IndexStore.create(str(tmp_path / "ix"))
    w = BufferedSegmentWriter(store.ix, **writer_settings())
    w.add_document(**article_document(article))
    w.add_document(id="no-text", title="Nur ein Titel")
    w.commit()
    assert store.get(article.id).text == article.text
    assert store.get(article.id).meta == article.meta
    with store.searcher() as s:
        fields_ = s.document(id="no-text")
    assert fields_ == {"id": "no-text", "title": "Nur ein Titel"}


def test_stored_fields_keep_the_compressed_text_as_it_is(tmp_path):
    """Whoosh's own column (pickle protocol 2) grew compressed text by about a quarter."""
    article = _articles(1)[0]
    doc = article_document(article)
    store = IndexStore.create(str(tmp_path / "ix"))
    w = BufferedSegmentWriter(store.ix, **writer_settings())
    w.add_document(**doc)
    w.commit()
    stored = _segment_files(store)["_stored.col"]
    assert len(stored) < len(doc["text_z"]) + 400


def test_a_full_word_cache_writes_the_same_segment(tmp_path, monkeypatch):
    """A full cache drops the words added last; they are analysed again where they occur."""
    import index.wordcache

    docs = [article_document(a) for a in _articles(60)]
    files = []
    for name, cap in (("roomy", index.wordcache.CACHE_WORDS), ("full", 40)):
        monkeypatch.setattr(index.wordcache, "CACHE_WORDS", cap)
        store = IndexStore.create(str(tmp_path / name))
        w = BufferedSegmentWriter(store.ix, **writer_settings())
        for d in docs:
            w.add_document(**d)
        cached = len(w.schema["body"].format._words)
        w.commit()
        files.append(_segment_files(store))
    from index.analysis import WORD_RE

    assert cached < len({w for d in docs for w in WORD_RE.findall(d["body"])}) / 2
    assert files[0] == files[1]


def test_stock_writers_merge_segments_with_single_posting_terms(tmp_path):
    """Every ``id`` term has one posting, kept in its term info without a value. Whoosh's
    merging writers read it back through the matcher and refused the ``''`` that Whoosh's
    ListMatcher gives for a missing value (``AssertionError: vbytes=''``)."""
    articles = _articles(12)
    store = IndexStore.create(str(tmp_path / "ix"))
    for batch in (articles[:5], articles[5:9], articles[9:]):
        w = store.writer()
        for a in batch:
            w.add_document(**article_document(a))
        w.commit(merge=False)
    assert len(store.ix._segments()) == 3
    with store.searcher() as s:
        m = s.reader().postings("id", articles[0].id)
        assert m.value() is None and list(m.all_ids()) == [0]
    w = store.writer()
    w.update_document(**article_document(articles[0]))  # a new copy; the old one is deleted
    w.delete_by_term("id", articles[1].id)
    w.commit(optimize=True)
    assert len(store.ix._segments()) == 1
    with store.searcher() as s:
        assert s.doc_count() == len(articles) - 1
        assert s.document(id=articles[1].id) is None
        for a in articles[2:]:
            assert store.get(a.id).text == a.text
        term = next(t for t in s.reader().lexicon("body") if s.doc_frequency("body", t) > 3)
        ids = list(s.reader().postings("body", term).all_ids())
        assert ids == sorted(ids) and len(ids) == s.doc_frequency("body", term)


@pytest.mark.parametrize("cutoff", [2 ** 15, 2], ids=["lengths only", "offsets stored"])
def test_stored_fields_column_finds_each_document_as_whoosh_does(cutoff):
    """The reader sums the offsets from the lengths itself (or reads the stored ones):
    the same offsets as Whoosh's own derivation, and every document found."""
    from whoosh.columns import VarBytesColumn
    from whoosh.filedb.filestore import RamStorage

    from index.codec.stored import STORED_COLUMN, StoredFieldsColumn

    docs = [article_document(a) for a in _articles(40)]
    docs[3] = {}  # a document without stored fields
    storage = RamStorage()
    f = storage.create_file("stored")
    w = StoredFieldsColumn.Writer(f, cutoff=cutoff)
    for docnum, doc in enumerate(docs):
        if doc:
            w.add(docnum, doc)
    w.finish(len(docs))
    length = f.tell()
    f.close()
    f = storage.open_file("stored")
    ours = STORED_COLUMN.reader(f, 0, length, len(docs))
    whooshs = StoredFieldsColumn.Reader.__new__(StoredFieldsColumn.Reader)
    whooshs._dbfile, whooshs._basepos, whooshs._length, whooshs._doccount = f, 0, length, len(docs)
    VarBytesColumn.Reader._read_offsets_and_lengths(whooshs)
    assert list(ours._offsets) == list(whooshs._offsets) and len(ours._offsets) == len(docs)
    assert list(ours._lengths) == list(whooshs._lengths)
    assert [ours[n] for n in range(len(docs))] == [doc or None for doc in docs]
