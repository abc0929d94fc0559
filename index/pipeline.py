"""Getting articles to the Whoosh writer: serially, or on every core.

Whoosh's analysis and posting writing are pure Python, and so is most of the
person/place tagger; together they are nearly all the cost of indexing (the
profile in ``bench/perf.py --profile``). :class:`ParallelArticleWriter` runs
both in worker processes: the parent reads and validates articles and hands
each worker batches of documents; each worker tags them, analyses them and
writes its own segment (Whoosh's ``MpWriter`` with ``multisegment``). A commit
adds the workers' segments to the index without merging them into one.

Both writers are Whoosh writers (``commit``, ``cancel``, ``delete_by_term``
work as usual) with one more method, ``add_article(article, update=False)``,
so :func:`~index.build.index_paths` does not care which one it has.

>>> writer = open_writer(store, default_extractor(), procs=2)   # doctest: +SKIP
>>> writer.add_article(article)                                 # doctest: +SKIP
>>> writer.commit()                                             # doctest: +SKIP
"""

import os
import pickle
import queue
import signal
from itertools import islice
from operator import itemgetter

from whoosh.fields import FieldType
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import LockError, SegmentWriter

from index.analysis import PART_PREFIX
from index.errors import FundstelleError, IndexLocked
from index.postings import (CompactCodec, PostingBuffer, TermPostings,
                            WordCachePositions, trim_word_cache, write_buffered_postings)
from index.store import WRITER_LIMITMB, article_document

#: Documents per hand-over file from the parent to a worker.
HANDOVER_BATCH = 50

#: Set on a document whose persons and places the worker must still find.
_PENDING = "_fundstelle_pending_entities"


class WorkerFailed(FundstelleError):
    """An indexing worker process failed; nothing of its batch was committed."""


def default_procs():
    """Worker processes to use: one per core, none on a single core."""
    n = os.cpu_count() or 1
    return n if n > 1 else 1


def writer_settings():
    """Keyword arguments for an indexing run's Whoosh writers: buffer size and codec."""
    return {"limitmb": WRITER_LIMITMB, "codec": CompactCodec()}


#: Whether a text field's length (BM25's document length) counts every term, as Whoosh
#: does: the words, but also the compound parts (``+stem``) and the whole form of a
#: hyphenated word beside its parts. False counts only the words (a hyphenated word
#: as its parts). Changing it changes what new indexes store: rebuild to compare.
LENGTH_COUNTS_EXTRA_TERMS = True
_PART_BYTES = PART_PREFIX.encode("utf-8")
# The hyphens the tokenizer joins words with (index.analysis._HYPHENS).
_HYPHEN_BYTES = tuple(h.encode("utf-8") for h in "-\u2010\u2011")


def _is_extra_term(tbytes):
    """A compound part or a hyphenated whole word: terms beside the words themselves."""
    return tbytes.startswith(_PART_BYTES) or any(h in tbytes for h in _HYPHEN_BYTES)


#: Segments with fewer articles than this are small (a short run's, or a run's last
#: batch; a full batch gives each worker 1,000) ...
SMALL_SEGMENT = 500
#: ... and are merged into one once this many have piled up.
MERGE_SMALL_AT = 8


def merge_small_segments(writer, segments):
    """Whoosh merge policy for every commit: merge small segments, and only when many.

    Whoosh's default (``MERGE_SMALL``) merges every segment below a Fibonacci
    bound of the segment count: around 20 segments it merged the whole index,
    alone in the parent, in the middle of a run (20,000 FANG articles took 3.4
    times the CPU of 10,000). Here a merge only ever reads small segments.
    """
    from whoosh.reading import SegmentReader

    small = [s for s in segments if s.doc_count_all() < SMALL_SEGMENT]
    if len(small) < MERGE_SMALL_AT:
        return segments
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s.doc_count_all() >= SMALL_SEGMENT]


def open_writer(store, extractor=None, *, procs=None, timeout=0.0):
    """A writer for ``store`` that finds entities with ``extractor`` (or none).

    ``procs`` > 1 gives a :class:`ParallelArticleWriter`; 1 a serial one.
    Writers opened on the same ``store`` share one cache of analysed words
    (see :mod:`index.postings`), so a run that commits in batches stays warm.
    Raises IndexLocked when another run holds the lock past ``timeout``.
    """
    procs = default_procs() if procs is None else procs
    words = store.__dict__.setdefault("_word_cache", {})
    try:
        if procs > 1:
            # Load the analyzer's word lists here, once, for every forked worker to share.
            list(store.ix.schema["body"].analyzer("Hauptbahnhof", mode="index"))
            return ParallelArticleWriter(store.ix, extractor, procs=procs, timeout=timeout,
                                         word_cache=words, **writer_settings())
        writer = SerialArticleWriter(store.ix, extractor, timeout=timeout, **writer_settings())
    except LockError:
        raise IndexLocked(store.path, store.lock_info()) from None
    _share_word_cache(writer.schema, words)
    return writer


def _share_word_cache(schema, words):
    for name in schema.names():
        fmt = schema[name].format
        if isinstance(fmt, WordCachePositions):
            fmt.share_cache(words)


def _with_entities(docs, extractor):
    """Fill in the persons and places of the pending documents of a list, in place, tagging
    them in one batch (``EntityExtractor.extract_many``)."""
    pending = [fields for fields in docs if fields.pop(_PENDING, False)]
    if pending and extractor is not None:
        articles = [(fields.get("title") or "", fields.get("body") or "") for fields in pending]
        if hasattr(extractor, "extract_many"):
            found = extractor.extract_many(articles, batch=len(pending))
        else:  # a stand-in with extract() alone
            found = (extractor.extract(title, text) for title, text in articles)
        for fields, entities in zip(pending, found):
            fields["persons"] = ",".join(entities.persons)
            fields["places"] = ",".join(entities.places)
    return docs


class _BufferedPostings:
    """Mixin for Whoosh segment writers: postings go to a :class:`PostingBuffer`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool = PostingBuffer()

    def _flush_segment(self):
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        write_buffered_postings(self.fieldwriter, self.schema, self.pool, perdoc)
        self.fieldwriter.close()
        if perdoc:
            perdoc.close()


def _index_field(field, value):
    """``list(field.index(value))``, through the word cache when it can give the same."""
    fmt = field.format
    if (isinstance(fmt, WordCachePositions) and isinstance(value, str)
            and type(field).index is FieldType.index):
        return fmt.term_postings(value, field.analyzer)
    return list(field.index(value))


class BufferedSegmentWriter(_BufferedPostings, SegmentWriter):
    """Whoosh's ``SegmentWriter`` with its postings in a :class:`PostingBuffer`.

    ``add_document`` is Whoosh's, but appends each posting to its term's
    arrays directly instead of building, sizing and later sorting a tuple.
    """

    def add_document(self, **fields):
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                terms = self.pool.terms(fieldname)
                postings = _index_field(field, value)
                for tbytes, freq, weight, vbytes in postings:
                    tp = terms.get(tbytes)
                    if tp is None:
                        tp = terms[tbytes] = TermPostings()
                    tp.ids.append(docnum)
                    tp.weights.append(weight * fieldboost)
                    tp.values.append(vbytes or b"")
                if field.scorable:
                    length = (sum(map(itemgetter(1), postings)) if LENGTH_COUNTS_EXTRA_TERMS
                              else sum(freq for tbytes, freq, _, _ in postings
                                       if not _is_extra_term(tbytes)))
            if field.separate_spelling() or field.vector:
                raise NotImplementedError(f"field {fieldname}: spelling and vectors "
                                          "are not written by this writer")
            customval = fields.get("_stored_%s" % fieldname, value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None,
                                   length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column,
                                              field.to_column_value(customval))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


class SerialArticleWriter(BufferedSegmentWriter):
    """One process: tag, analyse and write each article in turn."""

    def __init__(self, ix, extractor=None, **kwargs):
        super().__init__(ix, **kwargs)
        self.extractor = extractor

    def add_article(self, article, update=False):
        """Add (or, with ``update``, replace) one article with its entities."""
        found = self.extractor.extract(article.title, article.text) if self.extractor else None
        doc = article_document(article, found)
        if update:
            self.update_document(**doc)
        else:
            self.add_document(**doc)


class _EntityTask(SubWriterTask):
    """A Whoosh sub-writer process that also finds each document's entities."""

    def __init__(self, *args, extractor=None, word_cache=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.extractor = extractor
        self.word_cache = word_cache  # inherited by fork; new words go back to the parent

    def run(self):
        # The parent decides about Ctrl-C and SIGTERM (commit what it has, or
        # cancel); a worker only stops when told, or when its parent is gone.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        parent = os.getppid()
        try:
            ix = self.storage.open_index(self.indexname)
            writer = self.writer = BufferedSegmentWriter(ix, _lk=False, **self.kwargs)
            words = self.word_cache if self.word_cache is not None else {}
            known = len(words)
            carries = hasattr(self.extractor, "new_features")  # a test's stand-in may not
            tokens = self.extractor.cached_tokens() if carries else 0
            _share_word_cache(writer.schema, words)
            while True:
                try:
                    job = self.jobqueue.get(timeout=5.0)
                except queue.Empty:
                    if os.getppid() != parent:
                        writer.cancel()
                        return
                    continue
                if job is None:
                    break
                self._process_file(*job)
            segment = writer._finalize_segment()
            # As the words: tokens whose entity features the parent's extractor lacks.
            features = self.extractor.new_features(tokens) if carries else []
            new_words = list(islice(words.items(), known, None)) if len(words) >= known else []
            self.resultqueue.put((None, (writer.pool.fieldnames, new_words, features), segment))
        except BaseException as exc:  # tell the parent instead of dying silently
            self.resultqueue.put(("failed", f"{type(exc).__name__}: {exc}", None))
            raise

    def _process_file(self, filename, doc_count):
        writer = self.writer
        tempstorage = writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as f:
            docs = [pickle.load(f)[1] for _ in range(doc_count)]
        # The file's documents are tagged together: one batch per hand-over file.
        for fields in _with_entities(docs, self.extractor):
            writer.add_document(**fields)
        tempstorage.delete_file(filename)


class ParallelArticleWriter(_BufferedPostings, MpWriter):
    """Worker processes tag, analyse and write articles; each commit adds their segments.

    Deletions (``update``, ``delete_by_term``) run in the parent against the
    committed segments, as in any Whoosh writer.
    """

    def __init__(self, ix, extractor=None, *, procs=2, word_cache=None, **kwargs):
        super().__init__(ix, procs=procs, batchsize=HANDOVER_BATCH, multisegment=True,
                         **kwargs)
        self.extractor = extractor
        self.word_cache = {} if word_cache is None else word_cache

    def _new_task(self):
        task = _EntityTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                           self.subargs, self.multisegment, extractor=self.extractor,
                           word_cache=self.word_cache)
        self.tasks.append(task)
        task.start()
        return task

    def add_article(self, article, update=False):
        """Queue one article for a worker (with ``update``, its old copy is deleted here)."""
        doc = article_document(article, None)
        doc[_PENDING] = self.extractor is not None
        if update:
            # The old copy sits in a committed segment: only the parent can delete it.
            self.delete_by_term("id", doc["id"])
        self.add_document(**doc)

    def _commit(self, mergetype, optimize, merge):
        # MpWriter._commit, except that a worker's failure raises instead of
        # silently dropping its segment.
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self.jobqueue.put(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        results = self._carry_features(self._results())
        for task in self.tasks:
            task.join()
        failed = [msg for tag, msg, _ in results if tag == "failed"]
        if failed:
            self.tasks = []
            raise WorkerFailed("indexing worker failed: " + "; ".join(failed))
        finalsegments += [segment for _, _, segment in results]
        for _, (_, new_words), _ in results:
            self.word_cache.update(new_words)
            trim_word_cache(self.word_cache)
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def _carry_features(self, results):
        """Merge the workers' new entity features into the extractor the next workers are
        forked with; the results without them."""
        out = []
        for tag, extra, segment in results:
            if tag is None:
                fieldnames, new_words, features = extra
                if features:
                    self.extractor.carry_features(features)
                extra = (fieldnames, new_words)
            out.append((tag, extra, segment))
        return out

    def _results(self):
        """One result per worker; a worker that died without one counts as failed."""
        results = []
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=1.0))
            except queue.Empty:
                if not any(task.is_alive() for task in self.tasks):
                    try:
                        results.append(self.resultqueue.get(timeout=1.0))
                    except queue.Empty:
                        results.append(("failed", "a worker ended without a result", None))
        return results

    def cancel(self):
        """Stop the workers and release the lock; nothing of this batch is written."""
        for task in self.tasks:
            if task.is_alive():
                task.kill()  # workers ignore SIGTERM
                task.join()
        self.tasks = []
        SegmentWriter.cancel(self)
