"""Turning a user's query string into a Whoosh query over title and body.

Plain words are OR-ed with a coordination factor (articles with all words
first, long questions still work) and a bonus where neighbouring words stand
close together; ``AND``/``OR``/``NOT``, ``"phrases"``,
``prefix*``, ``word~`` (fuzzy) and ``title:`` work as in Lucene.
"""

import re
from dataclasses import dataclass, replace

from whoosh import qparser, query
from whoosh.matching import Matcher, NullMatcher
from whoosh.qparser import syntax
from whoosh.query import NumericRange

from index.analysis import (GERMAN_STOPWORDS, MODIFIER_BOOST, PART_PREFIX, WORD_RE,
                            WORDS_MODE, compound_parts, stem_word, strip_invisible)
from index.compounds import CompoundSplitter
from index.dates import ArticleDate
from search.errors import (QUERY_FIELDS, BadDate, EmptyQuery, OnlyExcludes, QuerySyntaxError,
                           QueryTooLong, UnsupportedField, UnsupportedRange, quoted)
from search.settings import DEFAULT_SETTINGS

#: The fields a plain word is looked up in (and the only ones a query may name).
TEXT_FIELDS = QUERY_FIELDS
_ALL = "_all"
#: More query words than this is not a query but a pasted document.
MAX_QUERY_WORDS = 400
#: The most edits a typed ``word~N`` may ask for; larger N count as this, as in Lucene
#: (``LevenshteinAutomata.MAXIMUM_SUPPORTED_DISTANCE``). Whoosh builds a Levenshtein
#: automaton whose size grows steeply with N: ``Gewerkschaft~9`` ran for minutes and
#: took gigabytes.
MAX_FUZZY_EDITS = 2
#: Question words, dropped from a query that has other content words: articles rarely
#: repeat them, so their high idf only added noise ("Wann wurde die Börse eröffnet?").
QUESTION_WORDS = frozenset("""
wann warum weshalb weswegen wieso wer wem wen wessen wofür wodurch wozu woher wohin
womit wovon worauf woran worin worüber wogegen wonach lautet lauten hieß hießen
""".split())
#: Letters after which Snowball German already removes a final ``-s``.
_S_ENDINGS = frozenset("bdfghklmnrt")

#: "Wie viele …?", "Wie lange …?": the word after "wie" only asks for a number or a
#: length; it is dropped with the question words. xquad-de .943 → .945 MRR@10.
_HOW_RE = re.compile(r"(?i)\b(wie)\s+(?:viele|vielen|lange|oft|hoch|groß|gross|alt|weit|spät|"
                     r"früh|schnell|schwer|teuer|genau)\b")

#: Questions that ask for a number or a time, and what an answer to them contains. A
#: sentence or article with such a token gets ``answer_boost`` (see ``SearchEngine.search``).
_ANSWER_QUESTIONS = (
    ("time", re.compile(r"(?i)^\W*(?:(?:seit|bis|ab|um|in|im)\s+)?(?:wann\b|welche[mnrs]?\s+"
                        r"(?:jahr|jahren|jahrhundert|monat|datum|zeitpunkt|zeitraum|tag|"
                        r"jahrzehnt|epoche)\b)")),
    ("number", re.compile(r"(?i)^\W*(?:(?:um|auf|mit|bei|für|von|zu)\s+)?wie\s+(?:viele|vielen|"
                          r"viel|lange|oft|hoch|groß|gross|alt|weit|schwer|teuer|breit|tief|"
                          r"schnell)\b")),
)
_MONTHS = ("januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|"
           "november|dezember")
_NUMBER_WORDS = ("zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|"
                 "elf|zwölf|zwanzig|dreißig|vierzig|fünfzig|sechzig|siebzig|achtzig|"
                 "neunzig|hundert|tausend|dutzend|million|millionen|milliarde|milliarden|"
                 "hälfte|drittel|viertel|doppelt|dreifach")
#: What an answer to each kind of question contains.
ANSWER_PATTERNS = {
    "time": re.compile(r"(?i)\b(?:1\d{3}|20\d{2})(?:er)?\b|\b(?:" + _MONTHS + r")\b|"
                       r"jahrhundert|\bjahrzehnt|\d+\.\s*(?:" + _MONTHS + r")"),
    "number": re.compile(r"\d|(?i:\b(?:" + _NUMBER_WORDS + r")\b)"),
}


def loosened(text):
    """The query without its quotes, for searching again when a quoted one found nothing
    (``relax``); None when it has no quotes or nothing changes.

    >>> loosened('"Corona-Krise in Bayern"'), loosened("Bayern")
    ('Corona-Krise in Bayern', None)
    """
    if not (text and text.strip()) or '"' not in text:
        return None
    loose = " ".join(text.replace('"', " ").split())
    return loose if loose and loose != text.strip() else None


def answer_kind(text):
    """``"time"`` or ``"number"`` for a question asking for one (``Wann …?``, ``Wie viele …?``).

    >>> answer_kind("Wann wurde die Universität gegründet?"), answer_kind("Corona Impfung")
    ('time', None)
    """
    if not text or len(WORD_RE.findall(text)) < 3:
        return None
    for kind, pattern in _ANSWER_QUESTIONS:
        if pattern.search(text):
            return kind
    return None


_GENDER_QUERY_RE = re.compile(r"(\w)[*:_/](innen|in)\b")
_MINUS_RE = re.compile(r"(^|[\s(])-(?=[\w\"(])")
_QUESTION_RE = re.compile(r"(?<=\w)\?+(?!\w)|(?<!\w)\?+(?!\w)")
_PLUS_RE = re.compile(r"(^|[\s(])\+(?=[\w\"(])")


class CoordinatedOr(query.Or):
    """An OR of query words whose score is scaled by the share of words matched.

    Scores are ``sum * (matched / words) ** exponent`` (Lucene's classic
    coordination factor when the exponent is 1): an article with both of
    ``Lehrer Gewerkschaft`` beats one that only says ``Lehrer`` often, while a
    twelve-word question still ranks by its rare words.
    """

    def __init__(self, subqueries, boost=1.0, exponent=DEFAULT_SETTINGS.coord_exponent):
        super().__init__(subqueries, boost=boost)
        self.exponent = exponent

    def __eq__(self, other):
        return (isinstance(other, CoordinatedOr) and self.subqueries == other.subqueries
                and self.exponent == other.exponent and self.boost == other.boost)

    __hash__ = query.Or.__hash__

    def apply(self, fn):
        return self.__class__([fn(q) for q in self.subqueries], boost=self.boost,
                              exponent=self.exponent)

    def normalize(self):
        subs = [q.normalize() for q in self.subqueries]
        subs = [q for q in subs if q is not query.NullQuery]
        if not subs:
            return query.NullQuery
        if len(subs) == 1:
            return subs[0]
        return self.__class__(subs, boost=self.boost, exponent=self.exponent)

    def matcher(self, searcher, context=None):
        return _union_matcher(self.subqueries, searcher, context,
                              lambda children: CoordMatcher(children, len(self.subqueries),
                                                            self.exponent, self.boost))

    def docs(self, searcher):
        return _union_docs(self.subqueries, searcher)


class CoordMatcher(Matcher):
    """N-ary union matcher that knows how many of its children match a document."""

    def __init__(self, children, n_words, exponent, boost=1.0):
        self._children = [c for c in children if c.is_active()]
        self._n = n_words
        self._exp = exponent
        self._boost = boost
        self._set_id()

    def _set_id(self):
        # Collectors ask for id() several times per document: compute it once per move.
        self._id = min(c.id() for c in self._children) if self._children else None

    def is_active(self):
        return bool(self._children)

    def id(self):
        return self._id

    def _prune(self):
        self._children = [c for c in self._children if c.is_active()]
        self._set_id()

    def next(self):
        current = self._id
        for c in self._children:
            if c.id() == current:
                c.next()
        self._prune()

    def skip_to(self, target):
        for c in self._children:
            if c.id() < target:
                c.skip_to(target)
        self._prune()

    def score(self):
        current = self.id()
        total = 0.0
        matched = 0
        for c in self._children:
            if c.id() == current:
                total += c.score()
                matched += 1
        return total * (matched / self._n) ** self._exp * self._boost

    def supports_block_quality(self):
        return False

    def max_quality(self):
        # The coordination factor is at most 1: the children's sum bounds the score.
        return sum(c.max_quality() for c in self._children if c.is_active()) * self._boost

    def supports(self, astype):
        return False

    def copy(self):
        return CoordMatcher([c.copy() for c in self._children], self._n, self._exp,
                            self._boost)

    def children(self):
        return list(self._children)

    def term_matchers(self):
        for c in self._children:
            yield from c.term_matchers()

    def matching_terms(self, id=None):
        current = self.id() if id is None else id
        for c in self._children:
            if c.is_active() and c.id() == current:
                yield from c.matching_terms(current)

    def weight(self):
        current = self.id()
        return sum(c.weight() for c in self._children if c.id() == current)

    def depth(self):
        return 1 + max((c.depth() for c in self._children), default=0)


class WordsNearby(CoordinatedOr):
    """Plain query words, plus a bonus where neighbouring words stand close together.

    The first subquery holds the words; the others are :class:`query.Phrase` pairs with
    slop, scored as their two words again, times their boost (``proximity_boost``). They only add to
    the score: the matches are the words' matches.
    """

    def __init__(self, subqueries, boost=1.0, exponent=0.0):
        # apply() and normalize() pass an exponent: the bonus is never coordinated.
        super().__init__(subqueries, boost=boost, exponent=0.0)

    def docs(self, searcher):
        return self.subqueries[0].docs(searcher)


class BestOf(query.DisjunctionMax):
    """One word's alternatives (fields, exact or part): the best scores, the others add a little.

    Whoosh 2.7.4's own ``DisjunctionMax`` matcher ignores ``tiebreak`` and, when
    its two sides sit on different documents, scores a document with the other
    side's score for another document; this one scores only the children that
    match the current document: ``max + tiebreak * (sum - max)``.
    """

    def apply(self, fn):
        # Whoosh's CompoundQuery.apply rebuilds with the boost alone, and parse_query
        # rebuilds every node (_lucene_not): the tiebreak used to end up 0.
        return self.__class__([fn(q) for q in self.subqueries], boost=self.boost,
                              tiebreak=self.tiebreak)

    def matcher(self, searcher, context=None):
        return _union_matcher(self.subqueries, searcher, context,
                              lambda children: BestOfMatcher(children, self.tiebreak, self.boost))

    def docs(self, searcher):
        return _union_docs(self.subqueries, searcher)


def _union_matcher(subqueries, searcher, context, make):
    """``make(children)`` over the subqueries' matchers that match anything, else a NullMatcher."""
    children = [m for m in (q.matcher(searcher, context) for q in subqueries) if m.is_active()]
    return make(children) if children else NullMatcher()


def _union_docs(subqueries, searcher):
    """The documents any subquery matches, gathered per subquery (a union needs no scoring).

    Walking a union matcher in Python costs several calls per document; the
    leaves read their posting lists directly.
    """
    docs = set()
    for q in subqueries:
        docs.update(q.docs(searcher))
    return iter(sorted(docs))


class BestOfMatcher(CoordMatcher):
    """Union matcher scoring the best child at the current document plus a tiebreak share."""

    def __init__(self, children, tiebreak, boost=1.0):
        super().__init__(children, len(children), 0.0, boost)
        self._tiebreak = tiebreak

    def score(self):
        current = self.id()
        scores = [c.score() for c in self._children if c.id() == current]
        best = max(scores)
        return (best + self._tiebreak * (sum(scores) - best)) * self._boost

    def max_quality(self):
        qualities = [c.max_quality() for c in self._children if c.is_active()]
        best = max(qualities, default=0.0)
        return (best + self._tiebreak * (sum(qualities) - best)) * self._boost

    def copy(self):
        return BestOfMatcher([c.copy() for c in self._children], self._tiebreak, self._boost)


_BRACES = frozenset("{}")
_PHRASE_NODE = qparser.PhrasePlugin.PhraseNode
#: A field name: as Whoosh's, but starting with a letter and not before "/" or ":", so
#: "12:30", "Covid-19: …" and "https://…" stay words. It starts where a word starts
#: (after a hyphen too: "Vertreter:" in "US-Vertreter: Xi …", a word again before the
#: space): tried at every position inside a word, Whoosh's ``\w+:`` made the tagging of
#: a 20,000-letter word quadratic (3.8 s).
_FIELD_EXPR = r"(?<!\w)(?P<text>[^\W\d_]\w*):(?![/:])"


def check_syntax(tree, text):
    """Raise on the parts of a parsed query that cannot be searched, naming them.

    ``tree`` is the parser's syntax tree of ``text``. A field name other than
    ``title`` or ``body`` (in any case) raises UnsupportedField; a range
    (``[a TO b]``, ``{a TO b}``) raises UnsupportedRange. ``Title:`` is read as ``title:``.
    """
    for node in _syntax_nodes(tree):
        if isinstance(node, syntax.GroupNode):
            continue
        field = getattr(node, "fieldname", None)
        if isinstance(node, syntax.RangeNode):
            raise UnsupportedRange(_part(node, text), field)
        if (getattr(node, "has_text", False) and not isinstance(node, _PHRASE_NODE)
                and _BRACES.intersection(node.text or "")):
            # Braces only ever open or close a range; left as words they would vanish
            # in analysis and the query would search something else than typed.
            raise UnsupportedRange(_part(node, text), field, complete=False)
        if field is None or field == _ALL:
            continue
        if field.lower() in TEXT_FIELDS:
            node.fieldname = field.lower()
        else:
            raise UnsupportedField(_part(node, text), field)


def _syntax_nodes(node):
    yield node
    if isinstance(node, syntax.GroupNode):
        for child in node.nodes:
            yield from _syntax_nodes(child)


def _part(node, text):
    """The query text of a syntax node, with the field name typed in front of it."""
    start, end = node.startchar, node.endchar
    if start is None or end is None:
        return str(node)
    field = getattr(node, "fieldname", None)
    shown = text[start:end].strip()
    if field and field != _ALL:
        if text[:start].endswith(field + ":"):
            shown = field + ":" + shown
        else:  # a word of a group: date:(a OR b)
            shown = f"{field}:({shown} …)"
    return shown


class _GermanParser(qparser.QueryParser):
    """Whoosh's parser with plain words expanded over title and body."""

    def __init__(self, schema, fuzzy=False, reader=None, settings=DEFAULT_SETTINGS):
        super().__init__(_ALL, schema, group=qparser.OrGroup)
        self.settings = settings
        self.fuzzy = fuzzy
        self.reader = reader
        self.drop_question_words = False
        self.add_plugin(qparser.FuzzyTermPlugin())
        self.remove_plugin_class(qparser.BoostPlugin)
        # Unknown field names are kept (not turned into words) so that check_syntax can
        # name them. A name before a space stays a word ("Fazit: gut").
        self.replace_plugin(qparser.FieldsPlugin(expr=_FIELD_EXPR, remove_unknown=False))

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True,
                   removestops=True):
        if fieldname not in (_ALL,) + TEXT_FIELDS:
            return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        if termclass is not query.Term:
            # Prefix, wildcard, fuzzy: expanded by _expand() once the node has set them up.
            return termclass(fieldname, text, boost=boost)
        fields_ = TEXT_FIELDS if fieldname == _ALL else (fieldname,)
        if self.drop_question_words and text.lower() in QUESTION_WORDS:
            return None
        exact = word_query(text, fields_, self.schema, boost, reader=self.reader,
                           settings=self.settings)
        return _with_fuzzy(exact, text, fields_, self.settings) if self.fuzzy else exact


def word_query(text, fields_, schema, boost=1.0, reader=None, settings=DEFAULT_SETTINGS):
    """The query for one typed word in the given fields, or None for a stop word.

    A hyphenated word matches as itself or as the phrase of its parts
    (``CDU-Chef`` also finds "CDU Chef"). With the index's ``reader``, a word
    also matches its other form with or without a final ``-s`` where the index has it
    (:func:`s_form`) and its other inflected forms that Snowball stems apart
    (:func:`inflected_forms`).
    """
    analyzer = schema["body"].analyzer
    # The word as typed (and a hyphenated word's parts), without compound parts.
    stems = [t.text for t in analyzer(text, mode=WORDS_MODE)]
    if not stems:
        return None
    alternatives = []
    parts_of_word = []
    if len(stems) == 1 and settings.query_part_boost:
        parts_of_word = [(stem, 1.0 if head else MODIFIER_BOOST)
                         for stem, head in _compound_parts(text)
                         if stem not in GERMAN_STOPWORDS]
    other_form = s_form(text, stems[0], reader) \
        if len(stems) == 1 and reader and settings.s_form_boost else None
    forms = [f for f in inflected_forms(text, stems[0], reader) if f != other_form] \
        if len(stems) == 1 and reader and settings.inflection_boost else []
    derived = [f for f in derived_forms(text, stems[0], reader)
               if f != other_form and f not in forms] \
        if len(stems) == 1 and reader and settings.derivation_boost else []
    for f in fields_:
        if len(stems) == 1:
            alternatives.append(query.Term(f, stems[0]))
            alternatives.append(query.Term(f, PART_PREFIX + stems[0],
                                           boost=settings.part_match_boost))
            if other_form:
                alternatives.append(query.Term(f, other_form, boost=settings.s_form_boost))
            for form in forms:  # also as a compound's head: ``Testzentren`` for ``Zentrum``
                alternatives.append(query.Term(f, form, boost=settings.inflection_boost))
                alternatives.append(query.Term(f, PART_PREFIX + form,
                                               boost=settings.part_match_boost
                                               * settings.inflection_boost))
            for form in derived:
                alternatives.append(query.Term(f, form, boost=settings.derivation_boost))
            # Parts in the body only: the same gains as with the title, half the terms.
            if parts_of_word and f == "body":
                alternatives.append(PartsOfWord([_part_query(f, stem, boost, settings)
                                                 for stem, boost in parts_of_word],
                                                boost=settings.query_part_boost))
        else:
            parts = [t.text for t in analyzer(text, mode="query")]
            whole = stems[0]
            alternatives.append(query.Term(f, whole))
            if len(parts) > 1:
                alternatives.append(query.Phrase(f, parts))
                alternatives.append(query.Or([query.Term(f, part) for part in parts],
                                             boost=settings.hyphen_part_boost))
            elif parts and parts[0] != whole:
                alternatives.append(query.Term(f, parts[0]))
    return _any(alternatives, boost, settings.field_tiebreak)


#: Endings of a noun's two numbers (and of ``-in``/``-innen``) that Snowball stems apart,
#: as (this ending, the other one): Latin and Greek plurals (``Zentrum``/``Zentren``,
#: ``Museum``/``Museen``, ``Virus``/``Viren``, ``Thema``/``Themen``, ``Praxis``/``Praxen``,
#: ``Konto``/``Konten``, ``Visum``/``Visa``, ``Modus``/``Modi``), the feminine plural
#: (``Ärztin``/``Ärztinnen``) and a doubled ``-s`` (``Bus``/``Busse``). Umlaut plurals
#: (``Arzt``/``Ärzte``, ``Stadt``/``Städte``) and ``-nis``/``-nisse`` need none: Snowball
#: folds umlauts and joins them.
INFLECTION_ENDINGS = (("um", "en"), ("um", "a"), ("us", "en"), ("us", "i"), ("us", "usse"),
                      ("a", "en"), ("a", "um"), ("o", "en"), ("is", "en"),
                      ("in", "innen"), ("innen", "in"),
                      ("en", "um"), ("en", "us"), ("en", "a"), ("en", "is"))
#: Shortest typed word whose inflection is looked up (``Virus``, ``Thema``, ``Konto``).
_MIN_INFLECTED = 5
_SPLITTER = CompoundSplitter()
#: Shortest tail of a compound that vouches for its form (``viren`` in ``Coronaviren``).
_MIN_TAIL = 5
_UMLAUTS = (("ae", "ä"), ("oe", "ö"), ("ue", "ü"))
_UMLAUT_OF = dict(_UMLAUTS)
#: ``ae``, ``oe``, ``ue`` that may stand for an umlaut: not after a vowel or ``q``.
_UMLAUT_RE = re.compile(r"(?<![aeiouäöüq])(?:ae|oe|ue)")


def known_form(word):
    """True when ``word``, or its tail from a compound's head on, is a German word form of
    the compound splitter's word list (spelt with umlauts or without):
    ``zentren``, ``impfzentren`` (``zentren``), ``aerztinnen``; not ``kameren``.
    """
    vocab = _SPLITTER.vocab
    spellings = {word}
    for plain, umlaut in _UMLAUTS:
        spellings |= {w.replace(plain, umlaut) for w in spellings}
    for w in spellings:
        for start in range(0, len(w) - _MIN_TAIL + 1):
            if (start == 0 or start >= 3) and w[start:] in vocab:
                return True
    return False


def _compound_parts(word):
    """:func:`index.analysis.compound_parts` of a typed word, also when it is typed
    without umlauts: the word list spells ``Gaststätten``, a reporter types
    ``Gaststaetten``. When the word as typed splits into nothing, ``ae``, ``oe`` and
    ``ue`` not after a vowel (``Steuer``, ``Bauer``, ``Quelle`` keep theirs) are read as
    umlauts.

    >>> [stem for stem, _ in _compound_parts("Gaststaetten")]
    ['gast', 'statt']
    >>> [stem for stem, _ in _compound_parts("Steuererhoehung")]
    ['steu', 'erhoh']
    """
    parts = compound_parts(word)
    if parts:
        return parts
    lowered = strip_invisible(word).lower()
    spelled = _UMLAUT_RE.sub(lambda m: _UMLAUT_OF[m.group(0)], lowered)
    return compound_parts(spelled) if spelled != lowered else []


def inflected_forms(word, stem, reader, rare=10):
    """The stems of ``word``'s other inflected forms that Snowball does not join to it and
    the index holds in at least a ``rare``-th as many articles, most common first.

    Rules of German inflection (:data:`INFLECTION_ENDINGS`) applied to the typed word; a
    candidate must be a known word form (:func:`known_form`, its compound's head for a
    compound) and a term of the index: ``Impfzentren`` → ``impfzentrum``, ``Virus`` →
    ``vir`` (``Viren``), ``Ärztin`` → ``arztinn`` (``Ärztinnen``); ``Kamera`` finds no
    ``Kameren`` and ``Thema`` no ``Themum``.
    """
    w = strip_invisible(word).lower()
    if len(w) < _MIN_INFLECTED or not w.isalpha():
        return []
    have = reader.doc_frequency("body", stem)
    found = {}
    for old, new in INFLECTION_ENDINGS:
        if not w.endswith(old) or len(w) - len(old) < 3:
            continue
        base = w[:-len(old)]
        other = stem_word(base + new)
        # Snowball may take more than the ending off (``Kameren`` → ``kam``, of ``kommen``).
        if other == stem or other in found or not other.startswith(_folded(base)):
            continue
        # The index first: most candidates are no term, and its look-ups are cached.
        df = reader.doc_frequency("body", other)
        if df and df * rare >= have and known_form(base + new):
            found[other] = df
    return sorted(found, key=lambda t: -found[t])


#: Particles of separable verbs: their participle puts ``ge`` after them
#: (``Einschränkung`` → ``eingeschränkt``, ``Absage`` → ``abgesagt``).
_SEPARABLE = ("zurück", "zusammen", "wieder", "fest", "frei", "nach", "auf", "aus", "bei",
              "ein", "los", "mit", "vor", "weg", "ab", "an", "her", "hin", "zu")
#: Inseparable prefixes and ``-ier`` verbs: no ``ge`` (``beschränkt``, ``verschoben``).
_NO_GE = ("be", "ge", "er", "ver", "zer", "ent", "emp", "miss")


def _verb_forms(verb):
    """Written forms of a verb stem that Snowball may keep apart from its noun: the third
    person and the past participle (``öffn`` → ``öffnet``, ``geöffnet``).

    Not the infinitive: where Snowball stems it apart from the third person, its stem is
    the bare root other words share (``lockern`` → ``lock``, as ``locken``; ``schließen``
    → ``schliess``); on the reporter sets it lost r51 ``Gaststaetten Schliessung`` .05.
    """
    forms = [verb + "t", verb + "et"]
    if verb.startswith(_NO_GE) or verb.endswith("ier"):
        return forms
    particle = next((p for p in _SEPARABLE if verb.startswith(p) and len(verb) - len(p) >= 3),
                    "")
    rest = verb[len(particle):]
    return forms + [particle + "ge" + rest + "t", particle + "ge" + rest + "et"]


def derived_forms(word, stem, reader, rare=10):
    """The stems of the verb forms of a noun made from a verb (``-ung``, ``-e``) that
    Snowball does not join to it and the index holds in at least a ``rare``-th as many
    articles, most common first: ``Öffnung`` → ``offn`` (``öffnet``, also the stem of
    ``öffnen``), ``geoffn`` (``geöffnet``); ``Lockerungen`` → ``gelockert``; ``Absage`` →
    ``abgesagt``.

    A candidate must be a known word form (:func:`known_form`) and a term of the index.
    Snowball itself strips ``-ung`` only from longer words (``Lockerung`` → ``locker``,
    ``Öffnung`` → ``offnung``), so which forms it joins depends on the word's length.
    """
    w = strip_invisible(word).lower()
    if not w.isalpha():
        return []
    for ending in ("ungen", "ung", "en", "e"):
        if w.endswith(ending) and len(w) - len(ending) >= 3:
            verb = w[:-len(ending)]
            break
    else:
        return []
    if ending in ("en", "e") and not verb.startswith(_SEPARABLE + _NO_GE):
        return []  # ``Maske``, ``Grenze``: not a verb's noun
    have = reader.doc_frequency("body", stem)
    found = {}
    for form in _verb_forms(verb):
        other = stem_word(form)
        if other == stem or other in found:
            continue
        df = reader.doc_frequency("body", other)
        if df and df * rare >= have and known_form(form.replace("ß", "ss")):
            found[other] = df
    return sorted(found, key=lambda t: -found[t])


def _folded(word):
    """``word`` with umlauts and ``ß`` as Snowball's stems spell them (``ärztinn`` → ``arztinn``)."""
    for plain, umlaut in _UMLAUTS:
        word = word.replace(umlaut, plain[0]).replace(plain, plain[0])
    return word.replace("ß", "ss")


def s_form(word, stem, reader):
    """The stem of ``word``'s form with or without a final ``-s``, if the index knows it.

    ``Kita`` → ``kitas`` (the plural), ``Teslas`` → ``tesla`` (the genitive's name),
    ``Autos`` → ``auto``. The index decides: a form it lacks is no alternative, and
    dropping an ``-s`` needs the shorter form to be at least a quarter as common in
    the articles, which keeps ``Preis``, ``Kreis`` and ``Ergebnis`` as they are
    (``prei`` and ``krei`` are not words).
    """
    w = strip_invisible(word).lower()
    if len(w) < 3 or not w.isalpha():
        return None
    if w.endswith("s"):
        if len(w) < 4 or w[-2] in _S_ENDINGS or w[-2] == "s":
            return None
        other = stem_word(w[:-1])
        if other == stem:
            return None
        found = reader.doc_frequency("body", other)
        return other if found and found * 4 >= reader.doc_frequency("body", stem) else None
    if w[-1] in _S_ENDINGS:
        return None
    other = stem_word(w + "s")
    return other if other != stem and reader.doc_frequency("body", other) else None


class PartsOfWord(query.Or):
    """The parts of a typed compound in one field; :func:`_parts_as_bonus` moves them out."""


def _parts_as_bonus(q):
    """``q`` with its words' compound parts turned into a bonus that adds no matches.

    ``Lehrergewerkschaft`` scores higher where an article says ``Lehrer`` and
    ``Gewerkschaft``, but only in articles some query word finds as typed: parts such as
    ``Bund`` or ``Geld`` would otherwise match most of an archive, and a search for a
    town would count every article that names its parts. Parts under ``NOT`` are dropped.
    """
    bonus = []

    def strip(node, positive):
        if isinstance(node, PartsOfWord):
            if positive:
                bonus.append(node)
            return None
        if node.is_leaf():
            return node
        if isinstance(node, query.AndNot):
            return query.AndNot(strip(node.a, positive), strip(node.b, False))
        if isinstance(node, query.Not):
            return query.Not(strip(node.query, False))
        if isinstance(node, BestOf):
            # One word's parts (body only, see word_query); several would count as one field.
            parts = [c for c in node.subqueries if isinstance(c, PartsOfWord)]
            if parts and positive:
                bonus.append(parts[0] if len(parts) == 1 else
                             BestOf(parts, tiebreak=node.tiebreak))
            return _rebuilt(node, [strip(c, positive) for c in node.subqueries
                                   if not isinstance(c, PartsOfWord)])
        if isinstance(node, query.CompoundQuery):
            kept = [c for c in (strip(c, positive) for c in node.subqueries) if c is not None]
            return _rebuilt(node, kept)
        return node.apply(lambda c: strip(c, positive))

    stripped = strip(q, True)
    if not bonus:
        return q
    return query.AndMaybe(stripped, bonus[0] if len(bonus) == 1 else query.Or(bonus))


def _rebuilt(node, kept):
    """A compound query node with other children, keeping its own settings."""
    copy = node.apply(lambda c: c)
    copy.subqueries = kept
    return copy


def _part_query(fieldname, stem, boost, settings):
    """One part of a typed compound, as a word of its own or inside another compound."""
    return BestOf([query.Term(fieldname, stem),
                   query.Term(fieldname, PART_PREFIX + stem, boost=settings.part_match_boost)],
                  boost=boost, tiebreak=0.0)


def _expand(q, schema, fuzzy=False, reader=None, settings=DEFAULT_SETTINGS):
    """Replace queries on the virtual all-text field by queries on title and body.

    With ``fuzzy``, each plain word also matches stems within ``fuzzy_edits`` of its own
    (weighted ``fuzzy_boost``), as if typed ``word~``.
    """
    tiebreak = settings.field_tiebreak
    fieldname = getattr(q, "fieldname", None)
    if fieldname in (_ALL,) + TEXT_FIELDS and q.is_leaf():
        fields_ = TEXT_FIELDS if fieldname == _ALL else (fieldname,)
        if isinstance(q, query.Phrase):
            analyzer = schema["body"].analyzer
            words = [t.text for t in analyzer(" ".join(q.words), mode="query")]
            if not words:
                return query.NullQuery
            if len(words) == 1:
                return _any([query.Term(f, words[0]) for f in fields_], q.boost, tiebreak)
            return _any([query.Phrase(f, words, slop=q.slop) for f in fields_], q.boost,
                        tiebreak)
        if isinstance(q, query.FuzzyTerm):
            word = strip_invisible(q.text).lower()
            stem = stem_word(word)
            edits = min(int(q.maxdist), MAX_FUZZY_EDITS)
            return _any([query.FuzzyTerm(f, stem, boost=q.boost, maxdist=edits,
                                         prefixlength=q.prefixlength) for f in fields_],
                        q.boost, tiebreak)
        if isinstance(q, (query.Prefix, query.Wildcard)):
            text = strip_invisible(q.text).lower()
            if isinstance(q, query.Prefix) or re.fullmatch(r"[^*?]+\*", text):
                stem_text = text.rstrip("*")
                if not stem_text:
                    return query.NullQuery
                # Indexed terms are stems: "Rakete*" must find "rakete…" terms and
                # the stem of "Rakete" itself ("rak"), not every word from "rak".
                alts = []
                for f in fields_:
                    alts.append(query.Prefix(f, stem_text))
                    alts.append(query.Term(f, stem_word(stem_text)))
                return _any(alts, q.boost, tiebreak)
            if not text.strip("*?"):
                return query.NullQuery
            return _any([query.Wildcard(f, text) for f in fields_], q.boost, tiebreak)
        if fieldname == _ALL and isinstance(q, query.Term):
            exact = word_query(q.text, TEXT_FIELDS, schema, q.boost, reader=reader,
                               settings=settings)
            return (_with_fuzzy(exact, q.text, TEXT_FIELDS, settings) if fuzzy else exact) \
                or query.NullQuery
        return q
    if isinstance(q, query.Every):
        return query.Every()
    if q.is_leaf():
        return q
    return q.apply(lambda sub: _expand(sub, schema, fuzzy, reader, settings))


def _with_fuzzy(exact, text, fields_, settings=DEFAULT_SETTINGS):
    """``exact`` (one word's query), or else a word within ``fuzzy_edits`` of its stem."""
    if exact is None:
        return None
    stem = stem_word(text)
    edits = 1 if len(stem) <= 5 else settings.fuzzy_edits
    near = [query.FuzzyTerm(f, stem, boost=settings.fuzzy_boost, maxdist=edits, prefixlength=1)
            for f in fields_]
    return BestOf([exact] + near, tiebreak=0.0)


def _any(alternatives, boost=1.0, tiebreak=DEFAULT_SETTINGS.field_tiebreak):
    """One query word's alternatives (fields, spellings): the best counts, the others add a little."""
    if len(alternatives) == 1:
        q = alternatives[0]
        q.boost = boost
        return q
    return BestOf(alternatives, boost=boost, tiebreak=tiebreak)


def _body_stem(word_q):
    """The stem a plain word's query looks up in the body, or None (phrase, prefix...)."""
    leaves = word_q.subqueries if isinstance(word_q, BestOf) else [word_q]
    for leaf in leaves:
        if (type(leaf) is query.Term and leaf.fieldname == "body"
                and not leaf.text.startswith(PART_PREFIX)):
            return leaf.text
    return None


def _with_proximity(words_q, settings=DEFAULT_SETTINGS):
    """``words_q`` with a bonus for each pair of neighbouring words found near each other."""
    if not settings.proximity_boost:
        return words_q
    stems = [_body_stem(sub) for sub in words_q.subqueries]
    pairs = [query.Phrase("body", [a, b], slop=settings.proximity_slop,
                          boost=settings.proximity_boost)
             for a, b in zip(stems, stems[1:]) if a and b and a != b]
    return WordsNearby([words_q] + pairs) if pairs else words_q


def _lucene_not(q):
    """Make ``a OR b NOT c`` mean (a OR b) minus c, as in Lucene, not "a or b or not c"."""
    if isinstance(q, query.Or) and any(isinstance(s, query.Not) for s in q.subqueries):
        positives = [_lucene_not(s) for s in q.subqueries if not isinstance(s, query.Not)]
        negatives = [s.query for s in q.subqueries if isinstance(s, query.Not)]
        if not positives:
            return q
        if len(positives) == 1:
            pos = positives[0]
        elif type(q) is query.Or:
            pos = CoordinatedOr(positives, boost=q.boost)
        else:
            pos = q.__class__(positives, boost=q.boost)
        neg = negatives[0] if len(negatives) == 1 else query.Or(negatives)
        return query.AndNot(pos, neg)
    if q.is_leaf():
        return q
    return q.apply(_lucene_not)


@dataclass(frozen=True)
class Keyword:
    """One word of a short keyword query, as the keyword ranking scores it.

    ``query`` is the word's node of the query tree (its fields and forms), ``parts``
    its typed compound's parts (a bonus, or None), ``title`` its title terms,
    ``body_terms`` the body terms whose positions place the word in an article and
    ``part_terms`` those of its parts (where an article has only the parts).
    """

    text: str
    query: query.Query
    parts: object
    title: object
    body_terms: tuple
    part_terms: tuple = ()


class Listed:
    """A prefix, wildcard or fuzzy term whose words were looked up once for the whole
    index (:class:`search.suggest.Speller`'s cached lexicon): Whoosh expands such a
    term again for every segment and every use, walking each segment's word list in
    Python (``Gewerkschaft~`` 44–84 s on full FANG, its automaton a few seconds a
    field). ``words`` are the index's words it matches, sorted."""

    def _btexts(self, ixreader):
        return self.words


class ListedPrefix(Listed, query.Prefix):
    def __init__(self, prefix, words):
        super().__init__(prefix.fieldname, prefix.text, boost=prefix.boost,
                         constantscore=prefix.constantscore)
        self.words = tuple(sorted(words))


class ListedWildcard(Listed, query.Wildcard):
    def __init__(self, wildcard, words):
        super().__init__(wildcard.fieldname, wildcard.text, boost=wildcard.boost,
                         constantscore=wildcard.constantscore)
        self.words = tuple(sorted(words))


class ListedFuzzyTerm(Listed, query.FuzzyTerm):
    def __init__(self, fuzzy, words):
        super().__init__(fuzzy.fieldname, fuzzy.text, boost=fuzzy.boost,
                         maxdist=fuzzy.maxdist, prefixlength=fuzzy.prefixlength,
                         constantscore=fuzzy.constantscore)
        self.words = tuple(sorted(words))


def listed_terms(q, lexicon):
    """``q`` with each prefix, wildcard and fuzzy term's words looked up once in
    ``lexicon`` (a :class:`search.suggest.Speller`)."""
    if isinstance(q, Listed):
        return q
    if type(q) is query.FuzzyTerm:
        return ListedFuzzyTerm(q, lexicon.words_within(q.fieldname, q.text, q.maxdist,
                                                       q.prefixlength))
    if type(q) is query.Prefix and q.text:
        return ListedPrefix(q, lexicon.words_starting(q.fieldname, q.text))
    if type(q) is query.Wildcard and q.text != "*":
        return ListedWildcard(q, lexicon.words_like(q.fieldname, q.text))
    if q.is_leaf():
        return q
    return q.apply(lambda sub: listed_terms(sub, lexicon))


@dataclass
class ParsedQuery:
    """A parsed user query: the Whoosh query and the words a user typed.

    ``keywords`` is set for a plain query of two or three words (no operators,
    phrases or wildcards): the engine then ranks its best matches by how closely and
    how prominently the words stand together (``Ranker.rank_keywords``).
    """

    text: str
    query: query.Query
    words: list
    keywords: tuple = ()

    def terms(self, reader=None, limit=500):
        """The (field, term) pairs the query can match, prefixes expanded with ``reader``.

        Negated parts are left out: nothing they match is a reason for a hit.
        """
        found = set()
        for leaf in _positive_leaves(self.query):
            if isinstance(leaf, query.MultiTerm) and reader is not None:
                # Segment by segment, as the matchers expand them: a segment reader
                # finds fuzzy terms by walking its word list with an automaton; the
                # multi-segment reader compares every word of the first letter in
                # Python (`Gewerkschaft~` on full FANG: 565,000 words, 44–80 s).
                expanded = set()
                for sub, _ in reader.leaf_readers():
                    for btext in leaf._btexts(sub):
                        if len(expanded) >= limit:
                            break
                        expanded.add(btext.decode("utf-8") if isinstance(btext, bytes)
                                     else btext)
                found.update((leaf.fieldname, text) for text in expanded)
            else:
                found.update(leaf.iter_all_terms())
        return found


    def part_stems(self):
        """The stems that only a typed compound's parts ask for (``hoch``, ``wass`` of
        ``Hochwasser``), not a typed word itself."""
        words = {leaf.text for leaf in _positive_leaves(self.query, in_parts=False)
                 if isinstance(getattr(leaf, "text", None), str)}
        parts = {leaf.text for leaf in _positive_leaves(self.query, in_parts=True)
                 if isinstance(getattr(leaf, "text", None), str)}
        return {t.lstrip(PART_PREFIX) for t in parts - words} - \
            {t.lstrip(PART_PREFIX) for t in words}

    def expanded_by(self):
        """``"fuzzy"`` when the query has ``word~`` parts, ``"prefix"`` for ``word*``, else None."""
        kinds = {type(leaf) for leaf in _positive_leaves(self.query)}
        if any(issubclass(k, query.FuzzyTerm) for k in kinds):
            return "fuzzy"
        if any(issubclass(k, (query.Prefix, query.Wildcard)) for k in kinds):
            return "prefix"
        return None


def _positive_leaves(q, in_parts=None):
    """The leaves of ``q`` outside negations; with ``in_parts`` True only those inside a
    typed compound's parts (:class:`PartsOfWord`), with False only those outside."""
    if isinstance(q, query.Not):
        return
    if isinstance(q, query.AndNot):
        yield from _positive_leaves(q.a, in_parts)
        return
    if q.is_leaf():
        if in_parts is not True:
            yield q
        return
    if isinstance(q, PartsOfWord):
        if in_parts is False:
            return
        in_parts = None
    for sub in q.children():
        yield from _positive_leaves(sub, in_parts)


def parse_query(text, schema, *, fuzzy=False, reader=None, settings=DEFAULT_SETTINGS):
    """Parse a user's query string; raise a QueryError (``search.errors``) with a reason.

    ``reader`` (the index's) lets words match their other ``-s`` form where the index
    has it (:func:`s_form`); ``settings`` (:class:`search.settings.RankingSettings`)
    sets the weights.

    >>> from index.schema import build_schema
    >>> q = parse_query("Lehrer Gewerkschaft fordern mehr Schutz", build_schema()).query
    >>> q.subqueries[1]  # the words are q.subqueries[0]; then the pair bonus
    Phrase('body', ['lehr', 'gewerkschaft'], slop=3, boost=0.200000)
    """
    if text is None or not text.strip():
        raise EmptyQuery("the query is empty")
    words = WORD_RE.findall(text)
    if len(words) > MAX_QUERY_WORDS:
        raise QueryTooLong(len(words), MAX_QUERY_WORDS)
    if text.strip() == "*":
        return ParsedQuery(text=text, query=query.Every(), words=[])
    prepared = _GENDER_QUERY_RE.sub(r"\1\2", text)
    prepared = _PLUS_RE.sub(r"\1", _MINUS_RE.sub(r"\1NOT ", prepared))
    # A question mark ends a question; only inside a word is it a wildcard (Ma?er).
    prepared = _QUESTION_RE.sub("", prepared)
    keywords = ()
    typed = [strip_invisible(w).lower() for w in words if w not in ("AND", "OR", "NOT")]
    # A noun's verb forms only for a few words: a longer query says more itself.
    words_settings = settings if len(typed) <= settings.coord_max_words \
        else replace(settings, derivation_boost=0.0)
    parser = _GermanParser(schema, fuzzy=fuzzy, reader=reader, settings=words_settings)
    # "Wer" alone is still searched: only a question with other words loses it.
    parser.drop_question_words = bool(set(typed) - QUESTION_WORDS - GERMAN_STOPWORDS)
    if parser.drop_question_words:
        fewer = _HOW_RE.sub(r"\1", prepared)
        left = {strip_invisible(w).lower() for w in WORD_RE.findall(fewer)}
        if left - QUESTION_WORDS - GERMAN_STOPWORDS:  # "Wie lange?" alone stays as typed
            prepared = fewer
    try:
        tree = parser.process(prepared)
    except Exception as exc:  # Whoosh's tagger on odd syntax: its reason means nothing here
        raise QuerySyntaxError(text) from exc
    check_syntax(tree, prepared)
    try:
        q = tree.query(parser) or query.NullQuery
        q = _lucene_not(_expand(q, schema, fuzzy, reader, words_settings))
        if type(q) is query.Or and len(q.subqueries) > 1:
            coordinated = len(typed) <= settings.coord_max_words or (
                settings.question_coord and text.rstrip().endswith("?"))
            exponent = settings.coord_exponent if coordinated else 0.0
            q = CoordinatedOr(q.subqueries, boost=q.boost, exponent=exponent)
            if coordinated and len(typed) <= settings.coord_max_words \
                    and not _sentence_like(words):
                keywords = _keywords(q.subqueries, typed)
            if len(typed) >= settings.proximity_min_words:
                q = _with_proximity(q, settings)
        if settings.query_part_boost:
            q = _parts_as_bonus(q)
        q = q.normalize()
    except Exception as exc:  # Whoosh's query building on odd syntax (see QuerySyntaxError)
        raise QuerySyntaxError(text) from exc
    if q is query.NullQuery or isinstance(q, query.NullQuery.__class__):
        lowered = [strip_invisible(w).lower() for w in words]
        if lowered and all(w in GERMAN_STOPWORDS for w in lowered):
            raise EmptyQuery(f"the query {quoted(text)} has only German stop words "
                             f"({', '.join(words[:6])}); add a word that carries meaning")
        raise EmptyQuery(f"the query {quoted(text)} has no words to search for")
    if _only_negative(q):
        raise OnlyExcludes(text)
    return ParsedQuery(text=text, query=q, words=words, keywords=keywords)


_ORIGIN_RE = re.compile(r"isch(?:e[mnrs]?)?$")


def _sentence_like(words):
    """True for a fragment of a sentence rather than key words: capitalised nouns or names
    beside lowercase verbs or adjectives (``Tatverdächtiger festgenommen``, ``18 Menschen
    verschleppt``). Key words are nouns and names, or all typed in lowercase.

    >>> _sentence_like(["Tatverdächtiger", "festgenommen"]), _sentence_like(["Spahn", "Masken"])
    (True, False)
    >>> _sentence_like(["spahn", "masken"]), _sentence_like(["Corona-App", "Datenschutz"])
    (False, False)
    >>> _sentence_like(["dänische", "Nerze"])
    False
    """
    content = [w for w in words if w.lower() not in GERMAN_STOPWORDS and w[:1].isalpha()]
    # An adjective of origin names a place or people: ``dänische Nerze`` are key words.
    upper = [w[:1].isupper() or bool(_ORIGIN_RE.search(w)) for w in content]
    return any(upper) and not all(upper) or any(w[:1].isdigit() for w in words)


def _keywords(subqueries, typed):
    """The :class:`Keyword` of each word of a plain short query, or () when it is not one."""
    out = []
    for sub in subqueries:
        children = sub.subqueries if isinstance(sub, BestOf) else [sub]
        if not all(type(c) is query.Term or isinstance(c, PartsOfWord) or _hyphen_form(c)
                   for c in children):
            return ()  # a phrase, a wildcard: not plain words
        terms = [c for c in children if type(c) is query.Term]
        body = tuple(c.text for c in terms if c.fieldname == "body")
        if not body:
            return ()
        # A hyphenated word (``Corona-App``) is one word: as typed or as the phrase of its
        # parts; its parts apart are what a compound's parts are to a compound.
        phrases = [c for c in children if type(c) is query.Phrase]
        parts = [c for c in children if isinstance(c, PartsOfWord)] or [
            PartsOfWord(c.subqueries, boost=c.boost) for c in children
            if type(c) is query.Or and c.subqueries[0].fieldname == "body"]
        word = _rebuilt(sub, terms + phrases) if isinstance(sub, BestOf) else sub
        title = [c for c in terms if c.fieldname == "title"]
        part_terms = tuple(leaf.text for p in parts for leaf in p.leaves()
                           if type(leaf) is query.Term and leaf.fieldname == "body")
        out.append(Keyword(text=body[0], query=word.normalize(),
                           parts=parts[0] if parts else None,
                           title=BestOf(title, tiebreak=0.0) if title else None, body_terms=body,
                           part_terms=part_terms))
    if len(out) < 2:
        return ()
    return tuple(out)


def _hyphen_form(q):
    """True for the phrase or the parts of a hyphenated word (see :func:`word_query`)."""
    if type(q) is query.Phrase:
        return q.slop == 1
    return type(q) is query.Or and all(type(c) is query.Term for c in q.subqueries)


def _only_negative(q):
    if isinstance(q, query.Not):
        return True
    if isinstance(q, query.And):
        return all(_only_negative(s) for s in q.subqueries)
    return False


def date_filter(since=None, until=None):
    """A filter query for articles whose date overlaps [since, until], or None.

    Either bound accepts ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a month-only
    article date matches any day of its month. Raises BadDate on a bad date.
    """
    parts = []
    if since:
        parts.append(NumericRange("date_hi", _filter_date("since", since).lo, None))
    if until:
        parts.append(NumericRange("date_lo", 1, _filter_date("until", until).hi))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else query.And(parts)


def _filter_date(which, value):
    """``value`` as an ArticleDate, or BadDate naming the filter (``since``/``until``)."""
    try:
        return ArticleDate.parse(str(value))
    except ValueError as exc:
        reason = str(exc).split(" (expected")[0]
        raise BadDate(which, value, reason) from None
