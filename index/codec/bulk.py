"""A word's whole posting list over many segments as NumPy arrays, decoded in bulk.

Ranking (``search.ranking``) reads every posting of each query word in every segment.
Decoding block by block into Python tuples and arrays, then converting to NumPy, cost
about 70 µs a segment and word on full FANG (22 segments). Here the blocks' headers
are read straight from the memory map, each block's arrays are views of its bytes,
and the gaps of all blocks of all segments become document numbers in one cumulative
sum: each block's first gap is its first document number, so it is turned into the
distance from the previous block's last document (the block header's ``maxid``),
segment offsets included.

Imported on first use (``index.codec.postings_arrays``): indexing never needs NumPy here.
"""

import struct
import zlib

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

from index.codec.blocks import _INFO, _W_ONES, _W_QUARTERS, _W_SAME

#: A block's length (negative for a term's last block) and its ``_INFO`` header.
_HEAD = struct.Struct("!i" + _INFO.format.lstrip("!"))
_MAGIC = len(WHOOSH3_HEADER_MAGIC)
_WIDTH = {ord("B"): 1, ord("H"): 2, ord("I"): 4}
_DTYPE = {ord("B"): np.uint8, ord("H"): np.uint16, ord("I"): np.uint32}
_ONES = np.ones(1024)


def postings_arrays(pieces):
    """(document numbers as int64, weights as float64) of one word's postings in several
    segments; ``pieces`` are ``(postfile, term info, document offset)`` in ascending
    offsets. Deleted documents are included, positions are not decoded.

    The numbers are what :func:`index.codec.blocks.all_ids_and_weights` gives for each
    segment, plus its offset, concatenated.
    """
    gaps, weights = [], []
    firsts, shifts = [], []  # where each block's gaps start, what its first gap gets
    n = 0
    last = 0  # the last document number (with its offset) of the block before
    for postfile, info, offset in pieces:
        inlined = info._inlined
        if inlined is not None:  # one posting, in the term info: a block of one
            ids, ws, _ = inlined
            gaps.append(ids)
            weights.append(ws)
            firsts.append(n)
            shifts.append(offset - last)
            n += 1
            last = ids[0] + offset
            continue
        buf = getattr(postfile, "_buf", None)
        position = info._offset + _MAGIC
        while True:
            head = _HEAD.unpack_from(buf, position) if buf is not None \
                else _HEAD.unpack(postfile.get(position, _HEAD.size))
            length, count, maxid, _, comp, _, _ = head
            data_at = position + _HEAD.size
            end = position + 4 + abs(length)
            b = buf[data_at:end] if buf is not None else postfile.get(data_at, end - data_at)
            if comp:
                b = zlib.decompress(b)
            code = b[0]
            width = _WIDTH[code]
            gaps.append(np.frombuffer(b, _DTYPE[code], count, 1))
            firsts.append(n)
            shifts.append(offset - last)
            n += count
            last = maxid + offset
            at = 1 + count * width
            kind = b[at]
            if kind == _W_ONES:
                weights.append(_ONES[:count] if count <= len(_ONES) else np.ones(count))
            elif kind == _W_SAME:
                weights.append(np.full(count, np.frombuffer(b, ">f4", 1, at + 1)[0],
                                       dtype=np.float64))
            elif kind == _W_QUARTERS:
                q = b[at + 1]
                weights.append(np.frombuffer(b, _DTYPE[q], count, at + 2) / 4)
            else:
                weights.append(np.frombuffer(b, np.float32, count, at + 1))
            if length < 0:
                break
            position = end
    if gaps:
        ids = np.concatenate(gaps).astype(np.int64)
        ids[firsts] += shifts
        np.cumsum(ids, out=ids)
        w = np.concatenate(weights).astype(np.float64, copy=False)
    else:
        ids, w = np.zeros(0, dtype=np.int64), np.zeros(0)
    return ids, w

