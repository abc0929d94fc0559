"""A segment's term dictionary: sorted blocks of prefix-compressed terms with varint term infos.

Whoosh 3 keeps terms in an ordered hash file: per term a 2 × 4-byte length
header, the key, a fixed 35-byte term info and about 28 bytes of hash table
and order index, some 85 bytes for a term of 8 letters, and a run of many
segments repeats the vocabulary in each one. Here each field's terms are
stored in blocks of :data:`BLOCK_TERMS`: first the terms (the length each
shares with the one before, its other bytes, the length of its term info),
then the term infos as variable-length integers (a term of one posting about
15 bytes in all). A term found in only one document carries that posting
itself (see :meth:`index.codec.blocks.CompactPostingsWriter.finish_postings`), so
it costs nothing in the posting file.

The file ends with an index of blocks (each block's first term, offset and
number of terms), twice: pickled, as the first files had it (and code of that
time reads), then as flat arrays (:func:`_mapped_index`), which a reader takes as
they are: unpickling 66,700 first terms and offsets of full FANG's 22 segments was
~15 ms of every cold search. A lookup bisects that index, reads the terms of one
block and decodes one term info; the last blocks read are kept, since a query
asks for a term several times.

>>> ti = W3TermInfo(); ti._weight, ti._df, ti._maxweight, ti._minid, ti._maxid = 3.0, 2, 2.0, 4, 9
>>> ti._offset, ti._length = 0, 40
>>> out = bytearray(); encode_info(ti, out)
>>> back = decode_info(bytes(out), 0, 0)[0]
>>> (back.weight(), back.doc_frequency(), back.max_id(), back.extent())
(3.0, 2, 9, (0, 40))
"""

import pickle
import struct
import sys
from array import array
from bisect import bisect_left, bisect_right

from whoosh.codec import base
from whoosh.codec.whoosh3 import W3FieldWriter, W3TermInfo
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length, length_to_byte

#: Terms per block: a lookup decodes up to this many terms.
BLOCK_TERMS = 32
_MAGIC = b"FTD1"
_TRAILER = struct.Struct("<Q4s")
#: Ends the flat block index (:func:`_mapped_index`), before the file's trailer. A file
#: without it has a pickle there, which ends in b"." and never in this.
_MAPPED_MAGIC = b"FTM1"
_FLOAT = struct.Struct("<f")

# Flags of a term info.
_INLINED = 1
_WEIGHT_FLOAT = 2
_MAXWEIGHT_FLOAT = 4


def _put(out, n):
    """Append a non-negative int as a little-endian base-128 varint."""
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _get(b, at):
    """Read a varint written by :func:`_put`: (value, next offset)."""
    n = shift = 0
    while True:
        byte = b[at]
        at += 1
        n |= (byte & 0x7F) << shift
        if byte < 0x80:
            return n, at
        shift += 7


def _get_weight(b, at, as_float):
    """A weight written as a float, or in quarters as a varint; returns (weight, next offset)."""
    if as_float:
        return _FLOAT.unpack_from(b, at)[0], at + 4
    q, at = _get(b, at)
    return q / 4, at


def _quarters(w):
    """``w`` × 4 as an int when that is exact and small, else None.

    ``w`` may be an int: a posting of weight 0.0 gives a maximum weight of
    ``max(0, 0.0)``, the int 0.

    >>> _quarters(1.25), _quarters(0), _quarters(0.1), _quarters(-1.0)
    (5, 0, None, None)
    """
    q = float(w) * 4
    return int(q) if q.is_integer() and 0 <= q < 1 << 40 else None


def encode_info(ti, out, start=0):
    """Append a ``W3TermInfo`` (extent or one inlined posting) to ``out``.

    The posting file offset is written relative to ``start`` (its block's first).
    """
    inlined = ti._inlined is not None
    w, mw = _quarters(ti._weight), _quarters(ti._maxweight)
    flags = ((_INLINED if inlined else 0) | (_WEIGHT_FLOAT if w is None else 0)
             | (_MAXWEIGHT_FLOAT if mw is None else 0))
    out.append(flags)
    _put(out, ti._df)
    out.append(0 if ti._minlength is None else length_to_byte(ti._minlength))
    out.append(length_to_byte(ti._maxlength))
    if w is None:
        out += _FLOAT.pack(ti._weight)
    else:
        _put(out, w)
    if mw is None:
        out += _FLOAT.pack(ti._maxweight)
    else:
        _put(out, mw)
    _put(out, ti._minid)
    _put(out, ti._maxid - ti._minid)
    if inlined:
        ids, weights, values = ti._inlined
        value = values[0] if values else b""
        _put(out, len(value))
        out += value
    else:
        _put(out, ti._offset - start)
        _put(out, ti._length)


def decode_info(b, at, start=0):
    """Read one term info at ``at``; ``start`` is its block's first posting offset.

    Returns (W3TermInfo, next position).
    """
    ti = W3TermInfo()
    flags = b[at]
    ti._df, at = _get(b, at + 1)
    minb, maxb = b[at], b[at + 1]
    at += 2
    ti._minlength = byte_to_length(minb)  # no length reads as 0, as in Whoosh
    ti._maxlength = byte_to_length(maxb)
    ti._weight, at = _get_weight(b, at, flags & _WEIGHT_FLOAT)
    ti._maxweight, at = _get_weight(b, at, flags & _MAXWEIGHT_FLOAT)
    ti._minid, at = _get(b, at)
    span, at = _get(b, at)
    ti._maxid = ti._minid + span
    if flags & _INLINED:
        n, at = _get(b, at)
        value = bytes(b[at:at + n])
        at += n
        ti._inlined = ((ti._minid,), (ti._weight,), (value,) if n else ())
    else:
        rel, at = _get(b, at)
        ti._offset = start + rel
        ti._length, at = _get(b, at)
    return ti, at


def _put_small(out, n):
    """A length as one byte, or 255 and a 2-byte int (terms are at most 65,535 bytes)."""
    if n < 255:
        out.append(n)
    else:
        out.append(255)
        out += n.to_bytes(2, "little")


class _TrackedPosition:
    """A file being written that knows its position without asking the system.

    A buffered file's ``tell()`` is an ``lseek`` call; Whoosh's postings writer
    asks once or twice per term, about 3% of an indexing run's CPU.
    """

    def __init__(self, raw):
        self._raw = raw
        self._pos = raw.tell()

    def write(self, data):
        n = self._raw.write(data)
        self._pos += n
        return n

    def tell(self):
        return self._pos

    def seek(self, *args):
        at = self._raw.seek(*args)
        self._pos = self._raw.tell()
        return at

    def __getattr__(self, name):  # fileno, flush, close, ...
        return getattr(self._raw, name)


class CompactFieldWriter(W3FieldWriter):
    """Whoosh 3's field writer with this module's term dictionary."""

    def __init__(self, codec, storage, segment):
        from whoosh.codec.whoosh3 import W3Codec

        self._codec = codec
        self._storage = storage
        self._segment = segment
        self._fieldname = None
        self._fieldid = None
        self._btext = None
        self._fieldobj = None
        self._format = None
        self._tifile = self._create_file(W3Codec.TERMS_EXT)
        self._tifile.write(_MAGIC)
        self._postfile = self._create_file(W3Codec.POSTS_EXT)
        self._postwriter = None
        self._infield = False
        self.is_closed = False
        #: field name → (first terms, block offsets, term counts), in field order
        self._index = {}
        self._block = []

    def _create_file(self, ext):
        f = super()._create_file(ext)
        f.file = _TrackedPosition(f.file)
        return f

    def start_field(self, fieldname, fieldobj):
        if fieldname not in self._index:
            self._index[fieldname] = ([], [], [])
        self._fieldname = fieldname
        self._fieldobj = fieldobj
        self._format = fieldobj.format
        self._infield = True
        self._postwriter = self._codec.postings_writer(self._postfile)

    def finish_term(self):
        self.add_term_info(self._btext, self._postwriter.finish_postings())

    def add_term_info(self, btext, terminfo):
        """Add the next term of the field with its finished term info (after
        ``finish_term``, or for a term whose postings the term info holds)."""
        self._block.append((btext, terminfo))
        if len(self._block) >= BLOCK_TERMS:
            self._flush_block()

    def finish_field(self):
        if not self._infield:
            raise Exception("Called finish_field before start_field")
        self._flush_block()
        self._infield = False
        self._postwriter = None

    def _flush_block(self):
        block = self._block
        if not block:
            return
        firsts, offsets, counts = self._index[self._fieldname]
        # A copy: the word cache gives title and body the same bytes objects, and
        # pickle would write a term shared by two fields' indexes once (the same
        # index, but not the same bytes as a writer without the cache).
        firsts.append(bytes(bytearray(block[0][0])))
        offsets.append(self._tifile.tell())
        counts.append(len(block))
        # Keys first (shared prefix length, suffix, length of the term info), then the
        # term infos: a lookup reads the keys and decodes one term info.
        start = next((ti._offset for _, ti in block if ti._inlined is None), 0)
        keys, infos = bytearray(), bytearray()
        prev = b""
        for btext, ti in block:
            shared = 0
            limit = min(len(prev), len(btext))
            while shared < limit and prev[shared] == btext[shared]:
                shared += 1
            before = len(infos)
            encode_info(ti, infos, start)
            _put_small(keys, shared)
            _put_small(keys, len(btext) - shared)
            keys += btext[shared:]
            _put_small(keys, len(infos) - before)
            prev = btext
        out = bytearray()
        _put(out, start)
        _put(out, len(keys))
        out += keys
        out += infos
        self._tifile.write(bytes(out))
        self._block = []

    def close(self):
        if self._infield:
            self.finish_field()
        at = self._tifile.tell()
        # The pickle for readers written before the flat index: they unpickle from ``at``,
        # and pickle ignores the bytes after its end.
        self._tifile.write(pickle.dumps(self._index, protocol=pickle.HIGHEST_PROTOCOL))
        mapped_at = self._tifile.tell()
        self._tifile.write(_mapped_index(self._index))
        self._tifile.write(_TRAILER.pack(mapped_at, _MAPPED_MAGIC))
        self._tifile.write(_TRAILER.pack(at, _MAGIC))
        self._tifile.close()
        self._postfile.close()
        self.is_closed = True


def _little_endian(a):
    """``a`` (an array) with its items in little-endian order, as the file keeps them."""
    if sys.byteorder == "big":
        a.byteswap()
    return a


def _mapped_index(index):
    """The block index {field: (first terms, offsets, term counts)} as flat arrays.

    A directory (pickled: field names and block counts, a few hundred bytes), then
    per field the first terms' end positions (uint32), the block offsets (uint64), the
    term counts (uint16), all little-endian, and the first terms one after another.
    :class:`_MappedKeys` reads the first terms where they lie.
    """
    directory, parts = [], []
    for name, (firsts, offsets, counts) in index.items():
        ends, end = array("I"), 0
        for first in firsts:
            end += len(first)
            ends.append(end)
        directory.append((name, len(firsts), end))
        parts += [_little_endian(ends).tobytes(), _little_endian(array("Q", offsets)).tobytes(),
                  _little_endian(array("H", counts)).tobytes(), b"".join(firsts)]
    head = pickle.dumps(directory, protocol=pickle.HIGHEST_PROTOCOL)
    return struct.pack("<I", len(head)) + head + b"".join(parts)


def _read_mapped_index(b):
    """The block index :func:`_mapped_index` wrote into bytes ``b``: {field: (first terms
    as :class:`_MappedKeys`, offsets, term counts as arrays)}, in field order."""
    (n,) = struct.unpack_from("<I", b)
    at = 4 + n
    index = {}
    for name, count, keys_len in pickle.loads(b[4:at]):
        ends, offsets, counts = array("I"), array("Q"), array("H")
        for a in (ends, offsets, counts):
            a.frombytes(b[at:at + a.itemsize * count])
            _little_endian(a)
            at += a.itemsize * count
        index[name] = (_MappedKeys(b[at:at + keys_len], ends), offsets, counts)
        at += keys_len
    return index


class _MappedKeys:
    """The first terms of a field's blocks, sliced on demand from their bytes: a sequence
    to bisect (``_MappedKeys(b"aalbau", array("I", [2, 6]))[1] == b"bau"``)."""

    __slots__ = ("_keys", "_ends")

    def __init__(self, keys, ends):
        self._keys = keys
        self._ends = ends

    def __len__(self):
        return len(self._ends)

    def __getitem__(self, i):
        if i < 0:
            i += len(self._ends)
        end = self._ends[i]  # raises IndexError past the end, as a list does
        return self._keys[self._ends[i - 1] if i else 0:end]

    def tolist(self):
        """The first terms as a list of bytes (what the pickle held)."""
        keys, start, out = self._keys, 0, []
        for end in self._ends:
            out.append(keys[start:end])
            start = end
        return out


#: Lookups in a field after which its mapped first terms become a list: bisecting
#: :class:`_MappedKeys` calls ``__getitem__`` in Python at every step, which made a
#: long-running process's term lookups ~5% of its query CPU slower; a cold search
#: looks up a few terms per segment and never pays for the list.
LIST_AFTER = 32


def _entries(b, count):
    """(term bytes, where its info starts) of the ``count`` terms of block bytes ``b``."""
    at = _get(b, 0)[1]
    nkeys, at = _get(b, at)
    info_at = at + nkeys
    prev = b""
    for _ in range(count):
        shared = b[at]
        if shared == 255:
            shared = int.from_bytes(b[at + 1:at + 3], "little")
            at += 2
        n = b[at + 1]
        if n == 255:
            n = int.from_bytes(b[at + 2:at + 4], "little")
            at += 2
        at += 2
        btext = prev[:shared] + b[at:at + n]
        at += n
        ilen = b[at]
        if ilen == 255:
            ilen = int.from_bytes(b[at + 1:at + 3], "little")
            at += 2
        at += 1
        yield btext, info_at
        info_at += ilen
        prev = btext


def _find_in_block(b, count, tbytes):
    """The term info of ``tbytes`` in block bytes ``b`` of ``count`` terms, or None.

    The terms are not rebuilt: ``match`` is how many leading bytes the term before
    shares with ``tbytes`` (it sorts before). A term sharing more with that one than
    ``match`` sorts before ``tbytes`` too; one sharing less sorts after it (the search
    ends); only a term sharing exactly ``match`` bytes is compared, by its suffix.

    It reads each term's header as :func:`_entries` does, inline on purpose: a shared
    helper doubled the header's cost in this loop (0.10 against 0.05 s for 640,000 terms).
    """
    start, at = _get(b, 0)
    nkeys, at = _get(b, at)
    info_at = at + nkeys
    match = 0
    for _ in range(count):
        shared = b[at]
        if shared == 255:
            shared = int.from_bytes(b[at + 1:at + 3], "little")
            at += 2
        n = b[at + 1]
        if n == 255:
            n = int.from_bytes(b[at + 2:at + 4], "little")
            at += 2
        at += 2
        if shared < match:
            return None
        if shared == match:
            suffix, rest = b[at:at + n], tbytes[match:]
            if suffix == rest:
                return decode_info(b, info_at, start)[0]
            if suffix > rest:
                return None
            k, limit = 0, min(n, len(rest))
            while k < limit and suffix[k] == rest[k]:
                k += 1
            match += k
        at += n
        ilen = b[at]
        if ilen == 255:
            ilen = int.from_bytes(b[at + 1:at + 3], "little")
            at += 2
        at += 1
        info_at += ilen
    return None


#: Single-term lookups a terms reader remembers (absent terms too): a query asks for one
#: term several times (document frequency, postings), and common words come back. An
#: entry is about 300 bytes: 4096 of them in each of 22 segments (full FANG) is 27 MB.
_INFO_CACHE = 4096
_UNSEEN = object()


class CompactTermsReader(base.TermsReader):
    """Reads the term dictionary :class:`CompactFieldWriter` wrote."""

    def __init__(self, codec, dbfile, length, postfile):
        self._codec = codec
        self._dbfile = dbfile
        self._postfile = postfile
        at, magic = _TRAILER.unpack(dbfile.get(length - _TRAILER.size, _TRAILER.size))
        if magic != _MAGIC:
            raise ValueError("not a Fundstelle term dictionary")
        end = length - _TRAILER.size
        mapped_at, mapped = _TRAILER.unpack(dbfile.get(end - _TRAILER.size, _TRAILER.size)) \
            if end - _TRAILER.size >= at else (0, b"")
        if mapped == _MAPPED_MAGIC:
            end -= _TRAILER.size
            self._index = _read_mapped_index(dbfile.get(mapped_at, end - mapped_at))
        else:  # written before the flat index
            self._index = pickle.loads(dbfile.get(at, end - at))
        self._ends = at
        self._fields = list(self._index)
        self._cache = {}
        self._bisects = {}
        self._infos = {}  # (field, term bytes) → term info, or None for an absent term

    def _block(self, fieldname, i):
        """Block ``i`` of a field: (terms, where each term info starts, bytes, first offset).

        The last few blocks read are kept for walks over the terms (prefixes, fuzzy
        words, the cursor); single terms are looked up by :meth:`_look_up`.
        """
        key = (fieldname, i)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        b = self._block_bytes(fieldname, i)
        terms, info_starts = [], []
        for btext, info_at in _entries(b, self._index[fieldname][2][i]):
            terms.append(btext)
            info_starts.append(info_at)
        block = (terms, info_starts, b, _get(b, 0)[0])
        if len(self._cache) >= 256:
            self._cache.clear()
        self._cache[key] = block
        return block

    def _block_bytes(self, fieldname, i):
        offsets = self._index[fieldname][1]
        begin = offsets[i]
        end = offsets[i + 1] if i + 1 < len(offsets) else self._next_field_start(fieldname)
        return self._dbfile.get(begin, end - begin)

    def _info(self, block, j):
        terms, info_starts, b, start = block
        return decode_info(b, info_starts[j], start)[0]

    def _next_field_start(self, fieldname):
        k = self._fields.index(fieldname)
        for other in self._fields[k + 1:]:
            if self._index[other][1]:
                return self._index[other][1][0]
        return self._ends

    def _find(self, fieldname, tbytes):
        """(block number, position in block) of the first term ≥ ``tbytes``, or None."""
        entry = self._index.get(fieldname)
        if entry is None or not entry[0]:
            return None
        firsts = self._firsts(fieldname, entry)
        i = max(bisect_right(firsts, tbytes) - 1, 0)
        terms = self._block(fieldname, i)[0]
        j = bisect_left(terms, tbytes)
        if j < len(terms):
            return i, j
        return (i + 1, 0) if i + 1 < len(firsts) else None

    def _items_from(self, fieldname, tbytes, later_fields=True, infos=True):
        """(field, term bytes, term info) from the first term ≥ (field, tbytes) on,
        into the fields after it unless ``later_fields`` is false; with ``infos``
        false, the term info is None (not decoded)."""
        if fieldname in self._index:
            k = self._fields.index(fieldname)
        elif later_fields:
            # Field numbers follow the order in which fields were written (sorted names).
            later = [f for f in self._fields if f > fieldname]
            if not later:
                return
            k, tbytes = self._fields.index(later[0]), b""
        else:
            return
        first = True
        for name in self._fields[k:] if later_fields else [fieldname]:
            pos = self._find(name, tbytes) if first else (0, 0)
            first = False
            if pos is None or not self._index[name][0]:
                continue
            i, j = pos
            for bi in range(i, len(self._index[name][0])):
                block = self._block(name, bi)
                terms = block[0]
                for jj in range(j, len(terms)):
                    yield name, terms[jj], self._info(block, jj) if infos else None
                j = 0

    def __contains__(self, term):
        try:
            self._term_info(*term)
            return True
        except TermNotFound:
            return False

    def indexed_field_names(self):
        return self._index.keys()

    def cursor(self, fieldname, fieldobj):
        return CompactFieldCursor(self, fieldname, fieldobj)

    def terms(self):
        if not self._fields:
            return iter(())
        return ((name, btext) for name, btext, _
                in self._items_from(self._fields[0], b"", infos=False))

    def terms_from(self, fieldname, prefix):
        return ((name, btext) for name, btext, _
                in self._items_from(fieldname, prefix, infos=False))

    def items(self):
        if not self._fields:
            return iter(())
        return (((name, btext), ti) for name, btext, ti in self._items_from(self._fields[0], b""))

    def items_from(self, fieldname, prefix):
        return (((name, btext), ti) for name, btext, ti in self._items_from(fieldname, prefix))

    def term_info(self, fieldname, tbytes):
        """The term's info, a new object on each call: Whoosh's ``MultiReader`` adds a
        segment's document offset to the one it is given (``combine_terminfos``)."""
        found = self._term_info(fieldname, tbytes)
        ti = W3TermInfo.__new__(W3TermInfo)
        ti.__dict__.update(found.__dict__)
        return ti

    def lookup(self, fieldname, tbytes):
        """The term's info, or None when the field lacks the term.

        The reader's own object (kept for the next lookup), not a copy: read it, do not
        change it.
        """
        key = (fieldname, tbytes)
        found = self._infos.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = self._look_up(fieldname, tbytes)
            if len(self._infos) >= _INFO_CACHE:
                self._infos.clear()
            self._infos[key] = found
        return found

    def _term_info(self, fieldname, tbytes):
        """:meth:`term_info` without the copy, for this reader's own reads."""
        found = self.lookup(fieldname, tbytes)
        if found is None:
            raise TermNotFound("No term %s:%r" % (fieldname, tbytes))
        return found

    def _firsts(self, fieldname, entry):
        """The field's first terms to bisect: mapped, or a list once the field has been
        searched LIST_AFTER times."""
        firsts = entry[0]
        if type(firsts) is _MappedKeys:
            n = self._bisects.get(fieldname, 0) + 1
            self._bisects[fieldname] = n
            if n >= LIST_AFTER:
                firsts = firsts.tolist()
                self._index[fieldname] = (firsts, entry[1], entry[2])
        return firsts

    def _look_up(self, fieldname, tbytes):
        """The term info of one term, or None.

        Only the block whose first term is the last one ≤ tbytes can hold it: a term
        past that block's end is absent. The block is read only up to the term (a
        decoded block is kept for iteration, :meth:`_block`, not for single terms).
        """
        entry = self._index.get(fieldname)
        if entry is None or not entry[0]:
            return None
        i = bisect_right(self._firsts(fieldname, entry), tbytes) - 1
        if i < 0:
            return None
        block = self._cache.get((fieldname, i))
        if block is not None:
            j = bisect_left(block[0], tbytes)
            if j < len(block[0]) and block[0][j] == tbytes:
                return self._info(block, j)
            return None
        return _find_in_block(self._block_bytes(fieldname, i), entry[2][i], tbytes)

    def frequency(self, fieldname, tbytes):
        try:
            return self._term_info(fieldname, tbytes).weight()
        except TermNotFound:  # Whoosh's readers expect a KeyError here
            raise KeyError((fieldname, tbytes)) from None

    def doc_frequency(self, fieldname, tbytes):
        try:
            return self._term_info(fieldname, tbytes).doc_frequency()
        except TermNotFound:
            raise KeyError((fieldname, tbytes)) from None

    def matcher(self, fieldname, tbytes, format_, scorer=None):
        terminfo = self._term_info(fieldname, tbytes)
        return self._codec.postings_reader(self._postfile, terminfo, format_,
                                           term=(fieldname, tbytes), scorer=scorer)

    def close(self):
        self._dbfile.close()
        self._postfile.close()


class CompactFieldCursor(base.FieldCursor):
    """Walks one field's terms in order (Whoosh's automata and ``terms_within`` use it)."""

    def __init__(self, reader, fieldname, fieldobj):
        self._reader = reader
        self._fieldname = fieldname
        self._fieldobj = fieldobj
        self.first()

    def _start(self, tbytes):
        self._it = ((btext, ti) for _, btext, ti
                    in self._reader._items_from(self._fieldname, tbytes, later_fields=False,
                                                infos=False))
        self._text = self._ti = None
        return self.next()

    def first(self):
        return self._start(b"")

    def find(self, term):
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        return self._start(term)

    def next(self):
        for btext, ti in self._it:
            self._text, self._ti = self._fieldobj.from_bytes(btext), ti
            return self._text
        self._text = self._ti = None
        self._it = iter(())
        return None

    def text(self):
        return self._text

    def term_info(self):
        if self._text is None:
            return None
        return self._reader.term_info(self._fieldname, self._fieldobj.to_bytes(self._text))

    def is_valid(self):
        return self._text is not None
