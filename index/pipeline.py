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

import errno
import os
import pickle
import queue
import signal
import sys
import traceback
from itertools import islice
from operator import itemgetter

from whoosh.fields import FieldType
from whoosh.index import TOC, clean_files
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.writing import LockError, SegmentWriter

from index.analysis import PART_PREFIX
from index.errors import DiskFull, IndexLocked, IndexWriteFailed, OutOfMemory, WorkerFailed
from index.postings import (CompactCodec, PostingBuffer, TermPostings,
                            WordCachePositions, trim_word_cache, write_buffered_postings)
from index.store import WRITER_LIMITMB, article_document

#: Documents per hand-over file from the parent to a worker.
HANDOVER_BATCH = 50

#: Set on a document whose persons and places the worker must still find.
_PENDING = "_fundstelle_pending_entities"

#: The errors that mean the file system is full: no space, or the user's quota used up.
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
#: Set (to anything) to let failing workers print their traceback.
DEBUG_ENV = "FUNDSTELLE_DEBUG"


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
    words = store.word_cache
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
    """Mixin for Whoosh segment writers: postings go to a :class:`PostingBuffer`, and
    ``cancel`` works after a failed write."""

    def __init__(self, *args, **kwargs):
        try:
            super().__init__(*args, **kwargs)
        except LockError:
            raise
        except BaseException:  # a full disk can fail the new segment's first bytes
            self._abandon()
            raise
        self.pool = PostingBuffer()

    def _flush_segment(self):
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        write_buffered_postings(self.fieldwriter, self.schema, self.pool, perdoc)
        self.fieldwriter.close()
        if perdoc:
            perdoc.close()

    def cancel(self):
        """Drop what this writer wrote since the last commit; safe after a failed write."""
        self._check_state()
        self._abandon()

    def _abandon(self):
        """Close the new segment's files; the lock holder deletes them and releases the lock.

        Whoosh's ``cancel`` stops at the first error closing the segment's files
        (on a full disk their last flush fails), keeping its lock and temporary
        folder, and leaves the new segment's files for the next commit to delete.
        Here the lock holder deletes every file the last commit does not use
        (this batch's segments, a half-written table of contents), so a failed
        run leaves the folder as its last commit left it. A worker (no lock)
        must not: the other workers' files are in the same folder.
        """
        for name in ("perdocwriter", "fieldwriter"):
            part = getattr(self, name, None)
            if part is not None and not part.is_closed:
                try:
                    part.close()
                except Exception:
                    pass  # a full disk fails the last flush; the file goes below
        if getattr(self, "writelock", None) is None:
            self.is_closed = True
            return
        try:
            remove_uncommitted(self.storage, self.indexname, getattr(self, "schema", None))
        finally:
            self._finish()

    def _finish(self):
        try:
            if getattr(self, "_tempstorage", None) is not None:
                self._tempstorage.destroy()
        except OSError:
            pass  # a temporary folder left behind holds nothing the index needs
        if self.writelock:
            self.writelock.release()
        self.is_closed = True


def remove_uncommitted(storage, indexname, schema=None):
    """Delete the files in the index folder that its last commit does not use.

    A commit does this itself (Whoosh's ``clean_files``); after a failed one,
    the files of the batch that failed (workers' segments, the parent's merged
    segment, a table of contents written halfway) would otherwise stay until
    the next commit, taking up the space a full disk lacks. Only the holder of
    the index's write lock may call this.
    """
    try:
        toc = TOC.read(storage, indexname, schema=schema)
    except Exception:  # no readable commit: better to leave every file as it is
        return
    clean_files(storage, indexname, toc.generation, toc.segments)
    unfinished_toc = f"_{indexname}_"  # TOC.write's temporary file: _MAIN_<gen>.toc.<time>
    for name in storage.list():
        if name.startswith(unfinished_toc) and ".toc." in name:
            try:
                storage.delete_file(name)
            except OSError:
                pass


def fault_report(exc):
    """What a worker tells its parent about the error that ends it: plain, picklable data."""
    report = {"pid": os.getpid(), "type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, OSError):
        report.update(errno=exc.errno, strerror=exc.strerror)
    return report


def _end_report(task):
    """The report for a worker that ended without sending one: killed, or it exited."""
    code = task.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return {"pid": task.pid, "signal": name}
    return {"pid": task.pid, "exitcode": code}


def worker_fault(report, path):
    """The domain exception for a worker's :func:`fault_report` (or :func:`_end_report`)."""
    where = f"worker process {report.get('pid', '?')}"
    number = report.get("errno")
    if number in DISK_FULL_ERRNOS:
        return DiskFull(path, report.get("strerror") or os.strerror(number))
    if report.get("type") == "MemoryError":
        return OutOfMemory(path, where, report.get("message") or "")
    if number is not None:  # another file-system error: the index cannot be written
        reason = report.get("strerror") or report.get("message") or os.strerror(number)
        return IndexWriteFailed(path, f"{reason} (in {where})")
    if report.get("signal"):
        hint = " (the system may have run out of memory)" if report["signal"] == "SIGKILL" else ""
        return WorkerFailed(path, where, f"was killed by {report['signal']}{hint}",
                            signal=report["signal"])
    if "exitcode" in report:
        return WorkerFailed(path, where, f"ended with exit status {report['exitcode']} "
                                         "before it had written its articles")
    return WorkerFailed(path, where, f"failed: {report.get('type')}: {report.get('message')}")


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

    def add_article(self, article, update=False, extra=None):
        """Add (or, with ``update``, replace) one article with its entities; ``extra``
        fields (``dupgroup``) are added to its document."""
        found = self.extractor.extract(article.title, article.text) if self.extractor else None
        doc = article_document(article, found)
        if extra:
            doc.update(extra)
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
            self.resultqueue.put((os.getpid(), "done",
                                  (writer.pool.fieldnames, new_words, features), segment))
        except BaseException as exc:
            # The parent turns this report into the one message the user sees. An
            # exception out of run() would make multiprocessing print a traceback.
            if os.environ.get(DEBUG_ENV):  # before the report: the parent may then kill us
                traceback.print_exc()
                sys.stderr.flush()
            self.resultqueue.put((os.getpid(), "failed", fault_report(exc), None))
            sys.exit(1)  # the report is flushed to the parent before the process ends

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
        #: Worker pid → (fieldnames, new words, features), segment: the finished ones.
        self._reported = {}

    def _new_task(self):
        task = _EntityTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                           self.subargs, self.multisegment, extractor=self.extractor,
                           word_cache=self.word_cache)
        self.tasks.append(task)
        task.start()
        return task

    def add_article(self, article, update=False, extra=None):
        """Queue one article for a worker (with ``update``, its old copy is deleted here);
        ``extra`` fields (``dupgroup``) are added to its document.

        Raises the failure of a worker as soon as it is known (DiskFull,
        OutOfMemory, WorkerFailed, IndexWriteFailed), not only at the commit.
        """
        doc = article_document(article, None)
        if extra:
            doc.update(extra)
        doc[_PENDING] = self.extractor is not None
        if update:
            # The old copy sits in a committed segment: only the parent can delete it.
            self.delete_by_term("id", doc["id"])
        self.add_document(**doc)

    def _enqueue(self):
        # MpWriter._enqueue, except that a worker's failure is noticed at each
        # hand-over file, and a full job queue is never waited on forever: the
        # workers that should empty it may be gone.
        self._receive()
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in self.docbuffer:
                pickle.dump(item, f, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(self.docbuffer)))
        self.docbuffer = []

    def _put(self, job):
        while True:
            try:
                self.jobqueue.put(job, timeout=0.5)
                return
            except queue.Full:
                self._receive()

    def _receive(self, timeout=0.0):
        """Take the workers' reports that have come (waiting up to ``timeout`` for one).

        Raises the first failure reported, or one for a worker that ended
        without a report (killed by a signal, or exited).
        """
        wait = timeout
        while self._take(wait):
            wait = 0.0
        for task in self.tasks:
            if task.exitcode is not None and task.pid not in self._reported:
                # A worker's report reaches the pipe before the worker ends.
                while self._take(0.5):
                    pass
                if task.pid not in self._reported:
                    raise worker_fault(_end_report(task), self.storage.folder)

    def _take(self, wait):
        """Take one report, waiting up to ``wait`` seconds; False when there was none."""
        try:
            if wait:
                pid, tag, extra, segment = self.resultqueue.get(timeout=wait)
            else:
                pid, tag, extra, segment = self.resultqueue.get_nowait()
        except queue.Empty:
            return False
        if tag == "failed":
            raise worker_fault(extra, self.storage.folder)
        self._reported[pid] = (extra, segment)
        return True

    def _commit(self, mergetype, optimize, merge):
        # MpWriter._commit, except that a worker's failure raises instead of
        # silently dropping its segment.
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        results = self._carry_features(self._results())
        for task in self.tasks:
            task.join()
        finalsegments += [segment for _, segment in results]
        for (_, new_words), _ in results:
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
        for (fieldnames, new_words, features), segment in results:
            if features:
                self.extractor.carry_features(features)
            out.append(((fieldnames, new_words), segment))
        return out

    def _results(self):
        """Every worker's result, in the order the workers were started."""
        while len(self._reported) < len(self.tasks):
            self._receive(timeout=1.0)
        return [self._reported[task.pid] for task in self.tasks]

    def cancel(self):
        """Stop the workers and release the lock; nothing of this batch is written."""
        for task in self.tasks:
            if task.is_alive():
                task.kill()  # workers ignore SIGTERM
            task.join()
        self.tasks = []
        _BufferedPostings.cancel(self)
