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
import os
from dataclasses import dataclass
from functools import lru_cache

WORDLIST = os.path.join(os.path.dirname(__file__), "data", "de_words.tsv.gz")

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
    took a third of a second, most of a cold ``fundstelle search`` with a long word.
    """
    with gzip.open(path, "rb") as f:
        text = f.read().decode("utf-8")
    lines = [line for line in text.split("\n") if line and not line.startswith("#")]
    fields = "\t".join(lines).split("\t")
    words, zipfs = fields[0::2], fields[1::2]
    value = {z: int(z) / 100.0 for z in set(zipfs)}
    return dict(zip(words, map(value.__getitem__, zipfs)))


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
        self._cache = {}

    @property
    def vocab(self):
        if self._vocab is None:
            self._vocab = load_vocabulary()
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
