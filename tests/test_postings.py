"""The codec: stored fields and stored text."""

import hashlib

import pytest
from whoosh.filedb.compound import CompoundStorage
from whoosh.writing import SegmentWriter

from index.ingest import Article, read_articles
from index.pipeline import writer_settings
from index.store import (ZDICT_FILE, ZDICT_SHA256, IndexStore, article_document, compress_text,
                         stored_text)

from conftest import SHARED

SAMPLE_300 = SHARED / "data" / "fang-covid" / "sample-300.jsonl"


def _articles(n):
    return [a for a in read_articles([str(SAMPLE_300)]) if isinstance(a, Article)][:n]


def _segment_files(store):
    """The sub-files of the index's only segment, by extension: {'pst': bytes, ...}."""
    (seg,) = store.ix._segments()
    f = store.ix.storage.open_file(seg.make_filename(".seg"))
    cs = CompoundStorage(f, use_mmap=False)
    try:
        return {name.split(".", 1)[1]: cs.open_file(name).read() for name in cs._dir}
    finally:
        cs.close()


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
    w = SegmentWriter(store.ix, **writer_settings())
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
    w = SegmentWriter(store.ix, **writer_settings())
    w.add_document(**doc)
    w.commit()
    stored = _segment_files(store)["_stored.col"]
    assert len(stored) < len(doc["text_z"]) + 400
