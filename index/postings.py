"""Indexing-time shortcut for the German analysis chain: each distinct word is analysed once.

Whoosh indexes a text by running it through the analyzer token by token:
tokenizer, soft hyphens, lowercase, stop words, compound parts, stemming,
each a Python generator. A news archive repeats the same words millions of
times, and the chain treats each word on its own (positions aside), so
:class:`WordCachePositions` cuts the text into words with the tokenizer's own
pattern, analyses each distinct word once, remembers what it gave (terms,
their positions relative to the word, boosts, and how far the word advances
the position), and replays that for every later occurrence. A new word goes
through :class:`~index.analysis.IndexWordAnalysis` (the chain's filters as one
function); another analyzer goes through its chain, words followed by a sentinel.

The terms, frequencies, weights and positions are exactly those of Whoosh's
``Positions.word_values`` with the same analyzer (``tests/test_pipeline.py``
checks this on real news). Queries and snippets use the chain itself.
"""

import pickle
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections import defaultdict
from functools import lru_cache
from itertools import accumulate, chain
from operator import ge, sub

from whoosh.codec.whoosh3 import (WHOOSH3_HEADER_MAGIC, W3Codec, W3LeafMatcher, W3PerDocReader,
                                  W3PerDocWriter, W3PostingsWriter, W3TermInfo)
from whoosh.columns import VarBytesColumn
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length, length_to_byte

from index import mapped
from index.analysis import PART_PREFIX, WORD_RE, IndexWordAnalysis

mapped.install()  # segment files are read from the memory map, not copied (index.mapped)

#: Words remembered per process (in a parallel run, also the parent's cache handed to
#: each batch's workers); past this, :func:`trim_word_cache`. Full FANG in batches
#: of 4,000 (simulated, 41,242 articles, 701,262 distinct words): 200,000 trimmed to
#: half analysed 1.38 million words, 400,000 trimmed to three quarters 0.90 million
#: (about 60 µs each), a cache without limit 0.79 million.
CACHE_WORDS = 400_000


def trim_word_cache(words):
    """Past ``CACHE_WORDS``, drop the words added last until three quarters are left.

    The words seen first are the frequent ones (full FANG has about 700,000
    distinct words, most of them rare): emptying the whole cache made every word
    new again.
    """
    if len(words) <= CACHE_WORDS:
        return
    keep = CACHE_WORDS * 3 // 4
    while len(words) > keep:
        words.popitem()  # the last added


# Words that no filter changes, stops or splits: the position of one after a
# word shows how far that word advances the position (stop words: by 0). A
# word that contains the first is analysed with another.
_SENTINELS = ("xqzj", "zjqx", "jxzq")


class WordCachePositions(Positions):
    """``Positions`` whose ``word_values`` analyses each distinct word only once.

    The cache lives on the instance and is dropped when the schema is pickled
    into the index.

    >>> from index.analysis import german_analyzer
    >>> f = WordCachePositions()
    >>> [(w, n) for w, n, _, _ in f.word_values("Die Masken, die Masken!", german_analyzer())]
    [('mask', 2)]
    """

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_words", None)
        state.pop("_for", None)
        state.pop("_direct", None)
        state.pop("_plain", None)
        return state

    def share_cache(self, words):
        """Use (and fill) ``words`` as this format's cache, e.g. one kept across commits.

        Each writer unpickles a fresh schema, so without this every batch
        commit would start cold.
        """
        self._words = words
        self.__dict__.pop("_for", None)
        self.__dict__.pop("_direct", None)

    def _analyse_all(self, analyzer, new_words):
        """``_analyse_words`` for any words, each batch with a sentinel it does not contain."""
        rest = new_words
        for sentinel in _SENTINELS:
            batch = [w for w in rest if sentinel not in w.lower()]
            yield from self._analyse_words(analyzer, batch, sentinel)
            rest = [w for w in rest if sentinel in w.lower()]
            if not rest:
                return
        for w in rest:  # contains every sentinel (never in real text): advance guessed
            terms = tuple((t.text, t.pos, t.boost) for t in analyzer(
                w, positions=True, boosts=True, mode="index") if not t.stopped)
            yield w, (terms, max((p for _, p, _ in terms), default=-1) + 1)

    def _analyse_words(self, analyzer, new_words, sentinel):
        """Run the chain once over ``new_words``, each followed by the sentinel.

        Yields ``(word, (terms, advance))`` with terms as ((term, relative pos,
        boost), ...). Stop words shift later positions, but each word's
        positions are taken relative to the position after the sentinel
        before it, so they come out as if the word were analysed alone.
        """
        if not new_words:
            return
        text = " ".join(w + " " + sentinel for w in new_words)
        it = iter(new_words)
        start = 0
        out = []
        for t in analyzer(text, positions=True, boosts=True, mode="index"):
            if t.stopped:
                continue
            if t.text == sentinel:
                yield next(it), (tuple(out), t.pos - start)
                start = t.pos + 1
                out = []
            else:
                out.append((t.text, t.pos - start, t.boost))

    def word_values(self, value, analyzer, **kwargs):
        if isinstance(value, (list, tuple)) or kwargs.get("mode", "index") != "index":
            yield from super().word_values(value, analyzer, **kwargs)
            return
        for w, n, weight, v in self.term_postings(value, analyzer):
            yield w.decode("utf-8"), n, weight, v

    def term_postings(self, value, analyzer):
        """What Whoosh's ``FieldType.index`` gives for a text in index mode, as a list:
        (term bytes, frequency, weight, encoded positions) per distinct term."""
        if self.__dict__.get("_plain") is analyzer:
            return [(w.encode("utf-8"), n, weight, v) for w, n, weight, v
                    in super().word_values(value, analyzer, mode="index")]
        words = getattr(self, "_words", None)
        if words is None or getattr(self, "_for", analyzer) is not analyzer:
            words = self._words = {}
            self.__dict__.pop("_direct", None)
        else:
            trim_word_cache(words)
        self._for = analyzer
        found = WORD_RE.findall(value)
        try:
            entries = list(map(words.__getitem__, found))
        except KeyError:  # new words: analyse them, then look again
            new_words = [w for w in dict.fromkeys(found) if w not in words]
            direct = self.__dict__.get("_direct", False)
            if direct is False:
                direct = self._direct = IndexWordAnalysis.of(analyzer)
            try:
                if direct is not None:
                    analysed = [(w, _entry(*direct(w))) for w in new_words]
                else:
                    analysed = [(w, _entry(*found_)) for w, found_
                                in self._analyse_all(analyzer, new_words)]
            except _NotExact:
                self._plain = analyzer
                return self.term_postings(value, analyzer)
            words.update(analysed)
            entries = list(map(words.__getitem__, found))
        # Positions per term, in order. The weight of a term is the sum of its boosts:
        # its count, plus what boosts other than 1.0 add (sums of such boosts are
        # exact in any order, see _entry).
        poses = defaultdict(list)
        extras = {}
        pos = 0
        # Stop words are b"": filter() drops them without a Python step each.
        for entry in filter(None, entries):
            if entry.__class__ is bytes:  # most words: one term, at the word, boost 1.0
                poses[entry].append(pos)
                pos += 1
                continue
            terms, advance = entry
            for text, rel, extra in terms:
                poses[text].append(pos + rel)
                if extra:
                    extras[text] = extras.get(text, 0.0) + extra
            pos += advance
        fb = self.field_boost
        encode = self.encode
        single = self._single_positions()
        top = len(single)
        if extras:
            weights = {w: (len(poses[w]) + extra) * fb for w, extra in extras.items()}
            return [(w, len(p), weights[w] if w in weights else len(p) * fb,
                     single[p[0]] if len(p) == 1 and p[0] < top else encode(p))
                    for w, p in poses.items()]
        return [(w, len(p), len(p) * fb, single[p[0]] if len(p) == 1 and p[0] < top
                 else encode(p)) for w, p in poses.items()]

    def _single_positions(self):
        """``encode([p])`` for the first positions, to look up (empty: none kept)."""
        return ()


class _NotExact(Exception):
    """A boost whose sums depend on their order: the word cache cannot replay it."""


def _entry(terms, advance):
    """A word cache entry for one analysed word: ``terms`` ((text, relative position,
    boost), ...) and ``advance``, as the term of a plain word alone (one term at the
    word, boost 1.0, advance 1), ``b""`` for a stop word (no term, advance 0), or
    (((text, position, boost - 1.0), ...), advance), terms as UTF-8 bytes.

    Boosts must be multiples of 1/1024 below 2**20 (1.0, 0.5, 2.0, ...): sums of those
    are exact whatever their order, so a term's weight can be added up out of order.
    """
    if advance == 1 and len(terms) == 1:
        text, rel, boost = terms[0]
        if rel == 0 and boost == 1.0 and text:
            return text.encode("utf-8")
    if advance == 0 and not terms:  # a stop word
        return b""
    out = []
    for text, rel, boost in terms:
        if not ((boost * 1024).is_integer() and abs(boost) < 1 << 20):
            raise _NotExact(boost)
        term = (text.encode("utf-8"), rel, boost - 1.0)
        if text.startswith(PART_PREFIX):  # parts recur across words: keep one copy
            if len(_PART_TERMS) > 500_000:
                _PART_TERMS.clear()
            term = _PART_TERMS.setdefault(term, term)
        out.append(term)
    return tuple(out), advance


# The word cache's compound part terms, each kept once: about half the cached words are
# compounds, and this makes the cache a third smaller (342 → 237 bytes a word, keys aside).
_PART_TERMS = {}


# --- compact posting blocks ----------------------------------------------------------------------

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


@lru_cache(maxsize=1)
def _single_positions():
    """``CompactPositions.encode([p])`` for p below 4096 (nearly every posting of a word
    found once in an article; 0.2 MB)."""
    return tuple(CompactPositions.encode(None, [p]) for p in range(4096))


class CompactPositions(WordCachePositions):
    """Positions stored as a narrow array of gaps instead of a pickled list.

    >>> f = CompactPositions()
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
        (the term dictionary of :mod:`index.terms` stores it; Whoosh's own inlining
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


# --- postings of a segment in memory ---------------------------------------------------------

class TermPostings:
    """One term's postings in a segment being written: document numbers, weights, values."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self):
        self.ids = array("I")
        self.weights = array("f")
        self.values = []


class PostingBuffer:
    """A segment's postings in memory, per field and term, in document order.

    Replaces Whoosh's ``PostingPool``, which keeps one tuple per posting, sorts
    them all at the end (spilling sorted runs to disk past ``limitmb``) and
    feeds them one by one to the codec. Documents arrive in document-number
    order, so each term's list is sorted as it grows; at the end only the terms
    are sorted and each term's list is written in blocks
    (:func:`write_buffered_postings`). ``add`` takes Whoosh's pool tuples, as
    merging segments (``add_reader``) gives them.
    """

    def __init__(self):
        self.fields = {}
        self.fieldnames = set()

    def terms(self, fieldname):
        """The ``{term bytes: TermPostings}`` of a field, to append to."""
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item):
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self.terms(fieldname)
        tp = terms.get(tbytes)
        if tp is None:
            tp = terms[tbytes] = TermPostings()
        tp.ids.append(docnum)
        tp.weights.append(weight)
        tp.values.append(vbytes or b"")

    def cleanup(self):
        self.fields = {}


def write_buffered_postings(fieldwriter, schema, buffer, perdoc):
    """Write a :class:`PostingBuffer` through a codec's field writer, term by term.

    ``perdoc`` is the new segment's per-document reader (field lengths), or None.
    Gives the same files as Whoosh's ``FieldWriter.add_postings`` over the
    sorted postings.
    """
    for fieldname in sorted(buffer.fields):
        terms = buffer.fields[fieldname]
        if not terms:
            continue
        fieldobj = schema[fieldname]
        lengths = None
        if perdoc is not None and perdoc.has_column("_%s_len" % fieldname):
            from whoosh.codec.whoosh3 import LENGTHS_COLUMN
            lengths = bytes(perdoc.column_reader("_%s_len" % fieldname, LENGTHS_COLUMN))
        fieldwriter.start_field(fieldname, fieldobj)
        pw = fieldwriter._postwriter
        compact = isinstance(pw, CompactPostingsWriter) and not pw._byteids
        add_info = getattr(fieldwriter, "add_term_info", None) if compact else None
        for btext in sorted(terms):
            tp = terms[btext]
            ids = tp.ids
            if add_info is not None and len(ids) == 1:  # over half the terms
                docnum = ids[0]
                add_info(btext, inlined_term_info(
                    docnum, tp.weights[0], tp.values[0],
                    lengths[docnum] if lengths is not None else 0))
                continue
            if len(ids) > 1 and any(map(ge, ids, ids[1:])):
                order = sorted(range(len(ids)), key=ids.__getitem__)
                tp.ids = array("I", (ids[i] for i in order))
                tp.weights = array("f", (tp.weights[i] for i in order))
                tp.values = [tp.values[i] for i in order]
            fieldwriter.start_term(btext)
            if isinstance(pw, CompactPostingsWriter):
                pw.add_term_postings(tp.ids, tp.weights, tp.values, lengths)
            else:
                for i, docnum in enumerate(tp.ids):
                    length = byte_to_length(lengths[docnum]) if lengths is not None \
                        and lengths[docnum] else None
                    fieldwriter.add(docnum, tp.weights[i], tp.values[i], length)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


# --- stored fields ---------------------------------------------------------------------------

#: A document's stored fields: the compressed text apart, the rest pickled and compressed.
_STORED_HEAD = struct.Struct("<BI")


class StoredFieldsColumn(VarBytesColumn):
    """Stored fields as one value per document, ``text_z`` kept as it comes.

    Whoosh's own column pickles the fields with protocol 2, which writes bytes
    as a latin-1 string (every byte above 127 takes two), and compresses that
    again: the already compressed article text grew by a quarter. Here the
    other fields are pickled (protocol 5) and compressed, and ``text_z``
    follows them untouched.
    """

    def writer(self, dbfile):
        return self.Writer(dbfile)

    def reader(self, dbfile, basepos, length, doccount):
        return self.Reader(dbfile, basepos, length, doccount)

    class Writer(VarBytesColumn.Writer):
        def add(self, docnum, v):
            v = dict(v)
            text_z = v.pop("text_z", None)
            rest = zlib.compress(pickle.dumps(v, 5), 6)
            head = _STORED_HEAD.pack(text_z is not None, len(rest))
            VarBytesColumn.Writer.add(self, docnum, head + rest + (text_z or b""))

    class Reader(VarBytesColumn.Reader):
        def __getitem__(self, docnum):
            b = VarBytesColumn.Reader.__getitem__(self, docnum)
            if not b:
                return None
            has_text, n = _STORED_HEAD.unpack_from(b)
            at = _STORED_HEAD.size
            v = pickle.loads(zlib.decompress(b[at:at + n]))
            if has_text:
                v["text_z"] = bytes(b[at + n:])
            return v

        def __iter__(self):
            for docnum in range(self._doccount):
                yield self[docnum]


STORED_COLUMN = StoredFieldsColumn()


class CompactPerDocWriter(W3PerDocWriter):
    """Whoosh's per-document writer with :class:`StoredFieldsColumn`."""

    def _create_column(self, fieldname, column):
        if fieldname == "_stored":
            column = STORED_COLUMN
        super()._create_column(fieldname, column)


class CompactPerDocReader(W3PerDocReader):
    """Reads what :class:`CompactPerDocWriter` wrote."""

    def stored_fields(self, docnum):
        v = self._cached_reader("_stored", STORED_COLUMN)[docnum]
        return {} if v is None else v


# --- the codec -------------------------------------------------------------------------------

class CompactCodec(W3Codec):
    """Whoosh's default codec with :class:`CompactPostingsWriter` blocks and
    :class:`StoredFieldsColumn`.

    Pickled into each segment, so a reader opens the segment the way it was written.
    """

    def per_document_writer(self, storage, segment):
        return CompactPerDocWriter(self, storage, segment)

    def field_writer(self, storage, segment):
        from index.terms import CompactFieldWriter
        return CompactFieldWriter(self, storage, segment)

    def terms_reader(self, storage, segment):
        from index.terms import CompactTermsReader
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
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return CompactLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)
