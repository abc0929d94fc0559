"""Outlets and timelines on the web, against a real `fundstelle serve`: the API's objects
are the CLI's JSON, the page lists sources and draws the months as linked bars."""

import html as html_lib
import json
import re
import urllib.parse

import pytest
from click.testing import CliRunner

from cli import main
from test_web_support import Server


@pytest.fixture(scope="module")
def server(outlets_index):
    s = Server(outlets_index)
    yield s
    s.stop()


def cli_json(index, *args):
    result = CliRunner().invoke(main, ["--index", index, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def url(path, pairs):
    return path + "?" + urllib.parse.urlencode(pairs)


@pytest.mark.parametrize("cli_args,pairs", [
    (["timeline", "Söder"], [("q", "Söder")]),
    (["timeline", "--person", "söder", "--person", "laschet", "--compare", "--by", "week"],
     [("person", "söder"), ("person", "laschet"), ("compare", "1"), ("by", "week")]),
    (["timeline", "Lockerungen", "Maskenpflicht", "--compare", "--since", "2020"],
     [("q", "Lockerungen"), ("q", "Maskenpflicht"), ("compare", "1"), ("since", "2020")]),
    (["timeline", "--source", "bote", "--by", "year"], [("source", "bote"), ("by", "year")]),
    (["search", "--source", "rheinblatt", "--source", "Bote"],
     [("source", "rheinblatt"), ("source", "Bote")]),
    (["search", "Söder", "--source", "alpenpost"], [("q", "Söder"), ("source", "alpenpost")]),
    (["facets", "source", "Laschet"], [("q", "Laschet")]),
])
def test_the_api_answers_what_the_cli_prints(server, outlets_index, cli_args, pairs):
    path = {"timeline": "/api/timeline", "search": "/api/search",
            "facets": "/api/facets/source"}[cli_args[0]]
    status, data = server.json(url(path, pairs))
    assert status == 200
    assert data == cli_json(outlets_index, *cli_args)


@pytest.mark.parametrize("pairs,kind,words", [
    ([("q", "Söder"), ("by", "hour")], "parameter_error", "by must be one of"),
    ([("q", "Söder"), ("q", "Laschet")], "parameter_error", "compare=1"),
    ([("person", "söder"), ("compare", "1")], "bad_option", "two or more values"),
    ([("source", "Bodensee-Bote")], "unknown_name", "no source 'Bodensee-Bote'"),
    ([], "parameter_error", "give a query"),
])
def test_timeline_errors_have_the_apis_one_shape(server, pairs, kind, words):
    status, data = server.json(url("/api/timeline", pairs) if pairs else "/api/timeline")
    assert status == 400 and data["error"]["kind"] == kind and words in data["error"]["message"]


def test_the_page_lists_sources_and_draws_months_that_link_to_their_month(server):
    status, _, body = server.request(url("/", [("q", "Söder OR Laschet")]))
    page = body.decode("utf-8")
    api = server.json(url("/api/search", [("q", "Söder OR Laschet"), ("facets", "50")]))[1]
    assert status == 200
    section = page[page.index('id="facet-source"'):]
    listed = re.findall(r'data-name="([^"]*)"><a href="([^"]*)"><span class="name">', section)
    assert [n for n, _ in listed] == [v["value"] for v in api["facets"]["sources"]]
    assert dict(listed)["Märkischer Bote"] == "/?q=S%C3%B6der+OR+Laschet&amp;" \
                                               "source=M%C3%A4rkischer+Bote"
    figure = page[page.index('id="histogram"'):page.index("</figure>")]
    bars = re.findall(r'<a href="([^"]*)" aria-label="([^"]*)" data-month="([^"]*)" '
                      r'data-count="(\d+)">', figure)
    assert [(m, int(c)) for _, _, m, c in bars] == \
        [(v["value"], v["count"]) for v in api["facets"]["dates"]]
    href, label, month, _ = bars[1]
    assert (month, label) == ("2020-04", "April 2020: 1 Artikel")
    assert html_lib.unescape(href) == "/?q=S%C3%B6der+OR+Laschet&since=2020-04&until=2020-04"
    # Following a bar: its month is the filter, the histogram keeps every month, selected.
    narrowed = server.request(html_lib.unescape(href))[2].decode("utf-8")
    assert "1 Treffer" in narrowed
    assert re.findall(r'<rect class="bar selected"', narrowed) == ['<rect class="bar selected"']


def test_a_source_filter_shows_as_a_removable_chip_and_a_selected_value(server):
    page = server.request(url("/", [("source", "bote")]))[2].decode("utf-8")
    assert "<span class=\"chip-kind\">Quelle:</span> bote" in page
    selected = re.findall(r'<li class="facet-value selected" data-name="([^"]*)"><a href="'
                          r'([^"]*)"', page)
    assert selected == [("Märkischer Bote", "/")]
    assert "4 Treffer" in page


def read_csv(raw):
    import csv
    import io
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_tables_come_as_csv_downloads_equal_to_the_clis(server, outlets_index):
    for path, pairs, cli_args in [
        ("/api/search", [("q", "Söder"), ("format", "csv")],
         ["search", "Söder", "--format", "csv"]),
        ("/api/search", [("source", "bote"), ("format", "csv"), ("all", "1")],
         ["search", "--source", "bote", "--all", "--format", "csv"]),
        ("/api/facets/source", [("format", "csv")], ["facets", "source", "--format", "csv"]),
        ("/api/timeline", [("person", "söder"), ("person", "laschet"), ("compare", "1"),
                           ("format", "csv"), ("bom", "0")],
         ["timeline", "--person", "söder", "--person", "laschet", "--compare", "--format",
          "csv", "--no-bom"]),
    ]:
        status, headers, body = server.request(url(path, pairs))
        assert status == 200, body[:300]
        assert headers["content-type"] == "text/csv; charset=utf-8"
        assert headers["content-disposition"].startswith("attachment; filename=")
        printed = CliRunner().invoke(main, ["--index", outlets_index, *cli_args])
        assert body == printed.stdout_bytes, path
    assert read_csv(body)[0] == ["period", "Markus Söder", "Armin Laschet"]


def test_csv_errors_come_before_any_row_and_in_the_apis_shape(server):
    status, data = server.json(url("/api/search", [("q", "Söder"), ("format", "csv"),
                                                   ("all", "1"), ("person", "Niemand")]))
    assert status == 400 and data["error"]["kind"] == "unknown_name"
    status, data = server.json(url("/api/search", [("q", "Söder"), ("all", "1")]))
    assert status == 400 and "format=csv" in data["error"]["message"]
    status, data = server.json(url("/api/timeline", [("q", "Söder"), ("format", "xlsx")]))
    assert status == 400 and "format must be json or csv" in data["error"]["message"]


def test_the_page_links_every_hit_as_csv(server):
    page = server.request(url("/", [("q", "Söder"), ("page", "1"), ("sort", "date")]))[2]
    href = html_lib.unescape(re.search(r'id="csv" href="([^"]*)"', page.decode()).group(1))
    assert href == "/api/search?q=S%C3%B6der&sort=date&format=csv&all=1"
    table = read_csv(server.request(href)[2])
    assert [row[1] for row in table[1:]] == ["o05_soeder-disziplin", "o03_streit-oeffnungen",
                                             "o01_soeder-regeln"]
