"""Snippets: the sentences of an article where the query matched, with match ranges.

The article is scanned with the index's own tokenizer and stemmer, so a query
for ``Rakete`` highlights ``Raketen``; fragments are cut at German sentence
boundaries (aware of ``z. B.``, ``Dr.``, ``3. Oktober``) and never mid-word.
"""

import re

from index.analysis import (GERMAN_STOPWORDS, INVISIBLE, WORD_RE, stem_word,
                            strip_invisible)
from search.results import Snippet

#: Abbreviations after which a period does not end a sentence (lowercase, no period).
ABBREVIATIONS = frozenset("""
abb abs abt adr allg anm art aufl bd bearb bes betr bspw bzgl bzw ca chr co dipl
dr dt ebd ehem eig engl etc ev evtl exkl fa fam ff fr frl gebr gegr ges gest ggf
hl hr hrsg inkl jh jr jun kap kath kfz kl lt max med mind mio mrd mwst nachf nr
nrn obb orig pfr pkw ph prof prov rd rel rer sen sog spez st std str tel tsd
usw verf vgl vors wg zb zt zzgl jan feb febr mär apr jun jul aug sep sept okt nov
dez mo di mi do fr sa so ggü lic mag ing univ
""".split())

MONTHS = frozenset("""januar februar märz april mai juni juli august september oktober
november dezember jänner""".split())

# A sentence ends at . ! ? (optionally followed by closing quotes or brackets)
# before white space and an opening quote, capital letter or digit; or at a
# paragraph break.
_BOUNDARY_RE = re.compile(r"[.!?…]+[\"'“”»«’)\]]*(?=\s+[\"'„“»«(\[]?[A-ZÄÖÜ0-9])|\n\s*\n")
_WORD_BEFORE_RE = re.compile(r"([\w.]+)\.$")

#: Characters of context on each side of a match when a sentence is too long.
CONTEXT = 90


def sentence_spans(text):
    """Split text into sentence spans ``(start, end)``, German abbreviations kept whole.

    >>> t = "Dr. Anna Schmidt kam am 3. Oktober, z. B. mit Nr. 5. Dann ging sie."
    >>> [t[s:e] for s, e in sentence_spans(t)]
    ['Dr. Anna Schmidt kam am 3. Oktober, z. B. mit Nr. 5.', 'Dann ging sie.']
    """
    spans = []
    start = 0
    for m in _BOUNDARY_RE.finditer(text):
        end = m.end()
        if m.group().startswith("."):
            if _is_abbreviation(text, m.start(), end):
                continue
        if text[start:end].strip():
            spans.append(_trim(text, start, end))
        start = end
    if text[start:].strip():
        spans.append(_trim(text, start, len(text)))
    return spans


def _trim(text, start, end):
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_abbreviation(text, dot, after):
    """True when the period at ``dot`` belongs to an abbreviation, initial or ordinal."""
    if after - dot > 1 and text[dot:after].count(".") > 1:
        return False  # "..." ends a sentence
    head = text[max(0, dot - 20):dot]
    m = re.search(r"([\w]+)$", head)
    if not m:
        return False
    word = m.group(1)
    lower = word.lower()
    if lower in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "Angela D. Merkel", "z. B." ("z." then "B.")
    if word.isdigit() and len(word) <= 2:
        nxt = re.match(r"\s+[\"„]?(\w+)", text[dot + 1:dot + 30])
        if nxt and (nxt.group(1).lower() in MONTHS or nxt.group(1)[0].islower()):
            return True  # "am 3. Oktober", "der 2. Weltkrieg" is rarer than months
        if nxt and re.match(r"(Jahrhundert|Bundesliga|Liga|Klasse|Stock|Runde|Platz|Mal)",
                            nxt.group(1)):
            return True
    return False


class TermMatcher:
    """Finds the words of a text whose stems are among the query's terms.

    ``stems`` are the index terms the query matched (title/body field), as
    produced by the analyzer; hyphenated words match as a whole or by part.
    """

    def __init__(self, stems, prefixes=()):
        self.stems = frozenset(stems)
        self.prefixes = tuple(prefixes)
        self._cache = {}

    def _word_matches(self, word):
        key = word
        hit = self._cache.get(key)
        if hit is None:
            clean = strip_invisible(word).lower()
            if clean in GERMAN_STOPWORDS:
                hit = False
            else:
                stem = stem_word(clean)
                hit = stem in self.stems or (bool(self.prefixes)
                                             and (clean.startswith(self.prefixes)
                                                  or stem.startswith(self.prefixes)))
            self._cache[key] = hit
        return hit

    def find(self, text, start=0, end=None):
        """Yield ``(start, end)`` of matching words in ``text[start:end]``."""
        if not self.stems and not self.prefixes:
            return
        if start == 0 and end is None and len(text) > _FAST_FIND_CHARS:
            yield from self._find_fast(text)
            return
        for m in WORD_RE.finditer(text, start, len(text) if end is None else end):
            yield from self._token_ranges(m)

    def _token_ranges(self, m):
        """The matching ranges of one token: the whole word, else its hyphen parts."""
        word = m.group()
        if self._word_matches(word):
            yield m.start(), m.end()
        elif "-" in word or "\u2010" in word or "\u2011" in word:
            offset = m.start()
            for part in re.split("[-\u2010\u2011]", word):
                if part and self._word_matches(part):
                    yield offset, offset + len(part)
                offset += len(part) + 1

    def _first_letters(self):
        firsts = getattr(self, "_firsts", None)
        if firsts is None:
            firsts = self._firsts = frozenset(
                {t[0] for t in self.stems if t} | {p[0].lower() for p in self.prefixes if p}
                | {_FOLD_FIRST.get(p[0].lower()) for p in self.prefixes if p})
        return firsts

    def _find_fast(self, text):
        """``find`` over a whole long text, checking each distinct word once.

        The words that match (whole or by a part) are looked for with one
        regular expression; each hit is confirmed to start a token where the
        tokenizer would start one, then ranged exactly as ``find`` does.
        """
        firsts = self._first_letters()
        matching = set()
        for w in set(WORD_RE.findall(text)):
            first = w[0].lower()
            # A stem starts with its word's first letter, umlauts and ß folded.
            if first in firsts or _FOLD_FIRST.get(first) in firsts or \
                    "-" in w or "\u2010" in w or "\u2011" in w:
                if any(self._token_ranges(next(WORD_RE.finditer(w)))):
                    matching.add(w)
        if not matching:
            return
        candidates = re.compile("|".join(re.escape(w) for w in
                                         sorted(matching, key=len, reverse=True)))
        pos = 0
        while True:
            c = candidates.search(text, pos)
            if c is None:
                return
            s = c.start()
            m = _token_at(text, s)
            if m is None or m.group() not in matching:
                pos = s + 1
                continue
            yield from self._token_ranges(m)
            pos = m.end()


_FOLD_FIRST = {"ä": "a", "ö": "o", "ü": "u", "ß": "s"}

#: Texts longer than this are searched for matches by ``TermMatcher._find_fast``.
_FAST_FIND_CHARS = 1000


def _token_at(text, s):
    """The tokenizer's token starting at ``s``, or None when no token starts there."""
    i = s
    while i > 0 and not text[i - 1].isspace():
        i -= 1
    # Tokens never span white space, so scanning from there tokenizes as from the start.
    for m in WORD_RE.finditer(text, i):
        if m.start() >= s:
            return m if m.start() == s else None
    return None


def make_snippets(text, matcher, *, max_fragments=2, fragment_chars=260):
    """Pick up to ``max_fragments`` fragments of ``text`` with the most distinct matches.

    Without any match, the article's opening is returned (no highlights).
    """
    matches = list(matcher.find(text))
    if not matches:
        return [_fragment(text, 0, min(len(text), fragment_chars), [])] if text else []
    spans = sentence_spans(text)
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
