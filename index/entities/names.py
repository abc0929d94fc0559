"""Name normalisation: the persons and places of an article in the form they are returned.

Persons in the fullest form the article uses (``Söders`` and ``Söder`` → ``Markus Söder``),
places in their base form (``Russlands`` → ``Russland``, ``Roten Meer`` → ``Rotes Meer``), each
set sorted.

>>> person_set([("Markus", "Söder"), ("Söders",)], {"Söder", "Söders", "Markus"})
('Markus Söder',)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .wordlists import BOUND_PARTICLE, NAME_PARTICLES, PLACE_ALIASES, Lexicon


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


def join_tokens(tokens: list[str]) -> str:
    """A name's tokens as text: ``["St", ".", "Gallen"]`` → ``St. Gallen``."""
    text = " ".join(tokens)
    return text.replace(" .", ".") if "." in tokens else text


def strip_genitive(name: str, known: set[str]) -> str:
    """``Söders`` → ``Söder`` when the base form is known; ``Paris`` stays. A name of more words
    loses an ``-n`` only if the shorter name is known whole: ``Hohe Tauern`` stays, though a
    village ``Tauer`` is listed."""
    last = name.rsplit(" ", 1)[-1]
    for suffix in ("s", "es", "'", "’", "n"):
        if last.endswith(suffix) and len(last) > len(suffix) + 2:
            base = last[: -len(suffix)]
            shorter = name[: len(name) - len(last)] + base
            if base in known and (suffix != "n" or shorter == base or shorter in known):
                return shorter
    return name


def surname_key(tok: str) -> str:
    """"Scharaa" for "al-Scharaa" and "Al-Scharaa"; other tokens as they are."""
    if BOUND_PARTICLE.fullmatch(tok[:1].lower() + tok[1:]):
        return tok.split("-", 1)[1]
    return tok


def base_adjective(name: str, places: frozenset[str]) -> str:
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


def person_set(names: list[tuple[str, ...]], tokens_seen: set[str],
               votes: dict | None = None) -> tuple[str, ...]:
    """The persons of an article, each in the fullest form the article uses, sorted.

    ``names`` are the person mentions (tuples of tokens, repeats allowed), ``tokens_seen`` every
    token of the article, ``votes`` the mention counts per name (``rules.resolve``), which decide
    which longer name a shorter one belongs to.
    """
    mentions = _base_forms(names, tokens_seen, votes)
    # Longest first; among equally long names the one mentioned most, then a fixed order, so
    # that a bare "Joe" goes to the same longer name in every process, whatever the hash seed.
    longest = sorted(mentions, key=lambda m: (-len(m), -mentions[m], m))
    return tuple(sorted({" ".join(_fullest_form(n, longest)) for n in set(mentions)}))


def _base_forms(names, tokens_seen, votes) -> Counter:
    """Mentions per name, a genitive on the last token dropped when the article writes the base
    form elsewhere ("Merkels" → "Merkel" where "Merkel" is written too), and a particle opening
    a sentence written as the article writes it elsewhere ("Von der Leyen" → "von der Leyen")."""
    mentions = Counter()
    for n in names:
        mentions_of_n = sum(votes[n].values()) if votes and n in votes else 1
        if len(n) > 1 and n[0][:1].isupper() and n[0].lower() in NAME_PARTICLES:
            low = (n[0].lower(),) + n[1:]
            if any(m[-len(low):] == low for m in names):
                n = low
        last = n[-1]
        if len(last) > 3 and last[-1] in "s'’" and last[:-1] in tokens_seen:
            n = n[:-1] + (last[:-1],)
        elif len(last) > 4 and last.endswith("es") and last[:-2] in tokens_seen:
            n = n[:-1] + (last[:-2],)
        mentions[n] += mentions_of_n
    return mentions


def _fullest_form(name: tuple[str, ...], longest: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The first of the names ``longest`` (longest first) that ``name`` is the start or end of
    ("Söder", "Markus" → "Markus Söder"; "Scharaa" → "Ahmed al-Scharaa"), else ``name``."""
    k = len(name)
    for m in longest:
        if len(m) <= k:
            break
        if m[-k:] == name or m[:k] == name or k == 1 and surname_key(m[-1]) == surname_key(name[0]):
            return m
    return name


def place_set(names: list[str], tokens_seen: set[str], lexicon: Lexicon) -> tuple[str, ...]:
    """The places of an article in their base form, sorted: an alias as the place it names
    ("Bundesrepublik" → "Deutschland"), an unlisted name without its genitive and with its
    adjective in the base form ("Russlands" → "Russland", "Roten Meer" → "Rotes Meer")."""
    known = _Union(lexicon.places, tokens_seen)
    out = set()
    for name in names:
        name = PLACE_ALIASES.get(name, name)
        if name not in lexicon.places:
            name = base_adjective(strip_genitive(name, known), lexicon.places)
        out.add(name)
    return tuple(sorted(out))


class _Union:
    """Membership in any of several sets, without copying them."""

    def __init__(self, *sets):
        self.sets = sets

    def __contains__(self, item):
        return any(item in s for s in self.sets)
