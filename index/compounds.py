"""Splitting German compounds into known words, for search by part.

``Mehrfachraketenwerfern`` is split into ``mehrfach`` + ``raketen`` + ``werfern``, so that
``Raketenwerfer`` and ``Werfer`` find it too. A split is accepted only when every part is a
known German word form (``index/data/de_words.tsv.gz``, built from the CC BY-SA 4.0 word
frequencies of the ``wordfreq`` package by ``tools/build_wordlist.py``) and the parts are, on
average, more frequent than the whole word and than the whole word's base form, so an
inflected simple word is not torn apart (``ministern`` stays whole instead of ``mini`` +
``stern``, because ``minister`` is more frequent than either part). Linking elements
(``-s-``, ``-es-``, ``-n-``, ``-en-``, ``-e-``, ``-er-``) may join two parts.
"""

import gzip
import mmap
import os
import struct
import sys
import zlib
from array import array
from dataclasses import dataclass
from functools import lru_cache

WORDLIST = os.path.join(os.path.dirname(__file__), "data", "de_words.tsv.gz")
#: The word list as a hash table to map (see :class:`WordTable`), built from WORDLIST on
#: first use next to it, else in the user's cache folder.
TABLE_NAME = "de_words.table"
#: Distinct words a splitter splits through the mapped table before it loads the word
#: list as a dict: a search splits a few hundred, indexing hundreds of thousands, where
#: the dict's faster lookups repay its load.
DICT_AFTER_SPLITS = 5000

#: Shortest part a compound is split into (``Bahn|hof`` stays whole; ``Haupt|bahnhof`` splits).
MIN_PART = 4
#: Shortest word worth trying to split.
MIN_WORD = 2 * MIN_PART
#: A part must be at least this frequent (Zipf scale: 3 = once per million words).
MIN_PART_ZIPF = 2.5
#: Zipf points a split loses for each part beyond two (``mehrfach`` stays whole).
EXTRA_PART_PENALTY = 0.5
#: Frequencies above this count as this: a function word (``mehr``) must not win a split.
MAX_PART_ZIPF = 5.0
#: Most parts a word is split into.
MAX_PARTS = 4
#: Letters that may join two parts of a compound (Fugenelemente), longest first.
LINKS = ("es", "en", "er", "s", "n", "e")
#: Endings stripped to find the base form of a whole word (``Ministern`` → ``Minister``).
INFLECTIONS = ("innen", "ern", "en", "er", "es", "in", "e", "n", "s")
#: Derivational endings that are words in the list but never the head of a compound.
NOT_PARTS = frozenset("""
schaft schaften heit heiten keit keiten lich liche lichen licher liches ische ischen
isch chen lein ling linge ungen tion tionen ismus isten istin erin erinnen ieren iert
igkeit igkeiten ungs bare baren barer lose losen loser tum tums
""".split())
#: Words that begin verbs and their nouns rather than compounds (``Unter|nehmen``,
#: ``Heraus|forderung``): never split off as a first part.
PARTICLES = frozenset("""
unter über wieder durch hinter gegen zwischen heraus herein hinaus hinein herum heran
herab herauf hinauf hinab zusammen voraus vorbei vorher nachher entgegen nieder empor
hervor weiter wider ober außer inner ander andere anders selbst miteinander
nach ohne sein seine alle aller alles viel viele noch eine einer einem einen dies diese
dieser jene solche welche damit dabei davon dafür dagegen darum daran darauf
""".split())


@dataclass(frozen=True)
class Part:
    """One part of a compound: its text and where it sits in the word.

    ``text`` is the part as a word of its own, without a linking element
    (``bundes`` in ``bundeskanzlerin`` reads ``bundes``; ``staats`` in
    ``staatsanwalt`` reads ``staat``). ``head`` is True for the compound's
    tails, which name what the whole word is (``kanzlerin``).
    """

    text: str
    start: int
    end: int
    head: bool


@lru_cache(maxsize=1)
def load_vocabulary(path=WORDLIST):
    """The shipped word list as ``{word: zipf}`` (loaded once per process).

    Read in bulk (split, then one dict from two lists): a loop over its 196,000 lines
    took a third of a second. Even so it costs 0.3 s, so a splitter starts with the
    mapped :class:`WordTable` and loads this only for indexing's many words.
    """
    with gzip.open(path, "rb") as f:
        text = f.read().decode("utf-8")
    lines = [line for line in text.split("\n") if line and not line.startswith("#")]
    fields = "\t".join(lines).split("\t")
    words, zipfs = fields[0::2], fields[1::2]
    value = {z: int(z) / 100.0 for z in set(zipfs)}
    return dict(zip(words, map(value.__getitem__, zipfs)))


class WordTable:
    """The word list as ``{word: zipf}`` read from a memory-mapped hash table file.

    Opening it reads a header; each lookup hashes the word (CRC-32 of its UTF-8)
    and compares the bytes of one or two slots, so a search that splits a few
    words never parses the 196,000 lines of the list (0.3 s).

    The file: a header (``MAGIC``, then the source's size and gzip trailer, so a
    changed list is noticed, and the slot count), the slots (native ``uint32``
    offsets of records in the file, 0 for empty, open addressing with linear probing),
    then the records (a length byte, the word's UTF-8, its Zipf × 100 as ``uint16``).

    >>> table = WordTable.open()                               # doctest: +SKIP
    >>> table.get("bahnhof"), table.get("xqzj", 0.0)           # doctest: +SKIP
    (3.9, 0.0)
    """

    MAGIC = b"FSWT1" + (b"L" if sys.byteorder == "little" else b"B") + b"\n\0"
    HEADER = struct.Struct("=8sQQI4x")  # 32 bytes: the slots start aligned

    def __init__(self, buffer, mask, records):
        self._slots = memoryview(buffer)[self.HEADER.size:records].cast("I")
        self._data = buffer
        self._mask = mask

    @classmethod
    def open(cls, source=WORDLIST):
        """The table for ``source``, built on first use; None when it cannot be kept.

        Built next to ``source``, else in ``$XDG_CACHE_HOME/fundstelle`` (or
        ``~/.cache/fundstelle``); written to a temporary file and renamed, so
        processes starting together never read half a table.
        """
        stamp = _source_stamp(source)
        for path in _table_paths(source):
            table = cls._read(path, stamp)
            if table is not None:
                return table
        for path in _table_paths(source):
            try:
                _write_table(path, stamp, load_vocabulary.__wrapped__(source))
            except (OSError, ValueError):
                continue
            table = cls._read(path, stamp)
            if table is not None:
                return table
        return None

    @classmethod
    def _read(cls, path, stamp):
        try:
            with open(path, "rb") as f:
                buffer = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # missing, unreadable or empty
            return None
        if len(buffer) >= cls.HEADER.size:
            magic, size, trailer, nslots = cls.HEADER.unpack_from(buffer)
            records = cls.HEADER.size + 4 * nslots
            if (magic, (size, trailer)) == (cls.MAGIC, stamp) and len(buffer) >= records \
                    and nslots and not nslots & (nslots - 1):
                return cls(buffer, nslots - 1, records)
        buffer.close()
        return None

    def get(self, word, default=None):
        """The Zipf frequency of ``word``, or ``default`` when it is not in the list."""
        key = word.encode("utf-8")
        n = len(key)
        slots, data, mask = self._slots, self._data, self._mask
        i = zlib.crc32(key) & mask
        off = slots[i]
        while off:
            if data[off] == n and data[off + 1:off + 1 + n] == key:
                return int.from_bytes(data[off + 1 + n:off + 3 + n], sys.byteorder) / 100.0
            i = (i + 1) & mask
            off = slots[i]
        return default

    def __contains__(self, word):
        return self.get(word) is not None


def _source_stamp(source):
    """What identifies the word list's content: its size and gzip trailer (CRC-32, length)."""
    with open(source, "rb") as f:
        f.seek(-8, os.SEEK_END)
        trailer = f.read(8)
        return f.tell(), int.from_bytes(trailer, "little")


def _table_paths(source):
    """Where the table of ``source`` may be kept: beside it, then the user's cache folder."""
    name = os.path.basename(source)
    name = name[:-len(".tsv.gz")] + ".table" if name.endswith(".tsv.gz") else name + ".table"
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return [os.path.join(os.path.dirname(source), name),
            os.path.join(cache, "fundstelle", name)]


def _write_table(path, stamp, vocabulary):
    """Write ``vocabulary`` ({word: zipf}) as a :class:`WordTable` file at ``path``.

    Raises ValueError for a word longer than 255 bytes or a frequency that does
    not fit (never in the shipped list; the dict is used then).
    """
    nslots = 1
    while nslots < 2 * len(vocabulary) + 1:  # at most half full: probes stay short
        nslots *= 2
    mask = nslots - 1
    slots = array("I", bytes(4 * nslots))
    base = WordTable.HEADER.size + 4 * nslots  # slots hold offsets in the file
    records = bytearray()
    for word, zipf in vocabulary.items():
        key = word.encode("utf-8")
        z = round(zipf * 100)
        if len(key) > 255 or not 0 <= z < 1 << 16 or z / 100.0 != zipf:
            raise ValueError(f"word list entry {word!r} does not fit the table")
        i = zlib.crc32(key) & mask
        while slots[i]:
            i = (i + 1) & mask
        slots[i] = base + len(records)
        records += bytes((len(key),)) + key + z.to_bytes(2, sys.byteorder)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(WordTable.HEADER.pack(WordTable.MAGIC, *stamp, nslots))
            f.write(slots.tobytes())
            f.write(records)
        os.replace(tmp, path)
    except OSError:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


class CompoundSplitter:
    """Splits lowercase German words into known parts; results cached per word.

    >>> s = CompoundSplitter()
    >>> [p.text for p in s.parts("mehrfachraketenwerfern")]
    ['mehrfach', 'raketen', 'werfern', 'raketenwerfern']
    >>> s.parts("ministern")
    []
    """

    def __init__(self, vocabulary=None):
        self._vocab = vocabulary
        self._mapped = vocabulary is None
        self._cache = {}

    @property
    def vocab(self):
        """The word list: the mapped :class:`WordTable` at first, the dict after
        ``DICT_AFTER_SPLITS`` words (or when no table can be kept)."""
        if self._vocab is None:
            self._vocab = WordTable.open() or load_vocabulary()
        return self._vocab

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()

    def split(self, word):
        """The segments of ``word`` as ``(start, end, known_form)``, or [] for no compound.

        >>> CompoundSplitter().split("hauptbahnhöfen")
        [(0, 5, 'haupt'), (5, 9, 'bahn'), (9, 14, 'höfen')]
        """
        if len(word) < MIN_WORD or not word.isalpha():
            return []
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if len(self._cache) > 200_000:
            self._cache.clear()
        if self._mapped and len(self._cache) >= DICT_AFTER_SPLITS:
            self._vocab, self._mapped = load_vocabulary(), False
        result = self._split(word)
        self._cache[word] = result
        return result

    def parts(self, word):
        """The parts to index for ``word``: modifiers, then heads from longest; [] for none.

        Modifiers are the parts before the last (``mehrfach``, ``raketen``); heads
        are the word's tails from the second part on (``raketenwerfern``, ``werfern``).
        """
        segs = self.split(word)
        if not segs:
            return []
        out = [Part(form, s, e, False) for s, e, form in segs[:-1]]
        out.append(Part(word[segs[-1][0]:], segs[-1][0], len(word), True))
        for s, _, _ in segs[1:-1]:
            out.append(Part(word[s:], s, len(word), True))
        return out

    def _whole_score(self, word):
        vocab = self.vocab
        best = vocab.get(word, 0.0)
        for ending in _INFLECTIONS_BY_LAST.get(word[-1:], ()):
            if word.endswith(ending) and len(word) - len(ending) >= MIN_PART:
                best = max(best, vocab.get(word[:-len(ending)], 0.0))
        return best

    def _split(self, word):
        vocab = self.vocab
        n = len(word)
        memo = {}
        # Per start i (whatever the depth): word[i:] as the last part, and the known
        # forms word[i:j] that may come before more parts.
        lasts = {}
        forms_at = {}
        links = ("",) + LINKS

        def best_from(i, depth):
            """Best segmentation of word[i:] as (sum of zipf, parts) or None."""
            key = (i, depth)
            if key in memo:
                return memo[key]
            if i in lasts:
                result = lasts[i]
            else:
                rest = word[i:]
                z = self._whole_score(rest)
                result = lasts[i] = ((min(z, MAX_PART_ZIPF), [(i, n, rest)])
                                     if len(rest) >= MIN_PART and z >= MIN_PART_ZIPF
                                     and rest not in NOT_PARTS else None)
            if depth < MAX_PARTS:
                forms = forms_at.get(i)
                if forms is None:
                    forms = forms_at[i] = []
                    for j in range(i + MIN_PART, n - MIN_PART + 1):
                        form = word[i:j]
                        zf = vocab.get(form, 0.0)
                        if zf < MIN_PART_ZIPF or form in NOT_PARTS or (
                                i == 0 and form in PARTICLES):
                            continue
                        forms.append((j, min(zf, MAX_PART_ZIPF), form))
                for j, zf, form in forms:
                    for link in links:
                        k = j + len(link)
                        if link and not word.startswith(link, j):
                            continue
                        if n - k < MIN_PART:
                            continue
                        tail = best_from(k, depth + 1)
                        if tail is None:
                            continue
                        total = zf + tail[0]
                        parts = [(i, k, form)] + tail[1]
                        if result is None or _score(total, parts) > _score(*result):
                            result = (total, parts)
            memo[key] = result
            return result

        found = best_from(0, 1)
        if found is None or len(found[1]) < 2:
            return []
        if _score(*found) <= self._whole_score(word):
            return []
        return found[1]


# INFLECTIONS by their last letter: a word is only tried with the endings it may have.
_INFLECTIONS_BY_LAST = {}
for _ending in INFLECTIONS:
    _INFLECTIONS_BY_LAST.setdefault(_ending[-1], []).append(_ending)


def _score(total, parts):
    """Mean Zipf frequency of the parts (a geometric mean of frequencies), less a penalty."""
    return total / len(parts) - EXTRA_PART_PENALTY * max(0, len(parts) - 2)
