"""Outlets: the ``source`` of each article as a facet column, and ``--source`` names resolved.

The ``source`` field is an indexed ID (case-sensitive, one value an article), so
the column is built from its postings like the person and place columns
(:class:`search.facets.FacetColumns`) and cached in the index folder per commit
(``facets-v2-source-<generation>.pickle``): no schema change, no re-index.

A filter name matches a source exactly, else case- and accent-insensitively
(``ZEIT.DE``, ``Süddeutsche``), else as the site's name without ``www.`` and
its ending (``zeit`` for ``zeit.de``), else by some of its words (``Bote``
for ``Märkischer Bote``). A name matching several sources
case-insensitively takes them all (one outlet spelt two ways); several
outlets of one site name are ambiguous.
"""

import re

from index.analysis import fold_diacritics
from search.errors import AmbiguousName, UnknownName

#: The index field holding an article's outlet.
SOURCE_FIELD = "source"
#: The facet's kind (``--source``, ``fundstelle facets source``) and its key in a result's facets.
KIND = "source"
FACET_KEY = "sources"


def site_name(value):
    """A source's name without ``www.`` and a final ``.de``-like ending, folded.

    >>> site_name("www.Zeit.de"), site_name("de.rt.com"), site_name("Märkischer Bote")
    ('zeit', 'de.rt', 'maerkischer bote')
    """
    folded = fold_diacritics(value.strip())
    if folded.startswith("www."):
        folded = folded[4:]
    head, dot, tail = folded.rpartition(".")
    if dot and head and tail.isalpha() and " " not in folded:
        return head
    return folded


def resolve_sources(columns, names):
    """The source values (sorted, no repeats) that the filter ``names`` mean, ORed.

    Raises UnknownName (with close names) or AmbiguousName.

    >>> resolve_sources(cols, ["zeit", "TAGESSPIEGEL.DE"])       # doctest: +SKIP
    ['tagesspiegel.de', 'zeit.de']
    """
    out = set()
    for name in names or ():
        out.update(_resolve_one(columns, name))
    return sorted(out)


def _resolve_one(columns, name):
    values = columns.values
    if name in columns.ids:
        return [name]
    lowered = name.strip().casefold()
    found = [v for v in values if v.strip().casefold() == lowered]
    if found:
        return found
    folded = fold_diacritics(name.strip())
    found = [v for v in values if fold_diacritics(v.strip()) == folded]
    if found:
        return found
    site = site_name(name)
    found = [v for v in values if site_name(v) == site]
    if not found:  # words of the name: "Bote" for "Märkischer Bote"
        words = set(folded.split())
        found = [v for v in values if words and words <= set(fold_diacritics(v).split())]
    if len({v.strip().casefold() for v in found}) == 1:
        return found
    if found:
        ranked = sorted(found, key=lambda v: (-len(columns.docs_for(v)), v))
        raise AmbiguousName(KIND, name, [(v, len(columns.docs_for(v))) for v in ranked])
    words = {w for w in re.findall(r"\w+", folded) if len(w) > 2}
    close = sorted((v for v in values
                    if (folded[:3] and folded[:3] in fold_diacritics(v))
                    or words & set(re.findall(r"\w+", fold_diacritics(v)))),
                   key=lambda v: -len(columns.docs_for(v)))[:5]
    raise UnknownName(KIND, name, close)


def browse_sources(columns, docnums=None, prefix=None, n=50):
    """Outlets with article counts (:meth:`FacetColumns.browse`), most first; a ``prefix``
    matches the start of the name, of its site name or of any of its words (``alp``
    finds ``www.Alpenpost.at``), case and accents ignored."""
    values = columns.browse(docnums, n=len(columns.values))
    if prefix:
        values = [v for v in values if has_prefix(v.value, prefix)]
    return values[:n]


def has_prefix(value, prefix):
    """Whether an outlet's name, site name or one of its words starts with ``prefix``
    (case and accents ignored), as :func:`browse_sources` keeps it.

    >>> has_prefix("www.Alpenpost.at", "alp"), has_prefix("Märkischer Bote", "bo")
    (True, True)
    """
    want = fold_diacritics(prefix.strip())
    folded = fold_diacritics(value)
    return any(w.startswith(want) for w in
               [folded, site_name(value), *re.findall(r"\w+", folded)])


def source_docs(columns, values):
    """The docnums of the articles from any of ``values`` (a set), or None for no filter."""
    if not values:
        return None
    out = set()
    for v in values:
        out |= columns.docs_for(v)
    return out
