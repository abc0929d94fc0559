"""NewsML-G2 news items (``<newsItem>``, also inside ``<newsMessage>``), parsed with defusedxml.

``@guid`` → id, ``contentMeta/headline`` → title, ``itemMeta/versionCreated``
(else ``contentMeta/contentCreated``) → date, the ``inlineXML`` body → text,
whether it holds NITF (``body.content``) or XHTML (``body``);
``contentMeta/by`` or the creator's name → ``meta["authors"]``,
``provider/name`` (else its ``@literal``/``@qcode``) → source. Items whose
content is only a remote reference are reported, not guessed at.
"""

from index.errors import ArticleError
from index.readers._common import (_local, element_text, name_of, parse_date,
                                   read_bytes, safe_xml, stem_of)
from index.readers.nitf import find

#: The largest NewsML-G2 file read, in bytes.
MAX_NEWSML_BYTES = 50_000_000


def _text_of(el):
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def article_from_item(item, source, default_id):
    """Map one ``<newsItem>`` element to an Article."""
    from index.ingest import Article

    inline = find(item, "inlineXML")
    body = None
    if inline is not None:
        body = find(inline, "body.content")
        if body is None:
            body = find(inline, "body")
    text = element_text(body) if body is not None else ""
    guid = item.get("guid") or default_id
    if not text:
        raise ArticleError(source, f"news item {guid} has no inline text (NITF or XHTML); "
                                   "skipped")
    meta_el = find(item, "contentMeta")
    headline = find(meta_el, "headline") if meta_el is not None else None
    if headline is None and inline is not None:
        headline = find(inline, "hl1")
    date = None
    for path in (("itemMeta", "versionCreated"), ("contentMeta", "contentCreated"),
                 ("itemMeta", "firstCreated")):
        el = find(item, *path)
        if el is not None and (date := parse_date(_text_of(el))):
            break
    authors = []
    if meta_el is not None:
        by = find(meta_el, "by")
        if by is not None and _text_of(by):
            authors = [_text_of(by)]
        else:
            authors = [_text_of(find(c, "name")) for c in meta_el if _local(c.tag) == "creator"
                       and find(c, "name") is not None]
    provider = find(item, "provider")
    source_name = ""
    if provider is not None:
        source_name = _text_of(find(provider, "name")) or provider.get("literal") or \
            provider.get("qcode") or ""
    meta = {"authors": [a for a in authors if a]} if any(authors) else {}
    return Article(id=guid, title=_text_of(headline), text=text, date=date,
                   source=source_name, meta=meta, origin=source)


def read(path_or_stream):
    """Yield an Article per news item of a NewsML-G2 file (or ArticleErrors)."""
    source = name_of(path_or_stream)
    try:
        data = read_bytes(path_or_stream, MAX_NEWSML_BYTES, "NewsML-G2 document")
        root = safe_xml(data, source, "NewsML-G2 document")
    except ArticleError as exc:
        yield exc
        return
    items = [el for el in root.iter() if _local(el.tag) == "newsitem"]
    if not items:
        yield ArticleError(source, f"no <newsItem> in this <{_local(root.tag)}> "
                                   "(only news items with inline text are read)")
        return
    for n, item in enumerate(items):
        try:
            yield article_from_item(item, source, stem_of(source) + (f"-{n + 1}" if n else ""))
        except ArticleError as exc:
            yield exc
