"""Posting blocks: document numbers, weights and positions of a term, in blocks of 128.

Whoosh 3 writes each block's ids, weights and values as pickles. Here they are narrow
machine arrays (the gaps between document numbers, weights as ones, one repeated
value, quarters or floats), about a third of the size; the block header is Whoosh's.
A term of one posting keeps it in its term info instead (:func:`inlined_term_info`;
the term dictionary of :mod:`index.codec.terms` stores it).

>>> _unpack_uints(_pack_deltas([3, 10, 400]))[0].tolist()
[3, 7, 390]
"""

import struct
import zlib
from array import array
from bisect import bisect_left
from itertools import accumulate, chain
from operator import sub

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3LeafMatcher, W3PostingsWriter, W3TermInfo
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length, length_to_byte

def _pack_uints(values):
    """Unsigned ints as a typecode byte and a machine array of the narrowest width."""
    top = max(values) if values else 0
    code = "B" if top < 0x100 else "H" if top < 0x10000 else "I"
    return code.encode("ascii") + array(code, values).tobytes()


def _unpack_uints(data, start=0, count=None):
    """Inverse of :func:`_pack_uints`; returns (array, end offset)."""
    code = chr(data[start])
    arr = array(code)
    width = arr.itemsize
    end = len(data) if count is None else start + 1 + count * width
    arr.frombytes(data[start + 1:end])
    return arr, end


def _pack_deltas(ids):
    """A non-empty ascending sequence as :func:`_pack_uints` of its gaps (each value
    minus the one before, the first minus 0), in one step: this runs for every word
    found more than once in an article and every posting block."""
    deltas = list(map(sub, ids, chain((0,), ids)))
    top = max(deltas)
    code = "B" if top < 0x100 else "H" if top < 0x10000 else "I"
    return _TYPECODES[code] + array(code, deltas).tobytes()


_TYPECODES = {code: code.encode("ascii") for code in "BHI"}

_INFO = struct.Struct("!IIfBBB")
_W_ONES, _W_SAME, _W_QUARTERS, _W_FLOATS = range(4)


class CompactPostingsWriter(W3PostingsWriter):
    """Whoosh 3 posting blocks with narrow arrays instead of pickles (about a third the size)."""

    def _write_block(self, last=False):
        if self._byteids:
            return super()._write_block(last)
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids, weights, values = self._ids, self._weights, self._values
        parts = [_pack_deltas(ids)]
        first = weights[0]
        n = len(weights)
        if weights.count(1.0) == n:
            parts.append(bytes((_W_ONES,)))
        elif weights.count(first) == n:
            parts.append(bytes((_W_SAME,)) + struct.pack("!f", first))
        else:
            quarters = list(map((4.0).__mul__, weights))  # C loops: a block has up to 128
            if all(map(float.is_integer, quarters)) and 0 <= min(weights) \
                    and max(weights) < 16000:
                parts.append(bytes((_W_QUARTERS,)) + _pack_uints(list(map(int, quarters))))
            else:
                parts.append(bytes((_W_FLOATS,)) + array("f", weights).tobytes())
        if values:
            parts.append(_pack_uints(list(map(len, values))))
            parts.extend(values)
        data = b"".join(parts)
        comp = self._compression if len(data) > 40 else 0
        if comp:
            data = zlib.compress(data, comp)
        info = _INFO.pack(len(ids), ids[-1], self._maxweight, comp,
                          length_to_byte(self._minlength), length_to_byte(self._maxlength))
        length = len(info) + len(data)
        self._postfile.write_int(-length if last else length)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


    def finish_postings(self):
        """Finish the term; a term of a single posting keeps it in its term info instead
        (the term dictionary of :mod:`index.codec.terms` stores it; Whoosh's own inlining
        is broken in 2.7.4: ``finish_postings`` calls a method that does not exist)."""
        if not self._byteids and not self.written() and len(self._ids) == 1:
            terminfo = self._terminfo
            terminfo.add_block(self)
            terminfo._inlined = (tuple(self._ids), tuple(self._weights), tuple(self._values))
            self._terminfo = None
            return terminfo
        return super().finish_postings()

    def add_term_postings(self, ids, weights, values, lengths=None):
        """All postings of the current term at once, as :meth:`add_posting` one by one would.

        ``ids`` (``array("I")``) and ``weights`` (``array("f")``) in document
        order, ``values`` the encoded positions; ``lengths`` maps a document
        number to its field length byte (0: none). The last block stays buffered
        for :meth:`finish_postings`, as Whoosh leaves it.
        """
        limit = self._blocklimit
        n = len(ids)
        if n <= limit:  # most terms: one block, the arrays as they are
            ranges = ((ids, weights, values),)
        else:
            ranges = ((ids[at:at + limit], weights[at:at + limit], values[at:at + limit])
                      for at in range(0, n, limit))
        for block, block_weights, block_values in ranges:
            if self._ids:
                self._write_block()
            self._ids = block
            self._weights = block_weights
            self._values = [v for v in block_values if v]
            self._maxweight = max(0, max(self._weights))
            if lengths is not None:
                lbs = [b for b in (lengths[d] for d in block) if b]
                if lbs:
                    self._minlength = byte_to_length(min(lbs))
                    self._maxlength = byte_to_length(max(lbs))


def inlined_term_info(docnum, weight, value, lengthbyte):
    """The term info :class:`CompactPostingsWriter` gives a term of one posting, made
    directly (``start_postings``, ``add_term_postings`` and ``finish_postings`` for it
    cost more than its bytes).

    ``lengthbyte`` is the document's field length byte (0: none).
    """
    length = byte_to_length(lengthbyte) if lengthbyte else None
    ti = W3TermInfo()
    ti._weight = 0 + weight
    ti._df = 1
    ti._minlength = length
    ti._maxlength = length if length is not None else 0
    ti._maxweight = max(0, weight)
    ti._minid = ti._maxid = docnum
    ti._inlined = ((docnum,), (weight,), (value,) if value else ())
    return ti


def all_ids_and_weights(postfile, terminfo):
    """A term's whole posting list from its term info: (ids, weights), positions not decoded.

    What ``ids_and_weights`` of a fresh :class:`CompactLeafMatcher` gives, without making
    the matcher (bulk scoring reads a word's postings in every segment).
    """
    if terminfo.is_inlined():
        ids, weights, _ = terminfo._inlined
        return ids, weights
    return _all_blocks(postfile, terminfo.extent()[0] + len(WHOOSH3_HEADER_MAGIC))


def _all_blocks(postfile, position):
    """(ids, weights) of every block from the one at ``position`` to the last."""
    ids, weights = [], array("f")
    while True:
        info, data_at, end, last = _block_at(postfile, position)
        block_ids, block_weights, _ = CompactLeafMatcher._decode_ids_weights(
            _block_data(postfile, data_at, end, info[3]), info[0])
        ids.extend(block_ids)
        weights.extend(block_weights)
        if last:
            return ids, weights
        position = end


def _block_at(postfile, position):
    """The block at ``position``: (its ``_INFO`` fields, where its data starts, where the
    next block starts, whether it is the last)."""
    length = postfile.get_int(position)
    info_at = position + _INT_SIZE
    info = _INFO.unpack(postfile.get(info_at, _INFO.size))
    return info, info_at + _INFO.size, info_at + abs(length), length < 0


def _block_data(postfile, data_at, end, compression):
    """A block's data bytes, decompressed."""
    b = postfile.get(data_at, end - data_at)
    return zlib.decompress(b) if compression else b


def positions_of(postfile, terminfo, wanted):
    """{document number: positions} of a term for the ``wanted`` (ascending) documents of one
    segment that hold it, reading only the blocks that can hold one of them.

    Ranking reads positions for a few hundred candidate articles at once this way: a
    matcher's ``skip_to`` and ``value_as`` cost several Python calls per article.
    """
    out = {}
    if not len(wanted):
        return out
    if terminfo.is_inlined():
        ids, _, values = terminfo._inlined
        wanted = set(wanted)
        for d, v in zip(ids, values):
            if d in wanted and v:
                out[d] = _decode_positions(v)
        return out
    wanted = sorted(wanted)
    i, n = 0, len(wanted)
    position = terminfo.extent()[0] + len(WHOOSH3_HEADER_MAGIC)
    while i < n:
        info, data_at, end, last = _block_at(postfile, position)
        count, maxid = info[0], info[1]
        if wanted[i] <= maxid:
            b = _block_data(postfile, data_at, end, info[3])
            gaps, at = _unpack_uints(b, 0, count)
            ids = list(accumulate(gaps))
            at = _after_weights(b, at, count)
            if at < len(b):
                lengths, at = _unpack_uints(b, at, count)
                starts = list(accumulate(lengths, initial=at))
                while i < n and wanted[i] <= maxid:
                    k = bisect_left(ids, wanted[i])
                    if k < count and ids[k] == wanted[i]:
                        out[wanted[i]] = _decode_positions(b[starts[k]:starts[k + 1]])
                    i += 1
        while i < n and wanted[i] <= maxid:
            i += 1
        if last:
            break
        position = end
    return out


def _after_weights(b, at, n):
    """Where a block's weights (written after its ids, ending at ``at``) end."""
    kind = b[at]
    at += 1
    if kind == _W_SAME:
        return at + 4
    if kind == _W_QUARTERS:
        return _unpack_uints(b, at, n)[1]
    if kind == _W_FLOATS:
        return at + 4 * n
    return at


def _decode_positions(value):
    arr, _ = _unpack_uints(value)
    return list(accumulate(arr))


class CompactLeafMatcher(W3LeafMatcher):
    """Reads the blocks written by :class:`CompactPostingsWriter`."""

    def _goto(self, position):
        postfile = self._postfile
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        info, self._dataoffset, self._nextoffset, last = _block_at(postfile, position)
        if last:
            self._lastblock = True
        (self._blocklength, self._maxid, self._maxweight, self._compression,
         mnlen, mxlen) = info
        self._minlength = byte_to_length(mnlen)
        self._maxlength = byte_to_length(mxlen)

    def ids_and_weights(self):
        """All postings of a fresh matcher at once: (ids, weights), positions not decoded.

        Bulk scoring (``search.ranking``) reads whole posting lists this way; the
        matcher is used up afterwards.
        """
        self._atend = True
        return _all_blocks(self._postfile, self._baseoffset)

    def _block_bytes(self):
        return _block_data(self._postfile, self._dataoffset, self._nextoffset,
                           self._compression)

    @staticmethod
    def _decode_ids_weights(b, n):
        gaps, at = _unpack_uints(b, 0, n)
        ids = tuple(accumulate(gaps))
        kind = b[at]
        at += 1
        if kind == _W_ONES:
            weights = array("f", [1.0]) * n
        elif kind == _W_SAME:
            weights = array("f", struct.unpack("!f", b[at:at + 4])) * n
            at += 4
        elif kind == _W_QUARTERS:
            quarters, at = _unpack_uints(b, at, n)
            weights = array("f", [q / 4 for q in quarters])
        else:
            weights = array("f")
            weights.frombytes(b[at:at + 4 * n])
            at += 4 * n
        return ids, weights, at

    def _read_data(self):
        b, n = self._block_bytes(), self._blocklength
        ids, weights, at = self._decode_ids_weights(b, n)
        if self._fixedsize == 0:
            values = (None,) * n
        elif at < len(b):
            lengths, at = _unpack_uints(b, at, n)
            values = []
            for ln in lengths:
                values.append(b[at:at + ln])
                at += ln
            values = tuple(values)
        else:
            values = (b"",) * n
        self._data = (ids, weights, values)

    def _read_ids(self):
        if self._data is None:
            self._read_data()
        self._ids = self._data[0]

    def _read_weights(self):
        if self._data is None:
            self._read_data()
        self._weights = self._data[1]

    def _read_values(self):
        if self._data is None:
            self._read_data()
        self._values = self._data[2]
