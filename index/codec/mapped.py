"""Segment files read straight from the memory map, without a copy.

Whoosh opens each file inside a segment's compound file as a ``BufferFile`` over a
``memoryview`` of the map, and ``BufferFile`` wraps that view in ``io.BytesIO`` for its
stream methods (``read``, ``seek``): ``BytesIO`` copies the whole buffer. Opening an
index therefore read and copied every postings, term and stored-fields file of every
segment (273 MB on full FANG) before the first search, most of which a search never
touches. :class:`MappedFile` answers the same stream calls from the view itself, and
:class:`MappedCompoundStorage`, the compound file our segments open
(``index.codec.segment.CompactSegment``), gives its files as :class:`MappedFile`.
"""

import io

from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import BufferFile


class _BufferStream:
    """The read-only stream calls ``StructFile`` makes, over a buffer, with no copy.

    >>> s = _BufferStream(memoryview(b"Masken\\npflicht"))
    >>> s.read(3), s.tell(), s.readline(), s.seek(-3, io.SEEK_END), s.read()
    (b'Mas', 3, b'ken\\n', 11, b'cht')
    """

    def __init__(self, buf):
        self._buf = buf
        self._pos = 0

    def read(self, n=-1):
        start, size = self._pos, len(self._buf)
        end = size if n is None or n < 0 else min(start + n, size)
        self._pos = max(start, end)
        return bytes(self._buf[start:end])

    def readline(self, n=-1):
        start, size = self._pos, len(self._buf)
        end = size if n is None or n < 0 else min(start + n, size)
        # Look for the line end a chunk at a time: only the line is copied.
        at = start
        while at < end:
            chunk = bytes(self._buf[at:min(at + 4096, end)])
            found = chunk.find(b"\n")
            if found >= 0:
                end = at + found + 1
                break
            at += len(chunk)
        return self.read(end - start)

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._buf)}[whence]
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self._pos = base + offset
        return self._pos

    def tell(self):
        return self._pos

    def write(self, *args):
        raise io.UnsupportedOperation("a segment file is read-only")

    truncate = write

    def close(self):
        self._buf = memoryview(b"")


class MappedFile(BufferFile):
    """Whoosh's ``BufferFile`` without the copy its ``BytesIO`` made of the buffer."""

    def __init__(self, buf, name=None, onclose=None):
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = _BufferStream(buf)


class MappedCompoundStorage(CompoundStorage):
    """Whoosh's compound segment file, its files read from the map as :class:`MappedFile`.

    Without a map (a storage that cannot map, or too little address space) it is
    Whoosh's own: files read through the open file.
    """

    def open_file(self, name, *args, **kwargs):
        if self.is_closed or not self._source:
            return super().open_file(name, *args, **kwargs)
        offset, length = self.range(name)
        return MappedFile(memoryview(self._source)[offset:offset + length], name=name)
