"""Snippets: the sentences of an article where the query matched, with match ranges.

The article is scanned with the index's own tokenizer and stemmer, so a query
for ``Rakete`` highlights ``Raketen``; fragments are cut at German sentence
boundaries (aware of ``z. B.``, ``Dr.``, ``3. Oktober``) and never mid-word.
"""

import re
from bisect import bisect_right
from functools import lru_cache

from index.analysis import GERMAN_STOPWORDS, WORD_RE, fold_diacritics, stem_word
from index.compounds import CompoundSplitter
from index.text import INVISIBLE, INVISIBLE_RE as _INVISIBLE_RE, strip_invisible
from index.text import sentence_spans  # noqa: F401 - imported from here too
from index.text import sentence_spans_near as _spans_near
from search.results import MatchReason, Snippet

#: Characters of context on each side of a match when a sentence is too long.
CONTEXT = 90


class TermMatcher:
    """Finds the words of a text whose stems are among the query's terms, and says why.

    ``stems`` are the index terms the query matched (title/body field), as
    produced by the analyzer; ``words`` are the words the user typed, used to
    tell how each surface form matched (see :meth:`explain`). Hyphenated words
    match as a whole or by part; a compound matches by its part, and only that
    part is highlighted (``Mehrfach[Raketenwerfer]n``).

    >>> m = TermMatcher({stem_word("Raketenwerfer")}, words=["Raketenwerfer"])
    >>> t = "Mehrfachraketenwerfer rollten"
    >>> [t[s:e] for s, e in m.find(t)]
    ['raketenwerfer']
    """

    def __init__(self, stems, prefixes=(), words=(), fuzzy=False, parts=None):
        self.stems = frozenset(stems)
        #: {stem: the part as typed} of stems that only a typed compound's parts ask
        #: for: a word matches one only when it starts with the part as spelled
        #: (``Wasser`` for ``Hochwasser``'s ``wasser``; not ``höchsten`` for ``hoch``,
        #: whose stem Snowball gives it).
        self.parts = dict(parts or {})
        self.prefixes = tuple(prefixes)
        self.words = [w for w in words if strip_invisible(w).lower() not in GERMAN_STOPWORDS]
        self.fuzzy = fuzzy
        self._typed = {}
        for w in self.words:
            self._typed.setdefault(stem_word(w), w)
        self._cache = {}
        self._checked = set()  # words whose tokens were classified by _token_hits
        self._hits = set()     # ... and those that match
        self._pattern = {}     # where in a text a query stem can be (_matching_tokens)
        self._explained = {}   # (surface, stem, how): (query word, how) for explain

    def _stem_matches(self, clean, stem):
        return stem in self.stems or (bool(self.prefixes)
                                      and (clean.startswith(self.prefixes)
                                           or stem.startswith(self.prefixes)))

    def _word_match(self, word):
        """``(start, end, stem, how)`` of the matching span of ``word``, or None."""
        hit = self._cache.get(word, False)
        if hit is not False:
            return hit
        hit = None
        forms = _word_forms(word)
        if forms is not None:
            clean, stem = forms
            if self._stem_matches(clean, stem) and self._own_form(clean, stem):
                hit = (0, len(word), stem, "whole")
            elif len(clean) == len(word):
                # The longest compound tail, else a leading part, that the query asked for.
                for start, end, text, part_stem in _word_parts(clean):
                    if self._stem_matches(text, part_stem) and self._own_form(text, part_stem):
                        hit = (start, end, part_stem, "compound")
                        break
        self._cache[word] = hit
        return hit

    def _own_form(self, clean, stem):
        """False when ``stem`` is only a typed compound's part and ``clean`` is not its form."""
        typed = self.parts.get(stem)
        return typed is None or clean.startswith(typed[:len(stem)])

    def _matches(self, text, start=0, end=None):
        """Yield ``(start, end, surface_word, stem, how)`` for each match."""
        if not self.stems and not self.prefixes:
            return
        if start == 0 and end is None:
            tokens = self._matching_tokens(text)
        else:
            tokens = WORD_RE.finditer(text, start, len(text) if end is None else end)
        for m in tokens:
            word = m.group()
            hit = self._word_match(word)
            if hit:
                yield m.start() + hit[0], m.start() + hit[1], word, hit[2], hit[3]
            elif "-" in word or "\u2010" in word or "\u2011" in word:
                offset = m.start()
                for part in re.split("[-\u2010\u2011]", word):
                    sub = self._word_match(part) if part else None
                    if sub:
                        yield offset + sub[0], offset + sub[1], part, sub[2], sub[3]
                    offset += len(part) + 1

    def _token_hits(self, word):
        """True when a token matches whole, by a compound part or by a hyphen part."""
        if self._word_match(word):
            return True
        if "-" in word or "\u2010" in word or "\u2011" in word:
            return any(self._word_match(p) for p in re.split("[-\u2010\u2011]", word) if p)
        return False

    def _matching_tokens(self, text):
        """The tokens of ``text`` that match, in order, without visiting the others.

        A word can only match when it contains a query stem (or prefix) spelled
        with or without umlauts: Snowball stems are prefixes of the word they
        come from, once ``ä``/``ae`` are folded to ``a`` and ``ß`` to ``ss`` and
        invisible characters are dropped. One regular expression finds those
        places in the lowercased text (invisible characters taken out); only the
        tokens around them are checked (each distinct word once per query). Yields
        what ``WORD_RE.finditer`` yields, less the tokens that would yield no match.
        """
        # A plain expression over the lowercased text. Allowing an invisible character
        # between any two letters made the expression 15 times as costly to compile
        # (8 ms a query), and ignoring case made the scan 2-4 times as slow: soft hyphens
        # are taken out of the copy that is scanned instead, and a place found in it
        # is moved back by the number taken out before it.
        lower = text.lower()
        plain = len(lower) == len(text)  # else a letter lowercases to two (İ): rare
        pattern = self._pattern.get(plain)
        if pattern is None:
            pattern = self._pattern[plain] = _stems_pattern(
                frozenset(self.stems | set(self.prefixes)), plain)
        shifts = None
        if not plain:
            lower = text
        elif _has_invisible(text):
            # Where each character taken out would stand in the scanned copy.
            shifts = [m.start() - k for k, m in enumerate(_INVISIBLE_RE.finditer(text))]
            lower = _INVISIBLE_RE.sub("", lower)
        end = 0
        for c in pattern.finditer(lower):
            at = c.start()
            if shifts:
                at += bisect_right(shifts, at)
            if at < end:
                continue  # inside the token just checked
            m = _token_containing(text, at)
            if m is None:
                continue
            end = m.end()
            if self._known_hit(m.group()):
                yield m

    def _known_hit(self, word):
        """``_token_hits(word)``, remembered for the rest of this query."""
        if word not in self._checked:
            self._checked.add(word)
            if self._token_hits(word):
                self._hits.add(word)
        return word in self._hits

    def find(self, text, start=0, end=None):
        """Yield ``(start, end)`` of matching words (or compound parts) in ``text[start:end]``."""
        for s, e, _, _, _ in self._matches(text, start, end):
            yield s, e

    def matches(self, text):
        """Every match in ``text`` as ``(start, end, surface_word, stem, how)``, in order.

        A hit's snippets and its reasons (:meth:`explain`) both come from this one
        scan of the article: pass it to both as ``found``.
        """
        return list(self._matches(text))

    def explain(self, text, field="body", limit=20, found=None):
        """Why ``text`` matched: one :class:`MatchReason` per distinct surface form.

        ``how`` is ``exact`` (the word as typed, case aside), ``spelling``
        (the same word spelled with or without umlauts or ß: ``Koeln``/``Köln``),
        ``stem`` (another form of the word: ``Raketen`` for ``Rakete``),
        ``compound`` (inside a longer word: ``Mehrfachraketenwerfer``),
        ``fuzzy`` (a near spelling, from ``word~``) or ``prefix`` (from ``word*``).

        >>> m = TermMatcher({stem_word("Köln")}, words=["Koeln"])
        >>> [(r.query_word, r.surface, r.how) for r in m.explain("Köln und Kölner")]
        [('Koeln', 'Köln', 'spelling'), ('Koeln', 'Kölner', 'stem')]
        """
        seen = set()
        out = []
        for s, e, word, stem, how in (self._matches(text) if found is None else found):
            surface = text[s:e] if how == "compound" else strip_invisible(word)
            key = surface.lower()
            if key in seen:
                continue
            seen.add(key)
            typed, kind = self._how(surface, key, stem, how)
            out.append(MatchReason(query_word=typed or "", surface=surface, field=field,
                                   how=kind))
            if len(out) >= limit:
                break
        return out

    def _how(self, surface, key, stem, how):
        """``(query word, how)`` of one surface form for :meth:`explain`, remembered for
        the rest of this query: the same forms recur in every hit."""
        cached = self._explained.get((surface, stem, how))
        if cached is not None:
            return cached
        typed = self._typed.get(stem)
        if typed is None:
            typed = _closest(surface, self.words)
            kind = "fuzzy" if self.fuzzy else "prefix" if self.prefixes else "stem"
            if how == "compound" or stem in self.parts:
                kind = "compound"
        elif how == "compound":
            kind = "compound"
        elif strip_invisible(typed).lower() == key:
            kind = "exact"
        elif fold_diacritics(typed) == fold_diacritics(surface):
            kind = "spelling"
        else:
            kind = "stem"
        self._explained[(surface, stem, how)] = typed, kind
        return typed, kind


def _closest(surface, words):
    """The typed word most like ``surface`` (for fuzzy and prefix matches)."""
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    from difflib import SequenceMatcher  # imported when there is a choice to make

    folded = fold_diacritics(surface)
    return max(words, key=lambda w: SequenceMatcher(None, fold_diacritics(w), folded).ratio())


_SPLITTER = CompoundSplitter()


@lru_cache(maxsize=200_000)
def _word_forms(word):
    """What matching needs to know of a word, whatever the query: None for a stop word,
    else ``(clean, stem)``. Cached across queries: a search shows ten long articles.
    """
    clean = strip_invisible(word).lower()
    if clean in GERMAN_STOPWORDS:
        return None
    return clean, stem_word(clean)


@lru_cache(maxsize=200_000)
def _word_parts(clean):
    """The compound parts of a lowercased word as ``(start, end, text, stem)``, tails first.

    Asked only when the whole word does not match: splitting and stemming every
    word of ten long articles anew was most of a search's time.
    """
    return tuple((p.start, p.end, p.text, stem_word(p.text)) for p in
                 sorted(_SPLITTER.parts(clean), key=lambda p: (not p.head, p.start)))


def _has_invisible(text):
    """True when ``text`` holds a soft hyphen or zero-width character (a substring
    search per character: several times faster than a character class)."""
    return any(c in text for c in INVISIBLE)


def _token_containing(text, at):
    """The tokenizer's token that contains position ``at``, or None."""
    i = at
    while i > 0 and not text[i - 1].isspace():
        i -= 1
    # Tokens never span white space, so scanning from there tokenizes as from the start.
    for m in WORD_RE.finditer(text, i):
        if m.end() > at:
            return m if m.start() <= at else None
    return None


#: How a folded stem's letters can be spelled in a text (case aside).
_SPELLINGS = {"a": ("a", "ä", "ae"), "o": ("o", "ö", "oe"), "u": ("u", "ü", "ue"),
              "ss": ("ss", "ß")}
#: Soft hyphens and zero-width characters may sit between any two letters of a word.
_GAP = "[" + INVISIBLE + "]*"


@lru_cache(maxsize=512)
def _stems_pattern(stems, plain=False):
    """One expression for the places where any of ``stems`` is spelled.

    By default it ignores case and allows invisible characters between letters;
    ``plain`` gives a faster one for lowercased text without invisible characters.
    Kept across queries: compiling one costs about as much as scanning ten articles.
    """
    gap = "" if plain else _GAP

    def spelled(piece):
        options = _SPELLINGS.get(piece)
        if options is None and plain:
            return re.escape(piece)
        options = options or (piece,)
        return "(?:" + "|".join(gap.join(map(re.escape, o)) for o in options) + ")"

    alternatives = []
    for stem in sorted(stems, key=len, reverse=True):
        pieces = [p for p in re.split("(ss|[aou])", stem.lower() if plain else stem) if p]
        if not plain:
            # Unfolded letters one by one, so an invisible character may follow each.
            pieces = [q for p in pieces for q in ([p] if p in _SPELLINGS else list(p))]
        alternatives.append(gap.join(spelled(p) for p in pieces))
    return re.compile("|".join(alternatives) or "(?!)", 0 if plain else re.IGNORECASE)


def make_snippets(text, matcher, *, max_fragments=2, fragment_chars=260, found=None):
    """Pick up to ``max_fragments`` fragments of ``text`` with the most distinct matches.

    Without any match, the article's opening is returned (no highlights).
    ``found`` is ``matcher.matches(text)`` when the caller has it already.
    """
    matches = [(m[0], m[1]) for m in (matcher.matches(text) if found is None else found)]
    if not matches:
        return [_fragment(text, 0, min(len(text), fragment_chars), [])] if text else []
    # Only the text near a match is split into sentences (most of an article is not).
    spans = _spans_near(text, matches, fragment_chars)
    # Score each sentence by distinct matched words, then total matches.
    words_in = {}
    mi = 0
    scored = []
    for si, (s, e) in enumerate(spans):
        inside = []
        while mi < len(matches) and matches[mi][0] < e:
            if matches[mi][0] >= s:
                inside.append(matches[mi])
            mi += 1
        if inside:
            distinct = {text[a:b].lower() for a, b in inside}
            words_in[si] = inside
            scored.append((len(distinct), len(inside), -si, si))
    scored.sort(reverse=True)
    chosen = []
    used = set()
    for _, _, _, si in scored:
        if len(chosen) >= max_fragments:
            break
        if si in used:
            continue
        s, e = spans[si]
        # Grow a short sentence with its neighbours, within the budget.
        lo, hi = si, si
        while e - s < fragment_chars * 0.6:
            grew = False
            if hi + 1 < len(spans) and hi + 1 not in used and \
                    spans[hi + 1][1] - s <= fragment_chars:
                hi += 1
                e = spans[hi][1]
                grew = True
            elif lo > 0 and lo - 1 not in used and e - spans[lo - 1][0] <= fragment_chars:
                lo -= 1
                s = spans[lo][0]
                grew = True
            if not grew:
                break
        used.update(range(lo, hi + 1))
        inside = [m for m in matches if m[0] >= s and m[1] <= e]
        if e - s > fragment_chars * 1.4:
            s, e = _window(text, s, e, words_in[si], fragment_chars)
            inside = [m for m in inside if m[0] >= s and m[1] <= e]
        chosen.append(_fragment(text, s, e, inside))
    chosen.sort(key=lambda f: f.start)
    return chosen


def _window(text, s, e, inside, size):
    """A window of about ``size`` characters around the matches, cut at word edges."""
    first = inside[0][0]
    lo = max(s, first - CONTEXT)
    hi = min(e, max(first + size - CONTEXT, inside[0][1]))
    while lo > s and not text[lo - 1].isspace():
        lo -= 1
        if first - lo > CONTEXT + 30:
            while lo < first and not text[lo].isspace():
                lo += 1
            break
    while hi < e and not text[hi].isspace():
        hi += 1
    return lo, hi


def _fragment(text, s, e, matches):
    if e < len(text) and e > s and not text[e - 1].isspace():
        # Never end mid-word.
        while e < len(text) and (text[e].isalnum() or text[e] in INVISIBLE):
            e += 1
    # Newlines become spaces one for one, so match offsets stay valid.
    frag = text[s:e].replace("\r", " ").replace("\n", " ")
    return Snippet(text=frag, matches=[(a - s, b - s) for a, b in matches],
                   start=s, end=e, leading=s > 0, trailing=e < len(text))


def highlight_ranges(text, matcher):
    """All match ranges in a short text such as a title."""
    return list(matcher.find(text))
