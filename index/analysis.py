"""The German analysis chain: tokenizer, filters and the analyzer factory.

Each filter is a small :class:`whoosh.analysis.Filter`; :func:`german_analyzer`
only composes them. Whoosh pickles the analyzer into the index, so the classes
here keep a stable import path and picklable state.
"""

import re
import unicodedata

import snowballstemmer
from whoosh.analysis import Filter, LowercaseFilter, Token, Tokenizer

from index.compounds import CompoundSplitter
from index.text import INVISIBLE, strip_invisible  # noqa: F401 - also imported from here

#: Bump whenever a change to the chain changes the terms it produces; an index
#: written by another version is reported as stale instead of mis-searched.
ANALYZER_VERSION = "5"

#: Snowball's German stop list (the one Snowball ships with its stemmer), plus
#: spellings the list lacks because it predates the 1996 spelling reform.
GERMAN_STOPWORDS = frozenset("""
aber alle allem allen aller alles als also am an ander andere anderem anderen
anderer anderes anderm andern anderr anders auch auf aus bei bin bis bist da
damit dann das dass daß dasselbe dazu dein deine deinem deinen deiner deines dem
demselben den denn denselben der derer derselbe derselben des desselben dessen
dich die dies diese dieselbe dieselben diesem diesen dieser dieses dir doch dort
du durch ein eine einem einen einer eines einig einige einigem einigen einiger
einiges einmal er es etwas euch euer eure eurem euren eurer eures für gegen
gewesen hab habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr
ihre ihrem ihren ihrer ihres im in indem ins ist jede jedem jeden jeder jedes
jene jenem jenen jener jenes jetzt kann kein keine keinem keinen keiner keines
können könnte machen man manche manchem manchen mancher manches mein meine
meinem meinen meiner meines mich mir mit muss musste muß mußte nach nicht nichts
noch nun nur ob oder ohne sehr sein seine seinem seinen seiner seines selbst sich
sie sind so solche solchem solchen solcher solches soll sollte sondern sonst
über um und uns unser unsere unserem unseren unserer unseres unter viel vom von
vor während war waren warst was weg weil weiter welche welchem welchen welcher
welches wenn werde werden wie wieder will wir wird wirst wo wollen wollte würde
würden zu zum zur zwar zwischen s
""".split())

# A word: letters and digits, with invisible characters inside, joined by
# hyphens (CDU-Chef) or German gender marks
# (Bürger*innen, Lehrer:innen, Kolleg_innen) into one unit.
_WORD = r"[^\W_][\w" + INVISIBLE + r"]*"
_HYPHENS = "-\u2010\u2011"
WORD_RE = re.compile(
    _WORD + r"(?:(?:[" + _HYPHENS + r"]|[*:_/](?=innen\b|in\b))" + _WORD + r")*"
)
_PART_SPLIT_RE = re.compile(r"[" + _HYPHENS + r"]")
_GENDER_RE = re.compile(r"^(\w+)[*:_/](innen|in)$")


def fold_diacritics(text):
    """Lowercase and remove accents, with German umlauts and ß spelled out.

    Used for matching names typed without accents; ``ä`` becomes ``ae`` so
    ``Soeder`` and ``Söder`` agree.

    >>> fold_diacritics("Söder Łódź Straße")
    'soeder lodz strasse'
    """
    text = text.lower()
    if text.isascii():  # most names and words: nothing to spell out or decompose
        return text
    text = (text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
            .replace("ß", "ss"))
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return text.replace("ł", "l").replace("ø", "o").replace("đ", "d")


class GermanTokenizer(Tokenizer):
    """Split German text into words, keeping umlauts, ß and hyphenated words.

    A hyphenated word yields its parts and, in index mode, the whole word at
    the position of its first part, so ``CDU-Chef`` is found by ``CDU-Chef``,
    by ``Chef`` and by the phrase ``"CDU Chef"``. In query mode only the parts
    are produced (phrase queries line up with the indexed positions); the
    query parser adds the whole word itself. A gender form such as
    ``Bürger*innen`` yields ``Bürgerinnen`` and ``Bürger`` at one position.

    >>> [t.text for t in GermanTokenizer()("Der CDU-Chef in Köln")]
    ['Der', 'CDU-Chef', 'CDU', 'Chef', 'in', 'Köln']
    """

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return

        index_mode = mode != "query"
        pos = start_pos
        for match in WORD_RE.finditer(value):
            pieces = _pieces(match.group(), match.start(), index_mode)
            width = 1
            for text, s, e, step in pieces:
                t.text = text
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = text
                if positions:
                    t.pos = pos + step
                    width = max(width, step + 1)
                if chars:
                    t.startchar = start_char + s
                    t.endchar = start_char + e
                yield t
            pos += width


def _pieces(word, start, index_mode):
    """The tokens of one ``WORD_RE`` match at ``start``: (text, start, end, position step)."""
    end = start + len(word)
    gender = _GENDER_RE.match(strip_invisible(word))
    if gender:
        return [(gender.group(1) + gender.group(2), start, end, 0),
                (gender.group(1), start, end, 0)]
    if any(c in word for c in _HYPHENS):
        pieces = []
        if index_mode:
            pieces.append((word, start, end, 0))
        offset = 0
        for k, part in enumerate(_PART_SPLIT_RE.split(word)):
            if part:
                pieces.append((part, start + offset, start + offset + len(part), k))
            offset += len(part) + 1
        return pieces
    return [(word, start, end, 0)]


class SoftHyphenFilter(Filter):
    """Drop soft hyphens and zero-width characters from token text.

    The character span still covers them, so highlights slice the source.

    >>> [t.text for t in SoftHyphenFilter()(GermanTokenizer()("Verkehrs\\u00administer"))]
    ['Verkehrsminister']
    """

    def __call__(self, tokens):
        for t in tokens:
            if any(c in t.text for c in INVISIBLE):
                t.text = strip_invisible(t.text)
                if not t.text:
                    continue
            yield t


class GermanStopFilter(Filter):
    """Drop German stop words and close the gaps they leave in positions.

    Positions are shifted rather than renumbered one by one, so the parts of
    ``CDU-Chef`` keep sharing a position with the whole word, and a phrase
    query (analysed the same way) still lines up with the index.

    >>> [(t.text, t.pos) for t in GermanStopFilter()(LowercaseFilter()(
    ...     GermanTokenizer()("der CDU-Chef und die Wähler", positions=True)))]
    [('cdu-chef', 0), ('cdu', 0), ('chef', 1), ('wähler', 2)]
    """

    def __init__(self, stoplist=GERMAN_STOPWORDS):
        self.stops = frozenset(stoplist)

    def __call__(self, tokens):
        stops = self.stops
        shift = 0
        last_stopped_pos = None
        for t in tokens:
            positions = t.positions
            if t.text in stops:
                if positions and t.pos != last_stopped_pos:
                    shift += 1
                    last_stopped_pos = t.pos
                if t.removestops:
                    continue
                t.stopped = True
            else:
                t.stopped = False
            if positions:
                t.pos -= shift
            yield t


#: Compound parts are indexed as separate terms, this mark before the stem
#: (``+raketenwerf``), so a query can weigh "the word itself" above "inside a longer
#: word" (see ``search.query.PART_MATCH_BOOST``) and phrases never see them.
PART_PREFIX = "+"
#: Weight of a compound's tail (``Raketenwerfer`` in ``Mehrfachraketenwerfern``).
HEAD_BOOST = 1.0
#: Weight of a compound's leading parts (``Mehrfach``, ``Raketen``): they say less
#: about what the whole word means than its tail.
MODIFIER_BOOST = 0.5
#: Analysis modes in which compound parts are added: indexing only.
#: Query parsing uses ``"query"`` or ``WORDS_MODE`` and looks up the word as typed.
PART_MODES = frozenset(("index",))
WORDS_MODE = "words"


class CompoundFilter(Filter):
    """Add the parts of German compounds as extra tokens at the word's position.

    Parts come from :class:`~index.compounds.CompoundSplitter` (known words only,
    linking ``-s-``/``-en-`` handled). They are marked with ``PART_PREFIX``, so they
    are terms of their own that the query weighs below the word itself; leading
    parts carry less weight (``MODIFIER_BOOST``) than tails. They share the word's
    position. Parts are added in index mode only; a query word is looked up as typed.

    >>> [(t.text, t.boost) for t in CompoundFilter()(LowercaseFilter()(
    ...     GermanTokenizer()("Hauptbahnhöfen", mode="index")))]
    [('hauptbahnhöfen', 1.0), ('+haupt', 0.5), ('+bahn', 0.5), ('+höfen', 1.0), ('+bahnhöfen', 1.0)]
    """

    def __init__(self, head_boost=HEAD_BOOST, modifier_boost=MODIFIER_BOOST):
        self.head_boost = head_boost
        self.modifier_boost = modifier_boost
        self.splitter = CompoundSplitter()

    def __getstate__(self):
        return {"head_boost": self.head_boost, "modifier_boost": self.modifier_boost}

    def __setstate__(self, state):
        self.__init__(**state)

    def __eq__(self, other):
        return (self.__class__ is other.__class__ and self.head_boost == other.head_boost
                and self.modifier_boost == other.modifier_boost)

    def __call__(self, tokens):
        split = self.splitter.parts
        for t in tokens:
            # Read the token before yielding it: later filters change it in place.
            word, boost, chars = t.text, t.boost, t.chars
            if chars:
                start, end = t.startchar, t.endchar
            yield t
            if t.stopped or t.mode not in PART_MODES:
                continue
            parts = split(word)
            if not parts:
                continue
            if chars:
                # Offsets of parts are exact only when the source span is the word itself.
                exact = end - start == len(word)
            for part in parts:
                t.text = PART_PREFIX + part.text
                t.boost = boost * (self.head_boost if part.head else self.modifier_boost)
                if chars:
                    t.startchar = start + part.start if exact else start
                    t.endchar = start + part.end if exact else end
                yield t


class GermanStemFilter(Filter):
    """Stem with Snowball German (PyStemmer's C implementation when installed).

    Stems are cached in a dict per process; the cache and the stemmer are
    dropped when pickled, as Whoosh's own ``StemFilter`` does.

    >>> [t.text for t in GermanStemFilter()(LowercaseFilter()(GermanTokenizer()("Häuser gebaut")))]
    ['haus', 'gebaut']
    """

    is_morph = True

    def __init__(self):
        self._cache = {}
        self._stem = snowballstemmer.stemmer("german").stemWord

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def stem(self, word):
        """Return the stem of a lowercase word, cached."""
        stem = self._cache.get(word)
        if stem is None:
            if len(self._cache) > 500_000:
                self._cache.clear()
            stem = self._cache[word] = self._stem(word)
        return stem

    def __call__(self, tokens):
        cache = self._cache
        last = None
        for t in tokens:
            if not t.stopped:
                text = t.text
                stem = cache.get(text)
                if stem is None:
                    stem = (PART_PREFIX + self.stem(text[1:]) if text[0] == PART_PREFIX
                            else self.stem(text))
                t.text = stem
                # Bürger*innen yields Bürgerinnen and Bürger, one stem: count it once.
                if t.positions:
                    here = (t.text, t.pos)
                    if here == last:
                        continue
                    last = here
            yield t


def german_analyzer():
    """The analyzer for title and body: tokenize, clean, lowercase, drop stop words,
    add compound parts, stem.

    >>> [t.text for t in german_analyzer()("Die Häuser in Düsseldorf")]
    ['haus', 'dusseldorf']
    """
    return (GermanTokenizer() | SoftHyphenFilter() | LowercaseFilter()
            | GermanStopFilter() | CompoundFilter()
            | GermanStemFilter())


class IndexWordAnalysis:
    """What :func:`german_analyzer` gives for one word in index mode, without the token chain.

    Calling it with a word returns ``(terms, advance)``: the terms as ``(text, position,
    boost)`` with positions relative to the word's first, and how far the word moves
    the position on (0 for a stop word), exactly as running the analyzer's own filters
    over the word would (``tests/test_analysis.py`` checks this on real news). Indexing
    (:class:`index.postings.WordCachePositions`) analyses each new word this way; the
    chain is a Python generator per filter and token, several times slower.

    >>> analyse = IndexWordAnalysis.of(german_analyzer())
    >>> analyse("Hauptbahnhöfen")
    ((('hauptbahnhof', 0, 1.0), ('+haupt', 0, 0.5), ('+bahn', 0, 0.5), ('+hof', 0, 1.0), \
('+bahnhof', 0, 1.0)), 1)
    >>> analyse("CDU-und-SPD")
    ((('cdu-und-spd', 0, 1.0), ('cdu', 0, 1.0), ('spd', 1, 1.0)), 2)
    """

    #: The filters this stands for, in order; any other analyzer goes through its chain.
    CHAIN = None  # set below the class (the filter classes are defined above)

    def __init__(self, stops, split, stem, head_boost, modifier_boost):
        self.stops = stops
        self.split = split
        self.stem = stem
        self.head_boost = head_boost
        self.modifier_boost = modifier_boost
        self._parts = {}

    @classmethod
    def of(cls, analyzer):
        """The word analysis of ``analyzer``, or None unless it is :func:`german_analyzer`'s
        chain (its own stop list, splitter, stemmer and boosts)."""
        items = getattr(analyzer, "items", None)
        if (items is None or tuple(type(f) for f in items) != cls.CHAIN
                or "index" not in PART_MODES):
            return None
        _, _, _, stop, compound, stem = items
        return cls(stop.stops, compound.splitter.parts, stem.stem, compound.head_boost,
                   compound.modifier_boost)

    def part_terms(self, text):
        """The compound part terms of a lowercase word: ((``+stem``, boost), ...), cached."""
        found = self._parts.get(text)
        if found is None:
            if len(self._parts) > 200_000:
                self._parts.clear()
            stem = self.stem
            found = self._parts[text] = tuple(
                (PART_PREFIX + stem(part.text),
                 1.0 * (self.head_boost if part.head else self.modifier_boost))
                for part in self.split(text))
        return found

    def __call__(self, word):
        stops, stem, part_terms = self.stops, self.stem, self.part_terms
        terms = []
        pos = shift = 0
        last_stopped = last = None
        for match in WORD_RE.finditer(word):
            width = 1
            for text, _, _, step in _pieces(match.group(), match.start(), True):
                width = max(width, step + 1)
                if any(c in text for c in INVISIBLE):
                    text = strip_invisible(text)
                    if not text:
                        continue
                text = text.lower()
                here = pos + step
                if text in stops:
                    # GermanStopFilter: each stopped position shifts the later ones back.
                    if here != last_stopped:
                        shift += 1
                        last_stopped = here
                    continue
                here -= shift
                term = (stem(text), here)
                if term != last:  # GermanStemFilter: one stem at one position once
                    terms.append(term + (1.0,))
                    last = term
                for ptext, boost in part_terms(text):
                    if (ptext, here) != last:
                        terms.append((ptext, here, boost))
                        last = (ptext, here)
            pos += width
        return tuple(terms), pos - shift


def stemmer_is_compiled():
    """Return True when Snowball runs as PyStemmer's C code, not pure Python."""
    stemmer = snowballstemmer.stemmer("german")
    return type(stemmer).__module__.split(".")[0] != "snowballstemmer"


def stem_word(word):
    """Stem one word the way the index does (lowercased, invisible characters removed).

    >>> stem_word("Bundeskanzlerin")
    'bundeskanzl'
    """
    return _STEMMER.stem(strip_invisible(word).lower())


def compound_parts(word):
    """The compound parts of one word as ``(stem, is_head)``, as the index adds them.

    >>> compound_parts("Bundeskanzlerin")
    [('bund', False), ('kanzl', True)]
    """
    clean = strip_invisible(word).lower()
    return [(_STEMMER.stem(p.text), p.head) for p in _SPLITTER.parts(clean)]


IndexWordAnalysis.CHAIN = (GermanTokenizer, SoftHyphenFilter, LowercaseFilter, GermanStopFilter,
                          CompoundFilter, GermanStemFilter)

_STEMMER = GermanStemFilter()
_SPLITTER = CompoundSplitter()
