"""Segment files are read from the memory map as Whoosh's BytesIO copy read them."""

import io
import random

from whoosh.filedb import compound

from index.mapped import MappedFile, _BufferStream


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
    # Whoosh's compound files make their files through this name.
    assert compound.BufferFile is MappedFile
    reader = engine.searcher.reader()
    for sub, _ in reader.leaf_readers():
        f = sub._terms._postfile
        assert isinstance(f, MappedFile) and not isinstance(f.file, io.BytesIO)
        # Stream reads and positional reads see the same bytes.
        f.seek(0)
        assert f.read(64) == f.get(0, 64)
