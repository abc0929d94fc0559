"""The codec and its segments: which writer and reader each file of a segment gets.

:class:`CompactCodec` is Whoosh 3's codec with our posting blocks
(:mod:`index.codec.blocks`), term dictionary (:mod:`index.codec.terms`) and
stored-fields column (:mod:`index.codec.stored`). Its segments
(:class:`CompactSegment`) open their compound file as a
:class:`~index.codec.mapped.MappedCompoundStorage`, whose files are read from the
memory map without a copy.

Both classes are pickled into the index's table of contents, so a reader opens a
segment the way it was written. Segments written before :class:`CompactSegment`
existed are Whoosh's ``W3Segment`` with our codec; :class:`CompactFileIndex` reads
them as :class:`CompactSegment` (:func:`adopt_segment`).
"""

from whoosh.codec.whoosh3 import W3Codec, W3Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.index import _DEF_INDEX_NAME, FileIndex
from whoosh.matching import ListMatcher

from index.codec.blocks import CompactLeafMatcher, CompactPostingsWriter
from index.codec.mapped import MappedCompoundStorage
from index.codec.stored import CompactPerDocReader, CompactPerDocWriter
from index.codec.terms import CompactFieldWriter, CompactTermsReader


class CompactCodec(W3Codec):
    """Whoosh's default codec with our posting blocks, term dictionary and stored fields.

    Pickled into each segment, so a reader opens the segment the way it was written.
    """

    def per_document_writer(self, storage, segment):
        return CompactPerDocWriter(self, storage, segment)

    def field_writer(self, storage, segment):
        return CompactFieldWriter(self, storage, segment)

    def terms_reader(self, storage, segment):
        tiname = segment.make_filename(self.TERMS_EXT)
        return CompactTermsReader(self, storage.open_file(tiname), storage.file_length(tiname),
                                  segment.open_file(storage, self.POSTS_EXT))

    def per_document_reader(self, storage, segment):
        return CompactPerDocReader(storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return CompactPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                     compression=self._compression,
                                     inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            ids, weights, values = terminfo.inlined_postings()
            if not values:
                # What CompactLeafMatcher gives for a posting without a value: Whoosh's
                # ListMatcher would give the str '', which its merging writers reject.
                values = (None if format_.fixed_value_size() == 0 else b"",)
            return ListMatcher(ids, weights, values, format_, scorer=scorer, term=term,
                               terminfo=terminfo)
        offset, length = terminfo.extent()
        return CompactLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def new_segment(self, storage, indexname):
        return CompactSegment(self, indexname)


class CompactSegment(W3Segment):
    """A segment of :class:`CompactCodec`: its compound file is read from the memory map."""

    def open_compound_file(self, storage):
        name = self.make_filename(self.COMPOUND_EXT)
        return MappedCompoundStorage(storage.open_file(name), use_mmap=storage.supports_mmap)


def adopt_segment(segment):
    """``segment`` as a :class:`CompactSegment` when it is a ``W3Segment`` of our codec
    (written before segments had their own class), else unchanged."""
    if type(segment) is W3Segment and isinstance(segment.codec(), CompactCodec):
        adopted = CompactSegment.__new__(CompactSegment)
        adopted.__dict__.update(segment.__dict__)
        return adopted
    return segment


class CompactFileIndex(FileIndex):
    """Whoosh's index in a folder, reading every segment of our codec as a :class:`CompactSegment`.

    Whoosh reads the table of contents for each reader and writer it opens, so
    this covers searching, writing and merging.
    """

    def _read_toc(self):
        toc = super()._read_toc()
        toc.segments = [adopt_segment(s) for s in toc.segments]
        return toc


def open_index(path, indexname=None):
    """Open the Whoosh index in folder ``path`` as a :class:`CompactFileIndex`."""
    return CompactFileIndex(FileStorage(str(path)), indexname=indexname or _DEF_INDEX_NAME)


def create_index(path, schema, indexname=None):
    """Create an empty Whoosh index in folder ``path`` (which must exist), as
    :class:`CompactFileIndex`; replaces an index of the same name there."""
    return CompactFileIndex.create(FileStorage(str(path)), schema, indexname or _DEF_INDEX_NAME)
