"""Helpers the readers share: opening a path or stream, ids, dates, paragraphs."""

import gzip
import os
import re
import zlib

from index.dates import ArticleDate
from index.errors import ArticleError

_BLANK_RUN_RE = re.compile(r"\s*\n\s*")
_SEP_WS_RE = re.compile(r"[ \t\u00a0]+")


def name_of(path_or_stream):
    """The file name a path or an open stream stands for (``-`` when it has none)."""
    if isinstance(path_or_stream, (str, os.PathLike)):
        return str(path_or_stream)
    return str(getattr(path_or_stream, "name", "-"))


def stem_of(path):
    """The article id of a one-article file: its name without the format's ending.

    >>> stem_of("seiten/wahl-2024.html.gz")
    'wahl-2024'
    """
    name = os.path.basename(str(path))
    lower = name.lower()
    if lower.endswith(".gz"):
        name, lower = name[:-3], lower[:-3]
    return os.path.splitext(name)[0]


def read_bytes(path_or_stream, limit, what):
    """All bytes of a (possibly gzipped) text file, at most ``limit``; ArticleError when it
    cannot be read, is too large, empty or binary (:func:`check_not_binary`)."""
    source = name_of(path_or_stream)
    try:
        if isinstance(path_or_stream, (str, os.PathLike)):
            with open(path_or_stream, "rb") as f:
                data = f.read(limit + 1)
        else:
            data = path_or_stream.read(limit + 1)
        if data[:2] == b"\x1f\x8b":
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = d.decompress(data, limit + 1)
            if not d.eof and len(data) <= limit:
                raise ArticleError(source, "truncated gzip file; skipped")
    except zlib.error as exc:
        raise ArticleError(source, f"damaged gzip file ({exc}); skipped") from None
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ArticleError(source, f"cannot be read: {getattr(exc, 'strerror', None) or exc}") \
            from None
    if len(data) > limit:
        raise ArticleError(source, f"larger than {limit / 1e6:g} MB, the most a {what} may "
                                   "have; skipped")
    if not data.strip():
        raise ArticleError(source, f"empty file: no {what}")
    check_not_binary(data, source, what)
    return data


def check_not_binary(data, source, what):
    """Raise ArticleError when ``data`` holds NUL bytes (an image or archive, not text)."""
    if b"\0" in data[:65536]:
        raise ArticleError(source, f"binary data (contains NUL bytes), not a {what}; skipped")


def paragraphs(text):
    """Text with one blank line between paragraphs and single spaces inside them.

    >>> paragraphs("Erster Absatz.\\n  Zweiter  Absatz.\\n\\n\\nDritter.")
    'Erster Absatz.\\n\\nZweiter Absatz.\\n\\nDritter.'
    """
    parts = (_SEP_WS_RE.sub(" ", p).strip() for p in _BLANK_RUN_RE.split(text or ""))
    return "\n\n".join(p for p in parts if p)


def parse_date(value):
    """An ArticleDate from a date string, or None when there is none or it is no date."""
    if not value:
        return None
    value = str(value).strip()
    for candidate in (value, value[:10]):
        try:
            return ArticleDate.parse(candidate)
        except ValueError:
            continue
    return None


def safe_xml(data, source, what, required=True):
    """Parse XML with defusedxml: entity declarations and external references refused.

    Returns the root element. Raises ArticleError for an entity-expansion attack
    (billion laughs), an external entity, and, when ``required``, for XML that
    is not well-formed; returns None then otherwise.
    """
    from xml.etree.ElementTree import ParseError

    import defusedxml
    from defusedxml.ElementTree import fromstring

    try:
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden as exc:
        if getattr(exc, "sysid", None) or getattr(exc, "pubid", None):
            raise ArticleError(source, f"the {what} declares an external entity (a file or "
                                       f"URL to be read in: {exc.sysid or exc.pubid}); "
                                       "refused") from None
        raise ArticleError(source, f"the {what} declares XML entities (an entity-expansion "
                                   "attack such as billion laughs?); refused") from None
    except defusedxml.ExternalReferenceForbidden:
        raise ArticleError(source, f"the {what} refers to an external entity (a file or "
                                   "URL to be read in); refused") from None
    except defusedxml.DefusedXmlException as exc:
        raise ArticleError(source, f"the {what} was refused: {exc}") from None
    except (ParseError, RecursionError, ValueError) as exc:
        if required:
            raise ArticleError(source, f"not well-formed XML ({exc}); skipped") from None
        return None


_BLOCK_TAGS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
               "pre", "tr", "section", "article", "hl1", "hl2", "ul", "ol", "table")


def element_text(element):
    """The text of an XML/XHTML element (NITF ``body.content``, an XHTML ``body``),
    with a paragraph break after each block element.

    >>> from xml.etree.ElementTree import fromstring
    >>> element_text(fromstring("<body><p>Erster  Satz.</p><p>Zweiter <b>Satz</b>.</p></body>"))
    'Erster Satz.\\n\\nZweiter Satz.'
    >>> element_text(fromstring("<body><p>Eine Zeile\\nund ihre Fortsetzung.</p></body>"))
    'Eine Zeile und ihre Fortsetzung.'
    """
    out = []

    def walk(el):  # an explicit stack: a document nested 100,000 deep must not recurse
        stack = [(el, False)]
        while stack:
            node, closing = stack.pop()
            if closing:
                if _local(node.tag) in _BLOCK_TAGS:
                    out.append("\0")  # a block ends; line breaks inside one do not count
                if node.tail:
                    out.append(node.tail)
                continue
            if not isinstance(node.tag, str):  # comments, processing instructions
                if node.tail:
                    out.append(node.tail)
                continue
            if node.text:
                out.append(node.text)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(list(node)))

    for child in list(element):
        walk(child)
    text = (element.text or "") + "".join(out)
    return paragraphs("\n".join(" ".join(part.split()) for part in text.split("\0")))


def html_fragment_text(fragment):
    """The text of an HTML fragment (a feed entry's content), paragraphs kept."""
    import lxml.html
    from lxml.etree import ParserError

    if not fragment or "<" not in fragment:
        return paragraphs(fragment or "")
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return paragraphs(fragment)
    for bad in root.xpath(".//script|.//style"):
        bad.drop_tree()
    return element_text(root)


def _local(tag):
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""
