"""Text facts shared by analysis, entities and snippets: invisible characters, German sentences.

One definition of each, so the index, the entity tagger and the snippets agree on them.

>>> strip_invisible("Verkehrs\\u00administer")
'Verkehrsminister'
>>> t = "Dr. Anna Schmidt kam am 3. Oktober, z. B. mit Nr. 5. Dann ging sie."
>>> [t[s:e] for s, e in sentence_spans(t)]
['Dr. Anna Schmidt kam am 3. Oktober, z. B. mit Nr. 5.', 'Dann ging sie.']
"""

import re

# --- invisible characters ------------------------------------------------------------------------

#: Characters that may sit inside a word without being part of it: the soft hyphen and the
#: zero-width family (FANG bodies carry soft hyphens inside words). The analyzer keeps them in a
#: token's character span (so offsets slice the source text) but drops them from its text; the
#: entity tagger drops them before tokenizing.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
INVISIBLE_RE = re.compile("[" + INVISIBLE + "]")


def strip_invisible(text):
    """Remove soft hyphens and zero-width characters.

    >>> strip_invisible("Verkehrs\\u00administer")
    'Verkehrsminister'
    """
    return INVISIBLE_RE.sub("", text)


# --- German sentences ----------------------------------------------------------------------------
#: Abbreviations after which a period does not end a sentence (lowercase, no period).
ABBREVIATIONS = frozenset("""
abb abs abt adr allg anm art aufl bd bearb bes betr bspw bzgl bzw ca chr co dipl
dr dt ebd ehem eig engl etc ev evtl exkl fa fam ff fr frl gebr gegr ges gest ggf
hl hr hrsg inkl jh jr jun kap kath kfz kl lt max med mind mio mrd mwst nachf nr
nrn obb orig pfr pkw ph prof prov rd rel rer sen sog spez st std str tel tsd
usw verf vgl vors wg zb zt zzgl jan feb febr mär apr jun jul aug sep sept okt nov
dez mo di mi do fr sa so ggü lic mag ing univ
""".split())

_LONGEST = max(map(len, ABBREVIATIONS))

MONTHS = frozenset("""januar februar märz april mai juni juli august september oktober
november dezember jänner""".split())

# A sentence ends at . ! ? (optionally followed by closing quotes or brackets)
# before white space and an opening quote, capital letter or digit; or at a
# paragraph break. Written to start with one character class: the regular expression
# engine then skips to those characters instead of trying both branches at every
# position (`[.!?…]+…|\n\s*\n` made the same matches three times as slowly).
_BOUNDARY_RE = re.compile(r"[.!?…\n](?:(?<=[.!?…])[.!?…]*[\"'“”»«’)\]]*"
                          r"(?=\s+[\"'„“»«(\[]?[A-ZÄÖÜ0-9])|(?<=\n)\s*\n)")
_NEXT_WORD_RE = re.compile(r"\s+[\"„]?(\w+)")
_ORDINAL_NOUN_RE = re.compile(r"(Jahrhundert|Bundesliga|Liga|Klasse|Stock|Runde|Platz|Mal)")


def sentence_spans(text):
    """Split text into sentence spans ``(start, end)``, German abbreviations kept whole.

    A sentence ends at ``.``, ``!``, ``?`` or ``…`` before white space and a capital, digit or
    opening quote, unless the full stop closes an abbreviation (``z. B.``, ``Dr.``, ``Nr.``), an
    initial or an ordinal (``3. Oktober``, ``2. Liga``); a blank line always ends one.

    >>> t = "Dr. Anna Schmidt kam am 3. Oktober, z. B. mit Nr. 5. Dann ging sie."
    >>> [t[s:e] for s, e in sentence_spans(t)]
    ['Dr. Anna Schmidt kam am 3. Oktober, z. B. mit Nr. 5.', 'Dann ging sie.']
    """
    return _split_from(text, 0, 0, len(text) + 1)


def sentence_spans_near(text, matches, reach):
    """The sentence spans within ``reach`` characters of any match, as ``sentence_spans(text)``
    would give them, without splitting the rest of the article.

    A fragment grows from its sentence by at most ``reach`` characters, so these
    are all the spans a snippet can use. Each stretch of text is split from a
    space after a letter (no boundary can straddle it) and its spans are kept
    from the first real boundary on, which lies before the stretch's start.
    """
    targets = []
    for s, e in matches:
        lo, hi = max(0, s - reach), e + reach
        if targets and lo <= targets[-1][1]:
            targets[-1][1] = max(targets[-1][1], hi)
        else:
            targets.append([lo, hi])
    spans = []
    for lo, hi in targets:
        back = 200
        while True:
            found = _split_from(text, _safe_start(text, lo - back), lo, hi)
            if found is not None:
                break
            back *= 4
        spans.extend(sp for sp in found if not spans or sp[0] >= spans[-1][1])
    return spans


def _safe_start(text, at):
    """A position at or before ``at`` that no sentence boundary straddles: 0, or a space
    right after a letter or digit."""
    while at > 0:
        at = text.rfind(" ", 0, at)
        if at <= 0:
            return 0
        if text[at - 1].isalnum():
            return at
    return 0


def _split_from(text, start, lo, hi):
    """Spans from the first boundary after ``start`` to the first one past ``hi``.

    None when that first boundary comes after ``lo`` (the split must begin earlier).
    """
    spans = []
    begin = 0 if start == 0 else None
    for m in _BOUNDARY_RE.finditer(text, start):
        stop = m.end()
        if m.group().startswith(".") and _is_abbreviation(text, m.start(), stop):
            continue
        if begin is None:
            if stop > lo:
                return None
        else:
            span = _trim(text, begin, stop)
            if span[0] < span[1]:  # not white space only
                spans.append(span)
        begin = stop
        if stop > hi:
            return spans
    if begin is None:
        return None if start > 0 else []
    if text[begin:].strip():
        spans.append(_trim(text, begin, len(text)))
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
    # The word before the period (what ``\w+$`` finds), read backwards only as far as
    # the longest abbreviation: a regular expression search here was a sixth of snippets.
    start, floor = dot, max(0, dot - _LONGEST - 1)
    if floor and text[floor:dot].isalnum():
        return False  # most full stops: after a word longer than any of those
    while start > floor and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    if start == dot or dot - start > _LONGEST:
        return False  # no word, or one longer than any abbreviation, initial or ordinal
    word = text[start:dot]
    lower = word.lower()
    if lower in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "Angela D. Merkel", "z. B." ("z." then "B.")
    if word.isdigit() and len(word) <= 2:
        nxt = _NEXT_WORD_RE.match(text, dot + 1, dot + 30)
        if nxt and (nxt.group(1).lower() in MONTHS or nxt.group(1)[0].islower()):
            return True  # "am 3. Oktober", "der 2. Weltkrieg" is rarer than months
        if nxt and _ORDINAL_NOUN_RE.match(nxt.group(1)):
            return True
    return False

