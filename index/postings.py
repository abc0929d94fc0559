"""Indexing-time shortcut for the German analysis chain: each distinct word is analysed once.

Whoosh indexes a text by running it through the analyzer token by token:
tokenizer, soft hyphens, lowercase, stop words, compound parts, stemming,
each a Python generator. A news archive repeats the same words millions of
times, and the chain treats each word on its own (positions aside), so
:class:`WordCachePositions` cuts the text into words with the tokenizer's own
pattern, runs the real chain once per distinct word, remembers what it gave
(terms, their positions relative to the word, boosts, and how far the word
advances the position), and replays that for every later occurrence.

The terms, frequencies, weights and positions are exactly those of Whoosh's
``Positions.word_values`` with the same analyzer (``tests/test_pipeline.py``
checks this on real news). Queries and snippets use the chain itself.
"""

from collections import defaultdict

from whoosh.formats import Positions

from index.analysis import WORD_RE

#: Words remembered per process before the cache is emptied and refilled.
CACHE_WORDS = 400_000

# A word that no filter changes, stops or splits: its position after a word
# shows how far that word advances the position (stop words advance it by 0).
_SENTINEL = "xqzj"


class WordCachePositions(Positions):
    """``Positions`` whose ``word_values`` analyses each distinct word only once.

    The cache lives on the instance and is dropped when the schema is pickled
    into the index.

    >>> f = WordCachePositions()
    >>> [(w, n) for w, n, _, _ in f.word_values("Die Masken, die Masken!", german_analyzer())]
    [('mask', 2)]
    """

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_words", None)
        state.pop("_for", None)
        return state

    def _analyse_word(self, analyzer, word):
        """The chain's tokens for one word: ((term, relative pos, boost), ...), advance."""
        out = []
        advance = 0
        for t in analyzer(word + " " + _SENTINEL, positions=True, boosts=True, mode="index"):
            if t.stopped:
                continue
            if t.text == _SENTINEL:
                advance = t.pos
            else:
                out.append((t.text, t.pos, t.boost))
        return tuple(out), advance

    def word_values(self, value, analyzer, **kwargs):
        if isinstance(value, (list, tuple)) or kwargs.get("mode", "index") != "index":
            yield from super().word_values(value, analyzer, **kwargs)
            return
        words = getattr(self, "_words", None)
        if words is None or getattr(self, "_for", None) is not analyzer \
                or len(words) > CACHE_WORDS:
            words = self._words = {}
            self._for = analyzer
        poses = defaultdict(list)
        weights = defaultdict(float)
        pos = 0
        analyse = self._analyse_word
        for word in WORD_RE.findall(value):
            hit = words.get(word)
            if hit is None:
                hit = words[word] = analyse(analyzer, word)
            terms, advance = hit
            for text, rel, boost in terms:
                poses[text].append(pos + rel)
                weights[text] += boost
            pos += advance
        fb = self.field_boost
        for w, poslist in poses.items():
            yield (w, len(poslist), weights[w] * fb, self.encode(poslist))
