"""Persons and places named in a German news article.

A linear-chain CRF (trained with ``python-crfsuite``, tagged with its weights in NumPy, many
articles at once: ``index.crf``) tags tokens as person, place or organisation; article-level rules
then turn the tagged mentions into two sets of names: persons in the fullest form the article uses
(``Söders`` → ``Markus Söder``), places in their base form (``Russlands`` → ``Russland``).
Organisations are tagged only to keep them apart from places and persons and are not returned.

>>> e = default_extractor().extract("Söder in Berlin", "Markus Söder besuchte Berlin.")
>>> e.persons, e.places
(('Markus Söder',), ('Berlin',))
"""

from __future__ import annotations

import functools
import gzip
import re
import unicodedata
from collections import Counter
from itertools import chain, compress, islice, repeat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pycrfsuite

from index.crf import CRFModel, Layout, ModelFormatError, marginals, viterbi

MODEL_DIR = Path(__file__).parent / "models"
DATA_DIR = Path(__file__).parent / "data"
DEFAULT_MODEL = MODEL_DIR / "ner.crfsuite"

# As news-annotated's tokenizer, but "Hansen.Manchmal" (a missing space) splits at the full stop.
TOKEN_RE = re.compile(r"\w+(?:[-'’]\w+|\.(?![A-ZÄÖÜ][a-zäöüß]{2})\w+)*|[^\w\s]")
# Invisible characters that split words when left in (FANG bodies carry soft hyphens inside words).
_INVISIBLE_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_SENTENCE_END = frozenset(".!?")
_MAX_SENTENCE = 120

TITLES = frozenset(
    "Dr Dr. Prof Prof. Professor Professorin Herr Herrn Frau Mr Mrs Ms Sir Dame Papst Pfarrer "
    "Prinz Prinzessin König Königin Graf Gräfin Freiherr Kardinal Bischof Dipl Ing Ayatollah "
    "Scheich Emir Sultan Lord Lady Pater Schwester Bruder".split())
# Word endings of roles and common nouns ("Bildungssenatorin", "Landesbischof", "Streiktagen"): a
# token ending so is no name, even when the word lists have never seen it.
_ROLE_ENDINGS = (
    "minister", "ministerin", "präsident", "präsidentin", "kanzler", "kanzlerin", "senator",
    "senatorin", "sprecher", "sprecherin", "chef", "chefin", "leiter", "leiterin", "direktor",
    "direktorin", "berater", "beraterin", "bischof", "bischöfin", "trainer", "trainerin",
    "vorsitzende", "vorsitzender", "bürgermeister", "bürgermeisterin", "experte", "expertin",
    "virologe", "virologin", "politiker", "politikerin", "mann", "frau", "autor", "autorin",
    "ung", "ungen", "heit", "keit", "schaft", "tion", "tät", "ismus", "tagen", "bank", "gefängnis",
    "sekretär", "sekretärin", "kommissar", "kommissarin", "abgeordnete", "abgeordneter",
    "freund", "freundin", "kollege", "kollegin", "partner", "partnerin", "gegner", "gegnerin",
    "kandidat", "kandidatin", "anwalt", "anwältin", "richter", "richterin", "mitglied", "manager",
    "managerin", "gründer", "gründerin", "spieler", "spielerin", "stürmer", "kapitän", "kapitänin",
    "moderator", "moderatorin", "sänger", "sängerin", "regisseur", "regisseurin", "forscher",
    "forscherin", "ökonom", "ökonomin")
_BYLINE_CUES = frozenset(
    "foto fotos bild bilder grafik quelle video text autor autorin fotograf fotografin "
    "illustration montage karikatur mitarbeit".split())
_BYLINE_PREFIX = frozenset("von mit".split())


@dataclass(frozen=True)
class Entities:
    """The persons and places of one article, each a sorted tuple of unique names.

    >>> Entities(persons=("Markus Söder",), places=("Bayern",)).to_dict()
    {'persons': ['Markus Söder'], 'places': ['Bayern']}
    """

    persons: tuple[str, ...] = ()
    places: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The JSON shape: ``{"persons": [...], "places": [...]}``."""
        return {"persons": list(self.persons), "places": list(self.places)}


# --- tokens and features -------------------------------------------------------------------------

def tokenize(text: str) -> list[list[str]]:
    """Split text into sentences of tokens; every line break ends a sentence.

    >>> tokenize("Dr. Söder spricht. Bayern hört zu.")
    [['Dr', '.', 'Söder', 'spricht', '.'], ['Bayern', 'hört', 'zu', '.']]
    """
    sentences = []
    if not text.isascii():
        for ch in _INVISIBLE_CHARS:
            if ch in text:
                text = text.replace(ch, "")
    last = _MAX_SENTENCE - 1
    for line in text.split("\n"):
        tokens = TOKEN_RE.findall(line)
        n = len(tokens)
        start = 0
        # Only ".", "!" and "?" can end a sentence before the length limit: the loop visits them
        # alone, and cuts an over-long stretch before each one and at the end of the line.
        for i in _sentence_ends(tokens):
            while start + last <= i:
                sentences.append(tokens[start:start + _MAX_SENTENCE])
                start += _MAX_SENTENCE
            if i + 1 < n and i > start:
                prev = tokens[i - 1]
                # "Dr. Söder", "5. April": a short capitalised word or a number before the
                # full stop is an abbreviation or an ordinal, not a sentence end.
                if tokens[i] == "." and (prev.isdigit() or (len(prev) <= 3 and prev[:1].isupper())
                                         or prev in TITLES):
                    continue
                sentences.append(tokens[start:i + 1])
                start = i + 1
        while start + last < n:
            sentences.append(tokens[start:start + _MAX_SENTENCE])
            start += _MAX_SENTENCE
        if start < n:
            sentences.append(tokens[start:])
    return sentences


def _sentence_ends(tokens: list[str]) -> list[int]:
    """Positions of ".", "!" and "?" in a line's tokens, in order (found by list scans in C)."""
    ends = []
    for mark in _SENTENCE_END:
        i = -1
        for _ in range(tokens.count(mark)):
            i = tokens.index(mark, i + 1)
            ends.append(i)
    ends.sort()
    return ends


def word_shape(tok: str) -> str:
    """A compressed character-class shape: ``Söder`` → ``Xx``, ``COVID-19`` → ``X-d``."""
    rest = tok[1:]
    if tok[:1].isupper() and (not rest or rest.isalpha() and rest.islower()):
        return "Xx" if rest else "X"  # most capitalised words, without the loop below
    out = []
    for ch in tok:
        if ch.isupper():
            c = "X"
        elif ch.isalpha():
            c = "x"
        elif ch.isdigit():
            c = "d"
        else:
            c = ch if ch in "-.'’" else "*"
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out[:6])


class Lexicon:
    """The word lists the features consult: places, first names, words seen lowercase.

    Loaded from ``index/data``; each file is one entry a line, gzipped.
    """

    def __init__(self, data_dir: Path = DATA_DIR):
        self.data_dir = Path(data_dir)
        self.places = _read_list(self.data_dir / "places.txt.gz")
        self.first_names = _read_list(self.data_dir / "first_names.txt.gz")
        self.lowercase = _read_list(self.data_dir / "lowercase.txt.gz")
        self.nouns = _read_list(self.data_dir / "nouns.txt.gz")
        self.place_tokens = {p for p in self.places if " " not in p}
        self.place_heads = {p.split(" ", 1)[0] for p in self.places if " " in p}
        # Tokens that may make a sentence count a listed place the CRF left untagged (see
        # _listed_places): places, their genitives, first words of places of two words and
        # those words inflected ("Roten" for "Rotes Meer"), and street words.
        inflected = {h[:-1] + "en" for h in self.place_heads if h.endswith("e")}
        inflected.update(h[:-2] + "en" for h in self.place_heads if h.endswith(("es", "er")))
        self.place_cues = frozenset().union(
            self.place_tokens, {p + "s" for p in self.place_tokens}, self.place_heads, inflected,
            _STREET_WORDS)


def _read_list(path: Path) -> frozenset[str]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return frozenset(line.rstrip("\n") for line in fh if line.strip())
    except FileNotFoundError:
        return frozenset()


#: Tokens whose features one process caches; past this, the half added last is dropped.
CACHE_LIMIT = 400_000
#: Tokens whose features an indexing run carries from one batch's workers to the next
#: (``EntityExtractor.carry_features``); at most ``CACHE_LIMIT // 2``, which trimming never
#: drops. Memory is the price: the parent holds them, and each worker copies the pages it
#: reads (refcounts). Parent and two workers tagging 600 FANG articles each, carried over
#: 3,000 others: 50k tokens +46 MB PSS in all, 100k +129 MB, 150k +193 MB; extract of a
#: later batch 1.08x, 1.10x, 1.12-1.15x faster.
CARRY_LIMIT = 50_000
#: Articles ``extract_many`` tags per call (an indexing worker tags each hand-over file's).
EXTRACT_BATCH = 50


def _drop_recent(cache: dict) -> None:
    """Keep the first half of a full cache: tokens cached first are mostly the frequent ones
    (and a worker's are those its parent carried over), those cached last mostly rare."""
    for tok in list(islice(cache, CACHE_LIMIT // 2, None)):
        del cache[tok]


class FeatureCache:
    """Per-token feature lists, computed once per distinct token string.

    The CRF sees, for token *i*, its own static features plus prefixed copies of its
    neighbours' (±1, ±2): all of them depend only on the token string, so they are cached.
    """

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        # token → (own, as left neighbour, as right neighbour, as -2, as +2, lowercase if capitalised)
        self.cache: dict[str, tuple] = {}

    def static(self, tok: str):
        entry = self.cache.get(tok)
        if entry is None:
            if len(self.cache) >= CACHE_LIMIT:
                _drop_recent(self.cache)
            entry = self.cache[tok] = self._compute(tok)
        return entry

    def _compute(self, tok: str):
        lex = self.lexicon
        if not tok.isprintable() or _has_surrogate(tok):
            tok = "<?>"
        low = tok.lower()
        first = tok[:1]
        # Names are capitalised: lowercase words and punctuation get a lean feature set, which
        # keeps tagging fast (most German tokens are lowercase).
        if first.islower() or not first.isalnum():
            own = ["w:" + low]
            if len(low) > 3:
                own.append("s3:" + low[-3:])
            if "-" in low:
                own.append("h2:" + low.rsplit("-", 1)[1])
            return own, ["-1l:" + low], ["+1l:" + low], ["-2l:" + low], ["+2l:" + low], None
        shape = word_shape(tok)
        own = ["w:" + tok, "l:" + low, "s3:" + low[-3:], "s2:" + low[-2:], "p3:" + low[:3],
               "sh:" + shape]
        if len(low) > 4:
            own.append("s4:" + low[-4:])
        flags = []
        if tok[1:].islower() and low in lex.lowercase:
            flags.append("lc")
        if tok in lex.place_tokens:
            flags.append("gL")
        elif tok[-1:] == "s" and tok[:-1] in lex.place_tokens:
            flags.append("gLs")
        if tok in lex.place_heads:
            flags.append("gLh")
        if tok in lex.first_names or "-" in tok and _is_first_name(tok, lex):
            flags.append("gF")
        if tok in lex.nouns:
            flags.append("gN")
        if "-" in tok:
            parts = tok.split("-")
            own.append("h1:" + parts[0].lower())
            own.append("h2:" + parts[-1].lower())
            if parts[0] in lex.place_tokens:
                flags.append("gLp")
        own.extend(flags)
        prev1 = ["-1l:" + low, "-1sh:" + shape] + ["-1" + f for f in flags]
        next1 = ["+1l:" + low, "+1sh:" + shape] + ["+1" + f for f in flags]
        return own, prev1, next1, ["-2l:" + low], ["+2l:" + low], (low if first.isupper() else None)

    def sentence_features(self, tokens: list[str], doc_lower: set[str]) -> list[list[str]]:
        """Feature lists for one sentence; ``doc_lower`` holds the article's lowercase words."""
        get = self.cache.get
        entries = [get(t) or self.static(t) for t in tokens]
        n = len(tokens)
        out = []
        for i, entry in enumerate(entries):
            f = entry[0] + (entries[i - 1][1] if i else _BOS)
            f += entries[i + 1][2] if i + 1 < n else _EOS
            if i > 1:
                f += entries[i - 2][3]
            if i + 2 < n:
                f += entries[i + 2][4]
            low = entry[5]
            if low is not None and low in doc_lower:
                f.append("dlc")
            out.append(f)
        return out
_BOS = ["BOS"]
_EOS = ["EOS"]


class ModelFeatures:
    """The features of ``FeatureCache`` that a model has weights for, ready for its tagger.

    crfsuite drops every attribute its model does not know (``Tagger::set`` looks each one up
    and skips a miss), and about a third of ours are such words and suffixes. Leaving them out
    here, keeping the order of the rest, gives the tagger the same scores for less work; the
    strings go as UTF-8 bytes, which pycrfsuite takes without encoding them again. Each token's
    five pieces (own, as ±1 and ±2 neighbour) are cached as tuples.
    """

    def __init__(self, features: FeatureCache, known: frozenset[str]):
        self.features = features
        self.known = known
        self.cache: dict[str, tuple] = {}
        self._encoded = {f: f.encode() for f in known}
        self._interned: dict[bytes, bytes] | None = None
        self._bos = self._keep(_BOS)
        self._eos = self._keep(_EOS)
        self._dlc = self._keep(["dlc"])

    def _keep(self, feats: list[str]) -> tuple[bytes, ...]:
        if self.known.isdisjoint(feats):  # a rare word's neighbour features, mostly
            return ()
        return tuple(filter(None, map(self._encoded.get, feats)))

    def static(self, tok: str) -> tuple:
        """(own, as -1, as +1, as -2, as +2, lowercase if capitalised) for one token."""
        entry = self.cache.get(tok)
        if entry is None:
            if len(self.cache) >= CACHE_LIMIT:
                _drop_recent(self.cache)
            own, prev1, next1, prev2, next2, low = self.features._compute(tok)
            keep = self._keep
            entry = self.cache[tok] = (keep(own), keep(prev1), keep(next1), keep(prev2),
                                       keep(next2), low)
        return entry

    def intern(self, entry: tuple) -> tuple:
        """An entry of another process's cache, with this one's copy of each feature's bytes
        (unpickled, every entry would hold copies of its own)."""
        if self._interned is None:
            self._interned = {b: b for b in self._encoded.values()}
        get = self._interned.__getitem__
        *pieces, low = entry
        return (*(tuple(map(get, piece)) for piece in pieces), low)

    def sentence_items(self, tokens: list[str], doc_lower: set[str]) -> list[list[bytes]]:
        """``FeatureCache.sentence_features`` of one sentence, without what the model ignores."""
        get = self.cache.get
        own, prev1, next1, prev2, next2, low = zip(*[get(t) or self.static(t) for t in tokens])
        # Shifted by one and two, padded at the sentence ends; zip stops at the sentence length.
        none, dlc = (), self._dlc
        return [[*a, *b, *c, *d, *e, *(dlc if w in doc_lower else none)]
                for a, b, c, d, e, w in zip(own, (self._bos,) + prev1, next1[1:] + (self._eos,),
                                            (none, none) + prev2, next2[2:] + (none, none), low)]


@dataclass
class TokenRows:
    """Cached tokens of a ``ModelRows`` (``export``), to carry to another process: ``pieces[k]``
    holds the known attributes of the five pieces of ``tokens[k]``."""

    tokens: list[str]
    pieces: list[tuple[tuple[str, ...], ...]]

    def __len__(self) -> int:
        return len(self.tokens)


class ModelRows:
    """Per token, the model's summed state weights for each place it takes in a CRF item.

    A token's item holds its own features, its neighbours' (as -1, +1, -2, +2) and the ``dlc``
    flag (``FeatureCache.sentence_features``), and its state score for a label is the sum of the
    weights of them all. Each of the five pieces depends on the token string only: its weights
    are summed once into a row of label weights, so that a batch's emission scores are six
    gathers and adds (``emission``). Within a piece the weights are added one after another
    as crfsuite does; the six pieces' sums are then added, not each weight, so a score may
    differ from crfsuite's in its last bits.

    Rows are kept once per distinct piece (the attributes the model knows: most words share
    the empty neighbour pieces of words the model does not know, or a suffix's), and a token
    keeps five row numbers (``pieces[5k:5k + 5]`` for token id ``k``). Token id 0 stands for
    the rows of sentence starts and ends (``BOS``, ``EOS``), of ``dlc``, and zeros.
    """

    _ZERO, _BOS, _EOS, _DLC = 0, 1, 2, 3

    def __init__(self, features: FeatureCache, model: CRFModel):
        self.features = features
        self.model = model
        self.ids: dict[str, int] = {}
        # The model's attribute strings, each token's pieces refer to these objects.
        self._known = {a: a for a in model.attributes}
        self.rows: dict[tuple[str, ...], int] = {}  # a piece's known attributes → its row
        self.keys: list[tuple[str, ...]] = []  # by row
        self.table = np.zeros((1024, len(model.labels)))
        self.pieces = np.zeros(5 * 4096, dtype=np.int32)
        self.pieces[:5] = self._row_numbers(
            [(), *(((a,) if a in self._known else ()) for a in ("BOS", "EOS", "dlc")), ()])

    def token_ids(self, tokens: list[str]) -> np.ndarray:
        """The id of each token, adding the rows of tokens not cached yet."""
        out = np.fromiter(map(self.ids.get, tokens, repeat(0)), np.intp, len(tokens))
        missing = out == 0
        if missing.any():
            if len(self.ids) >= CACHE_LIMIT:
                self._drop_recent()
                return self.token_ids(tokens)
            new = list(compress(tokens, missing))
            self._add(list(dict.fromkeys(new)))
            out[missing] = np.fromiter(map(self.ids.__getitem__, new), np.intp, len(new))
        return out

    def _add(self, tokens: list[str]) -> None:
        compute = self.features._compute
        known = self._known.get
        keys = []
        for tok in tokens:
            own, prev1, next1, prev2, next2, _ = compute(tok)
            # crfsuite skips the attributes its model lacks.
            keys += (tuple(filter(None, map(known, own))), tuple(filter(None, map(known, prev1))),
                     tuple(filter(None, map(known, next1))), tuple(filter(None, map(known, prev2))),
                     tuple(filter(None, map(known, next2))))
        self._store(tokens, keys)

    def _store(self, tokens: list[str], keys: list[tuple[str, ...]]) -> None:
        """Give new tokens the next ids, with the rows of their five pieces' ``keys``."""
        base = len(self.ids) + 1
        end = 5 * (base + len(tokens))
        if end > len(self.pieces):
            self.pieces = np.concatenate([self.pieces, np.zeros(end, dtype=np.int32)])
        self.pieces[5 * base:end] = self._row_numbers(keys)
        self.ids.update(zip(tokens, range(base, base + len(tokens))))

    def _row_numbers(self, keys: list[tuple[str, ...]]) -> list[int]:
        """The row of each piece (its known attributes), summing the weights of pieces new here."""
        rows = self.rows
        new = [k for k in dict.fromkeys(keys) if k not in rows]
        if new:
            first = len(self.keys)
            if first + len(new) > len(self.table):
                grown = np.zeros((2 * (first + len(new)), self.table.shape[1]))
                grown[:first] = self.table[:first]
                self.table = grown
            sizes = np.fromiter(map(len, new), np.intp, len(new))
            aids = np.fromiter(map(self.model.attributes.__getitem__, chain.from_iterable(new)),
                               np.intp, int(sizes.sum()))
            piece = np.repeat(np.arange(first, first + len(new)), sizes)
            order = np.arange(len(aids)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
            out = self.table
            out[first:first + len(new)] = 0.0
            # One weight after another within a piece, as crfsuite adds them.
            for k in range(int(sizes.max()) if len(sizes) else 0):
                at = order == k
                out[piece[at]] += self.model.state[aids[at]]
            rows.update(zip(new, range(first, first + len(new))))
            self.keys += new
        return list(map(rows.__getitem__, keys))

    def _drop_recent(self) -> None:
        """Keep the tokens cached first (see ``_drop_recent``): ids stay those of the first."""
        keep = CACHE_LIMIT // 2
        self.ids = dict(islice(self.ids.items(), keep))

    def emission(self, ids: np.ndarray, lengths: np.ndarray, dlc: np.ndarray,
                 order: np.ndarray) -> np.ndarray:
        """State scores ``[label, row]`` of the tokens of sentences one after another (``ids``,
        ``lengths``; ``dlc`` true for a token whose lowercase form the article also writes),
        column ``r`` for token ``order[r]``."""
        ends = np.cumsum(lengths)
        starts = ends - lengths
        five = 5 * ids
        # Where each piece's row comes from, in the order of sentence_items: own, -1 (or BOS),
        # +1 (or EOS), -2, +2 (or nothing), dlc.
        prev1 = np.empty_like(five)
        prev1[1:] = five[:-1] + 1
        prev1[starts] = self._BOS
        next1 = np.empty_like(five)
        next1[:-1] = five[1:] + 2
        next1[ends - 1] = self._EOS
        prev2 = np.empty_like(five)
        prev2[2:] = five[:-2] + 3
        prev2[starts] = self._ZERO
        prev2[starts[lengths > 1] + 1] = self._ZERO
        next2 = np.empty_like(five)
        next2[:-2] = five[2:] + 4
        next2[ends - 1] = self._ZERO
        next2[ends[lengths > 1] - 2] = self._ZERO
        table, pieces = self.table, self.pieces
        out = table.take(pieces.take(five[order]), axis=0)
        for source in (prev1, next1, prev2, next2):
            out += table.take(pieces.take(source[order]), axis=0)
        out += table.take(pieces.take(np.where(dlc[order], self._DLC, self._ZERO)), axis=0)
        return np.ascontiguousarray(out.T)

    def export(self, start: int, stop: int) -> TokenRows:
        """The tokens cached ``start``-th to ``stop``-th."""
        tokens = list(islice(self.ids, start, stop))
        keys = self.keys
        rows = self.pieces[5 * (start + 1):5 * (start + 1 + len(tokens))].tolist()
        return TokenRows(tokens, [tuple(map(keys.__getitem__, rows[i:i + 5]))
                          for i in range(0, len(rows), 5)])

    def carry(self, carried: TokenRows, limit: int) -> None:
        """Add another process's tokens, up to ``limit`` tokens in all, first come kept."""
        room = limit - len(self.ids)
        if room <= 0:
            return
        keep = [k for k, tok in enumerate(carried.tokens) if tok not in self.ids][:room]
        if not keep:
            return
        tokens = [carried.tokens[k] for k in keep]
        self._store(tokens, [key for k in keep for key in carried.pieces[k]])


def model_attributes(tagger: pycrfsuite.Tagger) -> frozenset[str] | None:
    """Every attribute string the tagger's model knows, or None if its dump cannot be read so."""
    info = tagger.info()
    known = frozenset(info.attributes)
    if str(len(known)) != info.header.get("num_attrs"):
        return None
    return known


def _has_lowercase_form(tok: str) -> bool:
    """Whether ``FeatureCache._compute`` gives the token its lowercase form (for ``dlc``)."""
    first = tok[:1]
    return first.isupper() and first.isalnum() and tok.isprintable()


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def document_lowercase(sentences: list[list[str]]) -> set[str]:
    """The words an article writes lowercase (a capitalised one of them is likely no name)."""
    later = set(chain.from_iterable([s[1:] for s in sentences]))
    return {t for t in later if t[:1].islower()}


def spans(tokens: list[str], tags: list[str]) -> list[tuple[str, int, int]]:
    """(type, start, end) of each BIO span; a stray I- starts a span."""
    out = []
    kind, start = None, 0
    for i, tag in enumerate(tags + ["O"]):
        if tag == "O" or tag.startswith("B-") or (kind and tag[2:] != kind):
            if kind:
                out.append((kind, start, i))
            kind = None
            if tag != "O":
                kind, start = tag[2:], i
        elif kind is None:
            kind, start = tag[2:], i
    return out


# --- article-level rules -------------------------------------------------------------------------

def _join(tokens: list[str]) -> str:
    text = " ".join(tokens)
    return text.replace(" .", ".") if "." in tokens else text


def _in_byline(sent: list[str], start: int, end: int, first: bool) -> bool:
    """Whether a name at sent[start:end] is an author or photo credit, not a person in the story."""
    before = [t.lower() for t in sent[max(0, start - 4):start]]
    if any(t in _BYLINE_CUES for t in before) and any(t in (":", "/", "©") for t in sent[:end]):
        return True
    if "©" in sent[:start]:
        return True
    # "Von Anna Beispiel" opening the text, or alone on a line.
    if start == 1 and sent[0].lower() in _BYLINE_PREFIX and (first or len(sent) <= end + 3):
        return True
    if start > 0 and sent[start - 1] == "/" and len(sent) <= end + 4:
        return True
    return False


_GUEST_CUES = frozenset("Gastbeitrag Gastkommentar Gastautor Gastautorin".split())


def _in_guest_note(sent: list[str], start: int, end: int) -> bool:
    """In a guest column, a note on its author: "Katharina Spieß ist Leiterin der Abteilung ..."
    (a name opening a sentence, then "ist"/"war", then a role), or "Die Autorin X ist ..."."""
    opens = start == 0 or start <= 2 and sent[0] in ("Der", "Die") and sent[1] in ("Autor", "Autorin")
    return opens and end + 1 < len(sent) and sent[end] in ("ist", "war", "leitet", "lehrt")


def _strip_genitive(name: str, known: set[str]) -> str:
    """``Söders`` → ``Söder`` when the base form is known; ``Paris`` stays."""
    last = name.rsplit(" ", 1)[-1]
    for suffix in ("s", "es", "'", "’", "n"):
        if last.endswith(suffix) and len(last) > len(suffix) + 2:
            base = last[: -len(suffix)]
            if base in known:
                return name[: len(name) - len(last)] + base
    return name


class EntityExtractor:
    """Finds the persons and places of German news articles with a CRF and article-level rules.

    ``extract_many`` tags a batch of articles in one NumPy pass (``tag_many``), far cheaper per
    article than crfsuite's tagger; ``extract`` is a batch of one. Cheap to pickle: the model is
    read again from ``model_path`` after unpickling, so an extractor can be handed to
    ``multiprocessing`` workers.

    >>> ex = EntityExtractor.load()
    >>> ex.extract("", "Russlands Präsident Wladimir Putin traf Putins Gäste.").persons
    ('Wladimir Putin',)
    """

    def __init__(self, model_path: Path | str, lexicon: Lexicon | None = None):
        self.model_path = str(model_path)
        self.lexicon = lexicon or Lexicon()
        self.features = FeatureCache(self.lexicon)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(self.model_path)
        try:
            model = CRFModel.read(self.model_path)
        except (OSError, ModelFormatError):
            model = None
        if model is not None and model.labels != self._tagger.labels():
            model = None
        known = model_attributes(self._tagger) if model is None else frozenset(model.attributes)
        self.model_features = None if known is None else ModelFeatures(self.features, known)
        # Tagging in NumPy, many articles at once (tag_many), with the weights read from the
        # model file; crfsuite's tagger (tag) if the file cannot be read so.
        self.rows = None if model is None else ModelRows(self.features, model)
        if self.rows is not None:
            self._label_names = np.array(model.labels, dtype=object)
            self._outside = model.labels.index("O") if "O" in model.labels else -1
            self._exp_transition = np.exp(model.transition)

    @classmethod
    def load(cls, model_path: Path | str | None = None) -> "EntityExtractor":
        """Open a model file, by default the one shipped in ``index/models``."""
        return cls(model_path or DEFAULT_MODEL)

    def __getstate__(self):
        return {"model_path": self.model_path, "data_dir": str(self.lexicon.data_dir)}

    def __setstate__(self, state):
        self.__init__(state["model_path"], Lexicon(Path(state["data_dir"])))

    def _cache(self) -> dict:
        """The per-token cache tagging uses: ``tag_many``'s rows, or ``tag``'s features."""
        if self.rows is not None:
            return self.rows.ids
        return (self.features if self.model_features is None else self.model_features).cache

    def cached_tokens(self) -> int:
        """How many tokens' features are cached: a mark for ``new_features``."""
        return len(self._cache())

    def new_features(self, mark: int) -> list[tuple[str, tuple]] | TokenRows:
        """The cache entries added since ``cached_tokens()`` gave ``mark``, at most as many as
        ``carry_features`` takes into a cache that held ``mark``: an indexing worker sends them
        back to its parent, so that the next batch's workers start with them. With batched
        tagging they are token rows (``TokenRows``), else (token, features) pairs."""
        if self.rows is not None:
            return self.rows.export(mark, max(mark, CARRY_LIMIT))
        return list(islice(self._cache().items(), mark, max(mark, CARRY_LIMIT)))

    def carry_features(self, entries: Iterable[tuple[str, tuple]]) -> None:
        """Add ``new_features`` of another process to the cache, up to ``CARRY_LIMIT`` tokens.

        Entries past the limit are dropped, not older ones: those cached first are mostly the
        frequent tokens. The features depend on the token alone, so the output is the same with
        or without them; they only save computing them again.
        """
        if self.rows is not None:
            if isinstance(entries, TokenRows):
                self.rows.carry(entries, CARRY_LIMIT)
            return
        cache = self._cache()
        room = CARRY_LIMIT - len(cache)
        if room <= 0:
            return
        intern = (lambda e: e) if self.model_features is None else self.model_features.intern
        for tok, entry in entries:
            if tok not in cache:
                cache[tok] = intern(entry)
                room -= 1
                if not room:
                    return

    def tag(self, sentences: list[list[str]], doc_lower: set[str] | None = None
            ) -> tuple[list[list[str]], list[list[float]]]:
        """BIO tags for tokenized sentences of one article, and each tag's marginal probability,
        from crfsuite's tagger (``tag_many`` gives the same in NumPy, for many articles).

        Probabilities are computed only for tokens tagged as part of a name (O tokens get 1.0).
        ``doc_lower`` is ``document_lowercase(sentences)`` if the caller has it already.
        """
        if doc_lower is None:
            doc_lower = document_lowercase(sentences)
        feats = (self.features.sentence_features if self.model_features is None
                 else self.model_features.sentence_items)
        tagger = self._tagger
        all_tags, all_probs = [], []
        for s in sentences:
            if not s:
                all_tags.append([])
                all_probs.append([])
                continue
            tags = tagger.tag(feats(s, doc_lower))
            all_tags.append(tags)
            if tags.count("O") == len(tags):
                all_probs.append([1.0] * len(tags))
            else:
                all_probs.append([1.0 if t == "O" else tagger.marginal(t, i)
                                  for i, t in enumerate(tags)])
        return all_tags, all_probs

    def tag_many(self, articles: list[tuple[list[list[str]], set[str]]]
                 ) -> list[tuple[list[list[str]], list[list[float]]]]:
        """``tag`` for the (sentences, ``doc_lower``) of many articles at once, in NumPy.

        Gives ``tag``'s tags, and its marginals within rounding (the last bits); falls back to
        ``tag`` per article when the model file could not be read (``rows`` is None).
        """
        rows = self.rows
        if rows is None:
            return [self.tag(sentences, doc_lower) for sentences, doc_lower in articles]
        flat = []
        lengths = []
        per_article = []
        for sentences, _ in articles:
            tokens = list(chain.from_iterable(sentences))
            flat += tokens
            lengths += map(len, sentences)
            per_article.append(tokens)
        ids = rows.token_ids(flat)
        # dlc: a capitalised token whose lowercase form the article also writes.
        dlc = np.zeros(len(flat), dtype=bool)
        mark = np.zeros(len(rows.ids) + 1, dtype=bool)  # by token id, one article at a time
        at = 0
        for tokens, (_, doc_lower) in zip(per_article, articles):
            end = at + len(tokens)
            # Capitalised tokens are among those the article never writes lowercase.
            marked = [rows.ids[t] for t in set(tokens).difference(doc_lower)
                      if t.lower() in doc_lower and _has_lowercase_form(t)]
            if marked:
                mark[marked] = True
                dlc[at:end] = mark[ids[at:end]]
                mark[marked] = False
            at = end
        lengths = np.array(lengths, dtype=np.intp)
        lengths = lengths[lengths > 0]  # an empty sentence gets empty lists
        layout = Layout(lengths)
        order = np.empty_like(layout.packed)
        order[layout.packed] = np.arange(len(order))
        emission = rows.emission(ids, lengths, dlc, order)
        labels = viterbi(emission, rows.model.transition, layout)
        probs = np.ones(len(labels))
        named = labels != self._outside
        if named.any():
            # Marginals only for sentences with a name, as tag() asks crfsuite for them.
            sentence_of = np.repeat(np.arange(len(lengths)), lengths)
            with_name = np.zeros(len(lengths), dtype=bool)
            with_name[sentence_of[named[layout.packed]]] = True
            sub = Layout(lengths[with_name])
            rows_sub = layout.packed[np.repeat(with_name, lengths)]
            take = np.empty_like(rows_sub)
            take[sub.packed] = rows_sub  # rows of the packed order, in the sub-layout's
            p = marginals(emission[:, take], self._exp_transition, sub)
            picked = p[labels[take], np.arange(len(take))]
            probs[take] = np.where(named[take], picked, 1.0)
        tag_list = self._label_names[labels[layout.packed]].tolist()
        prob_list = probs[layout.packed].tolist()
        out = []
        i = 0
        for sentences, _ in articles:
            tags, ps = [], []
            for s in sentences:
                j = i + len(s)
                tags.append(tag_list[i:j])
                ps.append(prob_list[i:j])
                i = j
            out.append((tags, ps))
        return out

    def extract(self, title: str, text: str) -> Entities:
        """The persons and places named in an article's title and text.

        >>> EntityExtractor.load().extract("Bayerns Weg", "Markus Söder regiert Bayern.")
        Entities(persons=('Markus Söder',), places=('Bayern',))
        """
        try:
            return self._extract(title or "", text or "")
        except Exception:  # noqa: BLE001 - an odd article must never stop an indexing run
            return Entities()

    def extract_many(self, articles: Iterable[tuple[str, str]],
                     batch: int = EXTRACT_BATCH) -> Iterator[Entities]:
        """``extract`` over an iterable of ``(title, text)`` pairs, tagging ``batch`` articles
        per call (``tag_many``); lazily, a batch at a time."""
        it = iter(articles)
        while chunk := list(islice(it, batch)):
            yield from self._extract_batch(chunk)

    def _extract_batch(self, chunk: list[tuple[str, str]]) -> list[Entities]:
        prepared = []
        for title, text in chunk:
            try:
                prepared.append(self._prepare(title or "", text or ""))
            except Exception:  # noqa: BLE001 - as extract
                prepared.append(None)
        ready = [p for p in prepared if p is not None]
        try:
            tagged = iter(self.tag_many(ready))
        except Exception:  # noqa: BLE001 - then each article alone, as extract does
            return [self.extract(title, text) for title, text in chunk]
        out = []
        for p in prepared:
            if p is None:
                out.append(Entities())
                continue
            tags, probs = next(tagged)
            try:
                out.append(resolve(p[0], tags, self.lexicon, probs, p[1]))
            except Exception:  # noqa: BLE001 - as extract
                out.append(Entities())
        return out

    @staticmethod
    def _prepare(title: str, text: str) -> tuple[list[list[str]], set[str]]:
        sentences = tokenize(title) + tokenize(text) if title.strip() else tokenize(text)
        return sentences, document_lowercase(sentences)

    def _extract(self, title: str, text: str) -> Entities:
        sentences, doc_lower = self._prepare(title, text)
        tags, probs = self.tag_many([(sentences, doc_lower)])[0]
        return resolve(sentences, tags, self.lexicon, probs, doc_lower)


_PARTICLES = frozenset("da de di do dos du del della van von der den ten ter zu la le al el ad bin ibn".split())
_PLACE_PREFIXES = frozenset("Santa San Saint Sankt St Puerto Port Fort Bad Los Las New".split())
_NOUN_ENDINGS = ("ung", "ungen", "heit", "keit", "schaft", "tion", "tät", "ismus")
# Names the news use for a place whose base form is another name.
_PLACE_ALIASES = {"Bundesrepublik": "Deutschland", "Bundesrepublik Deutschland": "Deutschland"}
_DISTRICT = frozenset("Landkreis Kreis Bezirk Stadtbezirk Kanton".split())
# A place right after one of these words names a club ("FC Kaiserslautern", "ThSV Eisenach"); the
# town alone is then the club wherever the article writes it without "in"/"nach"/"aus" before it.
_CLUB_HEADS = frozenset(
    "FC SC SV TSV TuS VfB VfL VfR SpVgg SSV FSV ThSV BSC SG TSG MSV HC EHC ERC SCC "
    "Borussia Eintracht Fortuna Arminia Alemannia Dynamo Kickers Baskets Rapid Sturm".split())
# A place right after one of these words is part of an organisation's name ("Universitätsklinikum
# Tübingen", "Uni Bielefeld", "Landgericht Hamburg"), not a place of the article by itself.
_ORG_HEADS = _CLUB_HEADS | frozenset(
    w + s for w in (
        "Uni Universität Universitätsklinikum Universitätsklinik Uniklinik Uniklinikum Klinikum "
        "Hochschule Fachhochschule TU Museum Landesmuseum Stadtmuseum Staatstheater Theater "
        "Staatsoper Oper Zoo Tierpark Stadtwerke Sparkasse Kreissparkasse Stadtsparkasse Volksbank "
        "Raiffeisenbank Landgericht Amtsgericht Oberlandesgericht Verwaltungsgericht Arbeitsgericht "
        "Sozialgericht Landratsamt Polizeipräsidium Polizeidirektion Polizeiinspektion "
        "Staatsanwaltschaft Bistum Erzbistum Gymnasium Realschule Gesamtschule Grundschule "
        "Volksschule Mittelschule Handwerkskammer Jobcenter Messe".split()) for s in ("", "s"))
_STREET_WORDS = frozenset("Straße Strasse Allee Platz Gasse Damm Ufer Chaussee Ring".split())
# "Karl-Marx-Straße", "Konrad-Adenauer-Ufer": a hyphenated street named after someone or something
# ("Kawasaki-Platz" may be a seat in a race: squares are left to the tagger).
_STREET_NAME = re.compile(r"[A-ZÄÖÜ][\w-]*-(?:Straße|Strasse|Allee|Gasse|Damm|Ufer|Chaussee)")
_SPORT_WORDS = frozenset(
    "Tor Tore Treffer Spiel Spiels Partie Trainer Saison Liga Bundesliga Tabelle Spieltag Pokal "
    "Halbzeit Abpfiff Anpfiff Punkte Punkt Sieg Niederlage Remis Derby Fans Stadion Elfmeter "
    "Meisterschaft Playoffs Viertelfinale Halbfinale Finale".split())
_DETERMINERS = frozenset("der die das den dem des ein eine einen einem einer eines".split())
# Place names that take an article ("die Falkensturmstraße", "der Vatikanstaat") end so.
_PLACE_SUFFIXES = ("straße", "strasse", "gasse", "weg", "allee", "platz", "ring", "damm", "ufer",
                   "chaussee", "see", "berg", "tal", "wald", "gebirge", "insel", "inseln", "staat",
                   "land", "kreis", "viertel", "kiez", "markt")
_LOCATIVE = frozenset("in im nach aus von bei vor um durch über nahe ins Richtung Stadt Gemeinde "
                      "Region Hansestadt Landeshauptstadt".split())
_ROMAN = frozenset("I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI".split())
# Last parts of hyphenated names that make an organisation or a place, not a person
# ("Robert Koch-Institut", "Konrad-Adenauer-Straße").
# Words before or after a name that make it an organisation, event or work named after someone
# ("Bündnis Sahra Wagenknecht", "Invictus Games", "Hans Böckler Stiftung"): not a person here.
_ORG_BEFORE_NAME = frozenset(
    "Bündnis Bündnisses Galerie Stiftung Volksschule Grundschule Mittelschule Gymnasium Realschule "
    "Gesamtschule Hotel Restaurant Café Verlag".split())
_ORG_AFTER_NAME = frozenset(
    "Games Collaborative Stiftung Institut Foundation Award Awards Preis Cup Trophy Open Festival "
    "GmbH AG SE KG Inc Ltd Group Holding Ventures Partners Capital Agency Agentur Verlag Gymnasium Schule Band "
    "Orchester Quartett Trio Show Center Centre Arena Stadion Klinik".split())
_APOSTROPHE_NAME = re.compile(r"[A-Z][’'][A-ZÄÖÜ][^\W\d_]+")  # "D’León", "O'Brien"
# Nouns of things, groups and works: a name right after one is no person ("Rockband Shirley
# Holmes", "Zahlungssystem Wero", "Impfstoffhersteller Curevac").
_THING_ENDINGS = (
    "band", "konzern", "hersteller", "unternehmen", "firma", "anbieter", "dienstleister", "system",
    "plattform", "app", "marke", "serie", "film", "album", "sendung", "partei", "verein",
    "netzwerk", "projekt", "programm", "software", "modell", "schiff", "magazin", "zeitung",
    "portal", "label", "kette", "fonds", "versicherer", "startup", "start-up", "sender", "studio",
    "festival", "initiative", "bündnis", "stiftung", "verband", "kampagne", "podcast", "roman",
    "song", "impfstoff", "medikament", "präparat")
_ORDINAL_ADVERB = re.compile(r"(?:erst|zweit|dritt|viert|fünft|sechst|siebt|acht|neunt|zehnt)ens")
_NOT_PERSON_HEADS = frozenset(
    "institut stiftung preis schule gymnasium universität klinik klinikum krankenhaus straße "
    "platz allee weg ring haus halle zentrum museum kaserne gesellschaft verlag gruppe".split())


def resolve(sentences: list[list[str]], tags: list[list[str]], lexicon: Lexicon,
            probs: list[list[float]] | None = None, doc_lower: set[str] | None = None) -> Entities:
    """Turn tagged sentences of one article into its person and place sets.

    A one-word person or an unlisted place that the CRF found with little confidence in every
    mention (best marginal below ``MIN_SINGLE_PERSON`` / ``MIN_PLACE``) is dropped.
    """
    votes: dict[tuple[str, ...], dict[str, int]] = {}
    best: dict[tuple[str, ...], float] = {}
    tokens_seen = set(chain.from_iterable(sentences))
    club_towns = _club_towns(sentences, tokens_seen)
    guest = not _GUEST_CUES.isdisjoint(tokens_seen)
    located: set[tuple[str, ...]] = set()
    for n, (sent, stags) in enumerate(zip(sentences, tags)):
        if stags.count("O") == len(stags):
            continue
        found = spans(sent, stags)
        found = _merge_particles(sent, found)
        sprobs = probs[n] if probs else None
        for kind, start, end in found:
            prob = min(sprobs[start:end]) if sprobs else 1.0
            if kind == "PER":
                got = _person_span(sent, start, end, lexicon, tokens_seen)
                if got is None:
                    continue
                start, end = got
                if _in_byline(sent, start, end, n <= 1) or guest and _in_guest_note(sent, start, end):
                    continue
                name = tuple(sent[start:end])
                if end + 1 < len(sent) and sent[end] in _ROMAN and sent[end + 1] == ".":
                    name = name + (sent[end] + ".",)
                elif name[-1] in _ROMAN and end < len(sent) and sent[end] == ".":
                    name = name[:-1] + (name[-1] + ".",)
                if " ".join(name) in lexicon.places or name[0] in _PLACE_PREFIXES:
                    kind = "LOC"
            elif kind == "LOC":
                # "Richter Moro": a role opening a place span is no part of it.
                while end - start > 1 and (sent[start] in TITLES or sent[start][1:].islower()
                                           and sent[start].lower().endswith(_ROLE_ENDINGS)
                                           and sent[start] not in lexicon.place_tokens):
                    start += 1
                if start > 0 and sent[start - 1] in _DISTRICT:
                    start -= 1
                name = tuple(sent[start:end])
                if not name[-1][:1].isupper():
                    continue
                joined = " ".join(name)
                if joined not in lexicon.places:
                    if len(name) == 1 and name[0][1:].islower() and (
                            name[0] in lexicon.nouns or name[0].lower() in lexicon.lowercase
                            or name[0].lower().endswith(_NOUN_ENDINGS)):
                        continue
                    if len(name) > 1 and _is_first_name(name[0], lexicon):
                        kind = "PER"
                    # "den Ball": an unlisted word after an article is a noun, not a place.
                    elif len(name) == 1 and start and sent[start - 1].lower() in _DETERMINERS \
                            and not name[0].lower().endswith(_PLACE_SUFFIXES) \
                            and _strip_genitive(joined, lexicon.places) not in lexicon.places:
                        continue
                if kind == "LOC":
                    before = sent[start - 1] if start else ""
                    if _org_head(before) or name[0] in _ORG_HEADS:
                        kind = "ORG"
                    elif before not in _LOCATIVE and len(name) == 1 and (
                            name[0] in club_towns or name[0][-1:] == "s" and name[0][:-1] in club_towns):
                        kind = "ORG"
                    elif before in _LOCATIVE:
                        located.add(name)
            else:
                name = tuple(sent[start:end])
            votes.setdefault(name, {}).setdefault(kind, 0)
            votes[name][kind] += 1
            best[name] = max(best.get(name, 0.0), prob)
    if GAZETTEER_RECALL:
        if doc_lower is None:
            doc_lower = document_lowercase(sentences)
        _listed_places(sentences, tags, lexicon, votes, best, club_towns, doc_lower, tokens_seen)
    _surnames_as_persons(votes, located, lexicon)
    persons, places = [], []
    for name, kinds in votes.items():
        kind = max(kinds, key=lambda k: (kinds[k], k == "LOC", k == "PER"))
        # "im Klinikum Schongau" twice and "in Schongau" once: the town is a place of the article.
        if kind == "ORG" and name in located:
            kind = "LOC"
        if kind == "PER":
            if len(name) > 1 or best[name] >= MIN_SINGLE_PERSON:
                persons.append(name)
        elif kind == "LOC" or (kinds.get("LOC") and not VOTE_LOC_ORG):
            joined = _join(list(name))
            if best[name] >= MIN_PLACE or joined in lexicon.places:
                places.append(joined)
    things = _named_things(sentences, {p[0] for p in persons})
    persons = _split_adjacent([p for p in persons if p[0] not in things], lexicon, votes)
    persons = _complete_persons(persons, sentences, lexicon, tokens_seen)
    return Entities(persons=_person_set(persons, tokens_seen, votes),
                    places=_place_set(places, tokens_seen, lexicon))


VOTE_LOC_ORG = True
GAZETTEER_RECALL = True
MIN_SINGLE_PERSON = 0.9
MIN_PLACE = 0.6


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
                and not _is_first_name(p[0], lexicon) and p[0] in surnames \
                and any(q != p and q[-1] == p[1] for q in persons) \
                and any(q != p and q[-1] == p[0] for q in persons) \
                and not any(q != p and q[0] == p[0] and len(q) > 1 for q in persons):
            out.extend(((p[0],), (p[1],)))
            continue
        cut = next((k for k in range(2, len(p) - 1) if _is_first_name(p[k], lexicon)
                    and not _is_first_name(p[k - 1], lexicon) and p[k - 1] not in _PARTICLES
                    and p[k - 1][:1].isupper() and p[k + 1][:1].isupper()), None)
        if cut:
            out.extend((p[:cut], p[cut:]))
        else:
            out.append(p)
    return out


def _named_things(sentences: list[list[str]], words: set[str]) -> set[str]:
    """Those of ``words`` the article writes right after a noun of things ("Zahlungssystem Wero")."""
    if not words:
        return set()
    return {tok for s in sentences if not words.isdisjoint(s) for prev, tok in zip(s, s[1:])
            if tok in words and prev[:1].isupper() and len(prev) > 3
            and prev.lower().endswith(_THING_ENDINGS)}


def _org_head(tok: str) -> bool:
    """Whether a token opens an organisation's name before a place ("FC", "1.FC", "Uni")."""
    return tok in _ORG_HEADS or "." in tok and tok.rsplit(".", 1)[1] in _CLUB_HEADS


def _club_towns(sentences: list[list[str]], tokens_seen: set[str]) -> set[str]:
    """Places a sports report names clubs after: "Eisenach" where it writes "ThSV Eisenach".

    Only in an article with a score ("3:1") or sports words, so that a report on the city of
    Augsburg that names the FC Augsburg once keeps its place. ``tokens_seen`` holds every token
    of the article."""
    heads = {t for t in tokens_seen
             if t in _CLUB_HEADS or "." in t and t.rsplit(".", 1)[1] in _CLUB_HEADS}
    if not heads:
        return heads
    towns = {tok for s in sentences if not heads.isdisjoint(s) for prev, tok in zip(s, s[1:])
             if (prev in _CLUB_HEADS or "." in prev and prev.rsplit(".", 1)[1] in _CLUB_HEADS)
             and tok[:1].isupper()}
    if not towns:
        return towns
    sport = 0
    for s in sentences:
        for i, tok in enumerate(s):
            if tok in _SPORT_WORDS:
                sport += 1
            elif tok == ":" and 0 < i < len(s) - 1 and s[i - 1].isdigit() and s[i + 1].isdigit() \
                    and len(s[i + 1]) < 3 and (i + 2 == len(s) or s[i + 2] != "Uhr"):
                sport += 2
            if sport >= 2:
                return towns
    return set()


def _surnames_as_persons(votes, located, lexicon) -> None:
    """A one-word place that is the surname of a person the article names in full with a first
    name ("Susanne Raab" … "Raab sagte") is that person, unless the article writes it after "in",
    "nach", "aus"."""
    surnames = {_surname_key(n[-1]) for n, k in votes.items()
                if len(n) > 1 and _is_first_name(n[0], lexicon)
                and max(k, key=lambda x: (k[x], x == "LOC", x == "PER")) == "PER"}
    if not surnames:
        return
    for name, kinds in votes.items():
        if len(name) != 1 or not kinds.get("LOC") or name in located:
            continue
        tok = name[0]
        base = tok[:-1] if tok[-1:] == "s" and tok[:-1] in surnames else tok
        if base in surnames and (base,) not in located:
            kinds["PER"] = kinds.get("PER", 0) + kinds.pop("LOC")


def _is_first_name(tok: str, lexicon: Lexicon) -> bool:
    """A listed first name, also with its accents dropped ("Sérgio" as "Sergio") or hyphenated
    from two ("Marie-Agnes")."""
    first = lexicon.first_names
    if tok in first:
        return True
    if "-" in tok and tok[:1].isupper():
        return all(part in first for part in tok.split("-"))
    if tok.isascii():
        return False
    return unicodedata.normalize("NFD", tok).encode("ascii", "ignore").decode() in first


def _listed_places(sentences, tags, lexicon, votes, best, club_towns, doc_lower, tokens_seen):
    """Count a listed place the CRF left untagged, unless the article also writes it lowercase,
    it opens a sentence ("Essen", "Mitte") or follows an article ("mit dem Zug"), or it is
    tagged otherwise elsewhere; two untagged words that make a listed place count too ("im Roten
    Meer")."""
    # Only a sentence with one of the lexicon's place cues or a hyphenated street name can
    # count anything, and most have none.
    cues = tokens_seen & lexicon.place_cues
    cues.update(t for t in tokens_seen if "-" in t and _STREET_NAME.fullmatch(t))
    for sent, stags in zip(sentences, tags):
        if cues.isdisjoint(sent):
            continue
        # Most tokens are lowercase or tagged: only capitalised untagged ones are looked at.
        for i in [i for i, (t, g) in enumerate(zip(sent, stags)) if g == "O" and t[0].isupper()]:
            if not i:
                continue
            tok = sent[i]
            if i + 1 < len(sent) and stags[i + 1] == "O" and sent[i + 1][:1].isupper():
                pair = f"{tok} {sent[i + 1]}"
                # "die Kanarischen Inseln", "in der Potsdamer Straße".
                if pair in lexicon.places or tok.endswith("en") and _base_adjective(
                        pair, lexicon.places) in lexicon.places \
                        or sent[i + 1] in _STREET_WORDS and tok.endswith("er") and tok[1:].islower():
                    name = (tok, sent[i + 1])
                    if name not in votes:
                        votes[name] = {"LOC": 1}
                        best[name] = 1.0
                    continue
            if "-" in tok and _STREET_NAME.fullmatch(tok):
                votes.setdefault((tok,), {"LOC": 1})
                best.setdefault((tok,), 1.0)
                continue
            if sent[i - 1].lower() in _DETERMINERS and not tok.lower().endswith(_PLACE_SUFFIXES):
                continue
            if tok not in lexicon.place_tokens:
                if tok[-1:] != "s" or tok[:-1] not in lexicon.place_tokens:
                    continue
                tok = tok[:-1]
            if stags[i - 1] != "O" or (i + 1 < len(sent) and stags[i + 1] != "O"):
                continue
            if _org_head(sent[i - 1]) or tok in club_towns and sent[i - 1] not in _LOCATIVE:
                continue
            low = tok.lower()
            if i + 1 < len(sent) and "-" in sent[i + 1] or low in doc_lower or (
                    tok in lexicon.nouns and low in lexicon.lowercase):
                continue
            name = (tok,)
            if name in votes:
                continue
            votes[name] = {"LOC": 1}
            best[name] = 1.0


# Arabic article or kinship word bound to a name by a hyphen ("al-Scharaa", "ad-Din", "el-Sisi"):
# written lowercase, so the CRF tends to leave it out of the person it belongs to.
_BOUND_PARTICLE = re.compile(r"(?:al|ad|an|ar|as|asch|at|az|el|ed|en|er|es|ul|ud|abu|ibn|bin)-[A-ZÄÖÜ]\w+")


def _merge_particles(sent, found):
    """Join "Lula" + "da" + "Silva" and "Wout" + "van" + "Aert" into one person span, and a
    person with a following "al-Scharaa" or "ad-Din"."""
    out = []
    for kind, start, end in found:
        if kind == "PER":
            while end < len(sent) and _BOUND_PARTICLE.fullmatch(sent[end]):
                end += 1
        if out and kind == "PER" and out[-1][0] == "PER":
            pstart, pend = out[-1][1], out[-1][2]
            gap = sent[pend:start]
            if 0 < len(gap) <= 2 and all(t in _PARTICLES for t in gap):
                out[-1] = ("PER", pstart, end)
                continue
        out.append((kind, start, end))
    return out


# Capitalised words that open a sentence and no name ("Denn Hendel ..."); not "Von", "Van", "De".
_FUNCTION_WORDS = frozenset(
    "Denn Doch Aber Und Auch Wie Als Wenn Dass Weil Ob Nun Dann Zudem Laut Für Bei Nach Seit "
    "Während Trotz Wegen Ohne Gegen Unter Über Dem Den Der Die Das Des Ein Eine Im Am Zum Zur "
    "Beim Vom Ins Auf In Aus Mit Wovor Wo Wer Was Warum".split())


def _is_role(tok: str, lexicon: Lexicon) -> bool:
    if tok in TITLES or tok in _FUNCTION_WORDS or not tok[:1].isupper():
        return True
    if tok in lexicon.nouns and tok not in lexicon.first_names:
        return True
    if tok[1:].islower() and len(tok) > 6 and tok.lower().endswith(_ROLE_ENDINGS) \
            and tok not in lexicon.first_names:
        return True
    if "-" in tok:
        head = tok.rsplit("-", 1)[1]
        return head[:1].islower() or head in lexicon.nouns
    return False


def _is_demonym(tok: str, lexicon: Lexicon) -> bool:
    """"Thüringer", "Münchner", "Kölner": a word made from a listed place with -er."""
    if not tok.endswith("er") or not tok[1:].islower():
        return False
    places = lexicon.place_tokens
    return tok[:-2] in places or tok[:-2] + "en" in places or tok[:-3] + "en" in places


def _person_span(sent, start, end, lexicon, tokens_seen):
    """Trim roles and titles off a person span and complete a first name; None if no person."""
    while start < end and (_is_role(sent[start], lexicon)
                           or end - start > 1 and _is_demonym(sent[start], lexicon)):
        start += 1
    for i in range(start + 1, end):
        prev = sent[i - 1]
        # "Söders Kabinett", "Maduros Vizepräsidentin Delcy Rodríguez": a genitive name followed
        # by what belongs to it; the genitive name is kept, the rest is a new span.
        if not sent[i][:1].isupper() and sent[i] not in _PARTICLES \
                and not _BOUND_PARTICLE.fullmatch(sent[i]) or (
                prev[-1:] == "s" and (sent[i] in lexicon.nouns or prev[:-1] in tokens_seen)):
            end = i
            break
    if start >= end:
        return None
    last = sent[end - 1]
    if not last[:1].isupper() and not _BOUND_PARTICLE.fullmatch(last):
        return None
    if start and sent[start - 1] in _ORG_BEFORE_NAME \
            or any(t in _ORG_AFTER_NAME for t in sent[start:end]) \
            or end < len(sent) and sent[end] in _ORG_AFTER_NAME \
            or end - start == 1 and _ORDINAL_ADVERB.fullmatch(last.lower()):
        return None
    # "Heinz & Seelig", "Procter & Gamble": a duo or a firm.
    if start and sent[start - 1] == "&" or end < len(sent) and sent[end] == "&":
        return None
    for tok in sent[start:end + 1]:
        if "-" in tok and tok[:1].isupper():
            head = tok.rsplit("-", 1)[1].lower()
            if head in _NOT_PERSON_HEADS or head[:-1] in _NOT_PERSON_HEADS \
                    or head[:-2] in _NOT_PERSON_HEADS:
                return None
    if end - start == 1 and (last in lexicon.nouns or last.lower() in lexicon.lowercase):
        return None
    while start > 0 and sent[start - 1] in lexicon.first_names and not _is_role(sent[start - 1], lexicon):
        start -= 1
    # "Sebastian Kurz", "Peter Florin": a lone first name followed by a capitalised word is a full
    # name whose surname is also an ordinary word, unless that word is a role or a place.
    if end == start + 1 and _is_first_name(sent[start], lexicon) and end < len(sent):
        nxt = sent[end]
        if nxt[:1].isupper() and (nxt[1:].islower() or _APOSTROPHE_NAME.fullmatch(nxt)) \
                and nxt not in lexicon.place_tokens \
                and nxt not in TITLES and (
                not _is_role(nxt, lexicon)
                or (nxt in lexicon.nouns or nxt.lower() in lexicon.lowercase)
                and (nxt.endswith("mann") or not nxt.lower().endswith(_ROLE_ENDINGS))
                and not (end + 1 < len(sent) and sent[end + 1][:1].isupper())):
            end += 1
    return start, end


def _complete_persons(persons, sentences, lexicon, tokens_seen):
    """A bare surname gets the first name the article gives it elsewhere ("Björn" before "Höcke",
    "Laith" before "al-Balaous")."""
    single = {p[0] for p in persons if len(p) == 1}
    longer = {p[-1] for p in persons if len(p) > 1}
    wanted = single - longer
    if not wanted:
        return persons
    # Sentences without a wanted surname, bare or after a particle, are passed over.
    cues = wanted | {t for t in tokens_seen if "-" in t and t[:1].islower()
                     and _BOUND_PARTICLE.fullmatch(t) and _surname_key(t) in wanted}
    extra = []
    for sent in sentences:
        if cues.isdisjoint(sent):
            continue
        for i in range(1, len(sent)):
            tok, prev = sent[i], sent[i - 1]
            if tok in wanted and _is_first_name(prev, lexicon):
                extra.append((prev, tok))
            # "Laith al-Balaous" for a later "Balaous", whatever the first name.
            elif "-" in tok and tok[:1].islower() and _BOUND_PARTICLE.fullmatch(tok) \
                    and _surname_key(tok) in wanted and prev[:1].isupper() and prev[1:].islower() and not _is_role(prev, lexicon) \
                    and prev not in lexicon.place_tokens:
                extra.append((prev, tok))
    return persons + extra


def _surname_key(tok: str) -> str:
    """"Scharaa" for "al-Scharaa" and "Al-Scharaa"; other tokens as they are."""
    if _BOUND_PARTICLE.fullmatch(tok[:1].lower() + tok[1:]):
        return tok.split("-", 1)[1]
    return tok


def _person_set(names: list[tuple[str, ...]], tokens_seen: set[str],
                votes: dict | None = None) -> tuple[str, ...]:
    # Genitive on the last token, when the base form occurs elsewhere in the article.
    mentions = Counter()
    for n in names:
        mentions_of_n = sum(votes[n].values()) if votes and n in votes else 1
        last = n[-1]
        if len(last) > 3 and last[-1] in "s'’" and last[:-1] in tokens_seen:
            n = n[:-1] + (last[:-1],)
        elif len(last) > 4 and last.endswith("es") and last[:-2] in tokens_seen:
            n = n[:-1] + (last[:-2],)
        mentions[n] += mentions_of_n
    normal = set(mentions)
    # A shorter name is part of a longer one: "Söder" and "Markus" → "Markus Söder".
    out = set()
    # Longest first; among equally long names the one mentioned most, then a fixed order:
    # a bare "Joe" goes to the same longer name in every process, whatever the hash seed
    # (it was set order: "Joe Biden" or "Guy Joe").
    longest = sorted(normal, key=lambda m: (-len(m), -mentions[m], m))
    for n in normal:
        target = n
        for m in longest:
            if len(m) <= len(n):
                break
            k = len(n)
            if m[-k:] == n or m[:k] == n or k == 1 and _surname_key(m[-1]) == _surname_key(n[0]):
                target = m
                break
        out.add(" ".join(target))
    return tuple(sorted(out))


def _place_set(names: list[str], tokens_seen: set[str], lexicon: Lexicon) -> tuple[str, ...]:
    known = _Union(lexicon.places, tokens_seen)
    out = set()
    for name in names:
        name = _PLACE_ALIASES.get(name, name)
        if name not in lexicon.places:
            name = _base_adjective(_strip_genitive(name, known), lexicon.places)
        out.add(name)
    return tuple(sorted(out))


def _base_adjective(name: str, places: frozenset[str]) -> str:
    """``Kanarischen Inseln`` → ``Kanarische Inseln``, ``Roten Meer`` → ``Rotes Meer``."""
    first, _, rest = name.partition(" ")
    if not rest or not first.endswith("en") or not first[:1].isupper():
        return name
    stem = first[:-2]
    for ending in ("e", "es", "er"):
        candidate = f"{stem}{ending} {rest}"
        if candidate in places:
            return candidate
    return f"{stem}e {rest}"


class _Union:
    """Membership in any of several sets, without copying them."""

    def __init__(self, *sets):
        self.sets = sets

    def __contains__(self, item):
        return any(item in s for s in self.sets)


@functools.lru_cache(maxsize=1)
def default_extractor() -> EntityExtractor:
    """The shared extractor with the shipped model, built once per process."""
    return EntityExtractor.load()
