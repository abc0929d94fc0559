"""Saved web pages (``.html``, ``.htm``, gzipped too), extracted with trafilatura.

trafilatura finds the main text (without navigation, cookie banners, teasers,
captions, comments and footers) and the page's metadata; this module maps it:
the title without the site name pages append (``… | Weinwirtschaft``), the
date, the authors (``meta["authors"]``), the site's name or host as source
and the canonical URL. The id is the file name without its ending.
"""

import re

from index.errors import ArticleError
from index.readers._common import (name_of, paragraphs, parse_date,
                                   read_bytes, stem_of)

#: The largest page read, in bytes: saved pages carry scripts and styles.
MAX_PAGE_BYTES = 20_000_000

_TITLE_SEP_RE = re.compile(r"\s+[|\-–—:·•»«/]\s+|\s*[|·•»«]\s*")
_ALNUM_RE = re.compile(r"[\W_]+")
_WORD_RE = re.compile(r"\w+")


def read(path_or_stream, url=None):
    """Yield the one Article of a saved page (or an ArticleError).

    ``url`` is the page's address when known (a WARC record's target); the
    page's canonical link wins over it.
    """
    source = name_of(path_or_stream)
    try:
        data = read_bytes(path_or_stream, MAX_PAGE_BYTES, "web page")
        yield article_from_html(data, stem_of(source), source, url=url)
    except ArticleError as exc:
        yield exc


def article_from_html(data, article_id, source, url=None, fallback_date=None):
    """Map trafilatura's extraction of ``data`` (bytes or str) to an Article."""
    import trafilatura
    from trafilatura.utils import load_html

    from index.ingest import Article

    _quiet_libraries()
    try:
        tree = load_html(data)
        if tree is None:
            raise ArticleError(source, "not a web page (no HTML could be parsed); skipped")
        headings = [heading_text(h) for h in tree.iter("h1")]
        # With a fallback (a crawl's capture date), only dates the page states in its
        # markup count: the extensive search would turn "© 2024" into 2024-01-01.
        params = None
        if fallback_date is not None:
            from trafilatura.settings import set_date_params
            params = set_date_params(extensive=False)
        doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True,
                                          date_extraction_params=params)
    except (ValueError, TypeError, RecursionError, MemoryError) as exc:
        raise ArticleError(source, f"the web page could not be parsed ({exc})") from None
    if doc is None or not (doc.text or "").strip():
        raise ArticleError(source, "no article text found in the web page "
                                   "(empty, binary, or only navigation)")
    host = doc.hostname or ""
    site = doc.sitename or ""
    meta = {}
    authors = split_authors(doc.author)
    if authors:
        meta["authors"] = authors
    title = pick_title(clean_title(doc.title or "", site, host), doc.title or "",
                       headings, site, host)
    return Article(id=article_id, title=title,
                   text=paragraphs(doc.text), date=parse_date(doc.date) or fallback_date,
                   source=site or host, url=doc.url or url or "", meta=meta,
                   origin=str(source))


def _quiet_libraries():
    """Keep trafilatura's and htmldate's log lines off stderr: problems reach the
    user as our ArticleErrors, one per file."""
    import logging
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())
            logger.propagate = False


def split_authors(value):
    """trafilatura's author string as a list of names.

    >>> split_authors("Anna Weber; Jonas Keller")
    ['Anna Weber', 'Jonas Keller']
    """
    return [a.strip() for a in (value or "").split(";") if a.strip()]


def _key(text):
    return _ALNUM_RE.sub("", text.lower())


def _is_site(part, site, host):
    """Whether a title part names the site (its name, or its host without ``www.``)."""
    p = _key(part)
    if not p:
        return True
    names = [_key(site)] if site else []
    if host:
        labels = host.lower().removeprefix("www.").split(".")
        names += [_key(".".join(labels)), _key(labels[0]) if len(labels) > 1 else ""]
        names += [_key(label) for label in labels[:-1] if len(label) > 3]
    for name in filter(None, names):
        if p == name or (len(p) >= 4 and p in name) or (len(name) >= 4 and name in p
                                                         and len(p) <= len(name) + 12):
            return True
    return False


def _squash(text):
    return " ".join((text or "").split())


def heading_text(h1):
    """The headline of an ``<h1>``, without a kicker (Dachzeile) set in its own element.

    News pages often write ``<h1><span>Tunesien</span> <span>Große Aufgaben für die neue
    Regierung</span></h1>``: the first part of up to five words is the kicker, the last
    the headline (on the gold pages: title .770 → .801, tuned there, so optimistic).
    """
    parts = [_squash(h1.text)] if _squash(h1.text) else []
    for child in h1:
        if isinstance(child.tag, str) and _squash("".join(child.itertext())):
            parts.append(_squash("".join(child.itertext())))
        if _squash(child.tail):
            parts.append(_squash(child.tail))
    if len(parts) >= 2 and len(parts[0].split()) <= 5 and len(parts[-1].split()) >= 2:
        return parts[-1]
    return _squash("".join(h1.itertext()))


def pick_title(cleaned, raw, headings, site, host):
    """The page's ``<h1>`` when it is the same headline as the ``<title>``, else the
    cleaned ``<title>``.

    Pages put kickers, site names and SEO words in ``<title>``; the heading over
    the article is what a reader sees. It is taken when it is the only ``<h1>``
    and part of the title, or one of the first two and shares half its words
    with the cleaned title (on the 296 titled gold pages: .679 title alone,
    .770 with this rule).

    >>> pick_title("Chronik: Lotte Tobisch ist tot", "Chronik: Lotte Tobisch ist tot",
    ...            ["Lotte Tobisch ist tot"], "wien.ORF.at", "wien.orf.at")
    'Lotte Tobisch ist tot'
    """
    headings = [h for h in headings if h]
    if len(headings) == 1 and _key(headings[0]) and _key(headings[0]) in _key(raw):
        return headings[0]
    words = set(_WORD_RE.findall(cleaned.lower()))
    for heading in headings[:2]:
        if len(heading) < 8 or len(heading) > 300 or _is_site(heading, site, host):
            continue
        shared = set(_WORD_RE.findall(heading.lower()))
        if words and shared and len(words & shared) / min(len(words), len(shared)) >= 0.5:
            return heading
    return cleaned


def clean_title(title, site, host):
    """The page title without the site name at its start or end.

    >>> clean_title("Riesling im Test | Weinwirtschaft", "Weinwirtschaft", "weinwirtschaft.de")
    'Riesling im Test'
    >>> clean_title("Falstaff - Die besten Heurigen Wiens", "", "www.falstaff.at")
    'Die besten Heurigen Wiens'
    >>> clean_title("Hafen Göteborg: Umschlag auf Rekordniveau", "eurailpress.de", "eurailpress.de")
    'Hafen Göteborg: Umschlag auf Rekordniveau'
    """
    title = " ".join(title.split())
    pieces = _TITLE_SEP_RE.split(title)
    seps = _TITLE_SEP_RE.findall(title)
    if len(pieces) < 2:
        return title
    start, end = 0, len(pieces)
    while end - start > 1 and _is_site(pieces[end - 1], site, host):
        end -= 1
    while end - start > 1 and _is_site(pieces[start], site, host):
        start += 1
    out = pieces[start]
    for i in range(start + 1, end):
        out += seps[i - 1] + pieces[i]
    return out.strip() or title
