"""Readers of web pages, WARC crawls, feeds and the IPTC formats (index.readers).

Every input is written here: German news-style pages with navigation, a cookie
banner, teasers and comments; WARC files written with warcio; feeds, ninjs
and NITF written by hand.
"""

import gzip
import json

from click.testing import CliRunner

import cli
from index.errors import ArticleError
from index.ingest import Article, read_articles
from index.readers import sniff, suffix_of

BODY = [
    "Der Stadtrat von Freiburg hat am Dienstagabend nach langer Debatte beschlossen, "
    "die Straßenbahnlinie nach Zähringen bis zum Jahr 2029 zu verlängern.",
    "Oberbürgermeister Martin Horn sprach von einem „wichtigen Tag für den Norden der Stadt“. "
    "Die Kosten werden auf 86 Millionen Euro geschätzt, der Bund übernimmt den größten Teil.",
    "Kritik kam von Anwohnern der Habsburgerstraße, die während der Bauzeit Lärm und "
    "gesperrte Zufahrten fürchten. Die Verkehrsbetriebe kündigten Informationsabende an.",
    "Die Planfeststellung soll im Herbst beginnen; erste Bagger könnten 2026 anrücken, "
    "sagte die Baubürgermeisterin vor Journalisten im Rathaus.",
]


def news_page(title="Straßenbahn nach Zähringen wird verlängert", site="Breisgau-Bote",
              date="2024-03-12", author="Anna Weber", body=BODY,
              url="https://www.breisgau-bote.de/freiburg/strassenbahn-zaehringen-100.html"):
    """A saved news page with the boilerplate real pages carry."""
    paras = "\n".join(f"<p>{p}</p>" for p in body)
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>{title} | {site}</title>
<link rel="canonical" href="{url}">
<meta property="og:site_name" content="{site}">
<meta name="author" content="{author}">
<meta property="article:published_time" content="{date}T18:30:00+01:00">
</head><body>
<div id="cookie-banner" class="cookie-consent"><p>Wir verwenden Cookies, um Ihnen das beste
Nutzererlebnis zu bieten. Mit Klick auf „Alle akzeptieren“ stimmen Sie zu.</p>
<button>Alle akzeptieren</button></div>
<header><nav><ul><li><a href="/">Startseite</a></li><li><a href="/freiburg">Freiburg</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/kultur">Kultur</a></li></ul></nav></header>
<main><article>
<h1>{title}</h1>
<p class="byline">Von {author}</p>
{paras}
</article>
<aside class="teaser-list"><h2>Mehr zum Thema</h2><ul>
<li><a href="/a1">Neue Radwege am Dreisamufer freigegeben</a></li>
<li><a href="/a2">Mietpreise in der Wiehre steigen weiter</a></li></ul></aside>
<section id="comments" class="comments"><h3>Kommentare (2)</h3>
<div class="comment"><p>Endlich! Darauf warten wir im Norden seit Jahren.</p></div>
<div class="comment"><p>Wer soll das bezahlen? Unglaublich teuer das Ganze.</p></div>
</section></main>
<footer><p>© 2024 Breisgau-Bote Medien GmbH · Impressum · Datenschutz</p></footer>
</body></html>"""


def _run(*args):
    return CliRunner().invoke(cli.main, list(args))


def _articles(items):
    return [i for i in items if isinstance(i, Article)]


def _errors(items):
    return [i for i in items if isinstance(i, ArticleError)]


# --- detection ---------------------------------------------------------------

def test_suffixes_and_sniffing():
    assert suffix_of("a/b/Seite.HTML") == ".html"
    assert suffix_of("crawl.warc.gz") == ".warc.gz"
    assert sniff(b"WARC/1.1\r\nWARC-Type: warcinfo") == "warc"
    assert sniff(b'<?xml version="1.0" encoding="utf-8"?>\n<!-- Kommentar -->\n'
                 b'<feed xmlns="http://www.w3.org/2005/Atom">') == "feed"
    assert sniff(b'<?xml version="1.0"?><nitf version="-//IPTC//DTD NITF 3.6//EN">') == "nitf"
    assert sniff(b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/">') == "newsml"
    assert sniff(b'{"uri": "urn:dpa:1", "headline": "Sturm"}') == "ninjs"
    assert sniff(b"<Bestellung><Artikel/></Bestellung>") is None
    assert sniff(b'{"kunde": 3}') is None


# --- HTML --------------------------------------------------------------------

def test_html_main_text_without_boilerplate(tmp_path):
    page = tmp_path / "strassenbahn-zaehringen.html"
    page.write_text(news_page(), encoding="utf-8")
    items = list(read_articles([str(tmp_path)]))
    [a] = _articles(items)
    assert a.id == "strassenbahn-zaehringen"
    assert a.format == "html"
    assert a.title == "Straßenbahn nach Zähringen wird verlängert"
    assert a.date.display == "2024-03-12"
    assert a.source == "Breisgau-Bote"
    assert a.url == "https://www.breisgau-bote.de/freiburg/strassenbahn-zaehringen-100.html"
    assert a.meta["authors"] == ["Anna Weber"]
    for para in BODY:
        assert para in a.text
    assert a.text.count("\n\n") >= 3, "paragraph breaks are kept"
    for junk in ("Cookies", "Startseite", "Mehr zum Thema", "Radwege", "Endlich!",
                 "Impressum"):
        assert junk not in a.text


def test_html_gzipped_and_site_name_first(tmp_path):
    html = news_page(title="Breisgau-Bote - Neue Mensa eröffnet", body=BODY[1:])
    html = html.replace("<h1>Breisgau-Bote - Neue Mensa eröffnet</h1>", "")
    (tmp_path / "mensa.html.gz").write_bytes(gzip.compress(html.encode("utf-8")))
    [a] = _articles(read_articles([str(tmp_path)]))
    assert a.id == "mensa"
    assert a.title == "Neue Mensa eröffnet"


def test_html_indexed_and_shown_with_authors(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "tram.html").write_text(news_page(), encoding="utf-8")
    index = str(tmp_path / "ix")
    res = _run("--index", index, "index", "--no-entities", "--procs", "1",
               str(tmp_path / "pages"))
    assert res.exit_code == 0, res.stderr
    assert "read: html 1" in res.stderr
    res = _run("--index", index, "show", "--format", "json", "tram")
    shown = json.loads(res.stdout)
    assert shown["authors"] == ["Anna Weber"]
    assert shown["title"] == "Straßenbahn nach Zähringen wird verlängert"
    assert shown["source"] == "Breisgau-Bote"
    # a second run skips the unchanged page by its content hash
    res = _run("--index", index, "index", "--no-entities", "--procs", "1",
               str(tmp_path / "pages"))
    assert "0 added, 0 updated, 1 unchanged" in res.stderr


def test_binary_named_html_is_one_error(tmp_path):
    (tmp_path / "bild.html").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 40)
    (tmp_path / "ok.html").write_text(news_page(), encoding="utf-8")
    items = list(read_articles([str(tmp_path)]))
    [err] = _errors(items)
    assert "bild.html" in str(err) and "binary" in str(err)
    assert [a.id for a in _articles(items)] == ["ok"]


def test_deeply_nested_page_does_not_hang(tmp_path):
    deep = "<div>" * 100_000 + "Tief verschachtelt." + "</div>" * 100_000
    (tmp_path / "tief.html").write_text(f"<html><body>{deep}</body></html>")
    items = list(read_articles([str(tmp_path)]))
    assert len(items) == 1
    assert isinstance(items[0], (Article, ArticleError))
    assert "tief.html" in (items[0].origin if isinstance(items[0], Article) else str(items[0]))


# --- WARC --------------------------------------------------------------------

def _write_warc(path, gz=True):
    """A small crawl: warcinfo, three pages (one captured twice), a revisit, an image, a 404."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    def response(writer, url, body, status="200 OK", ctype="text/html; charset=utf-8",
                 date="2024-03-12T19:00:00Z"):
        http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        rec = writer.create_warc_record(url, "response", payload=BytesIO(body), length=len(body),
                                        http_headers=http,
                                        warc_headers_dict={"WARC-Date": date})
        writer.write_record(rec)

    base = "https://www.breisgau-bote.de/freiburg/"
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=gz)
        w.write_record(w.create_warcinfo_record("crawl.warc.gz", {"software": "test"}))
        response(w, base + "tram.html?utm_source=rss#kommentare",
                 news_page(url=base + "tram.html").encode())
        other = news_page(title="Freiburger Münster wird eingerüstet", url="",
                          body=[p.replace("Straßenbahnlinie", "Münsterfassade") for p in BODY])
        other = other.replace('<link rel="canonical" href="">', "").replace(
            '<meta property="article:published_time" content="2024-03-12T18:30:00+01:00">', "")
        response(w, base + "muenster.html", other.encode(), date="2024-04-02T08:00:00Z")
        response(w, base + "logo.png", b"\x89PNG\r\n\x1a\n" + bytes(300), ctype="image/png")
        response(w, base + "fehlt.html", b"<html><body>Nicht gefunden</body></html>",
                 status="404 Not Found")
        rev = w.create_revisit_record(base + "muenster.html", "sha1:AAAA",
                                      base + "muenster.html", "2024-04-02T08:00:00Z")
        w.write_record(rev)
        updated = news_page(title="Straßenbahn nach Zähringen: Baubeginn verschoben",
                            url=base + "tram.html", body=BODY[:2] + ["Der Baubeginn verschiebt "
                            "sich nach Angaben der Stadt um ein Jahr auf 2027."])
        response(w, base + "tram.html", updated.encode(), date="2024-05-01T10:00:00Z")


def test_warc_records_mapped_skipped_and_latest_capture_wins(tmp_path):
    _write_warc(tmp_path / "crawl.warc.gz")
    items = list(read_articles([str(tmp_path)]))
    assert not _errors(items)
    arts = {a.id: a for a in _articles(items)}
    base = "https://www.breisgau-bote.de/freiburg/"
    assert set(arts) == {base + "tram.html", base + "muenster.html"}
    tram = arts[base + "tram.html"]
    assert tram.title == "Straßenbahn nach Zähringen: Baubeginn verschoben"
    assert "auf 2027" in tram.text and tram.format == "warc"
    assert tram.origin == str(tmp_path / "crawl.warc.gz")
    assert arts[base + "muenster.html"].date.display == "2024-04-02", "WARC-Date is the fallback"
    reasons = sorted(i.reason for i in items if type(i).__name__ == "Skipped")
    assert reasons == ["WARC earlier capture", "WARC non-200", "WARC non-HTML", "WARC revisit"]


def test_warc_truncated_and_empty_give_one_message_with_offset(tmp_path):
    _write_warc(tmp_path / "full.warc.gz")
    data = (tmp_path / "full.warc.gz").read_bytes()
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "halb.warc.gz").write_bytes(data[:int(len(data) * 0.6)])
    (tmp_path / "cut" / "leer.warc.gz").write_bytes(b"")
    (tmp_path / "cut" / "ok.html").write_text(news_page(), encoding="utf-8")
    index = str(tmp_path / "ix")
    res = _run("--index", index, "index", "--no-entities", "--procs", "1",
               str(tmp_path / "cut"))
    assert res.exit_code == 1
    errors = [line for line in res.stderr.splitlines() if line.startswith("error")]
    assert len([e for e in errors if "halb.warc.gz" in e]) == 1
    assert "at byte" in next(e for e in errors if "halb.warc.gz" in e)
    assert len([e for e in errors if "leer.warc.gz" in e]) == 1
    res = _run("--index", index, "show", "--format", "json",
               "https://www.breisgau-bote.de/freiburg/tram.html")
    assert res.exit_code == 0, "the records before the damage are indexed"
    assert _run("--index", index, "show", "ok").exit_code == 0


def test_warc_uncompressed_with_procs_2(tmp_path):
    (tmp_path / "w").mkdir()
    _write_warc(tmp_path / "w" / "crawl.warc", gz=False)
    index = str(tmp_path / "ix")
    res = _run("--index", index, "index", "--no-entities", "--procs", "2", str(tmp_path / "w"))
    assert res.exit_code == 0, res.stderr
    assert "2 added" in res.stderr and "read: warc 2" in res.stderr
    assert "1 WARC revisit" in res.stderr
