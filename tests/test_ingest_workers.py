"""Extraction in worker processes (index.readers.workers), the unit cache of re-runs and
the latest WARC capture over several files.

Pages, crawls, feeds and agency files are written here (helpers of test_readers).
"""

import gzip
import json
import multiprocessing
import os
import pickle
import re
import signal
import time
from io import BytesIO

import pytest
from click.testing import CliRunner

import cli
from index.build import RAW_FILE, _RawCache, _settle
from index.errors import ArticleError, WorkerFailed
from index.ingest import Article, Unchanged, read_articles, read_units
from index.readers import Unit
from index.readers.workers import extracted
from index.store import IndexStore
from test_readers import BODY, LAUGHS, NEWSML, NINJS, NITF, RSS, _write_warc, news_page

BASE = "https://www.breisgau-bote.de/freiburg/"

TOPICS = ["Straßenbahn nach Zähringen wird verlängert", "Neue Mensa am Rempartplatz eröffnet",
          "Hochwasser an der Dreisam: Pegel sinkt", "Gemeinderat billigt den Doppelhaushalt",
          "Radweg am Dreisamufer freigegeben", "Mietpreise in der Wiehre steigen weiter"]


def _run(*args):
    return CliRunner().invoke(cli.main, list(args))


def _pages(folder, n=6):
    """``n`` saved pages with distinct titles and texts."""
    for i in range(n):
        title = f"{TOPICS[i % len(TOPICS)]} ({i + 1})"
        body = [f"{p} Meldung {i + 1}." for p in BODY]
        (folder / f"seite-{i + 1:02d}.html").write_text(
            news_page(title=title, body=body, url=f"{BASE}seite-{i + 1}.html"),
            encoding="utf-8")


def _every_format(folder):
    """A folder of every input format, and two bad files."""
    folder.mkdir()
    _pages(folder)
    (folder / "crawl").mkdir()
    _write_warc(folder / "crawl" / "crawl.warc.gz")
    (folder / "bote.rss").write_text(RSS, encoding="utf-8")
    (folder / "dpa.json").write_text(json.dumps(NINJS, ensure_ascii=False), encoding="utf-8")
    (folder / "sturm.xml").write_text(NITF, encoding="utf-8")
    (folder / "wahl.xml").write_text(NEWSML, encoding="utf-8")
    (folder / "notiz.txt").write_text(" date 2024-03-01 Kurznotiz aus dem Rathaus\n\n"
                                      "Das Bürgerbüro bleibt am Freitag geschlossen.\n",
                                      encoding="utf-8")
    (folder / "meldungen.jsonl").write_text(json.dumps(
        {"id": "m1", "title": "Sperrung der B31", "date": "2024-03-02",
         "text": "Die B31 wird am Wochenende zwischen Ebnet und Kappel gesperrt."},
        ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "bild.html").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 8)
    (folder / "unbekannt.xml").write_text("<Bestellung><Artikel>Schrauben</Artikel></Bestellung>")


def _stored(index):
    store = IndexStore.open(index)
    with store.ix.searcher() as s:
        return {f["id"]: f for f in s.all_stored_fields()}


def _talk(stderr, index=""):
    """stderr without the run's seconds and the index's name."""
    return [re.sub(r" in [\d.]+ s \([\d.]+ articles/s\)", "", line).replace(index or "\0", "IX")
            for line in stderr.splitlines()]


def test_procs_1_and_2_give_the_same_index_and_the_same_messages(tmp_path):
    src = tmp_path / "src"
    _every_format(src)
    results = {}
    for procs in ("1", "2"):
        index = str(tmp_path / f"ix{procs}")
        res = _run("--index", index, "index", "--no-entities", "--procs", procs, str(src))
        assert res.exit_code == 1, res.stderr  # the two bad files
        results[procs] = (_stored(index), _talk(res.stderr, index))
    (one, err1), (two, err2) = results["1"], results["2"]
    assert len(one) == 6 + 2 + 2 + 1 + 1 + 1 + 1 + 1
    assert one == two, "same articles, same stored fields"
    assert err1 == err2, "same messages in the same order"
    errors = [line for line in err2 if line.startswith("error")]
    assert len(errors) == 2 and "bild.html" in errors[0] and "unbekannt.xml" in errors[1]
    assert "read: feed 2, html 6, jsonl 1, newsml 1, ninjs 1, nitf 1, text 1, warc 2" in err2[-1]


def test_a_rerun_counts_unchanged_units_without_extracting_them(tmp_path):
    src = tmp_path / "src"
    _every_format(src)
    index = str(tmp_path / "ix")
    args = ("--index", index, "index", "--no-entities", "--procs", "2", str(src))
    first = _run(*args)
    assert "15 added" in first.stderr
    store = IndexStore.open(index)
    known = store.read_cache(RAW_FILE, store.ix.latest_generation())
    # the pages, the feed, ninjs, NITF, NewsML and the two WARC captures; not the bad files
    assert len(known) == 6 + 1 + 1 + 1 + 1 + 2
    # What the next run reads in place of extracting: one Unchanged per unit.
    raw = _RawCache(store, store.existing_hashes())
    items = list(extracted(read_units([str(src)]), procs=2, skip=raw.lookup))
    assert not [i for i in items if isinstance(i, Unit)]
    assert len([i for i in items if isinstance(i, Unchanged)]) == 12
    assert [i.id for i in items if isinstance(i, Article)] == ["m1", "notiz"]
    second = _run(*args)
    assert "0 added, 0 updated, 15 unchanged" in second.stderr
    assert _talk(second.stderr)[-1] == _talk(first.stderr)[-1].replace(
        "15 added, 0 updated, 0 unchanged", "0 added, 0 updated, 15 unchanged")
    assert second.stderr.count("error") == first.stderr.count("error") == 2
    page = src / "seite-03.html"
    page.write_text(page.read_text(encoding="utf-8").replace("Meldung 3.", "Meldung 3, neu."),
                    encoding="utf-8")
    third = _run(*args)
    assert "0 added, 1 updated, 14 unchanged" in third.stderr
    shown = json.loads(_run("--index", index, "show", "--format", "json", "seite-03").stdout)
    assert "Meldung 3, neu." in shown["text"]


def test_an_unchanged_unit_whose_articles_changed_is_extracted_again(tmp_path):
    _pages(tmp_path, 1)
    [unit] = list(read_units([str(tmp_path)]))
    [article] = unit.run()
    stale = Unchanged(unit, ((article.id, "0" * 32),))
    fresh = Unchanged(unit, ((article.id, article.content_hash),))
    existing = {article.id: article.content_hash}
    assert list(_settle([fresh], {}, existing)) == [fresh]
    assert list(_settle([stale], {}, existing)) == [article], "the index holds another copy"
    assert list(_settle([fresh], {article.id: "x"}, existing)) == [article], \
        "read earlier in this run: extracted, so that it is a duplicate with its message"


def _capture(writer, url, title, date, words):
    from warcio.statusandheaders import StatusAndHeaders
    body = news_page(title=title, url=url, body=[f"{p} {words}" for p in BODY]).encode()
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(
        url, "response", payload=BytesIO(body), length=len(body), http_headers=http,
        warc_headers_dict={"WARC-Date": date}))


def _warc(path, captures):
    from warcio.warcwriter import WARCWriter
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=True)
        for title, date, words in captures:
            _capture(w, BASE + "tram.html", title, date, words)


@pytest.mark.parametrize("procs", ["1", "2"])
def test_the_later_capture_wins_across_warc_files(tmp_path, procs):
    src = tmp_path / "src"
    src.mkdir()
    # The file read first holds the later capture: the WARC-Date decides.
    _warc(src / "a-mai.warc.gz", [("Baubeginn verschoben", "2024-05-01T10:00:00Z", "Mai")])
    _warc(src / "b-maerz.warc.gz", [("Straßenbahn wird verlängert", "2024-03-12T10:00:00Z",
                                     "März")])
    index = str(tmp_path / "ix")
    args = ("--index", index, "index", "--no-entities", "--procs", procs, str(src))
    res = _run(*args)
    assert res.exit_code == 0, res.stderr
    assert "1 added" in res.stderr and "1 WARC earlier capture" in res.stderr
    assert "already read" not in res.stderr
    shown = json.loads(_run("--index", index, "show", "--format", "json",
                            BASE + "tram.html").stdout)
    assert shown["title"] == "Baubeginn verschoben" and "Mai" in shown["text"]
    assert _stored(index)[BASE + "tram.html"]["origin"].endswith("a-mai.warc.gz")
    # Equal dates: the later file wins. A newer crawl added later updates the article.
    _warc(src / "c-mai.warc.gz", [("Baubeginn verschoben, Kosten steigen",
                                   "2024-05-01T10:00:00Z", "Kosten")])
    res = _run(*args)
    assert "0 added, 1 updated" in res.stderr and "2 WARC earlier capture" in res.stderr
    shown = json.loads(_run("--index", index, "show", "--format", "json",
                            BASE + "tram.html").stdout)
    assert shown["title"] == "Baubeginn verschoben, Kosten steigen"


def test_latest_capture_inside_one_file_is_by_date_then_position(tmp_path):
    _warc(tmp_path / "crawl.warc.gz", [("Zweiter Stand", "2024-05-01T10:00:00Z", "zwei"),
                                       ("Erster Stand", "2024-03-01T10:00:00Z", "eins"),
                                       ("Dritter Stand", "2024-05-01T10:00:00Z", "drei")])
    items = list(read_articles([str(tmp_path)]))
    [article] = [i for i in items if isinstance(i, Article)]
    assert article.title == "Dritter Stand"
    assert [i.reason for i in items if not isinstance(i, Article)] == \
        ["WARC earlier capture"] * 2


def _held_read(marks, func, args):
    """A unit's reader that first leaves a mark (the worker is inside the unit) and
    waits a minute: the test kills the worker while it reads."""
    (marks / str(os.getpid())).touch()
    time.sleep(60)
    return Unit("html", "-", func, args).run()


def _held(units, marks):
    """Each unit after the first, read through _held_read."""
    for n, unit in enumerate(units):
        if isinstance(unit, Unit) and n:
            unit = Unit(unit.fmt, unit.source, "test_ingest_workers:_held_read",
                        (marks, unit.func, unit.args))
        yield unit


def test_a_killed_extraction_worker_raises_naming_the_file(tmp_path):
    _pages(tmp_path, 12)
    marks = tmp_path / "marks"
    marks.mkdir()
    stream = extracted(_held(read_units([str(tmp_path)]), marks), procs=2)
    first = next(stream)
    assert isinstance(first, Article) and first.id == "seite-01"
    workers = multiprocessing.active_children()
    assert len(workers) == 2
    # Killed only once each worker has said which unit it took (it marks after that).
    for _ in range(300):
        if len(list(marks.iterdir())) == 2:
            break
        time.sleep(0.1)
    assert sorted(int(m.name) for m in marks.iterdir()) == sorted(p.pid for p in workers)
    for process in workers:
        os.kill(process.pid, signal.SIGKILL)
    with pytest.raises(WorkerFailed) as caught:
        list(stream)
    message = str(caught.value)
    assert "extraction process" in message and "was killed by SIGKILL" in message
    assert "while reading" in message and "seite-" in message
    assert not multiprocessing.active_children()


def test_closing_the_stream_ends_the_workers(tmp_path):
    _pages(tmp_path, 12)
    stream = extracted(read_units([str(tmp_path)]), procs=2)
    assert next(stream).id == "seite-01"
    assert len(multiprocessing.active_children()) == 2
    stream.close()
    assert not multiprocessing.active_children()


def test_errors_from_workers_are_the_readers_errors():
    unit = Unit("html", "kaputt.html", "index.readers:read_named",
                ("html", b"\0\0\0 binary", "kaputt.html"))
    items = list(extracted([unit, unit], procs=2))
    assert len(items) == 2 and all(isinstance(i, ArticleError) for i in items)
    assert str(items[1]) == str(unit.run()[0]) == "kaputt.html: binary data (contains NUL " \
        "bytes), not a web page; skipped"
    assert pickle.loads(pickle.dumps(Unchanged(unit, (("a", "b"),)))).entries == (("a", "b"),)


def test_hostile_files_with_two_workers_each_one_message(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "bild.html").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 40)
    (src / "leer.warc.gz").write_bytes(b"")
    _write_warc(tmp_path / "full.warc.gz")
    data = (tmp_path / "full.warc.gz").read_bytes()
    (src / "halb.warc.gz").write_bytes(data[:int(len(data) * 0.6)])
    (src / "tief.html").write_text("<html><body>" + "<div>" * 100_000 + "Tief." +
                                   "</div>" * 100_000 + "</body></html>")
    (src / "lachen.rss").write_text(LAUGHS + "<rss version='2.0'><channel><title>&lol9;"
                                    "</title></channel></rss>")
    (src / "lachen-nitf.xml").write_text(LAUGHS + "<nitf><body><body.content><p>&lol9;</p>"
                                         "</body.content></body></nitf>")
    secret = tmp_path / "geheim.txt"
    secret.write_text("GEHEIMES PASSWORT")
    (src / "extern.xml").write_text(
        f'<?xml version="1.0"?><!DOCTYPE nitf [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<nitf><body><body.content><p>&xxe;</p></body.content></body></nitf>")
    (src / "gut.html.gz").write_bytes(gzip.compress(news_page().encode("utf-8")))
    index = str(tmp_path / "ix")
    res = _run("--index", index, "index", "--no-entities", "--procs", "2", str(src))
    assert res.exit_code == 1
    assert "Traceback" not in res.stderr and "GEHEIMES" not in res.stdout + res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith("error")]
    for name in ("bild.html", "leer.warc.gz", "halb.warc.gz", "tief.html", "lachen.rss",
                 "lachen-nitf.xml", "extern.xml"):
        assert len([e for e in errors if f"{name}:" in e]) == 1, (name, res.stderr)
    assert len(errors) == 7
    assert _run("--index", index, "show", "gut").exit_code == 0
    assert _run("--index", index, "show", BASE + "tram.html").exit_code == 0, \
        "the records before the damage are indexed"
