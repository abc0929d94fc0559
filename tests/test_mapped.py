"""Segment files are read from the memory map as Whoosh's BytesIO copy read them, in new
segments and in those of indexes written before ``index.codec``."""

import io
import random

from whoosh.codec.whoosh3 import W3Segment
from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile

from index.codec.mapped import MappedFile, _BufferStream
from index.codec.segment import CompactSegment

from conftest import CORPUS, SAMPLES


def test_stream_calls_answer_as_bytesio_does():
    rnd = random.Random(11)
    data = bytes(rnd.choice(b"Maske\npflicht\x00\xff") for _ in range(20_000))
    ours, theirs = _BufferStream(memoryview(data)), io.BytesIO(data)
    for _ in range(3_000):
        op = rnd.choice(("read", "readline", "seek", "tell"))
        if op == "seek":
            whence = rnd.choice((io.SEEK_SET, io.SEEK_CUR, io.SEEK_END))
            offset = rnd.randint(0, 25_000) if whence == io.SEEK_SET else rnd.randint(-500, 500)
            if {io.SEEK_CUR: theirs.tell(), io.SEEK_END: len(data)}.get(whence, 0) + offset < 0:
                continue
            assert ours.seek(offset, whence) == theirs.seek(offset, whence)
        elif op == "tell":
            assert ours.tell() == theirs.tell()
        else:
            n = rnd.choice((-1, 0, 1, 7, 300, 5_000))
            assert getattr(ours, op)(n) == getattr(theirs, op)(n)


def test_an_index_opens_its_segment_files_without_copying_them(engine):
    # Whoosh's own classes stay as they are: our segments choose the mapped reader.
    assert compound.BufferFile is BufferFile
    reader = engine.searcher.reader()
    for sub, _ in reader.leaf_readers():
        assert type(sub.segment()) is CompactSegment
        f = sub._terms._postfile
        assert isinstance(f, MappedFile) and not isinstance(f.file, io.BytesIO)
        # Stream reads and positional reads see the same bytes.
        f.seek(0)
        assert f.read(64) == f.get(0, 64)


QUERIES = ["Corona", "Lehrer Gewerkschaft", '"Robert Koch"', "Kanzler*", "Raketenwerfer",
           "Impfstof~", "*"]


def _answers(path):
    from search import SearchEngine

    with SearchEngine(path) as engine:
        out = []
        for q in QUERIES:
            out.append(engine.search(q, limit=20, facets=5).to_dict())
        return out


def _rewrite_toc_in_old_layout(path, monkeypatch):
    """Write the index's table of contents as the code before ``index.codec`` did: its
    segments Whoosh's ``W3Segment``, the codec and the text format pickled by their old
    module path ``index.postings`` (still importable there)."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import _DEF_INDEX_NAME, TOC

    from index.codec import CompactCodec
    from index.wordcache import CompactPositions

    storage = FileStorage(str(path))
    toc = TOC.read(storage, _DEF_INDEX_NAME)
    segments = []
    for seg in toc.segments:
        old = W3Segment.__new__(W3Segment)
        old.__dict__.update(seg.__dict__)
        segments.append(old)
    toc.segments = segments
    storage.delete_file(TOC._filename(_DEF_INDEX_NAME, toc.generation))
    with monkeypatch.context() as m:
        m.setattr(CompactCodec, "__module__", "index.postings")
        m.setattr(CompactPositions, "__module__", "index.postings")
        toc.write(storage, _DEF_INDEX_NAME)
    (name,) = [n for n in storage.list() if n.endswith(".toc")]
    with open(path / name, "rb") as f:
        return f.read()


def test_an_index_of_the_old_layout_opens_and_searches_as_before(tmp_path, monkeypatch):
    from index.build import index_paths
    from index.store import IndexStore

    path = tmp_path / "index"
    index_paths(str(path), [str(CORPUS)], procs=1)
    index_paths(str(path), [str(SAMPLES)], procs=1)
    before = _answers(str(path))
    toc = _rewrite_toc_in_old_layout(path, monkeypatch)
    assert b"index.postings" in toc and b"W3Segment" in toc
    assert b"index.codec" not in toc and b"index.wordcache" not in toc and b"CompactSegment" not in toc

    assert _answers(str(path)) == before
    store = IndexStore.open(str(path))
    with store.searcher() as s:
        leaves = [sub for sub, _ in s.reader().leaf_readers()]
        assert len(leaves) > 1
        for sub in leaves:  # read from the map as a new segment is
            assert type(sub.segment()) is CompactSegment
            assert isinstance(sub._terms._postfile, MappedFile)
    # A writer reads the old table of contents too, and merges its segments.
    w = store.writer()
    w.commit(optimize=True)
    assert len(store.ix._segments()) == 1
    # Scores move a little: Whoosh's merge sums the documents' byte-rounded field lengths.
    assert [_found(page) for page in _answers(str(path))] == [_found(page) for page in before]


def _found(page):
    return page["total"], sorted(hit["id"] for hit in page["hits"])
