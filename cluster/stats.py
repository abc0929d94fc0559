"""The whole collection's statistics, for scoring one shard as part of all of them.

BM25 reads three numbers besides a document's own: how many documents there are,
in how many a term occurs, and the average length of a field (the keyword
ranking's plain BM25 too: its terms' document frequencies are the pseudo-field
``search.ranking.PLAIN_TERMS``'s, its lengths ``plain_lengths``). Each shard alone
knows only its own; scored with them, the same article would score differently
in a shard than in one index. :class:`CollectionStats` holds the sums over all
shards and is handed to each shard's ranker (``search.ranking.Ranker.collection``),
as Elasticsearch's DFS phase hands its shards the summed term statistics.
"""

from math import log

from whoosh.scoring import BM25F, WeightScorer


class CollectionStats:
    """Document count, field lengths and term document frequencies summed over shards.

    ``frequencies`` maps ``(field, term bytes)`` to the summed document
    frequency; ``named`` maps a keyword's stems (a frozenset) to the number of
    articles whose facets name it. A term or name not given is asked of
    ``lookup`` (an object with ``doc_frequency(field, term)`` and
    ``named_count(stems)``, summing over shards at once) when there is one; else
    the answer is ``fallback``'s (this shard's own) and counted in ``misses``, so
    a test can tell that every statistic came from the whole collection.
    """

    def __init__(self, doc_count, field_lengths, frequencies=None, named=None, lookup=None,
                 fallback=None, B=0.75, K1=1.2, plain_lengths=(0.0, 0)):
        self.doc_count = doc_count
        #: (title plus body lengths of the live articles summed, live articles), for
        #: the keyword ranking's plain BM25 (``Ranker.plain_bm25``).
        self.plain_length_sum = tuple(plain_lengths)
        self.field_lengths = dict(field_lengths)
        self.frequencies = dict(frequencies or {})
        self.named = dict(named or {})
        self.lookup = lookup
        self.fallback = fallback
        self.misses = 0
        self.weighting = CollectionBM25F(self, B=B, K1=K1)

    def doc_count_all(self):
        return self.doc_count

    def avg_field_length(self, fieldname):
        return self.field_lengths.get(fieldname, 0) / (self.doc_count or 1)

    def plain_lengths(self):
        return self.plain_length_sum

    def doc_frequency(self, fieldname, btext):
        key = (fieldname, btext)
        n = self.frequencies.get(key)
        if n is None:
            if self.lookup is not None:
                n = self.lookup.doc_frequency(fieldname, btext)
            else:
                self.misses += 1
                n = self.fallback.doc_frequency(fieldname, btext) if self.fallback else 0
            self.frequencies[key] = n
        return n

    def named_count(self, stems):
        stems = frozenset(stems)
        n = self.named.get(stems)
        if n is None:
            if self.lookup is not None:
                n = self.lookup.named_count(stems)
            else:
                self.misses += 1
                n = self.fallback.named_count(stems) if self.fallback else 0
            self.named[stems] = n
        return n


class CollectionBM25F(BM25F):
    """Whoosh's BM25F with the collection's idf and average field lengths.

    The ranker scores words in bulk itself; phrases, prefixes and fuzzy words are
    scored by Whoosh's matchers, whose scorers come from here.
    """

    def __init__(self, collection, B=0.75, K1=1.2):
        super().__init__(B=B, K1=K1)
        self.collection = collection

    def idf(self, searcher, fieldname, text):
        n = self.collection.doc_frequency(fieldname, _bytes(searcher, fieldname, text))
        return log(self.collection.doc_count_all() / (n + 1)) + 1

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if not isinstance(scorer, WeightScorer):
            scorer.idf = self.idf(searcher, fieldname, text)
            scorer.avgfl = self.collection.avg_field_length(fieldname) or 1
        return scorer


def _bytes(searcher, fieldname, text):
    return text if isinstance(text, bytes) else searcher.schema[fieldname].to_bytes(text)


class Recorder:
    """A stand-in for :class:`CollectionStats` that answers with one shard's own
    numbers and records what was asked: the first phase of a distributed search
    learns which statistics the query needs, and their values in this shard.

    ``local`` is the shard (:class:`cluster.shard.ShardSearcher`).
    """

    def __init__(self, local, B=0.75, K1=1.2):
        self.local = local
        self.frequencies = {}
        self.named = {}
        self.weighting = CollectionBM25F(self, B=B, K1=K1)

    def doc_count_all(self):
        return self.local.doc_count_all()

    def avg_field_length(self, fieldname):
        return self.local.field_length(fieldname) / (self.local.doc_count_all() or 1)

    def plain_lengths(self):
        return self.local.plain_lengths()

    def doc_frequency(self, fieldname, btext):
        key = (fieldname, btext)
        if key not in self.frequencies:
            self.frequencies[key] = self.local.doc_frequency(fieldname, btext)
        return self.frequencies[key]

    def named_count(self, stems):
        stems = frozenset(stems)
        if stems not in self.named:
            self.named[stems] = self.local.named_count(stems)
        return self.named[stems]
