"""A sharded index folder opened as an :class:`~search.archive.Archive`.

``Archive(path)`` gives a :class:`ShardedArchive` when ``path`` holds a shard
manifest, so the command line, the web server and scripts use a sharded index
with no change. The shards are searched in this process, or, with ``cluster``
(an address, ``local``, or the ``FUNDSTELLE_CLUSTER`` environment variable), by
Dask actors on the workers that hold them open.
"""

import os

from cluster.manifest import Manifest
from search.archive import Archive, _plain
from search.errors import ArticleNotFound

ENV_CLUSTER = "FUNDSTELLE_CLUSTER"


class ShardedArchive(Archive):
    """An Archive over the shards of a sharded index, answering as one index would."""

    def __init__(self, path, cluster=None, settings=None):
        from search.settings import DEFAULT_SETTINGS

        self.path = str(path)
        self.manifest = Manifest.read(self.path)
        self.cluster = cluster if cluster is not None else os.environ.get(ENV_CLUSTER) or None
        self.settings = settings or DEFAULT_SETTINGS
        self._engine = None

    def __repr__(self):
        return f"ShardedArchive({self.path!r}, shards={self.manifest.shards})"

    @property
    def engine(self):
        """The :class:`~cluster.engine.ShardedEngine` behind this Archive, opened on first use."""
        if self._engine is None:
            from cluster.engine import LocalShards, ShardedEngine

            self._check_versions()
            if self.cluster:
                from cluster.dask import DaskShards
                shards = DaskShards(self.manifest, self.cluster, settings=self.settings)
            else:
                shards = LocalShards(self.manifest, settings=self.settings)
            self._engine = ShardedEngine(shards, settings=self.settings)
        return self._engine

    def _check_versions(self):
        """Raise StaleIndex naming the sharded folder (the one to rebuild, with
        ``--rebuild`` there) when it or one of its shards was written by another
        version of Fundstelle."""
        import json

        from index.errors import StaleIndex
        from index.schema import format_versions
        from index.store import META_FILE

        expected = format_versions()
        metas = [{"schema_version": self.manifest.schema_version,
                  "analyzer_version": self.manifest.analyzer_version}]
        for shard in self.manifest.shard_paths():
            try:
                with open(os.path.join(shard, META_FILE), encoding="utf-8") as f:
                    metas.append(json.load(f))
            except (OSError, ValueError):
                pass  # a missing shard is the engine's to report
        for meta in metas:
            for key in ("schema_version", "analyzer_version"):
                if meta.get(key) != expected[key]:
                    raise StaleIndex(self.path, key, meta.get(key), expected[key])

    def refresh(self):
        if self._engine is not None:
            self._engine.refresh()

    def generation(self):
        return self.engine.generation()

    def article_count(self):
        if self._engine is None:
            from index.store import IndexStore
            return sum(IndexStore.open(p).doc_count() for p in self.manifest.shard_paths())
        return sum(self.engine.shards.map("doc_count"))

    def article(self, article_id, query=None):
        """An article as ``fundstelle show --format json`` prints it; raise ArticleNotFound."""
        engine = self.engine
        shard = engine.owner(article_id)
        if len(engine.shards) > 1:
            engine.copy_links()
        out = _plain(engine.shards.call(shard, "article", article_id, query))
        if len(engine.shards) > 1:
            # Copies in other shards: their groups are joined with this one's.
            group = engine.shards.call(shard, "group_of", article_id)
            others = [i for i in range(len(engine.shards)) if i != shard]
            for found in engine.shards.calls([(i, "group_members", (group,), {})
                                              for i in others]):
                out["copies"] += [c for c in found if c not in out["copies"]]
        return out

    def search_batch(self, lines, *, describe=None, skip_blank=False, **options):
        from search.batch import run_batch
        from search.errors import user_message

        options.setdefault("collapse", True)  # as search() does
        for out in run_batch(self.engine, lines, describe=describe or user_message,
                             skip_blank=skip_blank, **options):
            yield _plain(out)

    def iter_hits(self, query=None, *, sort="relevance", since=None, until=None, person=(),
                  place=(), source=(), snippets=1):
        """``Archive.iter_hits`` over all shards: every hit in one index's order, each
        made by its shard as it is read (:meth:`cluster.engine.ShardedEngine.iter_hits`)."""
        hits = self.engine.iter_hits(query, sort=sort, since=since, until=until,
                                     person=person, place=place, source=source,
                                     snippets=snippets)
        return (_plain(hit.to_dict()) for hit in hits)

    def stats(self):
        """``Archive.stats`` of the whole sharded index: counts and sizes summed,
        names counted once, ``shards`` added."""
        parts = self.engine.shards.map("index_stats")
        sources, persons, places = {}, set(), set()
        for part in parts:
            for src, n in part["sources"].items():
                sources[src] = sources.get(src, 0) + n
            persons.update(part["person_names"])
            places.update(part["place_names"])
        dates_from = [p["date_from"] for p in parts if p["date_from"]]
        dates_to = [p["date_to"] for p in parts if p["date_to"]]
        size = sum(p["size_bytes"] for p in parts)
        size += sum(os.path.getsize(os.path.join(self.path, n)) for n in os.listdir(self.path)
                    if os.path.isfile(os.path.join(self.path, n)))
        return {
            "index": os.path.abspath(self.path),
            "articles": sum(p["articles"] for p in parts),
            "date_from": min(dates_from) if dates_from else None,
            "date_to": max(dates_to) if dates_to else None,
            "sources": dict(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
            "distinct_persons": len(persons),
            "distinct_places": len(places),
            "size_bytes": size,
            "analyzer_version": parts[0]["analyzer_version"] if parts else None,
            "created": parts[0]["created"] if parts else None,
            "shards": self.manifest.shards,
        }

    def check(self):
        """``Archive.check`` of every shard: ``ok`` when all are, problems named by shard."""
        from index.check import check_index

        out = {"index": self.path, "ok": True, "articles": 0, "segments": [],
               "problems": [], "notes": [], "shards": self.manifest.shards}
        for i, path in enumerate(self.manifest.shard_paths()):
            try:
                part = check_index(path).to_dict()
            except Exception as exc:  # a shard missing or unreadable is a problem, not a crash
                part = {"ok": False, "articles": 0, "segments": [], "notes": [],
                        "problems": [{"problem": f"cannot be opened: {exc}",
                                      "fix": "rebuild the index with --rebuild"}]}
            name = os.path.basename(path)
            out["ok"] = out["ok"] and part["ok"]
            out["articles"] += part["articles"]
            out["segments"] += [dict(s, shard=name) if isinstance(s, dict) else s
                                for s in part["segments"]]
            out["problems"] += [{"problem": f"{name}: {p['problem']}", "fix": p["fix"]}
                                for p in part["problems"]]
            out["notes"] += [f"{name}: {n}" for n in part["notes"]]
        return out

    def search_results(self, query=None, *, collapse=True, **options):
        """``Archive.search_results`` over all shards; copies of one agency report in
        two shards are joined by their signatures among the page's window of hits
        (:meth:`cluster.engine.ShardedEngine.search`)."""
        return self.engine.search(query, collapse=collapse, **options)

    def cooccurrence(self, kind, name, query=None, *, since=None, until=None, person=(),
                     place=(), limit=20, min_count=2):
        """``Archive.cooccurrence`` over all shards (:mod:`cluster.investigate`)."""
        from cluster.investigate import cooccurring
        return _plain(cooccurring(self.engine, kind, name, query, since=since, until=until,
                                  person=person, place=place, limit=limit,
                                  min_count=min_count))

    def watch_add(self, name, query=None, *, since=None, until=None, person=(), place=()):
        """``Archive.watch_add``; the watch remembers each shard's newest arrival."""
        from cluster.investigate import add_watch
        return _plain(add_watch(self.engine, self.path, name, query, since=since,
                                until=until, person=person, place=place))

    def watch_run(self, name=None, *, snippets=1, remember=True):
        """``Archive.watch_run`` over all shards (arrivals are counted per shard)."""
        from cluster.investigate import run_watches
        return _plain(run_watches(self.engine, self.path, name, snippets=snippets,
                                  remember=remember))


__all__ = ["ShardedArchive", "ArticleNotFound"]
