"""The Whoosh schema of a Fundstelle index, and the metadata stored beside it."""


from whoosh import columns, fields

from index.analysis import ANALYZER_VERSION, german_analyzer
from index.wordcache import CompactPositions

#: Title matches count this much more than body matches (BM25F field boost).
TITLE_BOOST = 2.0

#: Written to ``fundstelle.json`` in the index folder; a mismatch on open means
#: the index was built by another analysis and would be searched wrongly.
SCHEMA_VERSION = "7"


def build_schema():
    """Return the schema: stemmed title and body, dates, source, entities, stored text.

    The body's stored copy is compressed by the store (``text_z``), and the
    body is indexed with positions (phrases) but without character offsets:
    snippets re-tokenise only the articles they show, which is cheaper than
    storing offsets for every token of every article.
    """
    analyzer = german_analyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=_text(analyzer, stored=True, field_boost=TITLE_BOOST),
        body=_text(analyzer, stored=False),
        text_z=fields.STORED(),
        date=fields.STORED(),
        date_lo=fields.NUMERIC(int, bits=32, sortable=True, default=0),
        date_hi=fields.NUMERIC(int, bits=32, default=0),
        source=fields.ID(stored=True),
        url=fields.STORED(),
        meta=fields.STORED(),
        origin=fields.STORED(),
        hash=fields.STORED(),
        # An article names several people: multi-valued, comma-separated
        # canonical names, so facets can count and filters can match them.
        # ``sortable`` keeps each document's raw value in a column as well, so
        # the search engine builds its facet counts in one pass at start-up.
        persons=fields.KEYWORD(stored=True, commas=True, scorable=False, sortable=True),
        places=fields.KEYWORD(stored=True, commas=True, scorable=False, sortable=True),
        # The agency-copy group (index.duplicates): a column only, read whole
        # when results are collapsed. Schema version 7.
        dupgroup=fields.COLUMN(columns.NumericColumn("q", default=0)),
    )


def _text(analyzer, field_boost=1.0, **kwargs):
    """A TEXT field with positions, analysed through the word cache of :mod:`index.wordcache`.

    Positions are stored as compact gap arrays (schema version 3); indexing
    runs write them with the codec of ``index.pipeline.writer_settings``.
    """
    field = fields.TEXT(analyzer=analyzer, phrase=True, field_boost=field_boost, **kwargs)
    field.format = CompactPositions(field_boost=field_boost)
    return field


def format_versions():
    """The versions an index must have been written with to be searched correctly."""
    return {"schema_version": SCHEMA_VERSION, "analyzer_version": ANALYZER_VERSION}


def index_metadata():
    """What an index records about the code that wrote it."""
    return dict(format_versions(), snowballstemmer=_version("snowballstemmer"))


def _version(package):
    # Imported here: opening an index for a search needs only format_versions().
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"
