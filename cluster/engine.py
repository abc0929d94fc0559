"""Searching a sharded index as one: the coordinator of the two-phase search.

:class:`ShardedEngine` has ``SearchEngine``'s search interface. A query goes to
every shard twice (a keyword query more, see :meth:`ShardedEngine._keyword_norms`):
first for the statistics it needs (document count, field
lengths, each term's document frequency, how many articles name a keyword), which
are summed (:mod:`cluster.merge`); then each shard ranks with the collection's
numbers and returns its best ``offset + limit`` entries and its facet counts.
The entries are merged by score, then by article id; only the final page's hits
are made (stored fields, snippets), by the shards that hold them.

Where the shards are is a transport's business (:class:`LocalShards` here,
``cluster.dask.DaskShards`` on a cluster): ``map(method, ...)`` calls a
:class:`~cluster.shard.ShardSearcher` method on every shard, ``call(shard,
method, ...)`` on one. In this process the first phase is skipped: the
statistics are read from all shards as the ranker asks for them.
"""

import re
import time
from collections import Counter, OrderedDict
from itertools import chain, islice

import numpy as np

from cluster.merge import (SourceNames, answers_first, choose_correction, collapse_entries,
                           copy_links, merge_streams, merge_top, sum_counts, sum_facets,
                           sum_period_counts, sum_statistics)
from cluster.shard import ShardSearcher, make_collection
from index.analysis import GERMAN_STOPWORDS, WORD_RE, fold_diacritics
from index.errors import FundstelleError
from search.duplicates import window
from search.engine import SORTS
from search.errors import AmbiguousName, ArticleNotFound, BadOption, UnknownName
from search.query import loosened
from search.ranking import keyword_norms
from search.results import FacetValue, SearchResults
from search.settings import DEFAULT_SETTINGS
from search.sources import FACET_KEY as SOURCES_KEY
from search.sources import KIND as SOURCE_KIND
from search.sources import has_prefix, resolve_sources
from search.suggest import SUGGEST_BELOW
from search.timeline import GROUPINGS, month_values

_OPERATORS = frozenset(("AND", "OR", "NOT", "TO"))
#: Phase-one answers kept per commit of all shards (query and options → summed statistics).
STATS_CACHE = 2048
#: ``iter_hits`` (``search --all``): entries read from a shard at a time, and hits
#: made at a time (what the coordinator holds besides the shards' ranked matches).
STREAM_BATCH = 256
HIT_BATCH = 64


class LocalShards:
    """Every shard opened in this process."""

    def __init__(self, manifest, settings=DEFAULT_SETTINGS):
        self.shards = [ShardSearcher(p, i, settings=settings)
                       for i, p in enumerate(manifest.shard_paths())]
        self.local = True

    def __len__(self):
        return len(self.shards)

    def map(self, method, *args, **kwargs):
        return [getattr(s, method)(*args, **kwargs) for s in self.shards]

    def call(self, shard, method, *args, **kwargs):
        return getattr(self.shards[shard], method)(*args, **kwargs)

    def calls(self, requests):
        """``[(shard, method, args, kwargs)]`` → their answers, in order."""
        return [getattr(self.shards[i], m)(*a, **k) for i, m, a, k in requests]

    def close(self):
        for s in self.shards:
            s.close()


class _SumOverShards:
    """The lookup of an in-process CollectionStats: asks every shard at once."""

    def __init__(self, shards):
        self.shards = shards

    def doc_frequency(self, fieldname, btext):
        return sum(s.doc_frequency(fieldname, btext) for s in self.shards.shards)

    def named_count(self, stems):
        return sum(s.named_count(stems) for s in self.shards.shards)


class ShardedEngine:
    """Searches all shards of a sharded index as one index."""

    def __init__(self, shards, settings=DEFAULT_SETTINGS):
        self.shards = shards
        self.settings = settings
        self._state = None
        self._collection = None
        self._phase_one = OrderedDict()
        self._source_names = None
        self._links = None  # copy_links of this state

    def close(self):
        self.shards.close()

    def refresh(self):
        self.shards.map("refresh")
        self._state = None

    def columns(self, kind):
        """Load every shard's ``kind`` facet column now (a server warms up so at start)."""
        self._current()
        self.shards.map("warm", kind)

    def _date_column(self):
        """Load every shard's date columns now (see :meth:`columns`)."""
        self.shards.map("warm", "date")

    date_column = _date_column

    def sources(self):
        """Load every shard's outlet column now (see :meth:`columns`)."""
        self.shards.map("warm", SOURCE_KIND)

    def generation(self):
        """The commits searched, one a shard, as one string (``3.2.5.1``)."""
        return ".".join(str(g) for g in self.shards.map("generation"))

    # --- statistics ---------------------------------------------------------------------

    def _current(self):
        """Start a new state when any shard has committed since: statistics are
        gathered anew and the surname merges decided again."""
        state = self.generation()
        if state != self._state:
            self._state, self._collection, self._links = state, None, None
            self._source_names = None
            self._phase_one.clear()
            self._surnames()
        return state

    def _statistics(self, text, options):
        """The collection statistics for one query: in this process, one CollectionStats
        per commit of the shards that sums as it is asked; else phase one."""
        state = self._current()
        if getattr(self.shards, "local", False):
            if self._collection is None:
                stats = sum_statistics(self.shards.map("statistics"))
                self._collection = make_collection(stats, self.settings,
                                                   lookup=_SumOverShards(self.shards))
            return self._collection
        key = (text, tuple(sorted((k, repr(v)) for k, v in options.items())))
        stats = self._phase_one.get(key)
        if stats is None:
            # What the query asks for does not depend on the page or the facets.
            light = dict(options, want=0, facets=0) if "want" in options else options
            parts = self.shards.map("needed_statistics", text, **light)
            # A shard may not ask for every term (a phrase whose first word it lacks
            # stops there): it still holds articles with the others. Ask it for the rest.
            terms = set().union(*(p["frequencies"] for p in parts))
            names = set().union(*(p["named"] for p in parts))
            requests = []
            for i, p in enumerate(parts):
                missing = sorted(terms - set(p["frequencies"]))
                named = [sorted(n) for n in names - set(p["named"])]
                if missing or named:
                    requests.append((i, "statistics", (missing, named), {}))
            for extra in self.shards.calls(requests):
                parts.append({"doc_count": 0, "field_lengths": {},
                              "frequencies": extra["frequencies"], "named": extra["named"]})
            stats = sum_statistics(parts)
            self._phase_one[key] = stats
            while len(self._phase_one) > STATS_CACHE:
                self._phase_one.popitem(last=False)
        else:
            self._phase_one.move_to_end(key)
        return {"state": state, "stats": stats}

    def _keyword_norms(self, text, fuzzy, collection):
        """The collection's ``KeywordNorms`` for a keyword query (None for another):
        the third phase. Each shard sends its best ``keyword_depth`` matches' scores
        (``keyword_part``); the shards holding the collection's best
        ``together_depth`` candidates send their closeness; the norms are
        computed from these as one index computes its own
        (``search.ranking.keyword_norms``). Kept per commit of all shards."""
        if not (text and text.strip()):
            return None
        key = ("keyword norms", text, bool(fuzzy))
        if key in self._phase_one:
            self._phase_one.move_to_end(key)
            return self._phase_one[key]
        answers = self.shards.map("keyword_part", text, fuzzy=fuzzy, collection=collection)
        held = [i for i, part in enumerate(answers) if part is not None]
        norms = None
        if held:
            def closeness(masks):
                asks = [(i, m) for i, m in zip(held, masks) if m.any()]
                got = iter(self.shards.calls([
                    (i, "keyword_closeness", (text, m),
                     dict(fuzzy=fuzzy, collection=collection)) for i, m in asks]))
                return [next(got) if m.any() else np.ones(0) for m in masks]

            norms = keyword_norms([answers[i] for i in held], self.settings, closeness)
        self._phase_one[key] = norms
        while len(self._phase_one) > STATS_CACHE:
            self._phase_one.popitem(last=False)
        return norms

    def _surnames(self):
        """Decide the automatic surname merges from all shards' counts and hand them to
        every shard (a lone ``Obama`` joins ``Barack Obama`` by the collection's
        numbers, as in one index)."""
        from search.curation import surname_merges

        counts = {}
        for part in self.shards.map("person_counts"):
            for name, n in part.items():
                counts[name] = counts.get(name, 0) + n
        values = sorted(counts, key=lambda n: n.encode("utf-8"))
        merges = surname_merges(values, [range(counts[v]) for v in values])
        self.shards.map("use_surnames", [(e.name, e.to) for e in merges])

    # --- searching ----------------------------------------------------------------------

    def _resolve(self, kind, name):
        """The facet value a filter's ``name`` means over all shards (as one index would
        resolve it where the shards agree); raise UnknownName or AmbiguousName."""
        answers = self.shards.map("resolve", kind, name)
        names = sorted({value for how, value in answers if how == "name"})
        if len(names) == 1:
            return names[0]
        if len(names) > 1:
            raise AmbiguousName(kind, name, [(n, 0) for n in names])
        ambiguous = [value for how, value in answers if how == "ambiguous"]
        if ambiguous:
            merged = {}
            for candidates in ambiguous:
                for cand, n in candidates:
                    merged[cand] = merged.get(cand, 0) + n
            raise AmbiguousName(kind, name, sorted(merged.items(), key=lambda kv: -kv[1]))
        close = sorted({c for how, value in answers if how == "unknown" for c in value})
        raise UnknownName(kind, name, close[:5])

    def resolve_sources(self, names):
        """``SearchEngine.resolve_sources`` over every shard's outlets at once."""
        if not names:
            return []
        self._current()
        if self._source_names is None:
            self._source_names = SourceNames(sum_counts(
                self.shards.map("facet_counts", SOURCE_KIND)))
        return resolve_sources(self._source_names, names)

    def _filters(self, person, place, source):
        """The filter names resolved over all shards, in one index's order (persons,
        places, outlets: the first bad name raises)."""
        self._current()
        return ([self._resolve("person", n) for n in person or ()],
                [self._resolve("place", n) for n in place or ()],
                self.resolve_sources(source))

    def search(self, text=None, *, limit=10, offset=0, sort="relevance", since=None,
               until=None, person=(), place=(), source=(), facets=10, snippets=2,
               fragment_chars=260, suggestions=True, fuzzy=False, relax=True,
               collapse=False, _depth=None):
        """``SearchEngine.search`` over all shards, with the collection's statistics.

        With ``collapse``, agency copies show once (``search.duplicates``): each shard
        ranks its window of hits with their copy groups, joined over shards
        (:meth:`copy_links`), and the coordinator collapses the merged window
        (:func:`cluster.merge.collapse_entries`)."""
        started = time.perf_counter()
        if sort not in SORTS:
            raise BadOption("sort", sort, f"use one of {', '.join(SORTS)}")
        for option, value in (("limit", limit), ("offset", offset)):
            if value < 0:
                raise BadOption(option, value, "it must not be negative")
        person, place, source = self._filters(person, place, source)
        if collapse:
            self.copy_links()
        want = offset + limit
        depth = _depth or (window(want, 1 << 62) if collapse else want)
        options = dict(want=depth, sort=sort, since=since, until=until, person=person,
                       place=place, source=source, facets=facets, fuzzy=fuzzy)
        collection = self._statistics(text, options)
        norms = self._keyword_norms(text, fuzzy, collection) if sort == "relevance" else None
        pages = self.shards.map("search", text, collection=collection, keyword_norms=norms,
                                collapse=collapse, **options)
        total = sum(p["total"] for p in pages)
        kind, used_sort = pages[0]["answer_kind"], pages[0]["sort"]
        if kind:
            best = merge_top([p["entries"] for p in pages],
                             max(depth, self.settings.answer_depth), "relevance")
            entries = answers_first(best, depth, self.settings.answer_boost)
        else:
            entries = merge_top([p["entries"] for p in pages], depth, used_sort)
        duplicates = n_groups = None
        if collapse:
            entries = entries[:window(want, total)] if not _depth else entries
            entries, duplicates, n_groups = self._collapse(pages, entries, want)
            if len(entries) < min(want, n_groups) and depth < total and not _depth:
                # Too few groups in the window: rank every match, as one index does.
                return self.search(text, limit=limit, offset=offset, sort=sort, since=since,
                                   until=until, person=person, place=place, source=source,
                                   facets=facets, snippets=snippets,
                                   fragment_chars=fragment_chars, suggestions=suggestions,
                                   fuzzy=fuzzy, relax=relax, collapse=True, _depth=total)
        parsed = bool(text and text.strip())
        if total == 0 and relax and parsed:
            loose = loosened(text)
            if loose:
                try:
                    out = self.search(loose, limit=limit, offset=offset, sort=sort,
                                      since=since, until=until, person=person, place=place,
                                      source=source, facets=facets, snippets=snippets,
                                      fragment_chars=fragment_chars,
                                      suggestions=suggestions, fuzzy=fuzzy, relax=False,
                                      collapse=collapse)
                except FundstelleError:
                    out = None
                if out is not None and out.total:
                    out.query, out.relaxed_query = text, loose
                    out.seconds = time.perf_counter() - started
                    return out
        hits = self._hits(entries[offset:], offset, text, fuzzy=fuzzy, snippets=snippets,
                          fragment_chars=fragment_chars)
        if duplicates is not None:
            for hit, dups in zip(hits, duplicates[offset:]):
                hit.duplicates = dups
        facet_values = {}
        if facets:
            for name, selected in (("person", person), ("place", place),
                                   (SOURCES_KEY, source)):
                facet_values[name] = [FacetValue(v, c, s) for v, c, s in sum_facets(
                    [p["facets"][name] for p in pages], facets, selected)]
            facet_values["dates"] = month_values(
                sum_counts(p["facets"]["dates"] for p in pages), since, until)
        out = SearchResults(query=text or "", total=total, hits=hits, offset=offset,
                            limit=limit, sort=used_sort, facets=facet_values,
                            filters={"person": person, "place": place, "source": source,
                                     "since": since, "until": until})
        out.groups = n_groups
        if parsed and total < SUGGEST_BELOW and suggestions:
            fixed = self.suggest(text)
            if fixed:
                out.suggestions = [fixed]
        out.seconds = time.perf_counter() - started
        return out

    def _collapse(self, pages, entries, want):
        """(one entry per group of copies, each one's copies' ids, groups among all
        matches) of the merged ``entries``, from the shards' ``pages`` (see
        :meth:`search`)."""
        groups = {(i, d): g for i, p in enumerate(pages) for d, g in p["groups"].items()}
        members = {}
        for p in pages:
            for g, found in p["members"].items():
                members.setdefault(g, []).extend(found)
        shown, duplicates = collapse_entries(entries, groups, members, want)
        # A group joined over shards is counted by every shard holding a match of it.
        spread = Counter(g for p in pages for g in p["joined"])
        n_groups = sum(p["n_groups"] for p in pages) - sum(n - 1 for n in spread.values())
        return shown, duplicates, n_groups

    def copy_links(self):
        """Join agency copies across shards for this commit of all shards: every shard's
        copy groups are renumbered so that copies in different shards share a group
        (:func:`cluster.merge.copy_links` over all shards' MinHash signatures, once
        per commit of all shards). Returns ``{(shard, group): group}`` of the joined."""
        from index.duplicates import THRESHOLD

        self._current()
        if self._links is None:
            links = {}
            if len(self.shards) > 1:
                links = copy_links(self.shards.map("signature_table"), THRESHOLD)
            per = [{} for _ in range(len(self.shards))]
            for (k, g), to in links.items():
                per[k][g] = to
            self.shards.calls([(i, "use_copy_links", (per[i],), {})
                               for i in range(len(self.shards))])
            self._links = links
        return self._links

    def _hits(self, entries, offset, text=None, stems=None, **options):
        """Hit objects of the final page, each made by its shard, in the page's order."""
        by_shard = {}
        for rank, entry in enumerate(entries, offset + 1):
            by_shard.setdefault(entry[3], []).append((rank, entry[0], entry[4]))
        shards = sorted(by_shard)
        answers = self.shards.calls([(i, "hits", (by_shard[i], text),
                                      dict(options, stems=stems)) for i in shards])
        hits = [h for part in answers for h in part]
        hits.sort(key=lambda h: h.rank)
        return hits

    def suggest(self, text):
        """Did-you-mean over all shards: ``Speller.suggest``'s corrected query, or None."""
        corrections = {}
        for word in dict.fromkeys(WORD_RE.findall(text or "")):
            if word in _OPERATORS or word.lower() in GERMAN_STOPWORDS or not word.isalpha():
                continue
            facts = self.shards.map("spelling_facts", word)
            best = choose_correction(facts[0]["stem"], facts)
            if best is None:
                continue
            better = self._surface(best, word)
            if better and better.lower() != word.lower():
                corrections[word] = better
        if not corrections:
            return None
        fixed = text
        for typed, better in corrections.items():
            fixed = re.sub(r"(?<!\w)" + re.escape(typed) + r"(?!\w)", better, fixed)
        return fixed

    def _surface(self, stem, typed):
        """``search.suggest.surface_form`` over all shards: the spellings in the
        collection's best articles for ``stem``, nearest to ``typed`` on a tie."""
        from search.suggest import SURFACE_SAMPLE, _ratio

        samples = [e for part in self.shards.map("surface_samples", stem) for e in part]
        samples.sort(key=lambda e: (-e[0], e[1]))
        forms = {}
        for _, _, found in samples[:SURFACE_SAMPLE]:
            for w, n in found.items():
                forms[w] = forms.get(w, 0) + n
        if not forms:
            return None
        folded = fold_diacritics(typed)
        return max(forms, key=lambda w: (_ratio(fold_diacritics(w), folded), forms[w]))

    def similar(self, article_id, *, limit=10, snippets=1, fragment_chars=260):
        """Articles like this one over all shards (its key terms from its own shard)."""
        started = time.perf_counter()
        self._current()
        shard = self.owner(article_id)
        terms = self.shards.call(shard, "key_terms", article_id)
        hits, total = [], 0
        if terms:
            collection = self._statistics(("similar", tuple(terms)), {})
            pages = self.shards.map("similar_entries", terms, max(limit, 1), article_id,
                                    collection=collection)
            total = sum(p["total"] for p in pages)
            entries = merge_top([p["entries"] for p in pages], limit)
            stems = sorted({t.lstrip("+") for t, _ in terms})
            hits = self._hits(entries, 0, None, stems=stems, snippets=snippets,
                              fragment_chars=fragment_chars)
        out = SearchResults(query=f"similar:{article_id}", total=total, hits=hits,
                            limit=limit)
        out.seconds = time.perf_counter() - started
        return out

    def owner(self, article_id):
        """The shard holding ``article_id``; raise ArticleNotFound."""
        for i, has in enumerate(self.shards.map("has_article", article_id)):
            if has:
                return i
        raise ArticleNotFound(article_id)

    def facet_values(self, kind, text=None, prefix=None, limit=50):
        """``SearchEngine.facet_values`` over all shards."""
        self._current()
        if kind not in ("person", "place", SOURCE_KIND):
            raise BadOption("facet", kind, "use person, place or source")
        collection = self._statistics(text, {}) if text and text.strip() else None
        counts = self.shards.map("facet_counts", kind, text, collection=collection)
        if prefix and kind == SOURCE_KIND:
            counts = [{n: c for n, c in part.items() if has_prefix(n, prefix)}
                      for part in counts]
        elif prefix:
            want = fold_diacritics(prefix.strip())

            def keep(name):
                folded = fold_diacritics(name)
                return folded.startswith(want) or any(w.startswith(want)
                                                      for w in folded.split())
            counts = [{n: c for n, c in part.items() if keep(n)} for part in counts]
        return [FacetValue(v, c) for v, c, _ in sum_facets(counts, limit)]

    # --- timelines and every hit ---------------------------------------------------------

    def period_counts(self, text, by, *, since=None, until=None, person=(), place=(),
                      source=(), fuzzy=False, relax=True):
        """One timeline series (:func:`search.timeline.period_counts`'s dict): each
        shard counts its matches per period, the counts are summed."""
        if by not in GROUPINGS:
            raise BadOption("by", by, f"use one of {', '.join(GROUPINGS)}")
        person, place, source = self._filters(person, place, source)
        options = dict(since=since, until=until, person=person, place=place, source=source,
                       fuzzy=fuzzy)
        collection = self._statistics(text, dict(options, want=0, facets=0,
                                                 sort="relevance"))
        out = sum_period_counts(self.shards.map("period_counts", text, by,
                                                collection=collection, **options))
        out["filters"] = {"person": person, "place": place, "source": source,
                          "since": since, "until": until}
        out["relaxed_query"] = None
        loose = loosened(text) if not out["total"] and relax else None
        if loose:
            try:
                again = self.period_counts(loose, by, fuzzy=fuzzy, relax=False, **{
                    k: v for k, v in out["filters"].items()})
            except FundstelleError:  # e.g. only stop words without the quotes
                again = None
            if again is not None and again["total"]:
                again["relaxed_query"] = loose
                return again
        return out

    def iter_hits(self, text=None, *, sort="relevance", since=None, until=None, person=(),
                  place=(), source=(), fuzzy=False, snippets=1, fragment_chars=260,
                  relax=True):
        """Every hit of a search in one index's order, as Hit objects, made as they are read.

        The search runs at the call (a bad query or filter raises here): each shard
        ranks all its matches and keeps them; the returned iterator merges the
        shards' streams by score, then article id (date sorts: by date first), as a
        page is merged, reading :data:`STREAM_BATCH` entries of a shard at a time and
        having each shard make :data:`HIT_BATCH` hits at a time. For a when/how-many
        question the answer boost applies among the collection's first
        ``answer_depth``, as ``SearchEngine.matching`` orders them.
        """
        if sort not in SORTS:
            raise BadOption("sort", sort, f"use one of {', '.join(SORTS)}")
        person, place, source = self._filters(person, place, source)
        options = dict(sort=sort, since=since, until=until, person=person, place=place,
                       source=source, fuzzy=fuzzy)
        collection = self._statistics(text, dict(options, want=0, facets=0))
        norms = self._keyword_norms(text, fuzzy, collection) if sort == "relevance" else None
        opened = self.shards.map("open_stream", text, collection=collection,
                                 keyword_norms=norms, **options)
        tokens = [o["token"] for o in opened]
        if not sum(o["total"] for o in opened) and relax:
            loose = loosened(text)
            if loose:
                try:
                    hits = self.iter_hits(loose, snippets=snippets,
                                          fragment_chars=fragment_chars, relax=False,
                                          **options)
                except FundstelleError:
                    hits = None
                if hits is not None:
                    self._close_streams(tokens)
                    return hits
        return self._every_hit(tokens, opened[0]["sort"] if opened else sort,
                               opened[0]["answer_kind"] if opened else None,
                               snippets, fragment_chars)

    def _every_hit(self, tokens, sort, kind, snippets, fragment_chars):
        """The generator of :meth:`iter_hits`; closes the shards' streams when done."""
        def entries(shard, token):
            while True:
                batch = self.shards.call(shard, "stream_entries", token, STREAM_BATCH)
                if not batch:
                    return
                yield from batch

        try:
            merged = merge_streams([entries(i, t) for i, t in enumerate(tokens)], sort)
            if kind:
                depth = self.settings.answer_depth
                head = answers_first(list(islice(merged, depth)), depth,
                                     self.settings.answer_boost)
                merged = chain(head, (e[:5] for e in merged))
            rank = 1
            while True:
                batch = list(islice(merged, HIT_BATCH))
                if not batch:
                    return
                by_shard = {}
                for r, entry in enumerate(batch, rank):
                    by_shard.setdefault(entry[3], []).append((r, entry[0], entry[4]))
                shards = sorted(by_shard)
                made = self.shards.calls([(i, "stream_hits", (tokens[i], by_shard[i]),
                                           dict(snippets=snippets,
                                                fragment_chars=fragment_chars))
                                          for i in shards])
                hits = sorted((h for part in made for h in part), key=lambda h: h.rank)
                rank += len(batch)
                yield from hits
        finally:
            self._close_streams(tokens)

    def _close_streams(self, tokens):
        try:
            self.shards.calls([(i, "close_stream", (t,), {}) for i, t in enumerate(tokens)])
        except Exception:  # a shard gone (closed archive, lost worker): its stream went too
            pass
