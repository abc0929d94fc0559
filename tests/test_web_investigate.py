"""Agency copies and co-occurrence on the web page and API, against a real `fundstelle serve`."""

import pathlib
import re
import urllib.parse

import pytest

from test_web_support import Server, build_index, cli_json

AGENCY = pathlib.Path(__file__).resolve().parent / "fixtures" / "agency"
A1, A2 = "a1_rheinpost-faehre", "a2_mittelrhein-echo-faehre"


@pytest.fixture(scope="module")
def web_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("web-investigate") / "index", [AGENCY])


@pytest.fixture(scope="module")
def server(web_index):
    s = Server(web_index)
    yield s
    s.stop()


def url(path, **params):
    return path + "?" + urllib.parse.urlencode(params)


def test_api_search_collapses_as_the_cli_does(server, web_index):
    collapsed = server.json(url("/api/search", q="Fähre Rüdesheim"))[1]
    assert collapsed == cli_json(web_index, "search", "Fähre Rüdesheim", "--format", "json")
    assert collapsed["groups"] == collapsed["total"] - 1
    assert sorted([h["id"]] + h["duplicates"] for h in collapsed["hits"]
                  if h["duplicates"]) == [sorted([A1, A2])]
    everything = server.json(url("/api/search", q="Fähre Rüdesheim", collapse=0))[1]
    assert everything == cli_json(web_index, "search", "Fähre Rüdesheim", "--no-collapse",
                                  "--format", "json")
    assert len(everything["hits"]) == len(collapsed["hits"]) + 1
    bad = server.json(url("/api/search", q="Fähre", collapse="vielleicht"))
    assert bad[0] == 400 and "collapse" in bad[1]["error"]["message"]


def test_the_page_names_the_copies_and_the_article_lists_them(server):
    html = server.request(url("/", q="Fähre Rüdesheim"))[2].decode("utf-8")
    api = server.json(url("/api/search", q="Fähre Rüdesheim", facets=50))[1]
    assert re.findall(r'<li class="hit" data-id="([^"]*)"', html) == [h["id"] for h in
                                                                     api["hits"]]
    assert html.count("+1 ähnliche") == 1
    shown = next(h["id"] for h in api["hits"] if h["duplicates"])
    article = server.request("/article/" + shown)[2].decode("utf-8")
    section = article[article.index('id="copies"'):]
    other = A2 if shown == A1 else A1
    assert f'href="/article/{other}"' in section


def test_api_cooccurrence_is_the_clis_json(server, web_index):
    data = server.json(url("/api/cooccurrence", place="Deutschland", min_count=1))[1]
    assert data == cli_json(web_index, "cooccurrence", "--place", "Deutschland",
                            "--min-count", "1", "--format", "json")
    assert data["rows"]
    for params in ({}, {"place": "Bayern", "person": "Söder"}):
        status, err = server.json(url("/api/cooccurrence", **params))
        assert status == 400 and "one person or one place" in err["error"]["message"]
    status, err = server.json(url("/api/cooccurrence", person="Niemand Unbekannt"))
    assert status == 400 and err["error"]["kind"] == "unknown_name"


def test_the_page_shows_who_appears_with_the_selected_place(server):
    html = server.request(url("/", place="Deutschland"))[2].decode("utf-8")
    data = server.json(url("/api/cooccurrence", place="Deutschland", limit=10))[1]
    box = html[html.index('id="companions"'):]
    box = box[:box.index("</section>")]
    assert "Oft mit Deutschland genannt" in box
    assert re.findall(r'<a class="(?:person|place)" href="[^"]*"[^>]*>([^<]*)</a>', box) == \
        [r["name"] for r in data["rows"]]
    assert 'id="companions"' not in server.request(url("/", q="Fähre"))[2].decode("utf-8")
