"""The CRF's features of a token, cached per distinct token string.

Every feature of a token depends only on its string and the word lists (``Lexicon``), except
``dlc`` (the article also writes the word lowercase): so each token's features are computed once
(``FeatureCache``) and a sentence's items are its tokens' own features plus prefixed copies of
their neighbours' (±1, ±2). ``ModelFeatures`` keeps only those the model has weights for.

>>> own = FeatureCache(Lexicon()).compute("Söder")[0]
>>> own[:3], word_shape("COVID-19")
(['w:Söder', 'l:söder', 's3:der'], 'X-d')
"""

from __future__ import annotations

from itertools import islice

from .wordlists import Lexicon, is_first_name

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


#: Tokens whose features one process caches; past this, the half added last is dropped.
CACHE_LIMIT = 400_000


def drop_recent(cache: dict) -> None:
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
                drop_recent(self.cache)
            entry = self.cache[tok] = self.compute(tok)
        return entry

    def compute(self, tok: str):
        """(own, as -1, as +1, as -2, as +2, lowercase if capitalised) for one token, uncached."""
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
        if tok in lex.first_names or "-" in tok and is_first_name(tok, lex, more=False):
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


# The features of the positions before a sentence's first token and after its last.
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
                drop_recent(self.cache)
            own, prev1, next1, prev2, next2, low = self.features.compute(tok)
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


def has_lowercase_form(tok: str) -> bool:
    """Whether ``FeatureCache.compute`` gives the token its lowercase form (for ``dlc``)."""
    first = tok[:1]
    return first.isupper() and first.isalnum() and tok.isprintable()


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False

