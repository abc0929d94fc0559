"""Agency copies: near-duplicate articles grouped at index time (MinHash over word shingles, LSH).

The same agency report appears in many outlets with small edits: another
headline, a sentence added or cut, a paragraph dropped. Each article's body is
cut into overlapping runs of :data:`SHINGLE_WORDS` lowercased words; their
MinHash signature (``datasketch``) estimates the Jaccard similarity of two
articles' shingle sets, and locality-sensitive hashing (``datasketch``'s
``MinHashLSH``) finds the candidates without comparing every pair.

Every article gets a group number (the ``dupgroup`` column of the index): its
own key (a hash of its id) when no indexed article is similar enough, else the
group of the most similar one whose estimated Jaccard is at least
:data:`THRESHOLD`. Groups are never renumbered, so an incremental run joins
new copies to the groups already written, and a deleted article leaves its
copies together under its number.

What LSH needs to do that in the next run (the id, signature and group of every
article) is kept beside the index per commit (``dupsig-v1-<generation>.pickle``,
written whole or not at all, after each commit). A run brings the newest file
up to date with the ids the index holds: articles committed by a run that
ended before writing its file are signed again from their stored text.

>>> sig = signature("Die Ständige Impfkommission empfiehlt ... ")   # doctest: +SKIP
"""

import hashlib
import os
import pickle
import zlib

import numpy as np

#: Words per shingle. 4 measured on full FANG (bench/duplicates.py; issue 21 note).
SHINGLE_WORDS = 4
#: MinHash permutations: the standard error of a Jaccard estimate is about
#: sqrt(J (1 - J) / NUM_PERM), .044 at J = .5.
NUM_PERM = 128
#: Estimated Jaccard of the shingle sets at which two articles are copies.
THRESHOLD = 0.5
#: Bodies with fewer words are never grouped: two short teasers share most shingles
#: by accident (a standard line, a link list).
MIN_WORDS = 40
#: The seed of the MinHash permutations: part of the stored signatures' meaning.
SEED = 21
#: Kept beside the index as STATE_FILE-<generation>.pickle.
STATE_FILE = "dupsig-v1"

_MASK32 = np.uint64(0xFFFFFFFF)


def group_key(article_id):
    """The group number an article has when it is nobody's copy: a 62-bit hash of its id.

    >>> group_key("a") == group_key("a") != group_key("b")
    True
    """
    digest = hashlib.blake2b(str(article_id).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 2


def shingle_hashes(text, k=SHINGLE_WORDS):
    """The distinct 32-bit hashes of the ``k``-word shingles of ``text``, as a NumPy
    array; None when the text has fewer than MIN_WORDS words.

    Words are the lowercased text split at white space, punctuation kept: a
    regular expression for words cost twice the whole rest. Word hashes are
    CRC-32 (stable across processes, unlike ``hash``), combined in NumPy.
    """
    words = text.lower().encode("utf-8", "surrogatepass").split()
    if len(words) < max(MIN_WORDS, k):
        return None
    w = np.fromiter(map(zlib.crc32, words), dtype=np.uint64, count=len(words))
    n = len(words) - k + 1
    h = w[:n].copy()
    with np.errstate(over="ignore"):
        for j in range(1, k):
            h = (h * np.uint64(1000003)) ^ w[j:j + n]
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    h = np.sort(h & _MASK32)
    # Distinct values by sorting: NumPy 2's hashing ``unique`` cost 0.45 ms an article.
    return h[np.concatenate(([True], h[1:] != h[:-1]))]


class Signer:
    """Makes MinHash signatures with one fixed set of permutations."""

    def __init__(self, num_perm=NUM_PERM, seed=SEED):
        from datasketch import MinHash

        self.num_perm, self.seed = num_perm, seed
        # Two MinHash objects reused for every article: making one checks its
        # permutations again (0.1 ms), as much as hashing a short article.
        self._hasher = MinHash(num_perm=num_perm, seed=seed, hashfunc=int, scheme="affine32")
        self._holder = self._hasher.copy()

    def minhash(self, hashvalues=None, shingles=None):
        """A datasketch MinHash holding stored ``hashvalues``, or of ``shingles`` (32-bit
        ints). The object is reused by the next call: use it at once."""
        if hashvalues is not None:
            self._holder.hashvalues = hashvalues
            return self._holder
        self._hasher.clear()
        self._hasher.update_batch(shingles.tolist())
        return self._hasher

    def signature(self, text):
        """The MinHash hash values of ``text`` (uint32 array), or None for a short text."""
        shingles = shingle_hashes(text)
        if shingles is None:
            return None
        return np.array(self.minhash(shingles=shingles).hashvalues, dtype=np.uint32)


class DuplicateGroups:
    """The LSH index of one run: assigns groups to articles as they are written.

    >>> groups = DuplicateGroups.load(store)           # doctest: +SKIP
    >>> doc["dupgroup"] = groups.assign(article)       # doctest: +SKIP
    >>> groups.save(store)                             # after each commit  # doctest: +SKIP
    """

    def __init__(self, threshold=THRESHOLD):
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.signer = Signer()
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        #: id → (signature or None, group number)
        self.entries = {}

    @classmethod
    def load(cls, store, present, threshold=THRESHOLD):
        """The groups kept beside ``store``, brought up to date with ``present`` (the ids
        the index holds: after a run that ended between a commit and its state file, the
        articles it committed are signed again from their stored text)."""
        groups = cls(threshold)
        state = _read_newest(store.path)
        if state is not None and state.get("num_perm") == NUM_PERM \
                and state.get("seed") == SEED and state.get("shingle") == SHINGLE_WORDS:
            sigs = state["signatures"]
            for i, (article_id, group, has_sig) in enumerate(zip(state["ids"],
                                                                 state["groups"].tolist(),
                                                                 state["has_sig"])):
                groups._put(article_id, sigs[i] if has_sig else None, group)
        for article_id in set(groups.entries) - set(present):
            groups.remove(article_id)
        missing = [i for i in present if i not in groups.entries]
        if missing:
            groups._catch_up(store, missing)
        return groups

    def _catch_up(self, store, missing):
        from index.store import stored_text

        with store.ix.searcher() as s:
            column = s.reader().column_reader("dupgroup")
            for article_id in missing:
                docnum = s.document_number(id=article_id)
                if docnum is None:
                    continue
                group = column[docnum] or group_key(article_id)
                self._put(article_id, self.signer.signature(stored_text(s.stored_fields(docnum))),
                          group)

    def _put(self, article_id, sig, group):
        self.entries[article_id] = (sig, group)
        if sig is not None:
            self.lsh.insert(article_id, self.signer.minhash(hashvalues=sig),
                            check_duplication=False)

    def remove(self, article_id):
        """Forget an article (deleted, pruned, or about to be replaced)."""
        entry = self.entries.pop(article_id, None)
        if entry is not None and entry[0] is not None:
            self.lsh.remove(article_id)

    def assign(self, article):
        """The group number of ``article`` (added, or replacing its old copy), remembered."""
        self.remove(article.id)
        sig = self.signer.signature(article.text or "")
        group = group_key(article.id)
        if sig is not None:
            best, best_j = None, self.threshold
            for other in self.lsh.query(self.signer.minhash(hashvalues=sig)):
                j = float(np.count_nonzero(self.entries[other][0] == sig)) / NUM_PERM
                if j > best_j or (j == best_j and best is None):
                    best, best_j = other, j
            if best is not None:
                group = self.entries[best][1]
        self._put(article.id, sig, group)
        return group

    def save(self, store):
        """Keep the entries for ``store``'s current commit (after a successful commit)."""
        ids = list(self.entries)
        sigs = np.zeros((len(ids), NUM_PERM), dtype=np.uint32)
        has_sig = np.zeros(len(ids), dtype=bool)
        groups = np.zeros(len(ids), dtype=np.int64)
        for i, article_id in enumerate(ids):
            sig, group = self.entries[article_id]
            groups[i] = group
            if sig is not None:
                sigs[i] = sig
                has_sig[i] = True
        store.write_cache(STATE_FILE, store.ix.latest_generation(),
                          {"num_perm": NUM_PERM, "seed": SEED, "shingle": SHINGLE_WORDS,
                           "ids": ids, "signatures": sigs, "has_sig": has_sig,
                           "groups": groups})


def _read_newest(path):
    """The newest state file in the index folder, or None."""
    best = None
    try:
        names = os.listdir(path)
    except OSError:
        return None
    prefix = STATE_FILE + "-"
    for name in names:
        if name.startswith(prefix) and name.endswith(".pickle"):
            try:
                gen = int(name[len(prefix):-len(".pickle")])
            except ValueError:
                continue
            if best is None or gen > best[0]:
                best = (gen, name)
    if best is None:
        return None
    try:
        with open(os.path.join(path, best[1]), "rb") as f:
            state = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError):
        return None
    return state if isinstance(state, dict) else None
