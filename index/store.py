"""Opening, writing and reading a Fundstelle index folder."""

import datetime
import errno
import fcntl
import hashlib
import json
import os
import pickle
import time
import zlib
from dataclasses import dataclass, field

from whoosh import index as whoosh_index

from index.errors import ArticleNotFound, IndexLocked, IndexNotFound, StaleIndex
from index.dates import ArticleDate
from index.codec import CompactCodec, create_index, open_index
from index.schema import build_schema, format_versions, index_metadata

#: Where the index lives unless ``--index`` or ``FUNDSTELLE_INDEX`` say otherwise:
#: a visible folder in the current directory, like ``.git`` but not hidden.
DEFAULT_INDEX_DIR = "fundstelle-index"
ENV_INDEX = "FUNDSTELLE_INDEX"
META_FILE = "fundstelle.json"
#: Ids and content hashes of the indexed articles, kept per commit as HASHES_FILE-<gen>.pickle.
HASHES_FILE = "hashes-v1"
#: The lock an indexing run holds from its start to its end (between Whoosh's
#: own per-commit locks too); it holds the JSON of who took it and when.
LOCK_INFO = "fundstelle.lock"
#: Megabytes of postings one writer (each worker's, in a parallel run) buffers
#: before it spills a sorted run to disk; Whoosh overshoots it about twofold.
WRITER_LIMITMB = 256
#: Articles written between two commits. A run killed at any moment loses at
#: most the batch in progress; re-running the command completes it. Each commit
#: adds one segment per worker. Bigger segments cost less to write (each writes its
#: own term dictionary) and to search (a word is looked up in every segment), and the
#: workers stay warm longer; they also hold more postings in memory. 10,000 FANG
#: articles with entities (bench/perf.py, session 4): 2,000 gave 10 segments, 157 CPU-s,
#: peak PSS 601 MB; 5,000 gave 4 segments, 126 CPU-s, 827 MB. Full FANG at 4,000:
#: 22 segments, 587 CPU-s, 796 MB.
BATCH_SIZE = 4000
#: The preset dictionary every stored article text is compressed with (see
#: ``tools/build_zdict.py``); its checksum, so a changed file is noticed.
ZDICT_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                          "stored_text.zdict")
ZDICT_SHA256 = "6fcb2ed917795c371163a36fb84ac1626ac2e62b536ca13bd3ddf25bec4d8eef"


def default_index_path():
    """The index folder from ``FUNDSTELLE_INDEX``, else ``./fundstelle-index``."""
    return os.environ.get(ENV_INDEX) or DEFAULT_INDEX_DIR


class IndexStore:
    """An open index folder: the Whoosh index plus Fundstelle's metadata.

    >>> store = IndexStore.create(tempfile.mkdtemp())   # doctest: +SKIP
    >>> store.get("000_d78a48386e0168e9").title          # doctest: +SKIP
    'Putin und Kim am Mittwoch in Wostotschny'
    """

    def __init__(self, path, ix, meta):
        self.path = str(path)
        self.ix = ix
        self.meta = meta
        #: Analysed words (:mod:`index.wordcache`) shared by the writers opened on this
        #: store, so that a run committing in batches stays warm; a caller indexing many
        #: small runs in one process (a cluster worker) may put its own dict here.
        self.word_cache = {}

    @classmethod
    def open(cls, path):
        """Open an existing index; raise IndexNotFound or StaleIndex."""
        path = str(path)
        meta_path = os.path.join(path, META_FILE)
        if not index_exists(path):
            raise IndexNotFound(path)
        try:
            with open(meta_path, encoding="utf-8") as f:
                meta = json.load(f)
        except (OSError, ValueError):
            meta = {}
        expected = format_versions()
        for key in ("schema_version", "analyzer_version"):
            if meta.get(key) != expected[key]:
                raise StaleIndex(path, key, meta.get(key), expected[key])
        try:
            ix = while_writers_commit(open_index, path)
        except Exception as exc:  # Whoosh raises bare errors for damaged tables of contents
            raise IndexNotFound(path, f"cannot be opened: {exc}") from exc
        return cls(path, ix, meta)

    @classmethod
    def create(cls, path):
        """Create a new, empty index at ``path`` (the folder may exist)."""
        path = str(path)
        os.makedirs(path, exist_ok=True)
        # The versions first: a process killed between the two leaves a folder without
        # an index (made again by the next run), never an index without its versions.
        meta = dict(index_metadata(), created=time.strftime("%Y-%m-%dT%H:%M:%S"))
        _write_json(os.path.join(path, META_FILE), meta)
        ix = create_index(path, build_schema())
        return cls(path, ix, meta)

    @classmethod
    def open_or_create(cls, path):
        """Open the index at ``path``, creating it when the folder holds none."""
        if index_exists(path):
            return cls.open(path)
        return cls.create(path)

    def searcher(self):
        """A Whoosh searcher over the index's current state."""
        return self.ix.searcher()

    def doc_count(self):
        """Number of articles in the index."""
        return while_writers_commit(self.ix.doc_count)

    def existing_hashes(self):
        """Map every stored article id to its content hash.

        Read from the file the last indexing run left for this commit (see
        :meth:`save_hashes`) when there is one; otherwise from every article's
        stored fields (about 9 s for 41,000 FANG articles).
        """
        hashes = self.read_cache(HASHES_FILE, self.ix.latest_generation())
        # A file left beside an index made anew would claim articles it lacks.
        if isinstance(hashes, dict) and len(hashes) == self.doc_count():
            return hashes
        with self.ix.searcher() as s:
            return {f["id"]: f.get("hash") for f in s.all_stored_fields()}

    def save_hashes(self, hashes):
        """Keep ``hashes`` (id → content hash of every article now in the index) for the
        next run, under the current commit's generation; older files are removed."""
        self.write_cache(HASHES_FILE, self.ix.latest_generation(), hashes)

    def read_cache(self, name, generation):
        """What :meth:`write_cache` kept as ``name`` for commit ``generation``, or None."""
        try:
            with open(self._cache_path(name, generation), "rb") as f:
                return pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError):
            return None

    def write_cache(self, name, generation, value):
        """Pickle ``value`` into the index folder as ``name`` for commit ``generation``
        (``<name>-<generation>.pickle``, written whole or not at all), and remove the
        files ``name`` kept for other commits. A read-only folder goes without."""
        path = self._cache_path(name, generation)
        tmp = f"{path}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:  # a full disk, a read-only folder: readers build the value themselves
            _remove_quietly(tmp)  # a half-written file would only take up the space
            return
        try:
            for other in os.listdir(self.path):
                if other.startswith(name + "-") and other.endswith(".pickle") \
                        and other != os.path.basename(path):
                    os.remove(os.path.join(self.path, other))
        except OSError:
            pass

    def _cache_path(self, name, generation):
        return os.path.join(self.path, f"{name}-{generation}.pickle")

    def get(self, article_id):
        """Return the stored Article with this id; raise ArticleNotFound."""
        with self.ix.searcher() as s:
            fields_ = s.document(id=str(article_id))
        if fields_ is None:
            raise ArticleNotFound(article_id)
        return article_from_stored(fields_)

    def writer(self, timeout=0.0):
        """A Whoosh writer; raise IndexLocked when another run holds the lock past ``timeout``."""
        from whoosh.writing import LockError  # not loaded by a search

        try:
            return self.ix.writer(timeout=timeout, limitmb=WRITER_LIMITMB, codec=CompactCodec())
        except LockError:
            raise IndexLocked(self.path, self.lock_info()) from None

    def lock_info(self):
        """What the running writer wrote about itself (pid, start), or {}."""
        return read_lock_info(self.path)

    def stats(self):
        """Counts, date range and size on disk."""
        lo = hi = None
        sources = {}
        persons = places = 0
        with self.ix.searcher() as s:
            for f in s.all_stored_fields():
                d = f.get("date")
                if d:
                    shown = ArticleDate.parse(d).display
                    lo = shown if lo is None or shown < lo else lo
                    hi = shown if hi is None or shown > hi else hi
                src = f.get("source") or ""
                sources[src] = sources.get(src, 0) + 1
            reader = s.reader()
            persons = sum(1 for _ in reader.lexicon("persons"))
            places = sum(1 for _ in reader.lexicon("places"))
        size = sum(os.path.getsize(os.path.join(self.path, n))
                   for n in os.listdir(self.path)
                   if os.path.isfile(os.path.join(self.path, n)))
        return {
            "index": os.path.abspath(self.path),
            "articles": self.doc_count(),
            "date_from": lo,
            "date_to": hi,
            "sources": dict(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
            "distinct_persons": persons,
            "distinct_places": places,
            "size_bytes": size,
            "analyzer_version": self.meta.get("analyzer_version"),
            "created": self.meta.get("created"),
        }


def while_writers_commit(fn, *args, tries=20):
    """Call ``fn``, retrying while a writer's commit deletes the files it opens.

    Whoosh opens the newest table of contents by listing the folder, and a
    commit deletes the previous one (and merged segments): a reader opening
    the index just then gets FileNotFoundError. Its ``reader()`` retries; its
    ``open_dir``, ``exists_in`` and ``doc_count`` do not.
    """
    for attempt in range(tries):
        try:
            return fn(*args)
        except FileNotFoundError:
            if attempt == tries - 1:
                raise
            time.sleep(0.02)


def index_exists(path):
    """True when ``path`` is a folder holding a Whoosh index (safe beside a writer)."""
    path = str(path)
    return os.path.isdir(path) and while_writers_commit(whoosh_index.exists_in, path)


def read_lock_info(path):
    """The JSON an indexing run wrote into the index's lock file, or {}."""
    try:
        with open(os.path.join(str(path), LOCK_INFO), encoding="utf-8") as f:
            return json.loads(f.read() or "{}")
    except (OSError, ValueError):
        return {}


#: The RunLocks this process holds. A forked worker inherits their descriptors,
#: and a flock lasts while any descriptor is open: a worker outliving a killed
#: run would hold the index. Children close their copies at once.
_HELD_LOCKS = set()


def _drop_inherited_locks():
    for lock in list(_HELD_LOCKS):
        try:
            os.close(lock.fd)
        except OSError:
            pass
        lock.fd = None
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_drop_inherited_locks)


class RunLock:
    """The exclusive lock of one indexing run over an index folder.

    Whoosh releases its own lock at every commit, so a run that commits in
    batches needs a lock of its own to stay the only writer. This one is an
    ``flock`` on ``fundstelle.lock``: the kernel releases it when the process
    dies, even by SIGKILL, so a lock is never left stale. The file holds the
    holder's pid, host and start time for the message a second run shows.
    """

    def __init__(self, path):
        self.path = str(path)
        self.file = os.path.join(self.path, LOCK_INFO)
        self.fd = None
        #: What a previous run left in the file: it died before finishing.
        self.stale = {}

    def acquire(self, timeout=0.0):
        """Take the lock, waiting up to ``timeout`` seconds; raise IndexLocked."""
        os.makedirs(self.path, exist_ok=True)
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            fd = os.open(self.file, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexLocked(self.path, read_lock_info(self.path)) from None
                time.sleep(0.1)
                continue
            # A rebuild may have swapped the folder while we waited: then we hold
            # the lock of the old folder's file, not of the index now at the path.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.file).st_ino
            except OSError:
                same = False
            if not same:
                os.close(fd)
                continue
            break
        self.fd = fd
        _HELD_LOCKS.add(self)
        old = os.read(fd, 65536)
        try:
            self.stale = json.loads(old) if old.strip() else {}
        except ValueError:
            self.stale = {}
        import socket  # only writers lock: a search need not load it

        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "since": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        except OSError:  # a full disk: the run could not write its index either
            self.release()
            raise
        return self

    def release(self):
        """Empty the file (a clean finish) and let the next run in."""
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)
        except OSError:
            pass
        os.close(self.fd)  # closing the descriptor drops the flock
        self.fd = None
        _HELD_LOCKS.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


class _TextCodec:
    """Raw deflate with the preset dictionary: the stored form of an article's text.

    The dictionary gives each short text common German to refer back to (0.46 →
    0.40 of the raw size on FANG). Compressors start from one primed with it.
    """

    def __init__(self):
        self._zdict = None
        self._primed = None

    def zdict(self):
        if self._zdict is None:
            with open(ZDICT_FILE, "rb") as f:
                data = f.read()
            if hashlib.sha256(data).hexdigest() != ZDICT_SHA256:
                raise RuntimeError(f"{ZDICT_FILE} is not the dictionary this version "
                                   "stores texts with")
            self._zdict = data
        return self._zdict

    def compress(self, data):
        if self._primed is None:
            # Level 5, memLevel 8: on 4,000 FANG texts 1.25 s and 0.406 of the raw size;
            # level 6, memLevel 9 (zlib's most common setting) took 2.24 s for 0.402. Any
            # level reads back the same way.
            self._primed = zlib.compressobj(5, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY,
                                            zdict=self.zdict())
        c = self._primed.copy()
        return c.compress(data) + c.flush()

    def decompress(self, data):
        d = zlib.decompressobj(-15, zdict=self.zdict())
        return d.decompress(data) + d.flush()


_TEXT = _TextCodec()


def compress_text(text):
    """An article text as it is stored (``text_z``).

    >>> stored_text({"text_z": compress_text("Die Maske bleibt.")})
    'Die Maske bleibt.'
    """
    return _TEXT.compress(text.encode("utf-8", "surrogatepass"))


def stored_text(f):
    """The article text of a document's stored fields (kept compressed as ``text_z``)."""
    text_z = f.get("text_z")
    return _TEXT.decompress(text_z).decode("utf-8", "surrogatepass") if text_z else ""


def article_from_stored(f):
    """Rebuild an Article from a document's stored fields."""
    from index.ingest import Article  # the readers: not loaded by a search

    return Article(id=f["id"], title=f.get("title") or "", text=stored_text(f),
                   date=ArticleDate.parse(f["date"]) if f.get("date") else None,
                   source=f.get("source") or "", url=f.get("url") or "",
                   meta=f.get("meta") or {}, origin=f.get("origin") or "")


def article_document(article, entities=None):
    """The Whoosh document for an article (and its persons and places)."""
    date = article.date
    return {
        "id": article.id,
        "title": article.title,
        "body": article.text,
        "text_z": compress_text(article.text),
        "date": date.value if date else None,
        "date_lo": date.lo if date else 0,
        "date_hi": date.hi if date else 0,
        "source": article.source or "",
        "url": article.url or "",
        "meta": article.meta or {},
        "origin": article.origin or "",
        "hash": article.content_hash,
        "persons": ",".join(entities.persons) if entities else "",
        "places": ",".join(entities.places) if entities else "",
    }


@dataclass
class IndexSummary:
    """What one indexing run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    pruned: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    #: The signal name ("SIGINT", "SIGTERM") when the run was stopped early.
    interrupted: str = ""
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    #: Articles read per input format (``html``, ``warc``, ``jsonl``, ...).
    formats: dict = field(default_factory=dict)
    #: Records passed over on purpose, per reason (``WARC revisit``, ``non-HTML``, ...).
    skipped: dict = field(default_factory=dict)

    def to_dict(self):
        d = {k: getattr(self, k) for k in ("added", "updated", "unchanged", "failed",
                                           "pruned", "duplicates", "seconds",
                                           "interrupted")}
        d["formats"], d["skipped"] = dict(self.formats), dict(self.skipped)
        return d

    def line(self):
        """One human line for the end of a run."""
        rate = (self.added + self.updated) / self.seconds if self.seconds else 0.0
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.failed} failed"
                + (f", {self.duplicates} duplicate ids" if self.duplicates else "")
                + (f", {self.pruned} pruned" if self.pruned else "")
                + f" in {self.seconds:.1f} s ({rate:.0f} articles/s)"
                + self._by_format())

    def _by_format(self):
        """``; read: html 3, warc 12; skipped: 2 WARC revisit`` when there is any."""
        out = ""
        if self.formats:
            out += "; read: " + ", ".join(f"{fmt} {n}" for fmt, n in sorted(self.formats.items()))
        if self.skipped:
            out += "; skipped: " + ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
        return out


def _write_json(path, data):
    tmp = path + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except OSError:
        _remove_quietly(tmp)
        raise


def _remove_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass
