"""Fundstelle's files: posting blocks, term dictionary, stored fields, memory-mapped reading.

The one place that knows the file formats of a segment; it imports only Whoosh.

- :mod:`index.codec.segment`: :class:`CompactCodec`, its segments, and the index
  folder that opens them (:func:`open_index`, :func:`create_index`);
- :mod:`index.codec.blocks`: posting blocks (document numbers, weights, values);
- :mod:`index.codec.positions`: positions as narrow arrays of gaps (``GapPositions``);
- :mod:`index.codec.terms`: the term dictionary;
- :mod:`index.codec.stored`: the stored-fields column;
- :mod:`index.codec.buffer`: a segment's postings in memory while it is written;
- :mod:`index.codec.mapped`: segment files read from the memory map.

The functions below are what the search side needs beyond Whoosh's reader API: a
word's postings in bulk, straight from the term dictionary of one segment.
"""

from index.codec.blocks import CompactLeafMatcher, all_ids_and_weights, positions_of
from index.codec.buffer import PostingBuffer, TermPostings, write_buffered_postings
from index.codec.positions import GapPositions
from index.codec.segment import (CompactCodec, CompactFileIndex, CompactSegment, create_index,
                                 open_index)
from index.codec.terms import CompactTermsReader

__all__ = ["CompactCodec", "CompactFileIndex", "CompactSegment", "GapPositions", "PostingBuffer",
           "TermPostings", "create_index", "is_compact", "matcher_postings", "open_index",
           "postings_arrays", "segment_term_info", "term_matcher", "term_positions", "term_postings", "write_buffered_postings"]


def is_compact(reader):
    """Whether a segment reader (a leaf of Whoosh's ``MultiReader``) reads our codec's files."""
    return isinstance(getattr(reader, "_terms", None), CompactTermsReader)


def segment_term_info(reader, fieldname, btext):
    """The term info of a term in one segment of ours (:func:`is_compact`), or None.

    The info is the reader's own (cached, not a copy): read it, do not change it.
    """
    return reader._terms.lookup(fieldname, btext)


def term_matcher(reader, info, format_, term=None):
    """A leaf matcher over the postings ``info`` (from :func:`segment_term_info`) describes.

    Unlike ``reader.postings()`` it does not skip deleted documents.
    """
    terms = reader._terms
    return terms._codec.postings_reader(terms._postfile, info, format_, term=term)


def term_postings(reader, info):
    """The whole posting list ``info`` describes: (document numbers, weights), positions
    not decoded, deleted documents included."""
    return all_ids_and_weights(reader._terms._postfile, info)


def postings_arrays(pieces):
    """A word's postings in several segments of ours as NumPy arrays: (global document
    numbers as int64, weights as float64), deleted documents included.

    ``pieces`` are ``(segment reader, term info, document offset)``, offsets ascending;
    the same numbers as :func:`term_postings` of each, plus its offset, concatenated.
    """
    from index.codec.bulk import postings_arrays as decode  # NumPy: not for indexing

    return decode((reader._terms._postfile, info, offset) for reader, info, offset in pieces)


def matcher_postings(matcher):
    """(document numbers, weights) of all postings of a fresh leaf matcher of ours, which
    is used up afterwards; None for any other matcher."""
    if isinstance(matcher, CompactLeafMatcher):
        return matcher.ids_and_weights()
    return None


def term_positions(reader, info, docs):
    """{document number: positions} of the term ``info`` describes, for the ``docs``
    (ascending document numbers of this segment) that hold it; only the blocks that can
    hold one of them are read."""
    return positions_of(reader._terms._postfile, info, docs)
