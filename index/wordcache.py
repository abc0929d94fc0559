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

:class:`CompactPositions`, the format of the schema's text fields, is the word cache
over the codec's positions (:class:`index.codec.positions.GapPositions`).
"""


from collections import defaultdict

from whoosh.formats import Positions

from index.analysis import PART_PREFIX, WORD_RE, IndexWordAnalysis
from index.codec.positions import GapPositions
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


class CompactPositions(GapPositions, WordCachePositions):
    """The schema's text field format: the word cache, positions stored as gap arrays.

    >>> f = CompactPositions()
    >>> f.decode_positions(f.encode([3, 10, 400]))
    [3, 10, 400]
    """
