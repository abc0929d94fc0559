"""The user's curation of the person and place lists: merge, rename and hide names.

The entries live in the index folder as ``curation.tsv`` (see
:mod:`index.curation_file`), one a line, and are applied at search time: facet counts,
``person``/``place`` filters, the names of hits and of a shown article change at once,
without re-indexing. Re-indexing, new commits and ``--rebuild`` keep the file.

The file, as ``fundstelle curate`` writes it (fields separated by one tab)::

    # Fundstelle curation: ...
    fundstelle-curation	1
    merge	person	Merkel	Angela Merkel
    rename	place	Hansestadt Hamburg	Hamburg
    hide	place	Essen

Entries apply in order; names match case- and accent-insensitively (``merkel`` is
``Merkel``). ``merge A B`` and ``rename A B`` both show ``A`` as ``B`` (a merge joins an
existing name, a rename may give a new one); a later entry for the same name replaces
an earlier one, and names merged into ``A`` before follow it to ``B``. ``hide A`` takes
``A`` out of facets, filters and hits.

>>> cur = Curation.parse("fundstelle-curation\\t1\\nmerge\\tperson\\tMerkel\\tAngela Merkel\\n")
>>> names = cur.names("person")
>>> names.canonical("merkel"), names.canonical("Olaf Scholz")
('Angela Merkel', 'Olaf Scholz')
>>> names.apply(["Merkel", "Angela Merkel", "Olaf Scholz"])
['Angela Merkel', 'Olaf Scholz']
"""

import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from index.analysis import fold_diacritics
from index.curation_file import CURATION_FILE, curation_lock, curation_path, write_curation
from index.errors import FundstelleError
from index.store import index_exists
from search.errors import UnknownName

KINDS = ("person", "place")
#: Each action with the number of names it takes.
ACTIONS = {"merge": 2, "rename": 2, "hide": 1}
MAGIC = "fundstelle-curation"
VERSION = 1
HEADER = (
    "# Fundstelle curation: applied at search time to the persons and places of this index.\n"
    "# One entry a line, fields separated by one tab, applied in order:\n"
    "#   merge<TAB>person|place<TAB>NAME<TAB>INTO    rename<TAB>person|place<TAB>OLD<TAB>NEW\n"
    "#   hide<TAB>person|place<TAB>NAME\n"
    "# Edit with `fundstelle curate` (or by hand; `fundstelle curate list` checks the file).\n"
)


#: The automatic consolidation of lone surnames (issue 20, section 2): a person facet value
#: of one word (``Merkel``), or of a surname and its particles (``Von der Leyen``, as a
#: headline prints it), is shown as the full name ending in it (``Angela Merkel``) when
#: that full name is in at least SURNAME_SHARE of the articles that name any full name
#: ending in that word, or starting with it (each full name's articles counted, summed:
#: a word that is also a first name, as ``Michel``, stays as printed) and in at least
#: SURNAME_MIN_ARTICLES articles. Otherwise the surname stays as printed (``Schmidt``
#: with Helmut, Olaf and Anna Schmidt). A user's entry for the surname overrides it;
#: ``curate rename Trump Trump`` keeps it as printed.
SURNAME_SHARE = 0.9
SURNAME_MIN_ARTICLES = 3
#: Names the rule in cache keys: change it with the rule.
SURNAME_RULE = f"v3-{SURNAME_SHARE}-{SURNAME_MIN_ARTICLES}"

#: The automatic place aliases (issue 20, section 2): a place facet value that the table
#: names as a variant (``Vereinigte Staaten``, ``Volksrepublik China``, ``Hansestadt
#: Hamburg``) is shown as the place German news usually print (``USA``, ``China``,
#: ``Hamburg``). The table is ours (``index/data/place_aliases.tsv``); a user's entry
#: for the variant overrides it.
PLACE_ALIASES_FILE = Path(__file__).resolve().parent.parent / "index" / "data" / "place_aliases.tsv"


class CurationError(FundstelleError):
    """A curation that cannot be made or read."""


class BadCurationFile(CurationError):
    """A curation file that cannot be read; names the file and line."""

    kind = "bad_curation"

    def __init__(self, path, line, reason):
        self.path, self.line, self.reason = str(path), line, reason
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"the curation file {where}: {reason}. Fix or delete that line "
                         "(or undo the last change with `fundstelle curate undo`)")


class BadCurationEntry(CurationError):
    """A merge, rename or hide that makes no sense (empty name, a tab in it, A into A)."""

    kind = "bad_curation_entry"


class NothingToUndo(CurationError):
    """`undo` with no entry of that kind."""

    kind = "nothing_to_undo"

    def __init__(self, kind):
        self.facet = kind
        super().__init__(f"no {kind} curation to undo")


class HiddenName(UnknownName):
    """A person or place filter naming a value the curation hides."""

    kind = "hidden_name"

    def __init__(self, kind, name):
        super().__init__(kind, name)
        self.args = (f"the {kind} {name!r} is hidden by the curation of this index "
                     f"(`fundstelle curate list` shows it, `fundstelle curate undo"
                     f"{' --place' if kind == 'place' else ''}` takes it back if it was "
                     "the last change)",)


@dataclass(frozen=True)
class Entry:
    """One curation: ``action`` (merge, rename, hide) of ``name`` of ``kind``, into ``to``."""

    action: str
    kind: str
    name: str
    to: str = None
    #: Made by Fundstelle, not by the user (not written to the file).
    automatic: bool = False

    def to_dict(self):
        return {"action": self.action, "kind": self.kind, "name": self.name, "to": self.to,
                "automatic": self.automatic}

    def line(self):
        return "\t".join([self.action, self.kind, self.name]
                         + ([self.to] if self.to is not None else []))


class Curation:
    """The entries of one index's curation file, in order."""

    def __init__(self, entries=(), path=None):
        self.entries = list(entries)
        self.path = path

    @classmethod
    def load(cls, index_path):
        """The curation of the index at ``index_path`` (empty without a file);
        raise BadCurationFile."""
        path = curation_path(index_path)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return cls(path=path)
        except OSError as exc:
            raise BadCurationFile(path, None, f"cannot be read ({exc.strerror})") from None
        return cls.parse(data, path)

    @classmethod
    def parse(cls, data, path=CURATION_FILE):
        """Read the file's text (str or bytes); raise BadCurationFile naming the bad line."""
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = data[:exc.start].count(b"\n") + 1
                raise BadCurationFile(path, line, "is not UTF-8 text") from None
        entries, version = [], None
        for n, raw in enumerate(data.splitlines(), 1):
            text = raw.rstrip("\r")
            if not text.strip() or text.lstrip().startswith("#"):
                continue
            fields = text.split("\t")
            if version is None:
                if fields[0] != MAGIC or len(fields) != 2:
                    raise BadCurationFile(path, n, f"the first entry must be the header "
                                                   f"'{MAGIC}<TAB>{VERSION}'")
                if fields[1].strip() != str(VERSION):
                    raise BadCurationFile(path, n, f"version {fields[1].strip()!r} is not "
                                                   f"known (this Fundstelle reads {VERSION})")
                version = VERSION
                continue
            action = fields[0].strip()
            if action not in ACTIONS:
                raise BadCurationFile(path, n, f"unknown action {action!r}; use "
                                               f"{', '.join(ACTIONS)} (fields separated "
                                               "by tabs)")
            want = 2 + ACTIONS[action]
            if len(fields) != want:
                raise BadCurationFile(path, n, f"{action} takes {want} tab-separated "
                                               f"fields, the line has {len(fields)}")
            kind = fields[1].strip()
            if kind not in KINDS:
                raise BadCurationFile(path, n, f"unknown kind {kind!r}; use person or place")
            names = [f.strip() for f in fields[2:]]
            if not all(names):
                raise BadCurationFile(path, n, "a name is empty")
            entries.append(Entry(action, kind, *names))
        return cls(entries, path)

    def dumps(self):
        """The file's text: header comments, version line, one user entry a line."""
        lines = [f"{MAGIC}\t{VERSION}"]
        lines += [e.line() for e in self.entries if not e.automatic]
        return HEADER + "\n".join(lines) + "\n"

    def of_kind(self, kind):
        return [e for e in self.entries if e.kind == kind]

    def names(self, kind, automatic=()):
        """The :class:`NameMap` of ``kind``: ``automatic`` entries first, the user's after
        (a user's entry for a name overrides an automatic one)."""
        return NameMap(list(automatic) + self.of_kind(kind))

    def digest(self, kind):
        """A short hash of the user's entries of ``kind`` (names a cache of curated facets)."""
        lines = "\n".join(e.line() for e in self.of_kind(kind) if not e.automatic)
        return hashlib.sha1(lines.encode("utf-8")).hexdigest()[:16]

    def undo(self, kind):
        """Remove and return the last user entry of ``kind``; raise NothingToUndo."""
        for i in range(len(self.entries) - 1, -1, -1):
            if self.entries[i].kind == kind and not self.entries[i].automatic:
                return self.entries.pop(i)
        raise NothingToUndo(kind)


class NameMap:
    """What each name of one facet shows as after the curation: itself, another name,
    or nothing (hidden)."""

    _HIDDEN = object()

    def __init__(self, entries=()):
        self._to = {}  # folded name → the name it shows as, or None (hidden)
        # Folded shown name → the keys showing as it: names merged into e.name follow
        # it without a scan of every key per entry (quadratic: 340 automatic merges
        # of full FANG folded 57,000 names, 0.1 s of a cold search).
        showing = {}
        to = self._to
        for e in entries:
            src = fold_diacritics(e.name)
            new = None if e.action == "hide" else e.to
            followers = showing.pop(src, set())
            old = to.get(src)
            if old is not None and src not in followers:
                showing[fold_diacritics(old)].discard(src)
            followers.add(src)
            for key in followers:
                to[key] = new
            if new is not None:
                showing.setdefault(fold_diacritics(new), set()).update(followers)

    def __bool__(self):
        return bool(self._to)

    def __len__(self):
        return len(self._to)

    def canonical(self, name):
        """The name ``name`` shows as, or None when hidden."""
        return self._to.get(fold_diacritics(name), name)

    def rewrites(self, name):
        """Whether the curation names ``name`` (maps or hides it)."""
        return fold_diacritics(name) in self._to

    def changes(self, values, folded):
        """{index: shown name, or None when hidden} of the ``values`` (with their
        ``folded`` forms) that the curation shows otherwise."""
        out = {}
        to = self._to
        for vid, key in enumerate(folded):
            if key in to and to[key] != values[vid]:
                out[vid] = to[key]
        return out

    def apply(self, names):
        """``names`` (an article's list) as shown: mapped, hidden ones dropped, each once."""
        out, seen = [], set()
        for name in names:
            shown = self.canonical(name)
            if shown is not None and shown not in seen:
                seen.add(shown)
                out.append(shown)
        return out

    def filter_name(self, kind, name):
        """The name a ``person``/``place`` filter ``name`` means after the curation; raise
        HiddenName for a hidden one. A name the curation does not mention comes back."""
        if not self.rewrites(name):
            return name
        shown = self.canonical(name)
        if shown is None:
            raise HiddenName(kind, name)
        return shown


def surname_merges(values, docs_of, folded=None, share=SURNAME_SHARE,
                   min_articles=SURNAME_MIN_ARTICLES):
    """The automatic merges of lone surnames into their dominant full name, as
    :class:`Entry` objects marked ``automatic`` (see SURNAME_SHARE).

    ``values`` are person names, ``docs_of`` their articles (sets), ``folded`` their
    :func:`~index.analysis.fold_diacritics` forms (computed when not given).

    >>> names = ["Angela Merkel", "Merkel", "Olaf Scholz", "Scholz", "Anna Scholz"]
    >>> docs = [set(range(10)), {20}, set(range(5)), {21}, {30}]
    >>> [(e.name, e.to) for e in surname_merges(names, docs, min_articles=3)]
    [('Merkel', 'Angela Merkel')]
    >>> surname_merges(["Charles Michel", "Michel", "Michel Barnier"],
    ...                [set(range(10)), {20}, set(range(5))], min_articles=3)
    []
    >>> names = ["Ursula von der Leyen", "Von der Leyen", "Leyen"]
    >>> [(e.name, e.to) for e in surname_merges(names, [set(range(9)), {20}, {21}])]
    [('Von der Leyen', 'Ursula von der Leyen'), ('Leyen', 'Ursula von der Leyen')]
    """
    if folded is None:
        folded = [fold_diacritics(v) for v in values]
    by_last, first_articles = {}, {}
    for vid, key in enumerate(folded):
        words = key.split()
        if len(words) >= 2 and not _particles_only(words):
            by_last.setdefault(words[-1], []).append(vid)
            first_articles[words[0]] = first_articles.get(words[0], 0) + len(docs_of[vid])
    out = []
    for vid, key in enumerate(folded):
        words = key.split()
        if len(words) > 1 and not _particles_only(words):
            continue  # a full name; "von der Leyen" is a lone surname with its particles
        fulls = by_last.get(words[-1]) if words else None
        if not fulls or not values[vid].split()[-1][:1].isupper():
            continue
        counts = sorted(((len(docs_of[f]), values[f]) for f in fulls),
                        key=lambda cn: (-cn[0], cn[1]))
        best, name = counts[0]
        as_first = first_articles.get(key, 0)  # Adrian, Michel: first names too
        if best >= min_articles and best >= share * (sum(c for c, _ in counts) + as_first):
            out.append(Entry("merge", "person", values[vid], name, automatic=True))
    return out


#: Name particles before a surname ("von der Leyen", "Van der Bellen", "bin Salman"): a value
#: of these and one more word names a person by surname alone. The tagger's
#: ``index.entities.wordlists.PARTICLES``, written again here because importing that package
#: loads the CRF; ``tests/test_curation.py`` keeps the two equal.
SURNAME_PARTICLES = frozenset("da de di do dos du del della van von der den ten ter zu la le al "
                              "el ad bin ibn".split())


def _particles_only(words):
    """Whether all words but the last of a folded name are particles."""
    return all(w in SURNAME_PARTICLES for w in words[:-1])


@cache
def place_aliases(path=PLACE_ALIASES_FILE):
    """The alias table as ({folded variant: place}, (folded title word, ...), rule): the
    rule names the table's content in cache keys."""
    data = Path(path).read_bytes()
    exact, titles = {}, []
    for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        variant, sep, place = line.partition("\t")
        if not sep or not variant.strip() or not place.strip() or "\t" in place:
            raise ValueError(f"{path}, line {number}: expected a variant, a tab and a place")
        if variant.endswith(" *") and place == "*":
            titles.append(fold_diacritics(variant[:-2]) + " ")
        else:
            exact[fold_diacritics(variant)] = place
    rule = "aliases-" + hashlib.sha1(data).hexdigest()[:12]
    return exact, tuple(titles), rule


def automatic_rule(kind):
    """What the automatic entries of ``kind`` follow, for cache keys."""
    return SURNAME_RULE if kind == "person" else place_aliases()[2]


def alias_merges(values, folded=None, table=None):
    """The automatic merges of place variants into the place they name, as :class:`Entry`
    objects marked ``automatic`` (see PLACE_ALIASES_FILE): a listed variant, and a title
    word before a place (``Hansestadt Lübeck``). Each value is decided by itself, so the
    shards of an index decide as the whole index would.

    >>> table = ({"vereinigte staaten": "USA"}, ("hansestadt ",), "t")
    >>> [(e.name, e.to) for e in alias_merges(
    ...     ["Hansestadt Lübeck", "Hansestadt", "USA", "Vereinigte Staaten"], table=table)]
    [('Hansestadt Lübeck', 'Lübeck'), ('Vereinigte Staaten', 'USA')]
    """
    exact, titles, _ = table or place_aliases()
    if folded is None:
        folded = [fold_diacritics(v) for v in values]
    out = []
    for vid, key in enumerate(folded):
        to = exact.get(key)
        if to is None:
            for title in titles:
                if key.startswith(title) and len(key) > len(title):
                    to = " ".join(values[vid].split()[title.count(" "):])
                    break
        if to and to != values[vid]:
            out.append(Entry("merge", "place", values[vid], to, automatic=True))
    return out


# ------------------------------------------------------------- changing the file

@dataclass
class Change:
    """What :func:`curate` or :func:`undo` did: the entry, and the articles it concerns
    (None when the index could not be counted)."""

    entry: Entry
    name_articles: int = None
    to_articles: int = None
    path: str = None

    def to_dict(self):
        return dict(self.entry.to_dict(), name_articles=self.name_articles,
                    to_articles=self.to_articles, file=self.path)


def curate(index_path, action, kind, name, to=None):
    """Add a ``merge``, ``rename`` or ``hide`` entry to the index's curation file.

    Names are spelled as the index spells them when they match one case- and
    accent-insensitively (``curate merge merkel "angela merkel"`` writes
    ``Merkel`` → ``Angela Merkel``). The file is rewritten whole under its lock, so
    it is safe beside another ``curate`` and an indexing run. Returns a :class:`Change`;
    raises IndexNotFound, BadCurationEntry or BadCurationFile (for the file as it is).
    """
    from search.errors import BadOption

    if kind not in KINDS:
        raise BadOption("kind", kind, "use person or place")
    if action not in ACTIONS:
        raise BadOption("action", action, f"use {', '.join(ACTIONS)}")
    names = [name] + ([to] if ACTIONS[action] == 2 else [])
    if ACTIONS[action] == 2 and to is None:
        raise BadCurationEntry(f"{action} needs a second name")
    names = [_check_name(n) for n in names]
    _require_index(index_path)
    raw, shown, columns = _facet_names(index_path, kind)
    name = _spelled(names[0], raw, shown)
    to = _spelled(names[1], shown, raw) if len(names) == 2 else None
    if action == "merge" and to == name:
        raise BadCurationEntry(f"merging the {kind} {name!r} into itself changes nothing")
    if action == "merge" and to is not None and fold_diacritics(to) == fold_diacritics(name):
        raise BadCurationEntry(f"{name!r} and {to!r} are already one {kind} (names match "
                               "without case and accents); to change the spelling use "
                               "`rename`")
    entry = Entry(action, kind, name, to)
    with curation_lock(index_path):
        cur = Curation.load(index_path)
        cur.entries.append(entry)
        write_curation(index_path, cur.dumps())
    return Change(entry, *_articles(columns, name, to),
                  path=curation_path(index_path))


def undo(index_path, kind):
    """Remove the last entry of ``kind`` from the curation file; return its :class:`Change`.

    Raises NothingToUndo, IndexNotFound or BadCurationFile.
    """
    _require_index(index_path)
    with curation_lock(index_path):
        cur = Curation.load(index_path)
        entry = cur.undo(kind)
        write_curation(index_path, cur.dumps())
    return Change(entry, path=curation_path(index_path))


def load_curation(index_path):
    """The curation of the index at ``index_path``; raise IndexNotFound or BadCurationFile."""
    _require_index(index_path)
    return Curation.load(index_path)


def listing(index_path):
    """The curation as data (``curate list --format json``): the file, its version and
    every entry in the order it applies; raise IndexNotFound or BadCurationFile."""
    from search.engine import SearchEngine

    cur = load_curation(index_path)
    automatic = []
    try:
        with SearchEngine(index_path) as engine:
            automatic = engine.automatic("person") + engine.automatic("place")
    except FundstelleError:  # an index that cannot be searched: its file still lists
        pass
    return {"file": cur.path, "version": VERSION,
            "automatic": {"surname_share": SURNAME_SHARE,
                          "surname_min_articles": SURNAME_MIN_ARTICLES,
                          "place_aliases": str(PLACE_ALIASES_FILE)},
            "entries": [e.to_dict() for e in automatic + cur.entries]}


def _require_index(index_path):
    from index.errors import IndexNotFound

    if not index_exists(str(index_path)):
        raise IndexNotFound(str(index_path))


def _check_name(name):
    name = (name or "").strip()
    if not name:
        raise BadCurationEntry("a name is empty")
    if any(c in name for c in "\t\r\n"):
        raise BadCurationEntry(f"the name {name!r} holds a tab or line break")
    return name


def _facet_names(index_path, kind):
    """{folded name: name} of the index's ``kind`` values as indexed and as shown now,
    and the indexed column; empty and None when the index cannot be read (the entry is
    still written)."""
    from search.engine import SearchEngine

    try:
        with SearchEngine(index_path) as engine:
            raw = engine.raw_columns(kind)
            raw_names = {fold_diacritics(v): v for v in raw.values}
            try:
                shown = {fold_diacritics(v): v for v in engine.columns(kind).values}
            except BadCurationFile:
                shown = {}
            return raw_names, shown, raw
    except FundstelleError:
        return {}, {}, None


def _spelled(name, first, second):
    """``name`` as the index spells it, when one of its names matches it folded."""
    key = fold_diacritics(name)
    if name in first.values() or name in second.values():
        return name
    return first.get(key) or second.get(key) or name


def _articles(columns, name, to):
    """Articles that name ``name`` and ``to`` as indexed (before any curation)."""
    if columns is None:
        return None, None
    count = lambda n: len(columns.docs_for(n)) if n is not None else None  # noqa: E731
    return count(name), count(to)


def curation_state(index_path):
    """A token that changes whenever the curation file is replaced (None without one)."""
    try:
        st = os.stat(curation_path(index_path))
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)
