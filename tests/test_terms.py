"""The term dictionary of index.codec.terms answers every lookup as Whoosh's own dictionary does."""

import random

import pytest
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.reading import TermNotFound

from index.codec import CompactCodec
from index.codec.terms import BLOCK_TERMS


def _words(n, seed=3):
    rnd = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzäöüß"
    return ["".join(rnd.choice(letters) for _ in range(rnd.randint(1, 12))) for _ in range(n)]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same documents written with Whoosh's codec and with ours: (whoosh reader, ours)."""
    schema = fields.Schema(a=fields.TEXT(phrase=True), b=fields.KEYWORD(scorable=True),
                           c=fields.NUMERIC(int))
    words = _words(3000)
    rnd = random.Random(5)
    readers = []
    for name, codec in (("w3", W3Codec()), ("compact", CompactCodec())):
        ix = whoosh_index.create_in(str(tmp_path_factory.mktemp(name)), schema)
        w = ix.writer(codec=codec)
        rnd.seed(5)
        for i in range(300):
            text = " ".join(rnd.choice(words) for _ in range(rnd.randint(0, 60)))
            w.add_document(a=text, b=" ".join(rnd.sample(words[:50], 3)), c=i * 7,
                           _a_boost=rnd.choice([1.0, 1.5, 0.3]))
        w.commit()
        readers.append(ix.reader())
    yield readers
    for r in readers:
        r.close()


def _info(ti):
    return (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight(),
            ti.min_id(), ti.max_id())


def test_same_terms_and_infos(pair):
    w3, ours = pair
    assert list(w3.all_terms()) == list(ours.all_terms())
    assert len(list(ours.all_terms())) > 10 * BLOCK_TERMS
    for fieldname, text in w3.all_terms():
        assert _info(w3.term_info(fieldname, text)) == _info(ours.term_info(fieldname, text)), \
            (fieldname, text)


def test_same_postings(pair):
    w3, ours = pair
    for fieldname, text in w3.all_terms():
        a, b = w3.postings(fieldname, text), ours.postings(fieldname, text)
        fmt = w3.schema[fieldname].format
        got = []
        for m in (a, b):
            items = []
            while m.is_active():
                pos = m.value_as("positions") if fmt.supports("positions") else None
                items.append((m.id(), m.weight(), pos))
                m.next()
            got.append(items)
        assert got[0] == got[1], (fieldname, text)


def test_single_posting_terms_cost_nothing_in_the_posting_file(pair):
    _, ours = pair
    singles = [(f, t) for f, t in ours.all_terms() if ours.doc_frequency(f, t) == 1]
    assert singles
    assert all(ours.term_info(f, t).is_inlined() for f, t in singles)


def test_missing_terms(pair):
    w3, ours = pair
    for fieldname, text in [("a", b""), ("a", b"\x00"), ("a", "zzzzzzzzzzzzzzzzz".encode()),
                            ("b", b"\xff\xff"), ("nofield", b"x"), ("a", b"abcq")]:
        assert ((fieldname, text) in w3._terms) == ((fieldname, text) in ours._terms)
        if (fieldname, text) not in ours._terms:
            with pytest.raises(TermNotFound):
                ours._terms.term_info(fieldname, text)
            if fieldname in ours.schema:
                assert ours.doc_frequency(fieldname, text) == 0
                assert ours.frequency(fieldname, text) == 0


@pytest.mark.parametrize("prefix", ["", "a", "m", "zz", "ß", "üb"])
def test_lexicon_and_prefixes(pair, prefix):
    w3, ours = pair
    assert list(w3.lexicon("a")) == list(ours.lexicon("a"))
    assert list(w3.expand_prefix("a", prefix)) == list(ours.expand_prefix("a", prefix))
    assert list(w3.terms_from("a", prefix)) == list(ours.terms_from("a", prefix))


def test_cursor_and_fuzzy_terms(pair):
    w3, ours = pair
    some = list(w3.lexicon("a"))[::97]
    for word in some:
        word = word.decode("utf-8")
        assert sorted(w3.terms_within("a", word, 1)) == sorted(ours.terms_within("a", word, 1))
    c = ours.cursor("a")
    first = c.text()
    assert first == list(w3.lexicon("a"))[0].decode("utf-8")
    assert c.find("m") >= "m"
    c.next()
    assert c.is_valid()


def test_a_term_just_after_each_term_is_missing_even_at_block_ends(pair):
    # term_info looks in one block only: a term sorting after a block's last term
    # must be reported missing, not looked for in the next block.
    w3, ours = pair
    terms = list(ours.all_terms())
    assert len(terms) > 64  # several blocks of 32
    for fieldname, text in terms:
        assert ours._terms.term_info(fieldname, text).doc_frequency() == \
            w3._terms.term_info(fieldname, text).doc_frequency()
        with pytest.raises(TermNotFound):
            ours._terms.term_info(fieldname, text + b"\x00")


@pytest.mark.parametrize("writer", ["whoosh", "buffered"])
def test_a_document_of_boost_zero_commits(tmp_path, writer):
    """A posting of weight 0.0 makes the term's maximum weight ``max(0, 0.0)``, the int 0:
    writing its term info raised AttributeError (an int has no ``is_integer``)."""
    from whoosh.writing import SegmentWriter

    from index.pipeline import BufferedSegmentWriter

    schema = fields.Schema(id=fields.ID(stored=True), body=fields.TEXT)
    ix = whoosh_index.create_in(str(tmp_path), schema)
    cls = SegmentWriter if writer == "whoosh" else BufferedSegmentWriter
    w = cls(ix, codec=CompactCodec())
    w.add_document(id="a", body="Hochwasser in Passau", _boost=0.0)
    w.add_document(id="b", body="Hochwasser an der Donau")
    w.commit()
    with ix.searcher() as s:
        r = s.reader()
        assert r.term_info("body", "passau").max_weight() == 0.0
        assert r.term_info("body", "hochwasser").doc_frequency() == 2
        assert sorted(s.document_number(id=i) for i in "ab") == [0, 1]


def test_term_infos_of_several_segments_do_not_drift(tmp_path):
    """Whoosh's MultiReader adds each segment's document offset to the term info it gets:
    a term info shared between calls moved up by the offset on every call."""
    schema = fields.Schema(body=fields.TEXT)
    ix = whoosh_index.create_in(str(tmp_path), schema)
    for texts in (["Die Maskenpflicht gilt", "Die Schulen bleiben zu"],
                  ["Die Maskenpflicht endet", "Impfzentrum in Köln", "Maskenpflicht im Zug"]):
        w = ix.writer(codec=CompactCodec())
        for text in texts:
            w.add_document(body=text)
        w.commit(merge=False)
    with ix.reader() as r:
        assert len(r.leaf_readers()) == 2
        for _ in range(3):
            ti = r.term_info("body", "maskenpflicht")
            assert (ti.min_id(), ti.max_id(), ti.doc_frequency()) == (0, 4, 3)
            ti = r.term_info("body", "köln")  # one segment, one posting
            assert (ti.min_id(), ti.max_id()) == (3, 3)
        assert [list(m.all_ids()) for m in [r.postings("body", "köln")]] == [[3]]


def test_postings_in_bulk_are_each_segments_postings(tmp_path):
    """index.codec.postings_arrays decodes a word's blocks in all segments at once: the
    same document numbers and weights as Whoosh's matchers, segment offsets added."""
    from index.codec import postings_arrays, segment_term_info

    schema = fields.Schema(body=fields.TEXT)
    ix = whoosh_index.create_in(str(tmp_path), schema)
    rnd = random.Random(11)
    words = ["Maskenpflicht", "Impfzentrum", "Schulen", "Grenzöffnung", "Köln", "Lockdown",
             "Ausgangssperre", "Tagestouristen"]
    for size in (300, 1, 40, 260):  # several blocks of 128, a segment of one article
        w = ix.writer(codec=CompactCodec())
        for _ in range(size):
            text = " ".join(rnd.choice(words[:rnd.randint(1, len(words))])
                            for _ in range(rnd.randint(1, 30)))
            w.add_document(body=text, _body_boost=rnd.choice([1.0, 1.0, 1.5, 0.3]))
        w.commit(merge=False)
    with ix.reader() as r:
        leaves = r.leaf_readers()
        assert len(leaves) == 4
        for word in words + ["fehlt"]:
            btext = word.lower().encode("utf-8")
            expected_ids, expected_weights, pieces = [], [], []
            for sub, offset in leaves:
                info = segment_term_info(sub, "body", btext)
                if info is None:
                    continue
                pieces.append((sub, info, offset))
                m = sub.postings("body", btext)
                while m.is_active():
                    expected_ids.append(m.id() + offset)
                    expected_weights.append(m.weight())
                    m.next()
            ids, weights = postings_arrays(pieces)
            assert ids.dtype.name == "int64" and weights.dtype.name == "float64"
            assert ids.tolist() == expected_ids, word
            assert weights.tolist() == expected_weights, word
            if word == "Maskenpflicht":
                assert len(pieces) == 4 and max(sub.doc_count_all() for sub, _ in leaves) > 128
                assert len(ids) > 128


def test_long_terms_sharing_long_beginnings_are_found(tmp_path):
    """Prefix lengths and suffixes of 255 bytes or more are written with an escape: a
    lookup that skips terms by their shared beginnings must read those too."""
    stem = "Donaudampfschifffahrtsgesellschaftskapitän" * 8  # over 255 bytes
    words = sorted({stem + tail for tail in ("", "s", "a", "b" * 300, "bb", "x", "ä" * 140)})
    schema = fields.Schema(body=fields.KEYWORD(lowercase=False))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    w = ix.writer(codec=CompactCodec())
    for i, word in enumerate(words):
        w.add_document(body=" ".join(words[:i + 1]))
    w.commit()
    with ix.reader() as r:
        for i, word in enumerate(words):
            assert r.doc_frequency("body", word) == len(words) - i, word
            assert ("body", word + "c") not in r and ("body", word[:-1] + "0") not in r


def test_the_block_index_is_read_flat_and_older_readers_still_find_the_pickle(pair):
    """The writer keeps the pickled block index (what code before the flat one reads)
    and the flat one: both hold the same first terms, offsets and counts, and a file
    without the flat index (an index written before it) answers every lookup alike."""
    import pickle

    from whoosh.filedb.structfile import BufferFile

    from index.codec.terms import (_MAPPED_MAGIC, _TRAILER, LIST_AFTER, CompactTermsReader,
                                   _MappedKeys)

    _, ours = pair
    terms = ours._terms
    data = bytes(terms._dbfile._buf)  # the term file, read from the segment's map
    fresh = CompactTermsReader(terms._codec, BufferFile(data), len(data), terms._postfile)
    assert all(isinstance(firsts, _MappedKeys) for firsts, _, _ in fresh._index.values())
    at, _ = _TRAILER.unpack(data[-_TRAILER.size:])
    mapped_at, magic = _TRAILER.unpack(data[-2 * _TRAILER.size:-_TRAILER.size])
    assert magic == _MAPPED_MAGIC
    flat = {name: (list(f), list(o), list(c)) for name, (f, o, c) in fresh._index.items()}
    assert pickle.loads(data[at:-_TRAILER.size]) == flat  # as older code reads the file
    assert sum(len(f) for f, _, _ in flat.values()) > 10

    # A field searched often has its first terms as a list, the same ones.
    fieldname, text = next(iter(fresh.terms()))
    for n in range(LIST_AFTER):
        assert fresh.lookup(fieldname, text + bytes([n])) is None or n == 0
    assert type(fresh._index[fieldname][0]) is list
    assert fresh._index[fieldname][0] == flat[fieldname][0]
    assert _info(fresh.term_info(fieldname, text)) == _info(terms.term_info(fieldname, text))

    # The layout before the flat index: blocks, pickle, trailer.
    old = data[:mapped_at] + data[-_TRAILER.size:]
    before = CompactTermsReader(terms._codec, BufferFile(old), len(old), terms._postfile)
    assert not any(isinstance(f, _MappedKeys) for f, _, _ in before._index.values())
    assert list(before.terms()) == list(terms.terms())
    for fieldname, text in terms.terms():
        assert _info(before.term_info(fieldname, text)) == _info(terms.term_info(fieldname, text))
        assert before.lookup(fieldname, text + b"\x00") is None
    assert list(before.terms_from("a", b"m")) == list(terms.terms_from("a", b"m"))
