"""Did-you-mean: corrected query words, in the surface form articles spell them.

The index holds stems (``raketenwerf``), not words, so a correction is found in
two steps: the stems within a small edit distance of the typed word's stem that
many articles use, then the word form behind that stem as the articles write it
(``Raketenwefer`` → stem ``raketenwef`` → ``raketenwerf`` → ``Raketenwerfer``).
"""

import re
from collections import Counter

from whoosh import query as wq

from index.analysis import GERMAN_STOPWORDS, WORD_RE, fold_diacritics, stem_word
from index.store import stored_text

#: Suggest corrections when a query finds fewer articles than this.
SUGGEST_BELOW = 3
#: A typed word used by at most this many articles may be a typo.
RARE_WORD = 2
#: Stems up to this long are corrected by one edit, longer ones by up to two.
SHORT_STEM = 5
#: Longer words are not corrected (a pasted token, not a typo).
MAX_WORD = 40
#: Articles scanned for the surface form of a suggested stem.
SURFACE_SAMPLE = 5
#: A field's words by first letter are cached in the index folder per commit as
#: LEXICON_CACHE-<field>-<code point>-<commit>.pickle: change the version when their shape does.
LEXICON_CACHE = "lexicon-v1"
_OPERATORS = frozenset(("AND", "OR", "NOT", "TO"))


class Speller:
    """Did-you-mean over one searcher.

    Each field's words are read from the index once per first letter and kept,
    and edit distances are computed by RapidFuzz in C++: scanning the lexicon and
    Whoosh's pure-Python Damerau-Levenshtein cost 70–110 ms a word on 5,000
    articles, most of the slowest searches. With a ``store``
    (:class:`~index.store.IndexStore`), the words of a letter are also kept in the
    index folder for the current commit, so the next process loads them instead of
    reading every segment's terms again (67 ms for ``s`` on 10,000 articles in 10
    segments, a few ms from the cache).
    """

    def __init__(self, searcher, fields=("body", "title"), store=None):
        self.searcher = searcher
        self.fields = fields
        self.store = store
        self._lexicon = {}  # (field, first letter) → {length: [words]}

    def suggest(self, text):
        """Return a corrected query string for ``text`` (or None) and the corrected words.

        Only plain words are corrected; operators, phrases' quotes and other words
        stay as typed. Returns ``(suggestion, {typed: corrected})``.
        """
        corrections = {}
        for word in dict.fromkeys(WORD_RE.findall(text or "")):
            if word in _OPERATORS or word.lower() in GERMAN_STOPWORDS or not word.isalpha():
                continue
            better = self.correct_word(word)
            if better and better.lower() != word.lower():
                corrections[word] = better
        if not corrections:
            return None, {}
        fixed = text
        for typed, better in corrections.items():
            fixed = re.sub(r"(?<!\w)" + re.escape(typed) + r"(?!\w)", better, fixed)
        return fixed, corrections

    def correct_word(self, word):
        """The likeliest intended word for a rare or unknown ``word``, in surface form, or None.

        >>> Speller(searcher).correct_word("Raketenwefer")   # doctest: +SKIP
        'Raketenwerfer'
        """
        reader = self.searcher.reader()
        stem = stem_word(word)
        if len(stem) > MAX_WORD:
            return None
        known = max((reader.doc_frequency(f, stem) for f in self.fields), default=0)
        if known > RARE_WORD:
            return None
        maxdist = 1 if len(stem) <= SHORT_STEM else 2
        candidates = Counter()
        # Candidates come from the first field's words (the body: a word only titles use
        # is no likely correction, and each field's lexicon costs a read); how common each
        # is counts every field.
        lexicon = self.fields[0]
        if lexicon in reader.schema:
            for term in self._terms_within(lexicon, stem, maxdist):
                if term != stem:
                    candidates[term] = max(reader.doc_frequency(f, term)
                                           for f in self.fields if f in reader.schema)
        best = None
        for term, df in candidates.items():
            # An unknown word takes any better-known neighbour; a word that articles
            # do use (``Rakete``) is only "corrected" towards a far more common one.
            if df <= known or (known and df < 5 * known):
                continue
            closeness = _ratio(stem, term)
            key = (closeness * (1 + df) ** 0.25, df)
            if best is None or key > best[0]:
                best = (key, term)
        if best is None:
            return None
        return surface_form(self.searcher, best[1], word, self.fields)

    def words_within(self, fieldname, text, maxdist, prefix=1):
        """The field's words within ``maxdist`` Levenshtein edits of ``text`` that share
        its first ``prefix`` letters: the words Whoosh's ``FuzzyTerm`` finds with its
        automaton, from the cached lexicon of the first letter (of every letter when
        ``prefix`` is 0, as for a typed ``word~``). The automaton walks every segment's
        word list in Python: ``Gewerkschaft~2`` took 24–60 s on full FANG.
        """
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        start = text[:prefix]
        by_length = self._words(fieldname, text[:1] if prefix else "")
        choices = [w for n in range(len(text) - maxdist, len(text) + maxdist + 1)
                   for w in by_length.get(n, ()) if w.startswith(start)]
        return [w for w, _, _ in process.extract(text, choices, scorer=Levenshtein.distance,
                                                  score_cutoff=maxdist, limit=None)]

    def words_starting(self, fieldname, prefix):
        """The field's words that start with ``prefix`` (what ``Prefix`` expands to)."""
        by_length = self._words(fieldname, prefix[:1])
        return [w for n, words in by_length.items() if n >= len(prefix)
                for w in words if w.startswith(prefix)]

    def words_like(self, fieldname, pattern):
        """The field's words that match the glob ``pattern`` (``*`` and ``?``), as
        Whoosh's ``Wildcard`` matches them."""
        import fnmatch

        exp = re.compile(fnmatch.translate(pattern))
        start = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
        by_length = self._words(fieldname, start[:1])
        return [w for words in by_length.values() for w in words
                if w.startswith(start) and exp.match(w)]

    def _terms_within(self, fieldname, text, maxdist):
        """The field's words starting with ``text``'s letter within ``maxdist`` edits of it.

        The edits are Damerau-Levenshtein (adjacent transpositions count one), as
        Whoosh's ``terms_within`` counts them. An edit distance is at least the
        difference in length: only words of nearby lengths are compared.
        """
        from rapidfuzz import process  # only for a query with few hits: not on every search
        from rapidfuzz.distance import OSA

        by_length = self._words(fieldname, text[:1])
        choices = [w for n in range(len(text) - maxdist, len(text) + maxdist + 1)
                   for w in by_length.get(n, ())]
        return [w for w, _, _ in process.extract(text, choices, scorer=OSA.distance,
                                                  score_cutoff=maxdist, limit=None)]

    def _words(self, fieldname, letter):
        """The field's words starting with ``letter`` (all of them for ``""``), as
        ``{length: [words]}``."""
        key = (fieldname, letter)
        if key not in self._lexicon:
            cached = None
            if self.store is not None:
                name = f"{LEXICON_CACHE}-{fieldname}-{ord(letter) if letter else 'all'}"
                generation = self.searcher.reader().generation()
                cached = self.store.read_cache(name, generation)
            if not isinstance(cached, dict):
                cached = self._read_words(fieldname, letter)
                if self.store is not None:
                    self.store.write_cache(name, generation, cached)
            self._lexicon[key] = cached
        return self._lexicon[key]

    def _read_words(self, fieldname, letter):
        # Segment by segment into a set: Whoosh's merged iterator over all
        # segments is a third slower.
        found = set()
        for sub, _ in self.searcher.leaf_searchers():
            found.update(sub.reader().expand_prefix(fieldname, letter))
        by_length = {}
        for btext in sorted(found):
            w = btext.decode("utf-8") if isinstance(btext, bytes) else btext
            by_length.setdefault(len(w), []).append(w)
        return by_length


def surface_form(searcher, stem, typed="", fields=("body", "title")):
    """The spelling articles use most for ``stem``, nearest to ``typed`` on a tie.

    Case follows the articles (``Raketenwerfer``), so a noun is suggested capitalised.
    """
    forms = Counter()
    q = wq.Or([wq.Term(f, stem) for f in fields])
    for hit in searcher.search(q, limit=SURFACE_SAMPLE):
        stored = hit.fields()
        text = (stored.get("title") or "") + "\n" + stored_text(stored)
        for w in WORD_RE.findall(text):
            if len(w) >= len(stem) - 1 and stem_word(w) == stem:
                forms[w] += 1
    if not forms:
        return None
    folded = fold_diacritics(typed)
    return max(forms, key=lambda w: (_ratio(fold_diacritics(w), folded),
                                     forms[w]))


def _ratio(a, b):
    """difflib's ``SequenceMatcher(None, a, b).ratio()``, imported only when needed."""
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b).ratio()
