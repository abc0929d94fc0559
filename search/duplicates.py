"""Agency copies at search time: one hit per group of near-duplicates, the others named with it.

The groups are made at index time (:mod:`index.duplicates`) and kept in the
``dupgroup`` column. A collapsed result list shows each group once, at the rank
of its best hit; ``duplicates`` holds the ids of the group's other matching
articles, best first. ``total`` still counts articles, and facet counts too
(an agency report in five outlets is five articles); ``groups`` counts the
matches once per group.
"""

import numpy as np

from search.ranking import top

#: The first window of ranked hits collapsed, as a multiple of the hits wanted:
#: groups are mostly small, so four times as many nearly always give enough.
WINDOW = 4
#: The group column is cached in the index folder as GROUPS_CACHE-<commit>.pickle: read
#: through Whoosh's column reader it took 35 CPU-ms of a cold search on full FANG.
GROUPS_CACHE = "dupgroups-v1"


def load_groups(store, reader):
    """:func:`group_column` from the index folder's cache of this commit, else read and
    cached (``store`` an :class:`index.store.IndexStore`)."""
    groups = store.read_cache(GROUPS_CACHE, reader.generation())
    if isinstance(groups, np.ndarray) and groups.dtype == np.int64 \
            and groups.shape == (reader.doc_count_all(),):
        return groups
    groups = group_column(reader)
    store.write_cache(GROUPS_CACHE, reader.generation(), groups)
    return groups


def group_column(reader):
    """Each document's group (``dupgroup``) as an int64 array; a document without one
    (0, e.g. written by another tool) is a group of its own (a negative number)."""
    groups = np.fromiter(reader.column_reader("dupgroup"), dtype=np.int64,
                         count=reader.doc_count_all())
    alone = groups == 0
    groups[alone] = -1 - np.flatnonzero(alone)
    return groups


def window(want, n_candidates):
    """How many ranked hits to rank before collapsing, to fill ``want`` groups."""
    return min(n_candidates, max(WINDOW * want, want + 50))


def collapse_ranked(ranked, candidates, scores, groups, want, key=None):
    """Collapse ``ranked`` ((docnum, score) pairs, best first) to one pair per group.

    Returns (pairs, duplicates, n_groups): the first ``want`` pairs, for each
    the docnums of the same group's other ``candidates`` (best first), and the
    number of groups among all candidates. When ``ranked`` holds fewer than
    ``want`` groups but there are more candidates, they are all ranked again
    (by ``scores``, or by ``key`` as :func:`search.ranking.top` does).
    """
    cand_groups = groups[candidates]
    n_groups = _distinct(cand_groups)
    pairs = _first_per_group(ranked, groups, want)
    if len(pairs) < min(want, n_groups) and len(ranked) < len(candidates):
        ranked = top(candidates, scores, len(candidates), key=key)
        pairs = _first_per_group(ranked, groups, want)
    shown = {int(groups[d]): d for d, _ in pairs}
    members = {}
    if shown:
        mask = np.isin(cand_groups, np.fromiter(shown, dtype=np.int64, count=len(shown)))
        idx = np.flatnonzero(mask)
        order = idx[np.lexsort((candidates[idx], -scores[idx]))]
        for i in order.tolist():
            d = int(candidates[i])
            g = int(cand_groups[i])
            if d != shown[g]:
                members.setdefault(g, []).append(d)
    duplicates = [members.get(int(groups[d]), []) for d, _ in pairs]
    return pairs, duplicates, n_groups


def _distinct(values):
    """How many distinct values an int array holds (sorting: NumPy 2's hashing
    ``unique`` took 28 ms for FANG's 39,000 matches of ``Corona``, this 2)."""
    if not len(values):
        return 0
    ordered = np.sort(values)
    return 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1]))


def _first_per_group(ranked, groups, want):
    seen, out = set(), []
    for docnum, score in ranked:
        g = int(groups[docnum])
        if g in seen:
            continue
        seen.add(g)
        out.append((docnum, score))
        if len(out) >= want:
            break
    return out


def copies_of(searcher, groups, docnum):
    """The ids of the other articles in ``docnum``'s group (index order)."""
    same = np.flatnonzero(groups == groups[docnum])
    reader = searcher.reader()
    deleted = reader.is_deleted if reader.has_deletions() else None
    return [searcher.stored_fields(int(d))["id"] for d in same.tolist()
            if d != docnum and not (deleted and deleted(int(d)))]
