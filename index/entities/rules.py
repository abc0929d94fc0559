"""Article-level rules: from the tagger's BIO tags of one article to its persons and places.

``resolve`` runs them in order; each step is a function below, and what it is for is said there:

1. every tagged span becomes a mention of a name with a kind (``_count_mentions``): a person span
   is trimmed of roles and titles, joined over particles and initials, put in the nominative and
   dropped in bylines (``_person_mention``), a place span is widened to the listed place it is
   part of (``_widen_place``), cut of district words, dropped when it is a noun and called an
   organisation after a club or institution word or for a team (``_place_mention``);
2. listed places the CRF left untagged are counted too (``_listed_places``), and datelines in
   capitals (``_datelines``);
3. a one-word place that is the surname of a person named in full is that person
   (``_surnames_as_persons``);
4. each name takes the kind most of its mentions have; a weak one-word person (weaker still
   after a role or beside a verb of saying) or unlisted place is dropped (``_choose_kinds``);
5. names after nouns of things are no persons (``_named_things``), two persons read as one are
   split (``_split_adjacent``), bare surnames get the first name the article gives them
   (``_complete_persons``);
6. the names are normalised (``names.person_set``, ``names.place_set``).

Organisations are tagged only to keep them apart from places and persons and are not returned.
``index/models/README.md`` lists each rule with what it gained.

>>> from index.entities.wordlists import Lexicon
>>> sentences = [["Markus", "Söder", "besuchte", "Berlins", "Mitte", "."]]
>>> tags = [["B-PER", "I-PER", "O", "B-LOC", "O", "O"]]
>>> resolve(sentences, tags, Lexicon())
Entities(persons=('Markus Söder',), places=('Berlin',))
"""

from __future__ import annotations

import re
from itertools import chain

from ..compounds import CompoundSplitter
from .names import (Entities, base_adjective, join_tokens, person_set, place_set,
                    strip_genitive, surname_key)
from .tokens import document_lowercase, spans
from .wordlists import (AMOUNT_WORDS, APOSTROPHE_NAME, BOUND_PARTICLE, BYLINE_CUES, BYLINE_PREFIX,
                        CLUB_HEADS, CURRENCY_PLACES, DETERMINERS, DISTRICT, ENGLISH_PLACE_HEADS,
                        FUNCTION_WORDS, GUEST_CUES, KIN_WORDS, LANDMARK_WORDS, LOCATIVE,
                        MEDIA_AFTER_NAME, NAME_PARTICLES, NATIONALITIES, NOT_PERSON_HEADS,
                        NOUN_ENDINGS, NOUN_MARKERS, ORDINAL_ADVERB, ORG_AFTER_NAME, ORG_BEFORE_NAME,
                        ORG_HEADS, PARTICLES, PARTIES, PERSON_ROLES, PLACE_JOINS, PLACE_PREFIXES,
                        PLACE_SUFFIXES, ROAD_NOUNS, ROLE_ENDINGS, ROMAN, SAYING_VERBS,
                        SCORING_VERBS, SPORT_WORDS, STREET_NAME, STREET_WORDS, TEAM_ENDINGS,
                        TEAM_WORDS, THING_ENDINGS, TITLES, WORD_TOWNS, Endings, Lexicon,
                        is_first_name)

#: A one-word person is kept only if the CRF's marginal reached this in one of its mentions.
MIN_SINGLE_PERSON = 0.9
#: ... or this, where a role stands before it or a verb of saying beside it ("Trainer Kovač",
#: "sagte Schmitt"): the context says it is a person.
MIN_CUED_PERSON = 0.5
#: A place not in the place list is kept only if the CRF's marginal reached this once.
MIN_PLACE = 0.6

Name = tuple[str, ...]


def resolve(sentences: list[list[str]], tags: list[list[str]], lexicon: Lexicon,
            probs: list[list[float]] | None = None, doc_lower: set[str] | None = None) -> Entities:
    """Turn the tagged sentences of one article into its person and place sets.

    ``probs`` holds each tag's marginal probability (1.0 for all if None); ``doc_lower`` is
    ``document_lowercase(sentences)`` if the caller has it already.
    """
    tokens_seen = set(chain.from_iterable(sentences))
    club_towns = _club_towns(sentences, tokens_seen)
    sport = _Once(_is_sports_report, sentences)  # whether it is a sports report
    votes, best, located, cued = _count_mentions(sentences, tags, probs, lexicon, tokens_seen,
                                                 club_towns, sport)
    if doc_lower is None:
        doc_lower = document_lowercase(sentences)
    _listed_places(sentences, tags, lexicon, votes, best, club_towns, doc_lower, tokens_seen)
    _datelines(sentences, lexicon, votes, best)
    _surnames_after_roles(sentences, tags, lexicon, votes, best, cued, tokens_seen)
    _coordinated_surnames(sentences, tags, probs, lexicon, votes, best, cued, tokens_seen)
    _untagged_full_names(sentences, tags, lexicon, votes, best, tokens_seen)
    _scorers(sentences, tags, lexicon, votes, best, cued, sport)
    _names_after_roles(sentences, tags, lexicon, votes, best, cued, tokens_seen)
    _first_names_after_ages(sentences, tags, lexicon, votes, best, cued, tokens_seen)
    _word_towns(sentences, lexicon, votes, best, located, tokens_seen)
    _named_settlements(sentences, tags, lexicon, votes, best, doc_lower, tokens_seen)
    _landmarks(sentences, tags, lexicon, votes, best, tokens_seen)
    _surnames_as_persons(votes, located, lexicon)
    _towns_opening_club_names(votes, located, sport)
    persons, places = _choose_kinds(votes, best, located, lexicon, cued)
    things = _named_things(sentences, {p[0] for p in persons})
    persons = _split_adjacent([p for p in persons if p[0] not in things], lexicon, votes)
    persons = _complete_persons(_surname_genitives(persons, sentences, lexicon), sentences,
                                lexicon, tokens_seen)
    return Entities(persons=person_set(persons, tokens_seen, votes),
                    places=place_set(places, tokens_seen, lexicon))


def _count_mentions(sentences, tags, probs, lexicon, tokens_seen, club_towns, sport):
    """Count the tagged spans of an article as mentions of names, by kind.

    Returns ``votes`` (name → kind → mentions), ``best`` (name → the highest of its mentions'
    lowest marginal within the span), ``located`` (places written after "in", "nach", "aus"
    and the like once at least) and ``cued`` (one-word persons written once at least after a
    role or beside a verb of saying).
    """
    votes: dict[Name, dict[str, int]] = {}
    best: dict[Name, float] = {}
    located: set[Name] = set()
    cued: set[Name] = set()
    guest = not GUEST_CUES.isdisjoint(tokens_seen)
    after_article = _Once(_after_article, sentences, tokens_seen, lexicon)
    for n, (sent, stags) in enumerate(zip(sentences, tags)):
        if stags.count("O") == len(stags):
            continue
        sprobs = probs[n] if probs else None
        quoted = not _QUOTES.isdisjoint(sent)
        covered = 0
        for kind, start, end in _merge_particles(sent, spans(sent, stags), lexicon):
            if start < covered:
                continue  # inside a place widened to its listed name ("Frankfurt am Main")
            if quoted and _in_quoted_title(sent, start, end):
                continue
            prob = min(sprobs[start:end]) if sprobs else 1.0
            if kind == "ORG" and 2 <= end - start <= 3 and start and _role_before(sent[start - 1]) \
                    and all(t[:1].isupper() and t not in ORG_HEADS for t in sent[start:end]):
                kind = "PER"  # "Premierminister Rishi Sunak" tagged as an organisation
            elif kind == "ORG" and (inside := _name_after_inner_role(sent, start, end, lexicon)):
                kind, start = "PER", inside  # "Verkehrssenator Anjes Tjarks", "Senat" read as ORG
            if kind == "PER":
                found = _person_mention(sent, start, end, lexicon, tokens_seen, n <= 1, guest)
            elif kind == "LOC" or kind == "ORG" and end - start == 1 \
                    and sent[start] in lexicon.place_tokens \
                    and (start and sent[start - 1] in _TOWARDS or not sport()):
                # A listed town tagged as an organisation right after "in", "nach", "aus",
                # "Richtung" is the town ("in Richtung Flensburg"), as a place span there is;
                # so it is anywhere outside a sports report, where no town stands for its team
                # ("In Lübeck und Kiel stürzten Bäume"). An organisation word before it still
                # makes it one (_place_mention).
                if start == 0 and sent[0].isupper() and len(sent[0]) > 1:
                    dateline = _dateline(sent, lexicon)
                    if dateline is not None and end <= len(dateline):
                        continue  # "KOCHEL AM SEE.": _datelines counts it in its usual case
                start, end = _widen_place(sent, start, end, lexicon)
                covered = end
                found = _place_mention(sent, start, end, lexicon, club_towns, located, sport,
                                       after_article)
            else:
                found = kind, tuple(sent[start:end])
            if found is None:
                continue
            kind, name = found
            _vote(votes, best, name, kind, prob)
            if kind == "PER" and len(name) == 1 and name not in cued \
                    and _person_cue(sent, start, end, name, lexicon, sport):
                cued.add(name)
    return votes, best, located, cued


_TOWARDS = frozenset("in nach aus Richtung".split())


def _name_after_inner_role(sent, start, end, lexicon) -> int | None:
    """Where the name starts in an organisation span that holds a person's name after a role
    word or before a party in parentheses: the CRF reads the ``Senat`` of ``Verkehrssenator
    Anjes Tjarks``, ``Die Berliner Gesundheitssenatorin Dilek Kalayci`` and the ``Bundes-`` of
    ``des Bundesverkehrsministers Scheuer`` as an organisation and runs the span on over the
    name, or joins a name to the body before it (``im Bundestag Georg Nüßlein (CSU)``).

    After a role word (``_role_before``: also inflected), with no word before it but a
    capitalised adjective (``Berliner``), one to three capitalised words that are no
    organisation heads, nouns or lowercase words (not ``der Marktforscher Deutsche Automobil
    Treuhand``, ``der Mundartforscher Fritz Rahn Mitte``, ``die Koalitionspartner Linke``), the
    first no place, a third only after two first names; one word must be a listed surname
    (``Verfassungsschutzpräsident Haldenwang`` is a town too, ``der Versicherungsberater
    Assekurata`` unlisted). Before ``(CDU)`` and the like, or a match minute (``(64.)``): a
    listed first name and one or two such words closing the span, or a span of two or three
    such words, none a lowercase word nor the first a place (``Gyde Jense (FDP)``, not ``Bayern
    Söder (CSU)``; before a minute none a place or in capitals: ``Sadio Mané (58.)``, not ``OSC
    Lille (12.)``, ``Atlético Madrid``)."""
    for i in range(start, min(end - 1, start + 2)):
        if _role_before(sent[i]) and sent[i] not in TITLES:
            name = sent[i + 1:end]
            if len(name) > 3 or name[0] in lexicon.place_tokens \
                    or len(name) == 3 and not is_first_name(name[1], lexicon) \
                    or not all(t.endswith("er") and t[:1].isupper() for t in sent[start:i]):
                return None
            if len(name) == 1:
                return i + 1 if name[0] in lexicon.surnames else None
            first = is_first_name(name[0], lexicon)
            return i + 1 if all(_plain_name_word(t, lexicon, first) for t in name) else None
    if end + 2 < len(sent) and sent[end] == "(" and sent[end + 1] in PARTIES \
            or _minute_after(sent, end):
        for i in range(max(start + 1, end - 3), end - 1):
            if is_first_name(sent[i], lexicon) \
                    and all(_plain_name_word(t, lexicon, True) for t in sent[i + 1:end]):
                return i
        if 2 <= end - start <= 3 and sent[start] not in lexicon.place_cues and (
                sent[end + 1] in PARTIES or not any(
                    t.isupper() or t in lexicon.place_cues for t in sent[start:end])) \
                and all(_plain_name_word(t, lexicon) for t in sent[start:end]):
            return start  # "Gyde Jense (FDP)": the whole span, though its first name is unlisted
    return None


def _plain_name_word(tok: str, lexicon, after_first_name: bool = False) -> bool:
    """A capitalised word that can be part of a person's name: no organisation head or noun,
    longer than an initial, and no lowercase word unless a first name precedes it (``Thorsten
    Frei``, not ``Deutsche Automobil``)."""
    return len(tok) > 1 and tok[:1].isupper() and tok not in ORG_HEADS \
        and tok not in lexicon.nouns and (after_first_name or tok.lower() not in lexicon.lowercase)


#: The longest quoted title read as a work's name (tokens between the quotes).
TITLE_TOKENS = 6
_TITLE_SMALL = frozenset("der die das des dem den ein eine und & of the and a in im am an von "
                         "vom zu zum zur to for you my me".split())


def _in_quoted_title(sent, start, end) -> bool:
    """Whether a span lies inside a short quoted title: an album, a film, a play, a hotel or a
    slogan of capitalised words (``„Wanna Take You There“``, ``„Kapuze“``, ``«Gute Besserung
    Champ»``), which names a work, not the person or place its words name. A quote that opens
    with a lowercase word, holds one other than an article or a preposition (``„Merkel muss
    weg“``) or punctuation is speech, and its names count."""
    open_at = next((i for i in range(start - 1, max(-1, start - 1 - TITLE_TOKENS), -1)
                    if sent[i] in _QUOTES or not _title_word(sent[i])), None)
    if open_at is None or sent[open_at] not in _QUOTES or not sent[open_at + 1][:1].isupper() \
            and not sent[open_at + 1].isdigit():
        return False  # "„eine Widerspiegelung der Verhältnisse in Deutschland“": speech
    close_at = next((i for i in range(end, min(len(sent), open_at + 2 + TITLE_TOKENS))
                     if sent[i] in _QUOTES or not _title_word(sent[i])), None)
    return close_at is not None and sent[close_at] in _QUOTES \
        and all(_title_word(t) for t in sent[start:end])


def _title_word(tok: str) -> bool:
    """A word a quoted title is made of: capitalised, a number, or a small word."""
    return tok[:1].isupper() or tok.isdigit() or tok.lower() in _TITLE_SMALL and tok.isalpha()


def _person_cue(sent, start, end, name, lexicon, sport) -> bool:
    """Whether a one-word person stands right after a role, title or nationality ("Trainer
    Kovač", "seine Frau Charlène", "der Schwede Lindqvist"), beside a verb of saying ("sagte
    Schmitt", "Schmitt sagte") or, in a sports report (``sport()``), of scoring ("traf Biereth")
    or before a match minute ("Dembélé (87.)"), or before an age ("Roman, 24,"), or is a listed
    surname ("Haseloff stoppt ...", ``_listed_surname``), with no other capitalised word beside
    it ("Xi Jinping", "Derby Cycle", "Black Panther")."""
    tok = name[0]
    if _person_after_role(sent, start, end, lexicon):
        return True  # also a listed place: "Torhüter Dahmen"
    if tok in lexicon.place_tokens or _NO_NAME_ENDS.match(tok.lower()):
        return False
    i = sent.index(tok, start, end) if tok in sent[start:end] else start
    prev = sent[i - 1] if i else ""
    nxt = sent[i + 1] if i + 1 < len(sent) else ""
    if sent[i] != tok:
        nxt = ""  # a genitive before what the person owns ("Bernals Unfall"): the noun is no name
    if _role_before(prev) or _nationality(prev) or (prev == "namens" or _AGE.fullmatch(prev)) \
            and (is_first_name(tok, lexicon) or _listed_surname(tok, lexicon)):
        # also "die 17-jährige Jonas", "ein Mann namens Kevin"; not "die 34-jährige Niedersächsin"
        return not nxt[:1].isupper()
    if prev[:1].isupper() or nxt[:1].isupper() and nxt not in SAYING_VERBS:
        return False
    if prev.lower() in SAYING_VERBS or nxt in SAYING_VERBS or _listed_surname(tok, lexicon):
        return True
    if _minute_after(sent, i + 1) and sport():
        return True  # "1:3 Dembélé (87.)"
    if _age_after(sent, i + 1) and tok not in _MONTHS \
            and (is_first_name(tok, lexicon) or _listed_surname(tok, lexicon)):
        return True  # "war Ben, vier Jahre alt", "Mia (8)", "Gantenbrink, 34, hat"
    thing = i > 1 and sent[i - 2].lower() in _NEUTER and _inflected_adjective(prev)
    return (prev in SCORING_VERBS or nxt in SCORING_VERBS) and tok not in lexicon.nouns \
        and not thing and sport()


def _age_after(sent: list[str], at: int) -> bool:
    """Whether a person's age follows at ``sent[at]``: ``, 34,``, ``, vier Jahre alt``,
    ``(8)``."""
    nxt = sent[at:at + 4]
    if len(nxt) < 3 or not _AGE_NUMBER.fullmatch(nxt[1]):
        return False
    if nxt[0] == "(":
        return nxt[2] == ")"
    return nxt[0] == "," and (nxt[2] == "," and nxt[1].isdigit()
                              or nxt[2:] == ["Jahre", "alt"] or nxt[2] == "Jahre" and len(nxt) == 3)


_MONTHS = frozenset("Januar Februar März April Mai Juni Juli August September Oktober November "
                    "Dezember".split())
# An age written alone: 1 to 110, or a number word ("vier", "zwölf", "dreiundachtzig").
_AGE_NUMBER = re.compile(r"(?:[1-9]\d?|10\d|110|(?:ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun"
                         r"|zehn|elf|zwölf|zwanzig|dreißig|vierzig|fünfzig|sechzig|siebzig|achtzig"
                         r"|neunzig|und)+)")
# An age: "17-jährige", "zwölfjährigen"; not "langjährige", "diesjährigen".
_AGE = re.compile(r"(?:\d+-|[a-zäöüß]*(?:ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn"
                  r"|elf|zwölf|zig|ßig|hundert))jährigen?")
# A neuter article before an adjective: a thing follows, no person ("ins rechte Eck traf").
_NEUTER = frozenset("ins das ans aufs".split())


def _nationality(tok: str) -> bool:
    """A nationality, also inflected ("der Schwede", "dem Italiener", "des Franzosen"), which
    cues a one-word person after it ("der Schwede Lindqvist")."""
    return tok in NATIONALITIES or tok[-1:] in ("n", "s") and tok[:-1] in NATIONALITIES


def _inflected_adjective(tok: str) -> bool:
    """A lowercase word ending like an inflected adjective ("großes", "heißen"), which a town's
    name never follows."""
    return tok[:1].islower() and tok.endswith(("e", "es", "en", "er", "em")) \
        and tok not in _NOT_ADJECTIVES


# Lowercase words before a place that end like an inflected adjective but are none.
_NOT_ADJECTIVES = frozenset("gegen zwischen unter hinter über wegen oder aber neben wieder "
                            "außer innerhalb außerhalb oberhalb unterhalb seitens entlang".split())
_NO_NAME_ENDS = Endings(PERSON_ROLES + THING_ENDINGS + NOUN_ENDINGS)
_PERSON_ROLE_ENDS = Endings(PERSON_ROLES)
_ROLE_ENDS = Endings(ROLE_ENDINGS)


def _is_role_word(tok: str) -> bool:
    """A capitalised word ending like a person's role ("Gesundheitsminister"), also hyphenated
    ("Paderborn-Trainer", "CDU-Chef", "Ex-Präsident")."""
    if "-" in tok:
        tok = tok.rsplit("-", 1)[1]
        if len(tok) < 4:
            return False
    elif len(tok) <= 5:
        return False
    return tok[:1].isupper() and tok[1:].islower() and _PERSON_ROLE_ENDS.match(tok.lower())


def _person_mention(sent, start, end, lexicon, tokens_seen, first, guest):
    """(kind, name) of a span tagged as a person, or None if it names nobody of the story.

    The span is trimmed to the name (``_person_span``); a byline or photo credit (``first``: the
    article's first two sentences) and, in a guest column, the note on its author are dropped.
    A Roman numeral after the name is kept ("Ludwig II."). A listed place or a name opening with
    "San", "Bad", "New" is a place.
    """
    got = _person_span(sent, start, end, lexicon, tokens_seen)
    if got is None:
        return None
    start, end = got
    if _in_byline(sent, start, end, first) or guest and _in_guest_note(sent, start, end):
        return None
    name = _with_initials(sent[start:end])
    if end + 1 < len(sent) and sent[end] in ROMAN and sent[end + 1] == ".":
        name = name + (sent[end] + ".",)
    elif name[-1] in ROMAN and end < len(sent) and sent[end] == ".":
        name = name[:-1] + (name[-1] + ".",)
    elif len(name) > 1 and len(name[-1]) == 1 and name[-1].isupper():
        name = name[:-1]  # a first name and an initial, the surname not written: "Anna K."
    elif _genitive_before_noun(name[-1], sent, end, lexicon, full=len(name) > 1) \
            and (len(name) == 1 or is_first_name(name[0], lexicon)):
        name = name[:-1] + (name[-1][:-1],)  # "Henry Wadsworth Longfellows Gedicht", "Putins Staat"
    elif len(name) > 1 and _genitive_after_noun(name, sent, start, lexicon):
        name = name[:-1] + (name[-1][:-1],)  # "die Rede Angela Merkels"
    if (" ".join(name) in lexicon.places or name[0] in PLACE_PREFIXES) \
            and not _person_after_role(sent, start, end, lexicon):
        return "LOC", name
    return "PER", name


def _person_after_role(sent, start, end, lexicon) -> bool:
    """Whether a one-word name right after a role, title or nationality is a person's, not the
    place it is also the name of ("Augsburgs Torhüter Dahmen", "Bundesbildungsministerin
    Prien", "der Schwede Lindberg"; not "Trainer Deutschlands", "Präsident Frankreich" before a
    capitalised word, nor after a nationality that is also a place's adjective: "in den
    Schweizer Alpen")."""
    if end - start != 1 or not start:
        return False
    tok, before = sent[start], sent[start - 1]
    return (before in TITLES or _is_role_word(before)
            or _nationality(before) and start > 1 and sent[start - 2].lower() in DETERMINERS
            and not before.startswith(_PLACE_ADJECTIVE_NATIONALITIES)) \
        and not (end < len(sent) and sent[end][:1].isupper()) \
        and not (tok[-1:] == "s" and tok[:-1] in lexicon.place_tokens)


#: Nationalities that are also adjectives of a place ("die Schweizer Alpen").
_PLACE_ADJECTIVE_NATIONALITIES = ("Schweizer", "Luxemburger", "Liechtensteiner", "Österreicher")


def _place_mention(sent, start, end, lexicon, club_towns, located, sport, after_article):
    """(kind, name) of a span tagged as a place, or None if it is no name; adds the name to
    ``located`` when the article writes it after a locative word ("in Schongau").

    A role or a district word opening the span is no part of it ("Richter Moro", "Landkreis
    Kassel" is Kassel). An unlisted one-word span that is a noun, or follows an article ("den
    Ball") here, or is a listed surname or an acronym written after an article anywhere in the
    article (``after_article``: "viel Sonne" beside "die Sonne", "WHO" beside "die WHO"), is
    dropped, and so is a listed one that follows an article and is a lowercase word
    too ("das Essen"), and an unlisted genitive before a common noun ("Bernals Rad"); a kind of
    road ("Landesstraße") and a currency after an amount ("5 Franken") are no places; an
    unlisted span opening with a first name is a person. A place after a club or institution
    word ("FC Augsburg", "Uni Bielefeld"), a club's town in a sports report, and a town's
    genitive before a team word there ("Münchens Torhüter") are organisations.
    """
    while end - start > 1 and (sent[start] in TITLES or sent[start] in DISTRICT
                               or sent[start] in FUNCTION_WORDS
                               and join_tokens(sent[start:end]) not in lexicon.places
                               or sent[start][1:].islower()
                               and _ROLE_ENDS.match(sent[start].lower())
                               and sent[start] not in lexicon.place_tokens):
        start += 1
    for i in range(start + 1, end - 1):
        # "der Regionalverkehr am Rhein": a common noun before "am", "an der", "ob der" is no
        # place's head; what it lies at is the place ("Rothenburg ob der Tauber" stays whole).
        if sent[i] in PLACE_JOINS and sent[i - 1][:1].isupper():
            head = sent[start:i]
            if len(head) == 1 and head[0] not in lexicon.place_tokens and (
                    _common_noun(head[0], lexicon) or head[0].lower().endswith(NOUN_ENDINGS)) \
                    and join_tokens(list(sent[start:end])) not in lexicon.places:
                start = i + 1
                while start < end - 1 and sent[start] in PLACE_JOINS:
                    start += 1
            break
    name = tuple(sent[start:end])
    if not name[-1][:1].isupper():
        return None
    joined = join_tokens(list(name))
    before = sent[start - 1] if start else ""
    if _person_after_role(sent, start, end, lexicon):
        # "Außenminister Maas", "Gesundheitspolitiker Lauterbach"; not "Trainer Deutschlands"
        return "PER", name
    if len(name) == 1 and name[0].lower() in lexicon.lowercase and (
            before.lower() in NOUN_MARKERS or _inflected_adjective(before)):
        return None  # "das Essen", "kein Essen", "ein großes Essen"
    if len(name) == 1 and (name[0] in ROAD_NOUNS or name[0] in CURRENCY_PLACES and (
            before[:1].isdigit() or before in AMOUNT_WORDS)):
        return None  # "auf der Landesstraße", "14 Millionen Franken"
    if len(name) == 1 and name[0][-1:] == "s" and end < len(sent) and (
            _team_word(sent[end]) or sent[end][:1].islower() and end + 1 < len(sent)
            and _team_word(sent[end + 1])) \
            and (name[0][:-1] in lexicon.place_tokens or name[0] in club_towns) and sport():
        return "ORG", name  # "Münchens Torhüter", "Hoffenheims neuen Trainer", "Kölns Jungstar"
    if joined not in lexicon.places:
        if len(name) == 2 and name[0][-1:] == "s" and name[0][-2:] != "es" \
                and name[0][1:].islower() and name[0][:-1] not in lexicon.place_tokens \
                and name[1] in lexicon.nouns and name[1] not in lexicon.place_tokens \
                and not name[1].lower().endswith(PLACE_SUFFIXES + ("park",)):
            # "Bernals Rad", "Karliczeks Ministerium": what a person owns; not "Weißes Haus",
            # "Hagenbecks Tierpark"
            return None
        if len(name) == 1 and name[0][1:].islower() and (
                name[0] in lexicon.nouns or name[0].lower() in lexicon.lowercase
                or name[0].lower().endswith(NOUN_ENDINGS)):
            return None
        if len(name) == 1 and _noun_compound(name[0], lexicon):
            return None  # "Corona-Krise", "Corona-Hotspots", "in Coronazeiten"
        if len(name) > 1 and is_first_name(name[0], lexicon) and name[-1] not in ENGLISH_PLACE_HEADS:
            return "PER", name  # not "Sonoma County"
        if len(name) == 1 and (start and sent[start - 1].lower() in DETERMINERS
                               or name[0] in after_article()) \
                and not name[0].lower().endswith(PLACE_SUFFIXES) \
                and strip_genitive(joined, lexicon.places) not in lexicon.places:
            return None
    if _org_head(before) or name[0] in ORG_HEADS or len(name) > 1 and name[-1] in MEDIA_AFTER_NAME:
        return "ORG", name  # "Uni Bielefeld", "Washington Post"
    if before == "gegen" and len(name) == 1 and not SPORT_WORDS.isdisjoint(sent) and sport():
        return "ORG", name  # "ins Halbfinale gegen Göttingen": the opponent, in a sports report
    if _minute_after(sent, end) and sport():
        return "ORG", name  # "zum 1:0 für Bielefeld (53.)": the team that scored
    if before not in LOCATIVE and len(name) == 1 and (
            name[0] in club_towns or name[0][-1:] == "s" and name[0][:-1] in club_towns):
        return "ORG", name
    if before in LOCATIVE:
        located.add(name)
    return "LOC", name


def _team_word(tok: str) -> bool:
    """A word for a team or its people ("Trainer", "Heimspiel"), also a compound of one
    ("Abwehrspieler", "Jungstar", "Torjäger")."""
    return tok in TEAM_WORDS or tok[1:].islower() and tok.lower().endswith(TEAM_ENDINGS)


def _noun_compound(tok: str, lexicon: Lexicon) -> bool:
    """Whether a word is a compound with a common noun's head: hyphenated (``Corona-Krise``),
    or written as one word of eight letters or more that the index's compound splitter cuts into
    known words (or ``_noun_after_word``), the last a listed noun of five letters or more (``in
    Coronazeiten``, ``aus Kapazitätsgründen``, ``in Schlachtbetrieben``, ``Bioenergie``; not the
    foreign ``Nadschaf`` or ``Großhadern``, known to no list, nor ``Stockdorf``,
    ``Nymphenburg``, ``Jungholz``). Not when its first part is a listed place
    (``Berlin-Mitte``, ``Rhein-Main-Gebiet``, ``Wesermarsch``) or its head a district, region or
    place word, inflected or not (``Rhein-Neckar-Kreis``, ``Schengen-Raums``,
    ``Alexanderplatz``, ``Elbstrand``); a plural of ``-kreis`` is no district (``in
    Sicherheitskreisen``)."""
    if "-" in tok:
        first, _, head = tok.partition("-")
        head = head.rsplit("-", 1)[-1]
        if not head or head not in lexicon.nouns:
            return False
    else:
        if len(tok) < 8 or not tok[1:].islower() \
                or strip_genitive(tok, lexicon.place_tokens) in lexicon.place_tokens:
            return False  # "Frankreichs" is no "Reichs"
        parts = _SPLITTER.split(tok.lower()) or _noun_after_word(tok, lexicon)
        if not parts:
            return False  # no German compound: "Nadschaf", "Großhadern", "Etterschlag"
        at = parts[-1][0]
        first, head = tok[:parts[0][1]], tok[at].upper() + tok[at + 1:]
        if head.lower().endswith("kreisen"):
            return True
        if len(head) < 5 or head not in lexicon.nouns or any(
                strip_genitive(tok[s].upper() + tok[s + 1:], lexicon.place_tokens)
                in lexicon.place_tokens for s, _, _ in parts[1:]):
            return False  # "Norditalien", "Ostmitteleuropa"
    return head not in DISTRICT \
        and not any(head.lower()[:len(head) - cut].endswith(PLACE_SUFFIXES + _PLACE_HEADS)
                    for cut in (0, 1, 2)) \
        and first not in lexicon.place_tokens and head not in lexicon.place_tokens


def _noun_after_word(tok: str, lexicon: Lexicon) -> list[tuple[int, int, str]]:
    """The splitter's segments for a compound it leaves whole because its first part is a
    prefix or itself a compound (``Bioenergie``, ``Gasbrennwertgerät``): the longest listed
    noun at the end, after a frequent word (``MIN_PREFIX_ZIPF``) or a compound the splitter
    cuts; [] for none (``Nadschaf``: ``nad`` is rare)."""
    for at in range(3, len(tok) - 4):
        if tok[at].upper() + tok[at + 1:] in lexicon.nouns:
            prefix = tok[:at].lower()
            if _zipf(prefix) >= MIN_PREFIX_ZIPF or _SPLITTER.split(prefix):
                return [(0, at, prefix), (at, len(tok), tok[at:].lower())]
            return []
    return []


#: How common (Zipf, in the compound splitter's word list) a word before a noun must be for
#: ``_noun_after_word``: ``bio`` 4.4, ``gas`` 4.5; not ``mont`` 3.4, ``nad`` 2.8.
MIN_PREFIX_ZIPF = 3.5
_SPLITTER = CompoundSplitter()


def _zipf(word: str) -> float:
    """How common a word is (Zipf, lowercased) in the compound splitter's word list, which
    spells ß as ss ("Fußball" is "fussball"); 0 if absent."""
    return _SPLITTER.vocab.get(word.lower().replace("ß", "ss")) or 0
# Heads of compounds that name places, besides PLACE_SUFFIXES ("Landwehrkanal", "Elbstrand",
# "Olympiapark", "Nordstrand").
_PLACE_HEADS = ("raum", "gebiet", "region", "hafen", "garten", "strand", "kanal", "brücke",
                "kirche", "schloss", "stein", "kreuz", "dreieck", "hütte", "park", "hof", "tor",
                "turm", "mühle", "quelle", "haus", "vorland", "marsch", "heide", "moor", "aue",
                "stadt", "stuhl", "felde", "graben", "winkel", "spitz", "anger", "promenade",
                "schleuse", "forum", "hausen", "hofen", "kirchen", "leben", "hagen", "weiler",
                "brücken", "polis")


def _common_noun(tok: str, lexicon: Lexicon) -> bool:
    """A listed noun, or a compound ending in one of five letters or more ("Regionalverkehr")."""
    if tok in lexicon.nouns:
        return True
    return any(tok[i].isalpha() and tok[i].upper() + tok[i + 1:] in lexicon.nouns
               for i in range(2, len(tok) - 4))


def _choose_kinds(votes, best, located, lexicon, cued=frozenset()) -> tuple[list[Name], list[str]]:
    """The persons (token tuples) and places (text) of an article, each name with the kind most
    of its mentions have (ties: place, then person).

    An organisation the article also writes after a locative word is a place ("im Klinikum
    Schongau" twice, "in Schongau" once). A one-word person below ``MIN_SINGLE_PERSON`` in all its
    mentions (``MIN_CUED_PERSON`` if ``cued``), and an unlisted place below ``MIN_PLACE``, are
    dropped.
    """
    persons, places = [], []
    for name, kinds in votes.items():
        kind = max(kinds, key=lambda k: (kinds[k], k == "LOC", k == "PER"))
        if kind == "ORG" and name in located:
            kind = "LOC"
        if kind == "PER":
            if len(name) > 1 or best[name] >= MIN_SINGLE_PERSON \
                    or name in cued and best[name] >= MIN_CUED_PERSON:
                persons.append(name)
        elif kind == "LOC":
            joined = join_tokens(list(name))
            if best[name] >= MIN_PLACE or joined in lexicon.places \
                    or _listed_genitive(joined, lexicon):
                places.append(joined)
    return persons, places


def _listed_genitive(joined: str, lexicon: Lexicon) -> bool:
    """Whether a place is a listed one's genitive ("Kolumbiens Präsident"), not a name's
    ("Jonas", "Benedikts": the villages Jona and Benedikt are listed)."""
    base = strip_genitive(joined, lexicon.places)
    return base != joined and base in lexicon.places and " " not in joined \
        and not is_first_name(joined, lexicon) and not is_first_name(base, lexicon) \
        and not _listed_surname(joined, lexicon)


def _listed_surname(tok: str, lexicon: Lexicon) -> bool:
    """Whether a one-word person is a listed surname, also in the genitive ("Haseloffs"): the
    list holds no common word, place or first name, so "Merkel" counts and "Radio" does not."""
    surnames = lexicon.surnames
    return tok in surnames or tok[-1:] == "s" and tok[:-1] in surnames


def _surnames_after_roles(sentences, tags, lexicon, votes, best, cued, tokens_seen) -> None:
    """Count a listed surname the CRF left untagged right after a role or title as a cued person
    ("Staatschef Lukaschenko", "dem damaligen Präsidenten Medwedew"), unless a capitalised word
    follows (a name of more words the CRF did not see)."""
    found = tokens_seen & lexicon.surnames
    if not found:
        return
    for sent, stags in zip(sentences, tags):
        if found.isdisjoint(sent):
            continue
        for i in [i for i, tok in enumerate(sent) if tok in found]:
            tok = sent[i]
            if not i or stags[i] != "O" or stags[i - 1] != "O":
                continue
            if i + 1 < len(sent) and sent[i + 1][:1].isupper():
                continue
            if _role_before(sent[i - 1]):
                name = (tok,)
                _vote(votes, best, name, "PER", MIN_CUED_PERSON)
                cued.add(name)


def _minute_after(sent: list[str], at: int) -> bool:
    """Whether a match minute in parentheses opens at ``sent[at]``: ``(64.)``, ``(90.+2)``."""
    return at + 3 < len(sent) and sent[at] == "(" and sent[at + 1].isdigit() \
        and len(sent[at + 1]) <= 3 and sent[at + 2] == "." and sent[at + 3] in (")", "+")


def _scorers(sentences, tags, lexicon, votes, best, cued, sport) -> None:
    """Count a name the CRF left untagged right before a match minute in a sports report as a
    cued person ("1:1 De Bruyne (69.)", "Suso (7.)"): one word, or two after a listed first
    name or a particle, none a noun, lowercase word or place (not "per Foulelfmeter (90.+3)",
    "für Bielefeld (53.)")."""
    for sent, stags in zip(sentences, tags):
        if "(" not in sent or not sport():
            continue
        for at in [i for i, tok in enumerate(sent) if tok == "(" and _minute_after(sent, i)]:
            start = at - 1
            if start < 1 or stags[start] != "O" or not sent[start][:1].isupper():
                continue
            if stags[start - 1] == "O" and sent[start - 1][:1].isupper() \
                    and (is_first_name(sent[start - 1], lexicon)
                         or sent[start - 1].lower() in PARTICLES):
                start -= 1
            name = tuple(sent[start:at])
            last = name[-1]
            if _no_stage_name(last, lexicon) or "-" in last or _team_word(last) \
                    or last.lower().endswith(_MATCH_ENDINGS) \
                    or len(name) == 1 and sent[start - 1][:1].isupper() \
                    and sent[start - 1] not in FUNCTION_WORDS:
                continue
            _vote(votes, best, name, "PER", MIN_CUED_PERSON)
            if len(name) == 1:
                cued.add(name)


# Words of a match before its minute that no list holds as nouns ("per Freistoß (22.)").
_MATCH_ENDINGS = ("stoß", "ball", "meter", "tor", "schuss", "treffer", "konter", "flanke",
                  "ecke", "elf", "team")


def _no_stage_name(tok: str, lexicon: Lexicon) -> bool:
    """Whether a capitalised word the CRF left untagged is some other word than the name of a
    player or an artist no list holds: a noun (or a compound of one), lowercase word, place,
    function word or acronym, or as common as ``MAX_NAME_ZIPF`` ("Tor" 4.8; "Cornet" 2.6)."""
    return tok in lexicon.nouns or tok.lower() in lexicon.lowercase \
        or tok in lexicon.place_cues or tok in FUNCTION_WORDS or tok.isupper() \
        or _common_noun(tok, lexicon) or _zipf(tok) >= MAX_NAME_ZIPF


#: How common (Zipf, in the compound splitter's word list) a word may be and still be read as
#: the name of a player before a match minute or of an artist after a role.
MAX_NAME_ZIPF = 3.0


def _names_after_roles(sentences, tags, lexicon, votes, best, cued, tokens_seen) -> None:
    """Count one word the CRF left untagged right after a role, title or nationality as a cued
    person: names no list holds ("Sozialministerin Grimm-Benne", "die Slowakin Vlhová",
    "Ifo-Präsident Fuest") and stage names ("der Zürcher Rapper Bligg", "die Sängerin Anitta").

    Not before a capitalised word or a particle (a longer name: "Bundesrat Beat Jans",
    "Torhüter Marc-André ter Stegen"); not after the head of a unit ("Leiter Newsroom"), a
    partner ("Partner Brilliance") or a plural title but in a list ("die Herren Wieler,
    Drosten"); not a word shaped unlike a name (``_name_shaped``), a noun, lowercase word, place
    or acronym, nor a word as common as ``MAX_NAME_ZIPF`` ("Rapper Deutschlands").
    """
    roles = {t for t in tokens_seen if t[:1].isupper() and (
        t.lower().endswith(_ARTIST_ROLES) or _role_before(t) or _nationality(t))}
    for sent, i in _untagged_after(sentences, tags, roles):
        tok, cue = sent[i], sent[i - 1]
        nxt = sent[i + 1] if i + 1 < len(sent) else ""
        if nxt[:1].isupper() or nxt in _PARTICLES_AFTER_FIRST:
            continue
        if cue in _UNIT_HEADS or cue.lower().endswith(_PARTNERS) \
                or cue in _PLURAL_TITLES and nxt not in _COORDINATORS:
            continue
        artist = cue.lower().endswith(_ARTIST_ROLES)  # "Rapper Nashi44"
        if not _name_shaped(tok, lexicon, digits=artist) or _no_stage_name(tok, lexicon):
            continue
        name = (tok,)
        _vote(votes, best, name, "PER", MIN_CUED_PERSON)
        cued.add(name)


def _name_shaped(tok: str, lexicon: Lexicon, digits: bool = False) -> bool:
    """Whether an unlisted word is written like a surname or stage name: capitalised, three
    letters or more ("Mg." is an abbreviation), no stop ("K.s"), no digits (unless ``digits``:
    a rapper's "Nashi44"), no capitals inside but after an apostrophe ("O’Toole"; not
    "HomePod", "BNT162b2"), no noun ending ("Gamification", "Mutmaßungen"), and if hyphenated,
    of capitalised parts of three letters or more that are no nouns or lowercase words
    ("Grimm-Benne"; not "Artikel-Müller", "Zyklus-abhängig", "Es-Pe-De")."""
    if not tok[:1].isupper() or len(tok) < 3 or "." in tok \
            or not digits and any(c.isdigit() for c in tok) or _NO_NAME_ENDS.match(tok.lower()):
        return False
    parts = tok.split("-")
    if len(parts) > 1 and any(len(p) < 3 or p in lexicon.nouns or p.lower() in lexicon.lowercase
                              for p in parts):
        return False
    return all(p[:1].isupper() and not any(c.isupper() for c in re.split(r"['’]", p[1:])[0])
               for p in parts)


# Heads that a unit or department follows in a signature ("Leiter Newsroom", "Chefin Vertrieb").
_UNIT_HEADS = frozenset("Leiter Leiterin Chef Chefin Head".split())
# Particles that open a surname after a first name ("Marc-André ter Stegen"); "von" and "zu"
# after a name are prepositions as often ("Professor Leung von der Universität").
_PARTICLES_AFTER_FIRST = NAME_PARTICLES - {"von", "zu"}
# Partners are firms as often as persons ("mit dem chinesischen Partner Brilliance").
_PARTNERS = ("partner", "partnern", "partners")
# Plural titles, which only a list of names follows ("die Herren Wieler, Drosten").
_PLURAL_TITLES = frozenset("Herren Damen Frauen".split())

# Roles of musicians and artists, whose stage names no word list holds.
_ARTIST_ROLES = ("rapper", "rapperin", "sänger", "sängerin", "musiker", "musikerin",
                 "liedermacher", "liedermacherin", "songwriter", "songwriterin", "dj")


def _untagged_full_names(sentences, tags, lexicon, votes, best, tokens_seen) -> None:
    """Count a listed first name and a capitalised word after it, both left untagged, as a person
    when the word is a listed surname or a common one the list leaves out ("Auch Helene Fischer
    kam"): not at a sentence's start or after a capitalised word other than a function word,
    not a place, and only before a lowercase word (a byline, "von Vivien Timmler", ends its
    line; a capitalised word would make a longer name)."""
    firsts = tokens_seen & lexicon.first_names
    if not firsts:
        return
    for sent, stags in zip(sentences, tags):
        if firsts.isdisjoint(sent):
            continue
        for i in [i for i, tok in enumerate(sent[:-1]) if i and tok in firsts]:
            tok, nxt = sent[i], sent[i + 1]
            if stags[i] != "O" or stags[i + 1] != "O" \
                    or stags[i - 1] != "O" or not nxt[1:].islower() or not nxt[:1].isupper():
                continue
            if i + 2 >= len(sent) or not sent[i + 2][:1].islower():
                continue  # "Kommentar von Vivien Timmler": a byline ends its line
            if sent[i - 1][:1].isupper() and sent[i - 1] not in FUNCTION_WORDS \
                    or nxt in lexicon.place_tokens \
                    or tok in lexicon.place_tokens or tok.lower() in lexicon.lowercase \
                    or _role_before(tok):
                continue  # "Der langjährige Berater Sommer": the list of first names is noisy
            if nxt in _SURNAME_NOUNS or nxt in lexicon.surnames \
                    and nxt.lower() not in lexicon.lowercase and not _common_noun(nxt, lexicon):
                _vote(votes, best, (tok, nxt), "PER", MIN_CUED_PERSON)


# Common German surnames that the surname list leaves out as nouns or first names: after a
# first name a person ("Helene Fischer", "Hans Werner").
_SURNAME_NOUNS = frozenset(
    "Fischer Schneider Müller Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein Wolf "
    "Neumann Schwarz Zimmermann Braun Krüger Hartmann Lange Werner Krause Lehmann Köhler Maier "
    "Herrmann König Walter Huber Kaiser Fuchs Peters Lang Scholz Jung Hahn Vogel Friedrich "
    "Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht Schuster "
    "Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß "
    "Seidel Heinrich Brandt Haas Schreiber Graf Dietrich Ziegler Kuhn Kühn Pohl Engel Horn "
    "Busch Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer".split())


def _coordinated_surnames(sentences, tags, probs, lexicon, votes, best, cued, tokens_seen) -> None:
    """A listed surname joined by "und", "sowie", "oder" or a comma to a name the CRF tagged as a
    person is cued ("wo sie Rilke und Clara Westhoff traf", "trafen Bauer, Kocher und ..."):
    counted as a cued person if the CRF left it untagged, made cued if the CRF tagged it a
    person it is unsure of. The other name must be one of two words or more, or one the CRF is
    sure of; the surname is no noun of a noun phrase ("einen König oder einen Diktator") and
    stands before no capitalised word (a longer name)."""
    found = tokens_seen & lexicon.surnames
    if not found:
        return
    for n, (sent, stags) in enumerate(zip(sentences, tags)):
        if "B-PER" not in stags or len(stags) < 3 or found.isdisjoint(sent):
            continue
        sure = probs[n] if probs is not None else [1.0] * len(sent)
        for i in [i for i, tok in enumerate(sent) if i and tok in found]:
            tok = sent[i]
            if stags[i] not in ("O", "B-PER") or i + 1 < len(sent) and stags[i + 1] == "I-PER":
                continue
            if i + 1 < len(sent) and sent[i + 1][:1].isupper():
                continue
            after = i + 2 < len(sent) and sent[i + 1] in _COORDINATORS \
                and _sure_person(stags, sure, i + 2)
            before = i > 1 and sent[i - 1] in _COORDINATORS and stags[i - 2].endswith("-PER") \
                and _sure_person(stags, sure, _span_start(stags, i - 2))
            if not (after or before) or stags[i - 1] != "O":
                continue
            if after and (sent[i - 1].lower() in NOUN_MARKERS or i > 1 and _inflected_adjective(
                    sent[i - 1]) and sent[i - 2].lower() in NOUN_MARKERS):
                continue  # "einen König oder ...", "der gelernte Metzger und ..."
            if tok.lower() in lexicon.lowercase or _common_noun(tok, lexicon):
                continue
            listed = "," in (sent[i - 1], sent[i + 1] if i + 1 < len(sent) else "")
            if listed and not _listing(sent, i):
                continue  # "Christian Vogler, Wirt des Augustiner-Kellers": an apposition
            if i + 1 < len(sent) and sent[i + 1].lower() in DETERMINERS or listed \
                    and any(t.endswith(("-ORG", "-LOC")) for t in stags[max(0, i - 6):i + 7]):
                continue  # "Agfa, BASF, Bayer, ..." or "Lesbos, Chios, Samos": a list of others
            name = (tok,)
            if stags[i] == "O":
                _vote(votes, best, name, "PER", MIN_CUED_PERSON)
            cued.add(name)


_CONJUNCTIONS = frozenset(("und", "sowie", "oder"))
_COORDINATORS = _CONJUNCTIONS | {","}


def _sure_person(stags, sure, start) -> bool:
    """Whether the person tag opening at ``start`` spans two words or more, or the CRF is sure
    of it (``MIN_SINGLE_PERSON``)."""
    if stags[start] != "B-PER":
        return False
    return start + 1 < len(stags) and stags[start + 1] == "I-PER" \
        or sure[start] >= MIN_SINGLE_PERSON


def _span_start(stags, i) -> int:
    """The index of the B- tag of the span that holds ``i``."""
    while i > 0 and stags[i].startswith("I-"):
        i -= 1
    return i


def _listing(sent, i) -> bool:
    """Whether the comma beside token ``i`` separates the items of a list: "und", "sowie" or
    "oder" ends it within the next six tokens ("Bauer, Kocher und Kohr")."""
    for tok in sent[i + 1:i + 7]:
        if tok in _CONJUNCTIONS:
            return True
        if tok in (".", ";", ":", "(", ")"):
            return False
    return False


def _vote(votes, best, name, kind, prob) -> None:
    """Count one more mention of ``name`` as ``kind``, at least as sure as ``prob``."""
    votes.setdefault(name, {}).setdefault(kind, 0)
    votes[name][kind] += 1
    best[name] = max(best.get(name, 0.0), prob)


def _first_names_after_ages(sentences, tags, lexicon, votes, best, cued, tokens_seen) -> None:
    """Count a listed first name the CRF left untagged right after an age or "namens", or right
    before an age (``_age_after``) and not after a capitalised word, as a cued person ("die
    zwölfjährige Jule", "ein Mann namens Kevin", "war Ben, vier Jahre alt", "Jana (22) aus
    Kassel"), unless a capitalised word follows, the name is also a place ("die achtjährige
    Lena" stays to the tagger) or a month ("Anfang August (2)")."""
    ages = {t for t in tokens_seen if "jährige" in t and _AGE.fullmatch(t.lower())}
    if "namens" in tokens_seen:
        ages.add("namens")
    firsts = tokens_seen & lexicon.first_names  # before an age: listed ones only
    if not ages and not firsts:
        return
    for sent, stags in zip(sentences, tags):
        if ages.isdisjoint(sent) and firsts.isdisjoint(sent):
            continue
        for i in range(1, len(sent) - 1):
            tok = sent[i]
            if sent[i - 1] not in ages and (tok not in firsts or not _age_after(sent, i + 1)
                                            or sent[i - 1][:1].isupper()
                                            and sent[i - 1] not in FUNCTION_WORDS) \
                    or stags[i] != "O" or tok in _MONTHS:
                continue
            if sent[i + 1][:1].isupper() or tok in lexicon.place_tokens \
                    or not is_first_name(tok, lexicon, more=False):
                continue
            name = (tok,)
            _vote(votes, best, name, "PER", MIN_CUED_PERSON)
            cued.add(name)


def _word_towns(sentences, lexicon, votes, best, located, tokens_seen) -> None:
    """Count a town whose name is also a word or a name, so that the place list leaves it out,
    as a place where the context names a town:

    - one of ``WORD_TOWNS`` (of 15,000 inhabitants or more: "beim Singen", "die Weiden") right
      after "in", "aus" or "nach" and before no capitalised word ("in Thun", "aus Wil"; not "in
      Baden Württemberg"-like runs);
    - any of ``lexicon.word_towns`` (GeoNames' towns of 500 or more) after "in", "aus", "nach",
      "bei", "von" or "zwischen" and joined by "und" or in a list to a listed place ("in Laufen
      und Tittmoning", "aus Hall, Absam und Mils"), or before where it lies ("aus Moos im
      Landkreis Deggendorf", "aus Rum bei Innsbruck", "in Au im Bregenzerwald"); never before
      a capitalised word or as a first name (``_town_in_context``).
    """
    found = tokens_seen & WORD_TOWNS
    more = tokens_seen & lexicon.word_towns
    if not found and not more:
        return
    for sent in sentences:
        if found.isdisjoint(sent) and more.isdisjoint(sent):
            continue
        for i in range(1, len(sent)):
            tok = sent[i]
            if tok in found and sent[i - 1] in _TOWARDS_TOWN \
                    and not (i + 1 < len(sent) and sent[i + 1][:1].isupper()):
                name = (tok,)
            elif tok in more and (end := _town_in_context(sent, i, lexicon)):
                name = tuple(sent[i:end])
            else:
                continue
            _vote(votes, best, name, "LOC", 1.0)
            located.add(name)


def _town_in_context(sent, i, lexicon) -> int:
    """Where the name of a town ends that ``sent[i]`` opens where only a town can stand (see
    ``_word_towns``), or 0: after a preposition of place or in a list of listed towns, before
    no capitalised word ("Markt Indersdorf", "Klaus Schwab"), and no first name. A town named
    with the river or place it lies at is named whole ("aus Wasserburg am Inn", "aus Bruck an
    der Mur")."""
    before = sent[i - 1]
    after = sent[i + 1:i + 4]
    if after[:1] and after[0][:1].isupper() or is_first_name(sent[i], lexicon):
        return 0
    one = i + 1
    if before in _COORDINATORS:
        # the second of two or the next in a list: "in Emmen und Thun", "aus Hall, Absam und
        # Mils", "zwischen Tempelhof und Mitte"
        listed = i > 2 and sent[i - 2] in lexicon.place_tokens \
            and sent[i - 3] in _TOWARDS_OR_LISTING
        return one if listed else 0
    if before not in _TOWARDS_LISTED:
        return 0
    if after[:1] == ["bei"] and len(after) > 1 and after[1] in lexicon.place_tokens \
            or after[:2] in (["im", "Landkreis"], ["im", "Kreis"], ["im", "Bezirk"],
                             ["(", "Landkreis"], ["(", "Kreis"]):
        return one  # "aus Rum bei Innsbruck", "aus Moos im Landkreis Deggendorf"
    if len(after) > 1 and after[0] in ("an", "am", "ob"):
        if after[1] in ("der", "den") and len(after) > 2 and after[2] in lexicon.place_tokens:
            return i + 4  # "aus Bruck an der Mur", "Lauf an der Pegnitz"
        if after[1] in lexicon.place_tokens:
            return i + 3  # "aus Wasserburg am Inn", "Zimmern ob Rottweil"
    if after[:1] == ["im"] and len(after) > 1 and after[1] in lexicon.place_tokens:
        return one  # "in Au im Bregenzerwald"
    # the first of two or of a list: "in Laufen und Tittmoning", "in Vorst, Kempen und Grefrath";
    # not "geriet in Brand, Berlin brannte"
    listed = len(after) > 1 and after[1] in lexicon.place_tokens and (
        after[0] in _CONJUNCTIONS or after[0] == "," and after[2:3] and after[2] in _COORDINATORS)
    return one if listed else 0


#: Prepositions before a town named beside a listed one (``_town_in_context``).
_TOWARDS_LISTED = frozenset("in aus nach bei von zwischen".split())
#: What stands before the first of a list of towns: such a preposition or a list's joiner.
_TOWARDS_OR_LISTING = _TOWARDS_LISTED | _COORDINATORS


_TOWARDS_TOWN = frozenset("in aus nach".split())

#: Words for a town, a village or an island, also as the head of a compound ("Hafenstadt",
#: "Nachbardorf", "Urlaubsinsel"): the capitalised word after one is the place's name.
_SETTLEMENT_ENDS = ("stadt", "dorf", "insel", "gemeinde", "metropole", "ortschaft", "kurort",
                    "badeort", "ortsteil")


def _named_settlements(sentences, tags, lexicon, votes, best, doc_lower, tokens_seen) -> None:
    """Count an untagged, unlisted name right after a word for a town, village or island as a
    place ("die Hafenstadt Dubrovnik", "auf der Insel Hvar", "das Dorf Kippel"): one capitalised
    word that is no noun (nor a compound of one), lowercase word, first name or listed surname,
    and none before a capitalised word ("die Stadt Bremen Verwaltung"); the town word after a
    lowercase word or an article ("Galeria Karstadt Kaufhof" is a firm)."""
    heads = {t for t in tokens_seen if t[1:].islower() and t.lower().endswith(_SETTLEMENT_ENDS)}
    for sent, i in _untagged_after(sentences, tags, heads):
        tok = sent[i]
        if len(tok) < 3 or not (tok[:1].isupper() and tok[1:].islower()):
            continue
        opener = sent[i - 2] if i > 1 else ""
        if opener and not opener[:1].islower() and opener.lower() not in DETERMINERS:
            continue  # "Galeria Karstadt Kaufhof", "„10 Insel Challange“"
        if i + 1 < len(sent) and (sent[i + 1][:1].isupper() or sent[i + 1] == "-"):
            continue  # "die Stadt Bremen Verwaltung", "die Stadt Halle-Neustadt"
        low = tok.lower()
        if tok in lexicon.nouns or low in lexicon.lowercase or low in doc_lower \
                or is_first_name(tok, lexicon) or tok in lexicon.surnames \
                or low.endswith(NOUN_ENDINGS) or _common_noun(tok, lexicon) \
                or (tok,) in votes:
            continue
        _vote(votes, best, (tok,), "LOC", 1.0)


def _landmarks(sentences, tags, lexicon, votes, best, tokens_seen) -> None:
    """Count untagged names of streets, squares, lakes, parks and landscapes as places, where
    no list holds them:

    - an English place head after a capitalised word ("Sonoma County", "Yakima Valley");
    - a capitalised adjective inside a sentence before a landscape or street word
      (``LANDMARK_WORDS``): one formed from a listed place ("am Kitzbüheler Horn", "im
      Ebersberger Forst", "die Mainzer Landstraße") or, written in capitals, a lowercase one ("im
      Bayerischen Wald", "das Bergische Land", "über die Lange Gasse");
    - one word after an article or a preposition with one, ending like a lake, park, square,
      street or bank (``_LANDMARK_ENDS``: "am Staffelsee", "im Grugapark", "am Augustusplatz",
      "an der Dhünntalsperre"), unless it is a generic one (``_landmark_compound``: "am
      Arbeitsplatz", "im Industriepark").
    """
    words = tokens_seen & _LANDMARK_CUES
    ends = {t for t in tokens_seen if t[1:].islower() and len(t) > 6 and t.endswith(_LANDMARK_ENDS)
            and not t.endswith(_NO_LANDMARK_ENDS)}
    if not words and not ends:
        return
    for sent, stags in zip(sentences, tags):
        if words.isdisjoint(sent) and ends.isdisjoint(sent):
            continue
        for i in range(1, len(sent)):
            tok = sent[i]
            if stags[i] != "O":
                continue
            if tok in words and stags[i - 1] == "O" and _landmark_adjective(sent, i - 1, lexicon):
                name = (sent[i - 1], tok)
            elif tok in ENGLISH_PLACE_HEADS and stags[i - 1] == "O" and sent[i - 1][:1].isupper() \
                    and sent[i - 1][1:].islower() and sent[i - 1] not in FUNCTION_WORDS:
                name = (sent[i - 1], tok)  # "im Sonoma County", "das Yakima Valley"
            elif tok in ends and sent[i - 1].lower() in _LANDMARK_BEFORE \
                    and _landmark_compound(tok, lexicon):
                name = (tok,)
            else:
                continue
            if name not in votes:
                _vote(votes, best, name, "LOC", 1.0)


def _landmark_compound(tok: str, lexicon: Lexicon) -> bool:
    """Whether a word ending like a landmark (``_LANDMARK_ENDS``) names one: no listed noun or
    compound of one ("Gratisparkplatz"), not as common as ``MAX_NAME_ZIPF``, and a square, park
    or quarter not named after a common noun or word ("Augustusplatz", "Grugapark",
    "Wrangelkiez"; not "Trainingsplatz", "Industriepark", "Nebenplatz", "Sprengplatz", whose first
    part the compound splitter finds among the listed nouns, lowercase words or verb stems)."""
    if tok in lexicon.nouns or _zipf(tok) >= MAX_NAME_ZIPF:
        return False
    for at in range(1, len(tok) - 5):
        if tok[at].upper() + tok[at + 1:] in lexicon.nouns and tok[at:].lower() not in _LANDMARK_ENDS:
            return False  # "Gratisparkplatz", "Onlinemarktplatz": a listed noun's compound
    if tok.endswith(_GENERIC_LANDMARK_ENDS):
        parts = _SPLITTER.split(tok.lower().replace("ß", "ss"))
        if parts:
            first = parts[0][2]
            return first in lexicon.place_tokens or first.capitalize() in lexicon.place_tokens \
                or first.capitalize() not in lexicon.nouns and not {
                    first, first + "n", first + "en"} & lexicon.lowercase  # "Sprengplatz"
    return True


def _landmark_adjective(sent, i, lexicon) -> bool:
    """Whether ``sent[i]`` (not the first word) is a capitalised adjective that opens a name: of
    a listed place ("Kitzbüheler", "Ebersberger") or a lowercase adjective in capitals
    ("Bayerischen", "Lange")."""
    tok = sent[i]
    if i < 1 or not tok[:1].isupper() or not tok[1:].islower() or sent[i - 1] in _QUOTES \
            or sent[i - 1] in (":", "–", "-") or _PRONOUN_OR_ORDINAL.fullmatch(tok.lower()):
        return False  # "in Ihrem Land", "Dieses Land", "der Dritte Weg"
    if tok.endswith("er") and (tok[:-2] in lexicon.place_tokens or tok[:-1] in lexicon.place_tokens):
        return True
    return len(tok) > 4 and tok.lower() in lexicon.lowercase and _inflected_adjective(tok.lower()) \
        and sent[i + 1] not in _SQUARE_WORDS  # not "Sie", "der Grüne Platz", "der Weiße Ring"


#: Words that end a landmark's name after a capitalised word (see ``_landmarks``).
_LANDMARK_CUES = LANDMARK_WORDS | ENGLISH_PLACE_HEADS
#: Squares and rings, which a capitalised adjective opens in other names as often.
_SQUARE_WORDS = frozenset(("Platz", "Ring"))
#: Articles, pronouns and ordinals, which a capitalised landmark word may follow too.
_PRONOUN_OR_ORDINAL = re.compile(
    r"(?:der|die|das|dem|den|des|ein|eine[mnrs]?|(?:mein|dein|sein|ihr|unser|euer|eur|dies|jen"
    r"|jed|welch|manch|kein)(?:e[mnrs]?)?|(?:erst|zweit|dritt|viert|fünft|letzt|nächst)e[mnrs]?)")
#: Endings of one-word names of lakes, parks, squares, streets and banks (see ``_landmarks``).
_LANDMARK_ENDS = ("see", "park", "platz", "gasse", "straße", "strasse", "kiez", "ufer",
                  "talsperre", "allee")
#: Of these, the squares, parks and quarters, often named after what they serve ("Festplatz").
_GENERIC_LANDMARK_ENDS = ("platz", "park", "kiez")
#: Words that end like a bank but are persons ("Läufer", "Käufer", "Anrufer").
_NO_LANDMARK_ENDS = ("äufer", "rufer")
#: What stands before such a name: an article, or a preposition fused with one.
_LANDMARK_BEFORE = frozenset("der die das dem den des am im vom zum zur beim ins ans aufs".split())


def _untagged_after(sentences, tags, cues):
    """(sentence, index) of each token the CRF left untagged right after one of ``cues`` (a
    set of words: a town word, a musician's role), sentences without a cue skipped."""
    if not cues:
        return
    for sent, stags in zip(sentences, tags):
        if cues.isdisjoint(sent):
            continue
        for i in range(1, len(sent)):
            if sent[i - 1] in cues and stags[i] == "O":
                yield sent, i


def _role_before(tok: str) -> bool:
    """A title, kinship or role word, also inflected ("Präsidenten", "Staatschefs",
    "Bruders")."""
    if tok in TITLES or tok in KIN_WORDS or _is_role_word(tok):
        return True
    for cut in ((2, 1) if tok.endswith(("en", "es")) else (1,) if tok.endswith(("n", "s")) else ()):
        base = tok[:-cut]
        if base in TITLES or base in KIN_WORDS or _is_role_word(base):
            return True
    return False


def _in_byline(sent: list[str], start: int, end: int, first: bool) -> bool:
    """Whether a name at sent[start:end] is an author or photo credit, not a person in the story."""
    before = [t.lower() for t in sent[max(0, start - 4):start]]
    if any(t in BYLINE_CUES for t in before) and any(t in (":", "/", "©") for t in sent[:end]):
        return True
    if "©" in sent[:start]:
        return True
    # "Von Anna Beispiel" opening the text, or alone on a line.
    if start == 1 and sent[0].lower() in BYLINE_PREFIX and (first or len(sent) <= end + 3):
        return True
    if start > 0 and sent[start - 1] == "/" and len(sent) <= end + 4:
        return True
    # "Von Daniel Brössler und Matthias Kolb (SZ Plus)": a sentence of author names after a teaser.
    if sent[0] == "Von" and all(t[:1].isupper() or t in _BYLINE_JOINERS for t in sent[1:]):
        return True
    return False


_BYLINE_JOINERS = frozenset("und , . ( ) :".split())



def _in_guest_note(sent: list[str], start: int, end: int) -> bool:
    """In a guest column, a note on its author: "Katharina Spieß ist Leiterin der Abteilung ..."
    (a name opening a sentence, then "ist"/"war", then a role), or "Die Autorin X ist ..."."""
    opens = start == 0 or start <= 2 and sent[0] in ("Der", "Die") and sent[1] in ("Autor", "Autorin")
    return opens and end + 1 < len(sent) and sent[end] in ("ist", "war", "leitet", "lehrt")



def _split_adjacent(persons: list[tuple[str, ...]], lexicon: Lexicon,
                    votes: dict) -> list[tuple[str, ...]]:
    """Split two persons the CRF read as one name.

    "lehnt Trump Machado ab": a two-word name written once, both of whose words the article
    uses alone as surnames of other names. "laut Trainer Pep Guardiola Erling Haaland": a first
    name after a word that is none starts a second name.
    """
    surnames = {p[-1] for p in persons}
    firsts = {p[0] for p in persons if len(p) > 1}
    out = []
    for p in persons:
        if len(p) == 2 and votes.get(p, {}).get("PER", 0) == 1 and p[0] not in firsts - {p[0]} \
                and not is_first_name(p[0], lexicon) and p[0] in surnames \
                and any(q != p and q[-1] == p[1] for q in persons) \
                and any(q != p and q[-1] == p[0] for q in persons) \
                and not any(q != p and q[0] == p[0] and len(q) > 1 for q in persons):
            out.extend(((p[0],), (p[1],)))
            continue
        cut = next((k for k in range(2, len(p) - 1) if is_first_name(p[k], lexicon)
                    and not is_first_name(p[k - 1], lexicon) and p[k - 1] not in PARTICLES
                    and p[k - 1][:1].isupper() and p[k + 1][:1].isupper()), None)
        if cut:
            out.extend((p[:cut], p[cut:]))
        else:
            out.append(p)
    return out


def _surname_genitives(persons: list[Name], sentences, lexicon: Lexicon) -> list[Name]:
    """The persons, a one-word genitive of a listed surname as that surname ("Merkels Kurs",
    "Söders Kabinett" before an adjective or a verb the genitive rules do not see past): not a
    listed surname or first name in -s itself ("Peters", "Hicks", "Jonas"), nor a word the
    article writes after a name word that is no role ("Valtteri Bottas", "Anna Brees"; not
    "Kanzlerin Merkels")."""
    out = []
    for name in persons:
        tok = name[0]
        if len(name) == 1 and len(tok) > 4 and tok[-1] == "s" and tok[-2] != "s" \
                and tok[:-1] in lexicon.surnames and tok not in lexicon.surnames \
                and not is_first_name(tok, lexicon) and not any(
                    sent[i - 1][:1].isupper() and not _is_role(sent[i - 1], lexicon)
                    for sent in sentences if tok in sent
                    for i in range(1, len(sent)) if sent[i] == tok):
            name = (tok[:-1],)
        out.append(name)
    return out


def _named_things(sentences: list[list[str]], words: set[str]) -> set[str]:
    """Those of ``words`` the article writes right after a noun of things ("Zahlungssystem Wero")."""
    if not words:
        return set()
    return {tok for s in sentences if not words.isdisjoint(s) for prev, tok in zip(s, s[1:])
            if tok in words and prev[:1].isupper() and len(prev) > 3
            and prev.lower().endswith(THING_ENDINGS)}


def _org_head(tok: str) -> bool:
    """Whether a token opens an organisation's name before a place ("FC", "1.FC", "Uni")."""
    return tok in ORG_HEADS or "." in tok and tok.rsplit(".", 1)[1] in CLUB_HEADS


def _club_towns(sentences: list[list[str]], tokens_seen: set[str]) -> set[str]:
    """Places a sports report names clubs after: "Eisenach" where it writes "ThSV Eisenach".

    Only in an article with a score ("3:1") or sports words, so that a report on the city of
    Augsburg that names the FC Augsburg once keeps its place. ``tokens_seen`` holds every token
    of the article."""
    heads = {t for t in tokens_seen
             if t in CLUB_HEADS or "." in t and t.rsplit(".", 1)[1] in CLUB_HEADS}
    if not heads:
        return heads
    towns = {tok for s in sentences if not heads.isdisjoint(s) for prev, tok in zip(s, s[1:])
             if (prev in CLUB_HEADS or "." in prev and prev.rsplit(".", 1)[1] in CLUB_HEADS)
             and tok[:1].isupper()}
    # "TSG 1899 Hoffenheim", "FC Schalke 04": a year or number may stand between.
    towns.update(tok for s in sentences if not heads.isdisjoint(s)
                 for head, num, tok in zip(s, s[1:], s[2:])
                 if head in CLUB_HEADS and num.isdigit() and tok[:1].isupper())
    if not towns:
        return towns
    sport = 0
    for s in sentences:
        for i, tok in enumerate(s):
            if tok in SPORT_WORDS:
                sport += 1
            elif tok == ":" and 0 < i < len(s) - 1 and s[i - 1].isdigit() and s[i + 1].isdigit() \
                    and len(s[i + 1]) < 3 and (i + 2 == len(s) or s[i + 2] != "Uhr"):
                sport += 2
            if sport >= 2:
                return towns
    return set()


def _surnames_as_persons(votes, located, lexicon) -> None:
    """A one-word place that is the surname of a person the article names in full with a first
    name ("Susanne Raab" … "Raab sagte"), or the first word of a person of three words or more
    ("Kim Jong Un" … "Kim sagte"), is that person, unless the article writes it after "in",
    "nach", "aus" (its genitive, only if the article never names the surname alone as a
    person)."""
    _full_names_read_as_places(votes, lexicon)
    full = [n for n, k in votes.items()
            if len(n) > 1 and max(k, key=lambda x: (k[x], x == "LOC", x == "PER")) == "PER"]
    surnames = {surname_key(n[-1]) for n in full if is_first_name(n[0], lexicon)}
    surnames.update(n[0] for n in full if len(n) > 2)
    if not surnames:
        return
    for name, kinds in votes.items():
        if len(name) != 1 or not kinds.get("LOC"):
            continue
        tok = name[0]
        base = tok[:-1] if tok[-1:] == "s" and tok[:-1] in surnames else tok
        if name in located and (base == tok or not votes.get((base,), {}).get("PER")):
            continue  # "von Schäubles und Palmers Aussagen" beside "Schäuble sagte" is the person
        if base in surnames and (base,) not in located:
            kinds["PER"] = kinds.get("PER", 0) + kinds.pop("LOC")


def _towns_opening_club_names(votes, located, sport) -> None:
    """In a sports report, a one-word place that opens the name of an organisation the article
    names ("Alba" of "Alba Berlin", "Bayern" of "Bayern München") is that club wherever it is
    written without "in", "nach", "aus" before it."""
    heads = {n[0] for n, k in votes.items()
             if len(n) > 1 and max(k, key=lambda x: (k[x], x == "LOC", x == "PER")) == "ORG"}
    if not heads:
        return
    for name, kinds in votes.items():
        if len(name) == 1 and kinds.get("LOC") and name[0] in heads and name not in located \
                and sport():
            kinds["ORG"] = kinds.get("ORG", 0) + kinds.pop("LOC")


def _full_names_read_as_places(votes, lexicon) -> None:
    """An unlisted place of two or three words whose last word the article also names as a
    person alone is that person's full name ("Autorin Chiara Benedetti" tagged a place,
    "Benedetti, deren Bücher ..." a person)."""
    alone = {n[0] for n, k in votes.items() if len(n) == 1 and k.get("PER", 0) > k.get("LOC", 0)}
    if not alone:
        return
    for name, kinds in votes.items():
        if 1 < len(name) <= 3 and kinds.get("LOC") and name[-1] in alone \
                and all(t[:1].isupper() and t[1:].islower() for t in name) \
                and join_tokens(list(name)) not in lexicon.places \
                and not any(t in lexicon.place_tokens for t in name):
            kinds["PER"] = kinds.get("PER", 0) + kinds.pop("LOC")


def _listed_places(sentences, tags, lexicon, votes, best, club_towns, doc_lower, tokens_seen):
    """Count, once, each listed place the CRF left untagged (``_untagged_place``) and that has no
    mention yet, as a place the CRF was sure of."""
    # Only a sentence with one of the lexicon's place cues or a hyphenated street name can
    # count anything, and most have none.
    cues = tokens_seen & lexicon.place_cues
    cues.update(t for t in tokens_seen if "-" in t and STREET_NAME.fullmatch(t))
    for sent, stags in zip(sentences, tags):
        if cues.isdisjoint(sent):
            continue
        # Most tokens are lowercase or tagged: only capitalised untagged ones are looked at.
        for i in [i for i, (t, g) in enumerate(zip(sent, stags)) if g == "O" and t[0].isupper()]:
            name = _untagged_place(sent, stags, i, lexicon, club_towns, doc_lower) \
                if i or _opening_genitive(sent, stags, lexicon) else None
            if name is not None and name not in votes:
                _vote(votes, best, name, "LOC", 1.0)


def _untagged_place(sent, stags, i, lexicon, club_towns, doc_lower):
    """The listed place that the untagged capitalised token ``sent[i]`` (not the first) names,
    or None.

    Two untagged words that make a listed place ("im Roten Meer", "die Kanarischen Inseln", "in
    der Potsdamer Straße") and a hyphenated street ("Karl-Marx-Straße") count. A single listed
    place (or its genitive) does not when it follows an article ("mit dem Zug"), stands next to a
    tagged token, follows an organisation word or names a club, is the first part of a
    hyphenated word, is a currency after an amount ("5 Franken"), is a landmark word after an
    adjective that opens its name ("im Ebersberger Forst"), or the article also writes it
    lowercase ("Essen", "Mitte").
    """
    tok = sent[i]
    if i + 1 < len(sent) and stags[i + 1] == "O" and sent[i + 1][:1].isupper():
        pair = f"{tok} {sent[i + 1]}"
        if pair in lexicon.places or tok.endswith("en") and base_adjective(
                pair, lexicon.places) in lexicon.places \
                or sent[i + 1] in STREET_WORDS and tok.endswith("er") and tok[1:].islower():
            return tok, sent[i + 1]
        if _pair_genitive(sent, i, lexicon):
            return tok, sent[i + 1][:-1]  # "New Yorks Gouverneur"
    if "-" in tok and STREET_NAME.fullmatch(tok):
        return (tok,)
    before = sent[i - 1] if i else ""
    if before.lower() in DETERMINERS and not tok.lower().endswith(PLACE_SUFFIXES):
        return None
    if tok in CURRENCY_PLACES and (before[:1].isdigit() or before in AMOUNT_WORDS):
        return None  # "14 Millionen Franken"
    if tok in LANDMARK_WORDS and _landmark_adjective(sent, i - 1, lexicon):
        return None  # "im Ebersberger Forst": the town Forst is no place here (_landmarks)
    genitive = tok not in lexicon.place_tokens
    if genitive:
        if tok[-1:] != "s" or tok[:-1] not in lexicon.place_tokens \
                or not _listed_genitive(tok, lexicon) \
                or i + 1 < len(sent) and _team_word(sent[i + 1]):
            return None  # "Jonas" (the village Jona is listed), "Werders Heimspiel"
        tok = tok[:-1]
    if tok.lower() in lexicon.lowercase and before not in LOCATIVE \
            or before.lower() in NOUN_MARKERS or _inflected_adjective(before):
        # "kein Essen", "ein großes Essen", "bietet Essen to go an", "heißen Stein", "des
        # strömenden Regens"
        return None
    if i and stags[i - 1] != "O" or (i + 1 < len(sent) and stags[i + 1] != "O"):
        return None
    if _org_head(before) or tok in club_towns and before not in LOCATIVE:
        return None
    low = tok.lower()
    if i + 1 < len(sent) and "-" in sent[i + 1] or low in doc_lower or (
            tok in lexicon.nouns and low in lexicon.lowercase):
        return None
    return (tok,)


def _opening_genitive(sent, stags, lexicon) -> bool:
    """Whether an untagged sentence opening is a listed place's genitive before a capitalised
    word ("Bayerns Ministerpräsident", "Frankreichs Wirtschaft")."""
    tok = sent[0]
    return stags[0] == "O" and len(sent) > 1 and sent[1][:1].isupper() and (
        tok[-1:] == "s" and tok[:-1] in lexicon.place_tokens or _pair_genitive(sent, 0, lexicon))


def _pair_genitive(sent, i, lexicon) -> bool:
    """Whether ``sent[i]`` and the next token are the genitive of a listed place of two words
    ("New Yorks")."""
    return i + 1 < len(sent) and sent[i + 1][-1:] == "s" and len(sent[i + 1]) > 3 \
        and f"{sent[i]} {sent[i + 1][:-1]}" in lexicon.places


class _Once:
    """A fact about the article worked out once, and only when a rule asks: ``_Once(f, *args)()``
    is ``f(*args)``."""

    def __init__(self, func, *args):
        self.func, self.args, self.answer, self.done = func, args, None, False

    def __call__(self):
        if not self.done:
            self.answer, self.done = self.func(*self.args), True
        return self.answer


def _after_article(sentences, tokens_seen, lexicon) -> set[str]:
    """The listed surnames and acronyms an article writes right after an article somewhere
    ("die Sonne", "die WHO"): an unlisted place of such a word is none in any of its mentions."""
    words = {t for t in tokens_seen if len(t) > 1 and t.isupper()}
    words.update(tokens_seen & lexicon.surnames)
    return {tok for sent in sentences if not words.isdisjoint(sent)
            for prev, tok in zip(sent, sent[1:]) if tok in words and prev.lower() in DETERMINERS}


def _is_sports_report(sentences) -> bool:
    """Whether an article is a sports report: two sports words, a score counting double."""
    sport = 0
    for s in sentences:
        for i, tok in enumerate(s):
            if tok in SPORT_WORDS:
                sport += 1
            elif tok == ":" and 0 < i < len(s) - 1 and s[i - 1].isdigit() and s[i + 1].isdigit() \
                    and len(s[i + 1]) < 3 and (i + 2 == len(s) or s[i + 2] != "Uhr"):
                sport += 2
            if sport >= 2:
                return True
    return False


def _widen_place(sent, start, end, lexicon):
    """A place span widened to the listed place it is part of: "Gladbach" in "Bergisch
    Gladbach", "Frankfurt" in "Frankfurt am Main", "Rothenburg ob der Tauber", and to an English
    place head after it ("Sonoma County")."""
    places = lexicon.places
    for k in (3, 2, 1):
        # "Ottobrunn bei München" is listed too, but names two places.
        if end + k <= len(sent) and sent[end + k - 1][:1].isupper() and sent[end] != "bei" \
                and join_tokens(sent[start:end + k]) in places:
            end += k
            break
    else:
        # Unlisted: "Kochel am See", "Rothenburg ob der Tauber", "Küssnacht am Rigi".
        if end + 1 < len(sent) and sent[end] == "am" and sent[end + 1] == "See":
            end += 2
        elif end + 2 < len(sent) and sent[end] == "ob" and sent[end + 1] in ("der", "dem") \
                and sent[end + 2][:1].isupper() and sent[end + 2][1:].islower():
            end += 3
        elif end < len(sent) and sent[end] in ENGLISH_PLACE_HEADS:
            end += 1  # "Sonoma County", "Napa Valley"
    if start and sent[start - 1][:1].isupper() and sent[start - 1] not in lexicon.nouns \
            and join_tokens(sent[start - 1:end]) in places:
        start -= 1
    return start, end


def _datelines(sentences, lexicon, votes, best) -> None:
    """A dateline opening a line names a place: in capitals, of up to three words ("BERLIN
    (dpa)", "BAD TÖLZ –", "KOCHEL AM SEE."), or a listed place before a comma and a date
    ("Nendeln, 27.6.2025 –"); places in capitals joined by slashes are each one ("HAMBURG/KIEL
    –")."""
    for sent in sentences:
        # Most sentences open with neither capitals nor "Town,": skip them before the call.
        if len(sent) < 2 or sent[1] != "," and not sent[0].isupper():
            continue
        while (name := _dateline(sent, lexicon)) is not None:
            _vote(votes, best, name, "LOC", 1.0)
            printed = tuple(sent[:len(name)])
            if printed != name and printed in votes:  # the CRF's tag of "MOSKAU": one place
                for kind, count in votes.pop(printed).items():
                    votes[name][kind] = votes[name].get(kind, 0) + count
                best[name] = max(best[name], best.pop(printed, 0.0))
            if len(sent) < len(name) + 3 or sent[len(name)] != "/":
                break
            sent = sent[len(name) + 1:]


def _dateline(sent, lexicon):
    """The place of a dateline opening ``sent``, as tokens in their usual case, or None."""
    if len(sent) < 2:
        return None
    if sent[1] == "," and len(sent) > 2 and sent[2][:1].isdigit() and sent[0] in lexicon.place_tokens:
        return (sent[0],)
    k = 0
    while k < min(len(sent), 4) and sent[k].isupper() and sent[k].isalpha():
        k += 1
    if not 0 < k <= 3 or k == len(sent) or sent[k] not in _DATELINE_MARKS or len(sent[0]) < 3:
        return None
    words = [t.lower() if t.lower() in _PLACE_JOINERS else t[0] + t[1:].lower() for t in sent[:k]]
    if k == 1:
        return tuple(words) if words[0] in lexicon.place_tokens else None
    joined = " ".join(words)
    if joined in lexicon.places:
        return tuple(words)
    # "Kochel am See": a listed town and a joiner before a capitalised word.
    if words[0] in lexicon.place_tokens and words[1] in _PLACE_JOINERS and words[-1][:1].isupper():
        return tuple(words)
    return None


_PLACE_JOINERS = frozenset("am an der ob im in bei".split())
_DATELINE_MARKS = frozenset("( - – — . : / ,".split())
_QUOTES = frozenset("« „ \" “ » ‚".split())


def _genitive_before_noun(last: str, sent, end, lexicon, full: bool = False) -> bool:
    """Whether a name's last token is a genitive -s before what the person owns: a noun or a
    quoted title ("Longfellows Gedicht", "Longfellows «The rainy day»"). ``full``: the name has
    a first name before ``last``."""
    if len(last) < 5 or last[-1] != "s" or end >= len(sent):
        return False
    if last[-2] in "sxzßaeiouy" and not _genitive_of_e_surname(last, lexicon):
        return False
    nxt = sent[end]
    if nxt[:1].islower() and nxt.endswith(("e", "en", "er", "es")) and end + 1 < len(sent):
        # An adjective between the genitive and the noun ("Putins betonte Gelassenheit"), not
        # an article ("sagte Grütters den Zeitungen"). A verb can't be told from an adjective
        # ("Ehlers zeigte Verständnis"): skipping past tenses lost more than it fixed, so a
        # listed surname with its -s after a first name stays whole.
        if nxt in NOUN_MARKERS or full and last in lexicon.surnames:
            return False  # "Rainer Ehlers zeigte Verständnis": "Ehlers" is a surname of its own
        nxt = sent[end + 1]
    return nxt in _QUOTES or nxt[1:].islower() and nxt in lexicon.nouns


def _genitive_after_noun(name, sent, start, lexicon) -> bool:
    """Whether a full name ends in the genitive -s after the noun it belongs to ("die Rede Angela
    Merkels"): its first word is a first name, before it an article and a listed noun that is
    no role or nationality ("die Anwältin Nicole Schneiders", "der Finne Valtteri Bottas"), and
    the last word without its -s a listed surname that is no name of its own with it
    ("Ehlers", "Peters": listed themselves; "Worms": a place)."""
    last = name[-1]
    if len(last) < 5 or last[-1] != "s" or last[-2] in "sxzß" or start < 2 \
            or not is_first_name(name[0], lexicon):
        return False
    prev = sent[start - 1]
    if sent[start - 2].lower() not in DETERMINERS or not prev[1:].islower() \
            or prev not in lexicon.nouns or _role_before(prev) or _nationality(prev) \
            or prev.lower().endswith(_PERSON_NOUN_ENDS):
        return False
    return (last[:-1] in lexicon.surnames or _genitive_of_e_surname(last, lexicon)) \
        and last not in lexicon.surnames and last not in lexicon.place_tokens \
        and last not in lexicon.nouns and not is_first_name(last, lexicon)


# Endings of nouns for persons, whom a name after them is mostly in apposition to ("der
# Kabarettist Wolfgang Krebs", "der Sozialdemokrat Falko Mohrs"), not a genitive.
_PERSON_NOUN_ENDS = ("er", "in", "ist", "ent", "ant", "at", "or", "eur", "oge", "naut", "graf")


def _genitive_of_e_surname(last: str, lexicon: Lexicon) -> bool:
    """Whether a name in ``-es`` is the genitive of a listed surname in ``-e`` ("Goethes",
    "Krauses"), not a name of its own in ``-es`` ("Hayes", "Rhodes", "Jones": listed surnames
    or first names themselves)."""
    return last[-2] == "e" and last[:-1] in lexicon.surnames and last not in lexicon.surnames \
        and not is_first_name(last, lexicon)


def _with_initials(tokens) -> tuple[str, ...]:
    """A name's tokens with each initial joined to its full stop: ``Theodor W . Adorno`` →
    ``Theodor W. Adorno``."""
    if "." not in tokens:
        return tuple(tokens)
    out = []
    for tok in tokens:
        if tok == "." and out and len(out[-1]) == 1 and out[-1].isupper():
            out[-1] += "."
        else:
            out.append(tok)
    return tuple(out)


def _merge_particles(sent, found, lexicon):
    """Join "Lula" + "da" + "Silva" and "Wout" + "van" + "Aert" into one person span, and a
    person with a following "al-Scharaa" or "ad-Din"; a first name followed by name particles
    and a capitalised word ("Rafael van der Vaart") and a name followed by an initial, its full
    stop and the surname ("Theodor W. Adorno") are one person too."""
    out = []
    for kind, start, end in found:
        if kind == "PER":
            while end < len(sent) and BOUND_PARTICLE.fullmatch(sent[end]):
                end += 1
            end = _particle_surname(sent, start, end, lexicon)
        if out and kind == "PER" and out[-1][0] == "PER":
            pstart, pend = out[-1][1], out[-1][2]
            gap = sent[pend:start]
            if 0 < len(gap) <= 2 and all(t in PARTICLES for t in gap):
                out[-1] = ("PER", pstart, end)
                continue
        out.append((kind, start, end))
    return out


def _particle_surname(sent, start, end, lexicon) -> int:
    """The end of a person span taken on over a surname with particles after a first name
    ("Rafael" + "van der Vaart") or after an initial ("Theodor W" + ". Adorno")."""
    last = sent[end - 1]
    if len(last) == 1 and last.isupper() and end + 1 < len(sent) and sent[end] == "." \
            and _surname_like(sent[end + 1], lexicon):
        return end + 2
    if not is_first_name(last, lexicon):
        return end
    k = end
    if k < len(sent) and sent[k] in NAME_PARTICLES:
        k += 1
        # "van der", "von den", "de la": an article only after a particle.
        if k < len(sent) and sent[k] in _SECOND_PARTICLES and sent[k - 1] in _FIRST_PARTICLES:
            k += 1
    if k > end and k < len(sent) and _surname_like(sent[k], lexicon):
        return k + 1
    return end


_FIRST_PARTICLES = frozenset("van von de".split())
_SECOND_PARTICLES = frozenset("der den de la le".split())


def _surname_like(tok: str, lexicon: Lexicon) -> bool:
    """A capitalised word that may be a surname: no listed place, noun, role, nor a word
    written lowercase elsewhere ("Spätestens")."""
    return tok[:1].isupper() and tok[1:2].islower() and tok not in lexicon.place_tokens \
        and tok not in lexicon.nouns and tok not in TITLES and tok not in FUNCTION_WORDS \
        and tok.lower() not in lexicon.lowercase and not tok.endswith(_ADVERB_ENDINGS)


_ADVERB_ENDINGS = ("stens", "lich", "weise", "mals", "dings", "falls", "wärts")


def _is_role(tok: str, lexicon: Lexicon) -> bool:
    if tok in TITLES or tok in FUNCTION_WORDS or not tok[:1].isupper():
        return True
    if tok in lexicon.nouns and tok not in lexicon.first_names:
        return True
    if tok[1:].islower() and len(tok) > 6 and _ROLE_ENDS.match(tok.lower()) \
            and tok not in lexicon.first_names and tok not in lexicon.surnames:
        return True  # "Gesundheitsministerin"; not "Lindemann" (the surnames hold no noun)
    if "-" in tok:
        head = tok.rsplit("-", 1)[1]
        return head[:1].islower() or head in lexicon.nouns
    return False


def _glued_role(tok: str, nxt: str, lexicon: Lexicon) -> bool:
    """Whether ``tok`` is a role word before a first name and surname ("Weltfußballer Lionel
    Messi", "Umweltreferentin Stephanie Jacobs", "Wirt Stephan Zirnbauer"): an unlisted word
    ending like a noun of persons, right before a listed first name."""
    return tok[1:].islower() and len(tok) > 3 and tok.lower().endswith(_PERSON_NOUN_ENDINGS) \
        and nxt in lexicon.first_names and not is_first_name(tok, lexicon)


_PERSON_NOUN_ENDINGS = ("er", "erin", "ent", "entin", "ist", "istin", "eur", "eurin", "at",
                        "atin", "or", "orin", "wirt", "wirtin", "ling", "chef", "chefin", "loge",
                        "login", "ant", "antin")


def _is_demonym(tok: str, lexicon: Lexicon) -> bool:
    """"Thüringer", "Münchner", "Kölner": a word made from a listed place with -er."""
    if not tok.endswith("er") or not tok[1:].islower():
        return False
    places = lexicon.place_tokens
    return tok[:-2] in places or tok[:-2] + "en" in places or tok[:-3] + "en" in places


def _person_span(sent, start, end, lexicon, tokens_seen):
    """The (start, end) of the name within a span tagged as a person, or None if it names no
    person: roles and titles trimmed off (``_trim_person_span``), organisations, works and
    ordinary words dropped (``_names_no_person``), first names before it and a surname after
    a lone first name taken in (``_widen_person_span``)."""
    start, end = _trim_person_span(sent, start, end, lexicon, tokens_seen)
    if start >= end or _names_no_person(sent, start, end, lexicon):
        return None
    return _widen_person_span(sent, start, end, lexicon)


def _trim_person_span(sent, start, end, lexicon, tokens_seen):
    """A person span without the roles, titles and demonyms before the name ("Bayerns
    Gesundheitsministerin Melanie Huml"), cut after a genitive name followed by what belongs to
    it ("Söders Kabinett", "Maduros Vizepräsidentin Delcy Rodríguez") or at a lowercase word."""
    while start < end and not _opens_particle_name(sent, start, end) and (
            _is_role(sent[start], lexicon) and not _named_after_role(sent, start, end)
            or end - start > 1 and _is_demonym(sent[start], lexicon)
            or end - start > 2 and _glued_role(sent[start], sent[start + 1], lexicon)
            or end - start > 1 and sent[start] in FUNCTION_WORDS
            and not is_first_name(sent[start], lexicon)
            or end - start > 1 and _shouted(sent[start]) and not _shouted(sent[start + 1])):
        start += 1  # also "EXKLUSIV Sachsen", a headline's word in capitals before a name
    # A particle before a listed first name and a surname opens the name after it: "Reform UK
    # von Nigel Farage" names Nigel Farage ("Ursula von der Leyen", "Wout van Aert" keep theirs).
    for i in range(end - 3, start, -1):
        if sent[i] in PARTICLES and sent[i][:1].islower() and is_first_name(sent[i + 1], lexicon) \
                and sent[i + 2][:1].isupper():
            start = i + 1
            break
    for i in range(start + 1, end):
        prev = sent[i - 1]
        if sent[i] == "." and len(prev) == 1 and prev.isupper():
            continue  # "Theodor W. Adorno"
        if not sent[i][:1].isupper() and sent[i] not in PARTICLES \
                and not BOUND_PARTICLE.fullmatch(sent[i]) or (
                prev[-1:] == "s" and (sent[i] in lexicon.nouns or prev[:-1] in tokens_seen)):
            return start, i
    return start, end


def _shouted(tok: str) -> bool:
    """A word in capitals of four letters or more ("EXKLUSIV", "CORONA"), not an initial or an
    acronym-like surname part ("DJ", "MC")."""
    return len(tok) >= 4 and tok.isalpha() and tok.isupper()


def _opens_particle_name(sent, start, end) -> bool:
    """Whether a span opens with a capitalised name particle before a lowercase one or the
    surname ("Van der Bellen", "De Maizière", "Von der Leyen" opening a sentence): the particle
    is part of the name, not a noun ("der Van") or a function word to trim."""
    tok = sent[start]
    return tok[:1].isupper() and tok.lower() in NAME_PARTICLES and start + 1 < end \
        and (sent[start + 1] in PARTICLES or sent[start + 1][:1].isupper())


def _names_no_person(sent, start, end, lexicon) -> bool:
    """Whether a trimmed person span names no person: it ends lowercase; an organisation, event
    or work word stands before, in or after it ("Bündnis Sahra Wagenknecht", "Invictus Games");
    it is an ordinal adverb ("Zweitens"), one of a duo or firm ("Procter & Gamble"), a hyphenated
    institute or street ("Robert Koch-Institut"), or a single ordinary word or compound of
    common nouns ("des Mietendeckels") that is no listed surname nor ends like one
    (``_SURNAME_HEADS``)."""
    last = sent[end - 1]
    if not last[:1].isupper() and not BOUND_PARTICLE.fullmatch(last):
        return True
    if start and sent[start - 1] in ORG_BEFORE_NAME \
            or any(t in ORG_AFTER_NAME for t in sent[start:end]) \
            or end < len(sent) and sent[end] in ORG_AFTER_NAME \
            or end - start == 1 and ORDINAL_ADVERB.fullmatch(last.lower()):
        return True
    if start and sent[start - 1] == "&" or end < len(sent) and sent[end] == "&":
        return True
    for tok in sent[start:end + 1]:
        if "-" in tok and tok[:1].isupper():
            head = tok.rsplit("-", 1)[1].lower()
            if head in NOT_PERSON_HEADS or head[:-1] in NOT_PERSON_HEADS \
                    or head[:-2] in NOT_PERSON_HEADS:
                return True
    return end - start == 1 and (last in lexicon.nouns or last.lower() in lexicon.lowercase
                                 or _noun_compound(last, lexicon)
                                 and not _listed_surname(last, lexicon)
                                 and not last.endswith(_SURNAME_HEADS)) \
        and not _named_after_role(sent, start, end)


#: Heads of compounds that are surnames as often ("Böhmermanns", "Lamprecht", "Baerbocks").
_SURNAME_HEADS = ("mann", "manns", "recht", "rechts", "bock", "bocks")


def _named_after_role(sent, start, end) -> bool:
    """Whether the span's one word is a name right after a role or title: "Innenminister
    Karner", "Pfarrer Lindemann", "Ministerin Reiche" name persons though their names are
    also words or end like roles."""
    tok = sent[start]
    return end - start == 1 and start > 0 and tok[:1].isupper() and tok[1:].islower() \
        and len(tok) > 2 and tok not in TITLES and tok not in FUNCTION_WORDS \
        and not _is_role_word(tok) and _role_before(sent[start - 1])


def _widen_person_span(sent, start, end, lexicon):
    """A person span with the listed first names before it, and a lone first name with the
    capitalised word after it: "Sebastian Kurz", "Peter Florin" are full names whose surname is
    also an ordinary word, unless that word is a role or a place."""
    while start > 0 and sent[start - 1] in lexicon.first_names and not _is_role(sent[start - 1], lexicon):
        start -= 1
    if end == start + 1 and is_first_name(sent[start], lexicon) and end < len(sent):
        nxt = sent[end]
        if nxt[:1].isupper() and (nxt[1:].islower() or APOSTROPHE_NAME.fullmatch(nxt)) \
                and nxt not in lexicon.place_tokens \
                and nxt not in TITLES and (
                not _is_role(nxt, lexicon)
                or (nxt in lexicon.nouns or nxt.lower() in lexicon.lowercase)
                and (nxt.endswith("mann") or not _ROLE_ENDS.match(nxt.lower()))
                and not (end + 1 < len(sent) and sent[end + 1][:1].isupper())):
            end += 1
    return start, end


def _complete_first_names(firsts: set[str], sentences, lexicon) -> list[Name]:
    """Full names for one-word persons the article also writes before a surname it never tags:
    "Esmeralda" (tagged once) and "Instagram-Star Esmeralda Merlot" (three times, untagged).
    The word after must be capitalised, no place, role or word written lowercase, and stand
    there at least twice; once is enough after a listed first name if it looks like a surname
    (``_surname_like``: no common noun either)."""
    if not firsts:
        return []
    pairs: dict[Name, int] = {}
    for sent in sentences:
        if firsts.isdisjoint(sent):
            continue
        for i in range(len(sent) - 1):
            nxt = sent[i + 1]
            if sent[i] in firsts and nxt[:1].isupper() and nxt[1:2].islower() \
                    and nxt not in lexicon.place_tokens and nxt.lower() not in lexicon.lowercase \
                    and nxt not in TITLES and nxt not in FUNCTION_WORDS \
                    and not _is_role_word(nxt) or sent[i] in firsts and nxt in lexicon.surnames:
                if i + 2 < len(sent) and sent[i + 2][:1].isupper():
                    continue
                pair = (sent[i], nxt)
                pairs[pair] = pairs.get(pair, 0) + 1
    return [p for p, n in pairs.items() if n >= 2 or p[0] in lexicon.first_names
            and _surname_like(p[1], lexicon)]


def _unlisted_first_name(sent, i, lexicon) -> bool:
    """Whether ``sent[i]``, right before a surname the article names as a person, is a first
    name the lists lack ("Serhou Guirassy", "Reem Alabali-Radovan"): a capitalised word that is
    no role, title, function word, place, demonym or word written lowercase, with no
    capitalised word but a role or a first name before it ("Borussia Dortmund Guirassy"). A
    noun counts only right after a role word ("Präsident Bola Tinubu", "Trainer Kees")."""
    tok = sent[i]
    if not (tok[:1].isupper() and tok[1:].islower() and len(tok) > 1) \
            or tok in TITLES or tok in FUNCTION_WORDS or tok.lower() in lexicon.lowercase \
            or tok in lexicon.place_tokens or _is_demonym(tok, lexicon) \
            or _NO_NAME_ENDS.match(tok.lower()) or "-" in tok:
        return False
    prev = sent[i - 1] if i else ""
    if tok in lexicon.nouns or _is_role(tok, lexicon) or tok.endswith("s") or _org_head(tok) \
            or any(_common_noun(tok[:len(tok) - cut], lexicon) for cut in (0, 1, 2)):
        # also compounds ("Großtante Lisbeth", "Luxusherstellers Bulgari") and genitives
        # ("Austens Emma")
        return _is_role_word(prev) and tok in lexicon.nouns
    if prev.lower() in DETERMINERS or _inflected_adjective(prev):
        return False  # "der Coronator Söder", "den großen Satan Trump": a nickname
    return not prev[:1].isupper() or _is_role(prev, lexicon) and prev not in FUNCTION_WORDS \
        or is_first_name(prev, lexicon)


def _complete_persons(persons, sentences, lexicon, tokens_seen):
    """A bare surname gets the first name the article gives it elsewhere ("Björn" before "Höcke",
    "Laith" before "al-Balaous"); a bare first name the surname the article writes after it
    (``_complete_first_names``)."""
    single = {p[0] for p in persons if len(p) == 1}
    longer = {p[-1] for p in persons if len(p) > 1}
    wanted = single - longer
    if not wanted:
        return persons
    persons = persons + _complete_first_names(wanted - {p[0] for p in persons if len(p) > 1},
                                              sentences, lexicon)
    # Sentences without a wanted surname, bare or after a particle, are passed over.
    cues = wanted | {t for t in tokens_seen if "-" in t and t[:1].islower()
                     and BOUND_PARTICLE.fullmatch(t) and surname_key(t) in wanted}
    surnames = {p[-1] for p in persons}  # "Kempf Merkel": two persons, no first name
    extra = []
    for sent in sentences:
        if cues.isdisjoint(sent):
            continue
        for i in range(1, len(sent)):
            tok, prev = sent[i], sent[i - 1]
            if tok in wanted and (is_first_name(prev, lexicon)
                                  or not is_first_name(tok, lexicon, more=False)
                                  and prev not in surnames
                                  and _unlisted_first_name(sent, i - 1, lexicon)
                                  and not (i + 1 < len(sent) and sent[i + 1] in PARTICLES)):
                # "Luiz Inácio Lula": a listed first name before an unlisted one joins it
                joins = i > 1 and is_first_name(sent[i - 2], lexicon) \
                    and not is_first_name(prev, lexicon)
                extra.append((sent[i - 2], prev, tok) if joins else (prev, tok))
            # "Laith al-Balaous" for a later "Balaous", whatever the first name.
            elif "-" in tok and tok[:1].islower() and BOUND_PARTICLE.fullmatch(tok) \
                    and surname_key(tok) in wanted and prev[:1].isupper() and prev[1:].islower() and not _is_role(prev, lexicon) \
                    and prev not in lexicon.place_tokens:
                extra.append((prev, tok))
    return persons + extra


