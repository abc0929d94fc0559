"""Positions as a narrow array of gaps: the value of a posting in a text field with phrases.

Whoosh's ``Positions`` format pickles each posting's list of positions. Here it is
a typecode byte and a machine array of the gaps between positions (one byte each
when they are below 256), the bytes :func:`index.codec.blocks._pack_deltas` gives.
"""

import sys
from array import array
from functools import lru_cache
from itertools import accumulate

from whoosh.formats import Positions

from index.codec.blocks import _pack_deltas, _unpack_uints


@lru_cache(maxsize=1)
def _single_positions():
    """``GapPositions.encode([p])`` for p below 4096 (nearly every posting of a word
    found once in an article; 0.2 MB)."""
    return tuple(GapPositions.encode(None, [p]) for p in range(4096))


class GapPositions(Positions):
    """Positions stored as a narrow array of gaps instead of a pickled list.

    >>> f = GapPositions()
    >>> f.decode_positions(f.encode([3, 10, 400]))
    [3, 10, 400]
    """

    def encode(self, poslist):
        if len(poslist) == 1:  # most postings: the same bytes, without the general path
            p = poslist[0]
            if p < 0x100:
                return b"B" + bytes((p,))
            if p < 0x10000:
                return b"H" + p.to_bytes(2, sys.byteorder)
        return _pack_deltas(poslist)

    def _single_positions(self):
        """``encode([p])`` for the first positions, to look up instead of encoding."""
        return _single_positions()

    def decode_positions(self, valuestring):
        arr, _ = _unpack_uints(valuestring)
        return list(accumulate(arr))

    def decode_frequency(self, valuestring):
        return (len(valuestring) - 1) // array(chr(valuestring[0])).itemsize

    def decode_weight(self, valuestring):
        return self.decode_frequency(valuestring) * self.field_boost

    def decode_position_boosts(self, valuestring):
        return [(pos, 1) for pos in self.decode_positions(valuestring)]
