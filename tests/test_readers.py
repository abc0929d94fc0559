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
    assert "By: Anna Weber" in _run("--index", index, "show", "tram").stdout
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


# --- feeds -------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Breisgau-Bote</title><link>https://www.breisgau-bote.de/</link>
<item><title>Hochwasser an der Dreisam: Pegel sinkt</title>
<link>https://www.breisgau-bote.de/freiburg/hochwasser-dreisam.html</link>
<pubDate>Tue, 12 Mar 2024 08:15:00 +0100</pubDate><dc:creator>Jonas Keller</dc:creator>
<description>Kurzfassung: Der Pegel sinkt.</description>
<content:encoded><![CDATA[<p>Nach den starken Regenfällen sinkt der Pegel der Dreisam wieder.</p>
<p>Die Feuerwehr Freiburg hob die Sperrung der Uferwege am Morgen auf.</p>]]></content:encoded>
</item>
<item><title>Gemeinderat billigt Haushalt</title>
<link>https://www.breisgau-bote.de/freiburg/haushalt.html</link>
<pubDate>Wed, 13 Mar 2024 19:00:00 +0100</pubDate>
<description>Der Gemeinderat hat den Doppelhaushalt mit großer Mehrheit beschlossen.</description>
</item></channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Rheinpfalz-Blog</title>
<id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id><updated>2024-03-14T10:00:00Z</updated>
<entry><title>Weinlese beginnt früher</title>
<link href="https://blog.example.de/weinlese-2024"/><id>urn:uuid:1</id>
<published>2024-03-14T09:00:00Z</published><updated>2024-03-14T10:00:00Z</updated>
<author><name>Lea Schäfer</name></author>
<content type="html">&lt;p&gt;Die Winzer in der Pfalz beginnen die Lese zwei Wochen früher als üblich.&lt;/p&gt;</content>
</entry></feed>"""


def test_rss_and_atom_feeds(tmp_path):
    (tmp_path / "bote.rss").write_text(RSS, encoding="utf-8")
    (tmp_path / "blog.xml").write_text(ATOM, encoding="utf-8")
    items = list(read_articles([str(tmp_path)]))
    assert not _errors(items)
    arts = {a.id: a for a in _articles(items)}
    flood = arts["https://www.breisgau-bote.de/freiburg/hochwasser-dreisam.html"]
    assert flood.title == "Hochwasser an der Dreisam: Pegel sinkt"
    assert flood.text == ("Nach den starken Regenfällen sinkt der Pegel der Dreisam wieder.\n\n"
                          "Die Feuerwehr Freiburg hob die Sperrung der Uferwege am Morgen auf.")
    assert flood.date.display == "2024-03-12" and flood.source == "Breisgau-Bote"
    assert flood.meta["authors"] == ["Jonas Keller"] and flood.format == "feed"
    budget = arts["https://www.breisgau-bote.de/freiburg/haushalt.html"]
    assert budget.text.startswith("Der Gemeinderat hat den Doppelhaushalt"), "summary fallback"
    wine = arts["https://blog.example.de/weinlese-2024"]
    assert wine.url == wine.id and wine.date.display == "2024-03-14"
    assert wine.text == "Die Winzer in der Pfalz beginnen die Lese zwei Wochen früher als üblich."


# --- agency formats ----------------------------------------------------------

NINJS = {
    "uri": "urn:newsml:dpa.com:20240312:240312-99-12345",
    "type": "text", "version": "1",
    "versioncreated": "2024-03-12T10:15:00+01:00", "firstcreated": "2024-03-12T09:00:00+01:00",
    "headline": "Lokführer streiken erneut im Fernverkehr",
    "byline": "Miriam Vogt",
    "body_html": "<p>Die Lokführergewerkschaft GDL hat erneut zu Streiks aufgerufen.</p>"
                 "<p>Betroffen ist vor allem der Fernverkehr zwischen Hamburg und München.</p>",
    "subject": [{"name": "Arbeitskampf", "code": "medtop:09000000"}],
    "people": [{"name": "Claus Weselsky"}],
    "places": [{"name": "Hamburg"}, {"name": "München"}],
}

NITF = """<?xml version="1.0" encoding="UTF-8"?>
<nitf version="-//IPTC//DTD NITF 3.6//EN">
<head><title>Sturmtief über Norddeutschland – Titel im Kopf</title>
<pubdata type="web" name="Nordkurier" date.publication="20240311T060000+0100"/>
<docdata><doc-id id-string="nk-2024-0311-sturm"/><date.issue norm="20240311T054500+0100"/>
</docdata></head>
<body><body.head><hedline><hl1>Sturmtief „Zoltan“ zieht über Norddeutschland</hl1></hedline>
<byline>Von <person>Henrik Brandt</person></byline></body.head>
<body.content><p>Das Sturmtief hat in der Nacht Bäume entwurzelt
und Bahnstrecken blockiert.</p>
<p>In Schleswig-Holstein fielen an vielen Schulen die ersten Stunden aus.</p></body.content>
</body></nitf>"""

NEWSML = """<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>
<newsItem guid="urn:newsml:example.de:20240315:wahl" version="2" standard="NewsML-G2"
          standardversion="2.29">
<itemMeta><itemClass qcode="ninat:text"/><provider literal="Beispiel-Agentur"/>
<versionCreated>2024-03-15T12:00:00+01:00</versionCreated></itemMeta>
<contentMeta><headline>Bürgermeisterwahl in Tübingen: Stichwahl nötig</headline>
<by>Petra Sommer</by></contentMeta>
<contentSet><inlineXML contenttype="application/xhtml+xml">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head><body>
<p>Keiner der vier Kandidaten erreichte die absolute Mehrheit.</p>
<p>Die Stichwahl findet in drei Wochen statt.</p></body></html>
</inlineXML></contentSet></newsItem></itemSet></newsMessage>"""


def test_ninjs_json_and_jsonl(tmp_path):
    (tmp_path / "dpa.json").write_text(json.dumps(NINJS, ensure_ascii=False), encoding="utf-8")
    second = dict(NINJS, uri="urn:2", headline=None, headlines=[{"value": "Zweite Meldung"}],
                  body_html=None, bodies=[{"contenttype": "text/plain",
                                           "value": "Nur Text.\n\nZweiter Absatz."}])
    (tmp_path / "mehr.json").write_text(json.dumps(NINJS) + "\n" + json.dumps(second) + "\n")
    items = list(read_articles([str(tmp_path)]))
    assert not _errors(items)
    arts = {a.id: a for a in _articles(items) if a.origin.endswith("dpa.json")}
    a = arts["urn:newsml:dpa.com:20240312:240312-99-12345"]
    assert a.title == "Lokführer streiken erneut im Fernverkehr"
    assert a.text == ("Die Lokführergewerkschaft GDL hat erneut zu Streiks aufgerufen.\n\n"
                      "Betroffen ist vor allem der Fernverkehr zwischen Hamburg und München.")
    assert a.date.value == "2024-03-12T10:15:00+01:00"
    assert a.meta["people"] == [{"name": "Claus Weselsky"}]
    assert a.meta["places"][1]["name"] == "München" and a.meta["subject"]
    assert a.meta["authors"] == ["Miriam Vogt"] and a.format == "ninjs"
    two = [a for a in _articles(items) if a.id == "urn:2"]
    assert two[0].title == "Zweite Meldung" and two[0].text == "Nur Text.\n\nZweiter Absatz."


def test_nitf_and_newsml(tmp_path):
    (tmp_path / "sturm.xml").write_text(NITF, encoding="utf-8")
    (tmp_path / "wahl.xml").write_text(NEWSML, encoding="utf-8")
    items = list(read_articles([str(tmp_path)]))
    assert not _errors(items)
    arts = {a.id: a for a in _articles(items)}
    storm = arts["nk-2024-0311-sturm"]
    assert storm.title == "Sturmtief „Zoltan“ zieht über Norddeutschland"
    assert storm.date.display == "2024-03-11" and storm.source == "Nordkurier"
    assert storm.text.split("\n\n")[0] == ("Das Sturmtief hat in der Nacht Bäume entwurzelt "
                                           "und Bahnstrecken blockiert.")
    assert storm.text.split("\n\n")[1] == ("In Schleswig-Holstein fielen an vielen Schulen "
                                           "die ersten Stunden aus.")
    assert storm.meta["authors"] == ["Henrik Brandt"] and storm.format == "nitf"
    vote = arts["urn:newsml:example.de:20240315:wahl"]
    assert vote.title == "Bürgermeisterwahl in Tübingen: Stichwahl nötig"
    assert vote.text == ("Keiner der vier Kandidaten erreichte die absolute Mehrheit.\n\n"
                         "Die Stichwahl findet in drei Wochen statt.")
    assert vote.date.display == "2024-03-15" and vote.source == "Beispiel-Agentur"
    assert vote.format == "newsml" and vote.meta["authors"] == ["Petra Sommer"]


# --- hostile files -----------------------------------------------------------

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
"""


def test_hostile_xml_refused_and_the_rest_indexed(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "lachen.rss").write_text(LAUGHS + "<rss version='2.0'><channel><title>&lol9;</title>"
                                    "<item><title>x</title><link>https://x.de/1</link>"
                                    "<description>&lol9;</description></item></channel></rss>")
    (src / "lachen-nitf.xml").write_text(LAUGHS + "<nitf><body><body.content><p>&lol9;</p>"
                                         "</body.content></body></nitf>")
    secret = tmp_path / "geheim.txt"
    secret.write_text("GEHEIMES PASSWORT")
    (src / "extern.xml").write_text(
        f'<?xml version="1.0"?><!DOCTYPE nitf [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<nitf><body><body.head><hedline><hl1>Leck</hl1></hedline></body.head>"
        "<body.content><p>&xxe;</p></body.content></body></nitf>")
    (src / "extern.rss").write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<rss version='2.0'><channel><title>t</title><item><title>Leck</title>"
        "<link>https://x.de/2</link><description>&xxe;</description></item></channel></rss>")
    (src / "unbekannt.xml").write_text("<Bestellung><Artikel>Schrauben</Artikel></Bestellung>")
    deep = "<p>" + "<b>" * 200_000 + "tief" + "</b>" * 200_000 + "</p>"
    (src / "tief-nitf.xml").write_text(f"<nitf><body><body.content>{deep}</body.content>"
                                       "</body></nitf>")
    (src / "gut.rss").write_text(RSS, encoding="utf-8")
    index = str(tmp_path / "ix")
    res = _run("--index", index, "index", "--no-entities", "--procs", "1", str(src))
    assert res.exit_code == 1
    errors = [line for line in res.stderr.splitlines() if line.startswith("error")]
    for name, words in (("lachen.rss", "entities"), ("lachen-nitf.xml", "entities"),
                        ("extern.xml", "external entity"), ("extern.rss", "external entity"),
                        ("unbekannt.xml", "not a known format")):
        found = [e for e in errors if f"{name}:" in e]
        assert len(found) == 1 and words in found[0], (name, res.stderr)
    assert "GEHEIMES" not in res.stdout + res.stderr
    assert "read: feed 2" in res.stderr
    res = _run("--index", index, "show", "--format", "json",
               "https://www.breisgau-bote.de/freiburg/haushalt.html")
    assert res.exit_code == 0


def test_html_kicker_in_the_heading_is_not_the_title(tmp_path):
    html = news_page(title="Verkehr: Straßenbahn nach Zähringen wird verlängert").replace(
        "<h1>Verkehr: Straßenbahn nach Zähringen wird verlängert</h1>",
        '<h1><span class="kicker">Verkehr</span> '
        "<span>Straßenbahn nach Zähringen wird verlängert</span></h1>")
    (tmp_path / "kicker.html").write_text(html, encoding="utf-8")
    [a] = _articles(read_articles([str(tmp_path)]))
    assert a.title == "Straßenbahn nach Zähringen wird verlängert"


def test_prune_and_rerun_with_warc_and_pages(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    _write_warc(src / "sub" / "crawl.warc.gz")
    (src / "tram.html").write_text(news_page(), encoding="utf-8")
    (src / "bote.rss").write_text(RSS, encoding="utf-8")
    index = str(tmp_path / "ix")
    args = ("--index", index, "index", "--no-entities", "--procs", "1", "--prune", str(src))
    res = _run(*args)
    assert res.exit_code == 0, res.stderr
    assert "5 added" in res.stderr and "read: feed 2, html 1, warc 2" in res.stderr
    (src / "tram.html").unlink()
    res = _run(*args)
    assert "0 added, 0 updated, 4 unchanged" in res.stderr and "1 pruned" in res.stderr
    assert _run("--index", index, "show", "tram").exit_code == 1
    assert _run("--index", index, "show",
                "https://www.breisgau-bote.de/freiburg/muenster.html").exit_code == 0
