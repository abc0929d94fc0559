"""The manifest of a sharded index: how many shards, which versions, which routing rule.

A sharded index is a folder holding ``fundstelle-shards.json`` and N ordinary
Fundstelle indexes, ``shard-000`` … An article lives in the shard that
:func:`shard_of` gives for its id: a BLAKE2b hash of the id's UTF-8 bytes (never
Python's ``hash()``, which changes from process to process), so every run, on
every machine, sends an article and its later updates and deletion to one shard.

>>> shard_of("002_hochwasser-passau", 4)
2
"""

import hashlib
import json
import os
import time
from dataclasses import dataclass

from index.errors import FundstelleError
from index.schema import format_versions

MANIFEST_FILE = "fundstelle-shards.json"
#: The routing rule recorded in the manifest; a new rule needs a new name.
ROUTING = "blake2b-64(id utf-8) mod shards"
MAX_SHARDS = 4096


class ShardingError(FundstelleError):
    """A sharded index folder that cannot be used as asked."""

    def __init__(self, path, reason):
        self.path, self.reason = str(path), reason
        super().__init__(f"{path}: {reason}")


def shard_of(article_id, shards):
    """The shard (0 … shards-1) that holds the article with this id."""
    digest = hashlib.blake2b(str(article_id).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def shard_name(number):
    """The folder name of shard ``number`` inside the sharded index."""
    return f"shard-{number:03d}"


def is_sharded(path):
    """True when ``path`` is a sharded index folder (it holds a manifest)."""
    return os.path.isfile(os.path.join(str(path), MANIFEST_FILE))


@dataclass(frozen=True)
class Manifest:
    """What ``fundstelle-shards.json`` records about a sharded index."""

    path: str
    shards: int
    schema_version: int
    analyzer_version: int
    routing: str = ROUTING

    def shard_paths(self):
        """The folders of the shards, in shard order."""
        return [os.path.join(self.path, shard_name(i)) for i in range(self.shards)]

    def shard_path(self, number):
        return os.path.join(self.path, shard_name(number))

    def shard_of(self, article_id):
        return shard_of(article_id, self.shards)

    @classmethod
    def read(cls, path):
        """The manifest of the sharded index at ``path``; raise ShardingError."""
        path = str(path)
        try:
            with open(os.path.join(path, MANIFEST_FILE), encoding="utf-8") as f:
                data = json.load(f)
            out = cls(path, int(data["shards"]), data["schema_version"],
                      data["analyzer_version"], data["routing"])
        except FileNotFoundError:
            raise ShardingError(path, "no sharded index here (no fundstelle-shards.json)") \
                from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ShardingError(path, f"its {MANIFEST_FILE} cannot be read ({exc})") from None
        if out.routing != ROUTING:
            raise ShardingError(path, f"routes articles by {out.routing!r}, which this "
                                      f"version does not know ({ROUTING!r})")
        return out

    @classmethod
    def open_or_create(cls, path, shards=None):
        """The manifest at ``path``, written first for a new sharded index of ``shards``.

        An existing sharded index keeps its shard count: asking for another raises
        ShardingError (re-sharding means building anew with ``--rebuild``). A folder
        that already holds an ordinary index is not turned into a sharded one.
        """
        path = str(path)
        if is_sharded(path):
            out = cls.read(path)
            if shards is not None and shards != out.shards:
                raise ShardingError(path, f"has {out.shards} shards, not {shards}; build "
                                          f"it anew with --rebuild --shards {shards}")
            return out
        if shards is None or not 1 <= shards <= MAX_SHARDS:
            raise ShardingError(path, f"a shard count from 1 to {MAX_SHARDS} is needed")
        from index.store import index_exists
        if index_exists(path):
            raise ShardingError(path, "holds an ordinary index; build the sharded one in a "
                                      "new folder, or anew with --rebuild --shards N")
        versions = format_versions()
        out = cls(path, shards, versions["schema_version"], versions["analyzer_version"])
        os.makedirs(path, exist_ok=True)
        data = {"shards": shards, "routing": ROUTING, **versions,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        tmp = os.path.join(path, f".{MANIFEST_FILE}.{os.getpid()}")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, os.path.join(path, MANIFEST_FILE))
        return out
