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
from search.errors import ArticleNotFound, NotOnShards

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

            if self.cluster:
                from cluster.dask import DaskShards
                shards = DaskShards(self.manifest, self.cluster, settings=self.settings)
            else:
                shards = LocalShards(self.manifest, settings=self.settings)
            self._engine = ShardedEngine(shards, settings=self.settings)
        return self._engine

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
        shard = self.engine.owner(article_id)
        return _plain(self.engine.shards.call(shard, "article", article_id, query))

    def search_batch(self, lines, *, describe=None, skip_blank=False, **options):
        from search.batch import run_batch
        from search.errors import user_message

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

    # Agency copies are grouped within a shard only, and co-occurrence and watches read
    # one index's facet columns and commit log: not offered on shards yet (NOTES).

    def search_results(self, query=None, *, collapse=False, **options):
        """Hits as one index gives them with ``--no-collapse``: agency-copy groups are
        kept per shard, so a sharded index does not collapse them (``groups`` is null)."""
        return self.engine.search(query, **options)

    def cooccurrence(self, kind, name, query=None, **options):
        raise NotOnShards("cooccurrence", self.path)

    def watch_add(self, name, query=None, **options):
        raise NotOnShards("watch", self.path)

    def watch_list(self):
        raise NotOnShards("watch", self.path)

    def watch_remove(self, name):
        raise NotOnShards("watch", self.path)

    def watch_run(self, name=None, **options):
        raise NotOnShards("watch", self.path)


__all__ = ["ShardedArchive", "ArticleNotFound"]
