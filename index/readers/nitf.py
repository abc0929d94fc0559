"""NITF 3.x news documents (``<nitf>``), parsed with defusedxml.

``hl1`` (else ``head/title``) → title, ``body.content`` → text, ``date.issue``
(else ``pubdata/@date.publication``) → date, ``doc-id/@id-string`` → id (else
the file name), the byline's persons → ``meta["authors"]``, the copyright
holder or publication name → source.
"""

import re

from index.errors import ArticleError
from index.readers._common import (_local, element_text, name_of, parse_date,
                                   read_bytes, safe_xml, stem_of)

#: The largest NITF file read, in bytes.
MAX_NITF_BYTES = 20_000_000

_BASIC_DATE_RE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2})(?::?(\d{2}))?)?")


def nitf_date(value):
    """An ArticleDate from NITF's ISO 8601 basic form (``20240312T083000+0100``).

    >>> nitf_date("20240312T083000+0100").display
    '2024-03-12'
    """
    m = _BASIC_DATE_RE.match((value or "").strip())
    if not m:
        return parse_date(value)
    return parse_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}")


def find(root, *path):
    """The first element below ``root`` along local tag names (namespaces ignored)."""
    nodes = [root]
    for name in path:
        nodes = [c for n in nodes for c in n.iter() if _local(c.tag) == name.lower()]
        if not nodes:
            return None
    return nodes[0]


def article_from_nitf(root, source, default_id):
    """Map a parsed ``<nitf>`` element to an Article."""
    from index.ingest import Article

    title_el = find(root, "hl1")
    if title_el is None:
        title_el = find(root, "title")
    content = find(root, "body.content")
    text = element_text(content) if content is not None else ""
    if not text:
        raise ArticleError(source, "NITF document without text in body.content; skipped")
    doc_id = find(root, "doc-id")
    date_el = find(root, "date.issue")
    date = nitf_date(date_el.get("norm") if date_el is not None else "")
    if date is None:
        pubdata = find(root, "pubdata")
        date = nitf_date(pubdata.get("date.publication") if pubdata is not None else "")
    byline = find(root, "byline")
    authors = []
    if byline is not None:
        persons = [p for p in byline.iter() if _local(p.tag) == "person"]
        authors = [" ".join("".join(p.itertext()).split()) for p in persons]
        if not authors:
            line = " ".join("".join(byline.itertext()).split())
            line = re.sub(r"^(von|by)\s+", "", line, flags=re.I)
            authors = [line] if line else []
    holder = find(root, "doc.copyright")
    pubdata = find(root, "pubdata")
    source_name = (holder.get("holder") if holder is not None else "") or \
        (pubdata.get("name") if pubdata is not None else "") or ""
    meta = {"authors": [a for a in authors if a]} if any(authors) else {}
    return Article(id=(doc_id.get("id-string") if doc_id is not None else "") or default_id,
                   title=" ".join("".join(title_el.itertext()).split()) if title_el is not None
                   else "", text=text, date=date, source=source_name, meta=meta,
                   origin=source)


def read(path_or_stream):
    """Yield the Article of one NITF file (or an ArticleError)."""
    source = name_of(path_or_stream)
    try:
        data = read_bytes(path_or_stream, MAX_NITF_BYTES, "NITF document")
        root = safe_xml(data, source, "NITF document")
        if _local(root.tag) != "nitf":
            raise ArticleError(source, f"root element <{_local(root.tag)}>, not <nitf>")
        yield article_from_nitf(root, source, stem_of(source))
    except ArticleError as exc:
        yield exc
