"""A segment's postings in memory while it is written, then written term by term.

Indexing writers (``index.pipeline``) keep their postings here instead of in Whoosh's
``PostingPool``; :func:`write_buffered_postings` writes them through the codec's field
writer, giving the same files as Whoosh's writer.
"""

from array import array
from operator import ge

from whoosh.util.numeric import byte_to_length

from index.codec.blocks import CompactPostingsWriter, inlined_term_info


class TermPostings:
    """One term's postings in a segment being written: document numbers, weights, values."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self):
        self.ids = array("I")
        self.weights = array("f")
        self.values = []


class PostingBuffer:
    """A segment's postings in memory, per field and term, in document order.

    Replaces Whoosh's ``PostingPool``, which keeps one tuple per posting, sorts
    them all at the end (spilling sorted runs to disk past ``limitmb``) and
    feeds them one by one to the codec. Documents arrive in document-number
    order, so each term's list is sorted as it grows; at the end only the terms
    are sorted and each term's list is written in blocks
    (:func:`write_buffered_postings`). ``add`` takes Whoosh's pool tuples, as
    merging segments (``add_reader``) gives them.
    """

    def __init__(self):
        self.fields = {}
        self.fieldnames = set()

    def terms(self, fieldname):
        """The ``{term bytes: TermPostings}`` of a field, to append to."""
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item):
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self.terms(fieldname)
        tp = terms.get(tbytes)
        if tp is None:
            tp = terms[tbytes] = TermPostings()
        tp.ids.append(docnum)
        tp.weights.append(weight)
        tp.values.append(vbytes or b"")

    def cleanup(self):
        self.fields = {}


def write_buffered_postings(fieldwriter, schema, buffer, perdoc):
    """Write a :class:`PostingBuffer` through a codec's field writer, term by term.

    ``perdoc`` is the new segment's per-document reader (field lengths), or None.
    Gives the same files as Whoosh's ``FieldWriter.add_postings`` over the
    sorted postings.
    """
    for fieldname in sorted(buffer.fields):
        terms = buffer.fields[fieldname]
        if not terms:
            continue
        fieldobj = schema[fieldname]
        lengths = None
        if perdoc is not None and perdoc.has_column("_%s_len" % fieldname):
            from whoosh.codec.whoosh3 import LENGTHS_COLUMN
            lengths = bytes(perdoc.column_reader("_%s_len" % fieldname, LENGTHS_COLUMN))
        fieldwriter.start_field(fieldname, fieldobj)
        pw = fieldwriter._postwriter
        compact = isinstance(pw, CompactPostingsWriter) and not pw._byteids
        add_info = getattr(fieldwriter, "add_term_info", None) if compact else None
        for btext in sorted(terms):
            tp = terms[btext]
            ids = tp.ids
            if add_info is not None and len(ids) == 1:  # over half the terms
                docnum = ids[0]
                add_info(btext, inlined_term_info(
                    docnum, tp.weights[0], tp.values[0],
                    lengths[docnum] if lengths is not None else 0))
                continue
            if len(ids) > 1 and any(map(ge, ids, ids[1:])):
                order = sorted(range(len(ids)), key=ids.__getitem__)
                tp.ids = array("I", (ids[i] for i in order))
                tp.weights = array("f", (tp.weights[i] for i in order))
                tp.values = [tp.values[i] for i in order]
            fieldwriter.start_term(btext)
            if isinstance(pw, CompactPostingsWriter):
                pw.add_term_postings(tp.ids, tp.weights, tp.values, lengths)
            else:
                for i, docnum in enumerate(tp.ids):
                    length = byte_to_length(lengths[docnum]) if lengths is not None \
                        and lengths[docnum] else None
                    fieldwriter.add(docnum, tp.weights[i], tp.values[i], length)
            fieldwriter.finish_term()
        fieldwriter.finish_field()
