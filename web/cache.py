"""Answers kept between requests, as Solr's queryResultCache and Elasticsearch's request
cache keep them: keyed by the request and the index's commit, bounded, dropped at a commit.

A search page's answer depends only on its parameters and on what the index holds:
the commit (generation) it searches and the curation file that names people and
places. A :class:`ResponseCache` keeps the encoded JSON of recent answers under
``(state, request)`` and forgets everything when the state changes, so a new commit
or a ``curate`` is seen by the first request after the server notices it, as without
a cache. Least recently used answers go first when either bound (entries, bytes) is
reached.

>>> cache = ResponseCache(max_bytes=4096)
>>> cache.put(("gen", 1), ("q", "Corona"), {"total": 3}, b'{"total": 3}')
True
>>> cache.get(("gen", 1), ("q", "Corona"))
({'total': 3}, b'{"total": 3}')
>>> cache.get(("gen", 2), ("q", "Corona")) is None   # a new commit: all dropped
True
"""

import threading
from collections import OrderedDict

#: Memory for cached answers by default (their encoded JSON, in MB), and most answers kept.
DEFAULT_MB = 64
MAX_ENTRIES = 10_000
#: Bytes counted for an entry beyond its JSON: the key, the dict of the answer (a
#: dict of ten hits takes about as much as its JSON again; counted as that).
ENTRY_OVERHEAD = 512


class ResponseCache:
    """Least-recently-used answers ``(data, json_bytes)`` under ``(state, key)``, at
    most ``max_entries`` of them and ``max_bytes`` (counted as twice the JSON plus
    :data:`ENTRY_OVERHEAD` each); ``max_bytes`` 0 keeps nothing. Safe between threads.
    """

    def __init__(self, max_bytes=DEFAULT_MB << 20, max_entries=MAX_ENTRIES):
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self._entries = OrderedDict()  # key: (data, body, size)
        self._state = None
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def enabled(self):
        return self.max_bytes > 0 and self.max_entries > 0

    def __len__(self):
        return len(self._entries)

    @property
    def size_bytes(self):
        """What the kept answers count against ``max_bytes``."""
        return self._bytes

    def get(self, state, key, count=True):
        """``(data, body)`` kept for ``key`` in ``state``, or None (a new state empties it).

        ``count`` False: a second look (under the searcher's lock) that does not count
        as another miss.
        """
        if not self.enabled:
            return None
        with self._lock:
            self._set_state(state)
            entry = self._entries.get(key)
            if entry is None:
                self.misses += count
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0], entry[1]

    def put(self, state, key, data, body):
        """Keep ``data`` with its encoded ``body`` (bytes) for ``key``; False when not kept
        (cache off, answer too large, or ``state`` already replaced by a newer one)."""
        size = 2 * len(body) + ENTRY_OVERHEAD
        if not self.enabled or size > self.max_bytes:
            return False
        with self._lock:
            if self._state is not None and state != self._state:
                # Computed on a state the cache has left (a commit came in meanwhile):
                # keeping it would make the old answer outlive the commit.
                return False
            self._set_state(state)
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            self._entries[key] = (data, body, size)
            self._bytes += size
            while self._bytes > self.max_bytes or len(self._entries) > self.max_entries:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
            return True

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _set_state(self, state):
        """Called with the lock held: forget every answer of another state."""
        if state != self._state:
            self._entries.clear()
            self._bytes = 0
            self._state = state
