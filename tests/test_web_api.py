"""The JSON API against a real `fundstelle serve` on 127.0.0.1: same objects as the CLI,
one error shape, the token, limits, clean stops and new commits picked up while serving."""

import html as html_lib
import json
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli import main
from conftest import ROOT, SAMPLES
from test_web_support import (HOSTILE, Server, build_index, cli_json, fundstelle,
                              write_hostile)

TOKEN = "pruef-token-0123456789abcdef"


@pytest.fixture(scope="module")
def web_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("web-api")
    return build_index(root / "index", [write_hostile(root / "articles")])


@pytest.fixture(scope="module")
def server(web_index):
    s = Server(web_index)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def guarded(web_index):
    s = Server(web_index, env={"FUNDSTELLE_TOKEN": TOKEN})
    yield s
    s.stop()


def cli_error(index, *args):
    """The message `fundstelle` prints for a failing command (without ``Error: ``)."""
    result = CliRunner().invoke(main, ["--index", index, *args])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ")
    return result.stderr[len("Error: "):].strip()


def url(path, **params):
    pairs = []
    for key, value in params.items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append((key, v))
    return path + ("?" + urllib.parse.urlencode(pairs) if pairs else "")


# The CLI's options and the same search as URL parameters.
SAME_SEARCHES = [
    (["Hochwasser"], {"q": "Hochwasser"}),
    (["Söder", "--place", "bayern"], {"q": "Söder", "place": "bayern"}),
    (["Wahl", "--sort", "date", "--limit", "3", "--snippets", "1"],
     {"q": "Wahl", "sort": "date", "limit": 3, "snippets": 1}),
    (["--person", "söder"], {"person": "söder"}),
    (["Bayern", "--since", "2024", "--until", "2025-03", "--facets", "3"],
     {"q": "Bayern", "since": "2024", "until": "2025-03", "facets": 3}),
    (["*", "--page", "2", "--limit", "5", "--sort", "date-asc"],
     {"q": "*", "page": 2, "limit": 5, "sort": "date-asc"}),
    (['"Giftköder im Nordpark entdeckt"'], {"q": '"Giftköder im Nordpark entdeckt"'}),
    (["Hochwaser"], {"q": "Hochwaser"}),
    (["Giftköder", "--person", "söder"], {"q": "Giftköder", "person": "söder"}),
]


@pytest.mark.parametrize("cli_args,params", SAME_SEARCHES, ids=lambda v: str(v)[:40])
def test_api_search_is_the_clis_json(server, web_index, cli_args, params):
    status, data = server.json(url("/api/search", **params))
    assert status == 200
    assert data == cli_json(web_index, "search", *cli_args, "--format", "json")


def test_the_comparison_covers_relaxed_phrases_suggestions_and_empty_results(server):
    relaxed = server.json(url("/api/search", q='"Giftköder im Nordpark entdeckt"'))[1]
    assert relaxed["relaxed_query"] == "Giftköder im Nordpark entdeckt" and relaxed["total"]
    assert server.json(url("/api/search", q="Hochwaser"))[1]["suggestions"] == ["Hochwasser"]
    assert server.json(url("/api/search", q="Giftköder", person="söder"))[1]["total"] == 0
    paged = server.json(url("/api/search", q="*", page=2, limit=5))[1]
    assert paged["offset"] == 5 and [h["rank"] for h in paged["hits"]] == [6, 7, 8, 9, 10]


@pytest.mark.parametrize("params", [{"q": "Bayern"}, {"q": "Wahl", "sort": "date"},
                                    {"person": "söder"}, {"q": "*", "page": 2}])
def test_the_page_shows_what_the_api_returns(server, params):
    """Page and API are one dict: the same hits in the same order, the same facet counts."""
    status, _, body = server.request(url("/", **params))
    html = body.decode("utf-8")
    api = server.json(url("/api/search", facets=50, **params))[1]
    assert status == 200
    assert re.findall(r'<li class="hit" data-id="([^"]*)"', html) == \
        [h["id"] for h in api["hits"]]
    shown = re.findall(r'data-name="([^"]*)"><a href="[^"]*"(?: [^>]*)?><span class="name">'
                       r'[^<]*</span> <span class="count">(\d+)</span>', html)
    assert [(html_lib.unescape(name), count) for name, count in shown] == \
        [(v["value"], str(v["count"])) for kind in ("person", "place", "sources")
         for v in api["facets"][kind]]
    assert f"{api['total']} Treffer" in html


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=30), person=st.text(max_size=12), limit=st.text(max_size=4))
def test_any_parameters_get_an_answer_or_a_json_error(server, q, person, limit):
    params = {"q": q, "limit": limit}
    if person:
        params["person"] = person
    status, headers, body = server.request(url("/api/search", **params))
    assert status in (200, 400), (params, status, body[:300])
    assert headers.get_content_type() == "application/json"
    data = json.loads(body)
    assert ("error" in data) == (status == 400)
    if status == 400:
        assert data["error"]["message"] and data["error"]["kind"]


def test_batch_answers_every_line_in_order(server):
    lines = [{"id": "a", "text": "Hochwasser"}, "kein JSON", {"id": "b", "text": "der die das"},
             "", {"id": 7, "text": "Söder"}, {"id": "ohne Text"}, {"id": "c", "text": "Giftköder"}]
    body = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)
                     for x in lines).encode("utf-8")
    status, headers, out = server.request("/api/search/batch?limit=3", data=body)
    assert status == 200
    answers = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    # One answer a non-blank line, in the order sent.
    assert [a.get("id") for a in answers] == ["a", None, "b", 7, None, "c"]
    for i in (1, 2, 4):
        assert set(answers[i]["error"]) == {"kind", "message"} and answers[i]["error"]["message"]
    assert "stop words" in answers[2]["error"]["message"]
    for answer, q in ((answers[0], "Hochwasser"), (answers[3], "Söder"),
                      (answers[5], "Giftköder")):
        single = server.json(url("/api/search", q=q, limit=3))[1]
        assert answer["total"] == single["total"] > 0
        assert [h["id"] for h in answer["hits"]] == [h["id"] for h in single["hits"]]


def test_batch_takes_the_filters_of_the_url(server):
    body = json.dumps({"id": 1, "text": "Hochwasser"}).encode()
    out = server.request("/api/search/batch?person=s%C3%B6der&facets=2&snippets=1",
                         data=body)[2]
    answer = json.loads(out)
    single = server.json("/api/search?q=Hochwasser&person=s%C3%B6der&facets=2")[1]
    assert answer["total"] == single["total"]
    assert answer["facets"] == single["facets"]
    assert answer["hits"][0]["snippets"]


def test_bad_queries_get_400_with_the_librarys_message(server, web_index):
    """The API words errors as the library does (user_message), the CLI adds its flags."""
    from search import Archive
    from search.errors import FundstelleError, user_message

    for cli_args, params in ((["der die das"], {"q": "der die das"}),
                             (["Lehrer", "--person", "Niemandvonhier"],
                              {"q": "Lehrer", "person": "Niemandvonhier"}),
                             (["Lehrer", "--since", "2020-13"], {"q": "Lehrer",
                                                                 "since": "2020-13"}),
                             (["--", "-Streik"], {"q": "-Streik"})):
        status, data = server.json(url("/api/search", **params))
        assert status == 400, params
        with pytest.raises(FundstelleError) as raised, Archive(web_index) as archive:
            archive.search(params["q"], person=[params["person"]] if "person" in params
                           else (), since=params.get("since"))
        message = data["error"]["message"]
        assert message == user_message(raised.value, index=web_index)
        assert "--" not in message and "fundstelle " not in message
        cli = cli_error(web_index, "search", *cli_args)
        assert cli.startswith(message.split(":")[0].split(". ")[0])
        assert data["error"]["kind"]


@pytest.mark.parametrize("path,status,kind", [
    ("/api/search", 400, "parameter_error"),
    ("/api/search?q=Bayern&limit=zehn", 400, "parameter_error"),
    ("/api/search?q=Bayern&limit=100000", 400, "parameter_error"),
    ("/api/search?q=Bayern&offset=-1", 400, "parameter_error"),
    ("/api/search?q=Bayern&sort=zufall", 400, "parameter_error"),
    ("/api/search?q=Bayern&q=Passau", 400, "parameter_error"),
    ("/api/search?q=" + "Wort+" * 400, 400, "parameter_error"),
    ("/api/search?q=Bayern&facets=-3", 400, "parameter_error"),
    ("/api/article/gibt-es-nicht", 404, "article_not_found"),
    ("/api/similar/gibt-es-nicht", 404, "article_not_found"),
    ("/api/facets/firma", 404, "not_found"),
    ("/api/facets/person?limit=0", 400, "parameter_error"),
    ("/api/nirgends", 404, "not_found"),
    ("/api/", 404, "not_found"),
])
def test_api_errors_are_json_never_html(server, path, status, kind):
    got, data = server.json(path)
    assert got == status
    assert data["error"]["kind"] == kind
    assert data["error"]["message"] and "Traceback" not in data["error"]["message"]
    assert set(data) == {"error"} and set(data["error"]) == {"kind", "message"}


def test_wrong_methods_and_big_bodies_get_json_errors(server):
    status, data = server.json("/api/search?q=Bayern", method="DELETE")
    assert status == 405 and data["error"]["kind"] == "method_not_allowed"
    status, data = server.json("/api/search/batch")
    assert status == 405
    big = b'{"id": 1, "text": "Hochwasser"}\n' * 40_000  # 1.2 MB
    status, data = server.json("/api/search/batch", data=big)
    assert status == 413 and data["error"]["kind"] == "too_large"
    many = b'{"id": 1, "text": "Bayern"}\n' * 1001
    status, data = server.json("/api/search/batch", data=many)
    assert status == 413 and "1,000" in data["error"]["message"]


def test_unknown_article_is_404_with_the_librarys_message(server, web_index):
    from search.errors import ArticleNotFound, user_message

    status, data = server.json("/api/article/gibt-es-nicht")
    message = data["error"]["message"]
    assert message == user_message(ArticleNotFound("gibt-es-nicht"), index=web_index)
    core = f"no article with id 'gibt-es-nicht' in {web_index}. "
    assert message.startswith(core)
    assert cli_error(web_index, "show", "gibt-es-nicht").startswith(core)


def test_article_similar_facets_and_stats_are_the_clis_json(server, web_index):
    for hostile in HOSTILE:
        quoted = urllib.parse.quote(hostile["id"], safe="")
        status, data = server.json("/api/article/" + quoted)
        assert status == 200
        assert data == cli_json(web_index, "show", hostile["id"], "--format", "json")
        assert data["title"] == hostile["title"] and data["text"] == hostile["text"]
    assert server.json("/api/similar/002_hochwasser-passau?limit=3&snippets=0")[1] == \
        cli_json(web_index, "similar", "002_hochwasser-passau", "--limit", "3",
                 "--snippets", "0", "--format", "json")
    assert server.json(url("/api/facets/person", prefix="sö", limit=5))[1] == \
        cli_json(web_index, "facets", "person", "--prefix", "sö", "--limit", "5",
                 "--format", "json")
    assert server.json(url("/api/facets/place", q="Hochwasser"))[1] == \
        cli_json(web_index, "facets", "place", "Hochwasser", "--format", "json")
    stats = server.json("/api/stats")[1]
    assert stats.pop("generation") >= 1
    assert stats == cli_json(web_index, "stats", "--format", "json")


def test_without_script_the_article_page_lists_similar_articles_on_request(server):
    html = server.request("/article/002_hochwasser-passau")[2].decode("utf-8")
    assert 'href="/article/002_hochwasser-passau?similar=1"' in html
    html = server.request("/article/002_hochwasser-passau?similar=1")[2].decode("utf-8")
    similar = server.json("/api/similar/002_hochwasser-passau?limit=5&snippets=0")[1]
    section = html[html.index('id="similar"'):]
    assert similar["hits"]
    for hit in similar["hits"]:
        assert f'href="/article/{urllib.parse.quote(hit["id"], safe="")}"' in section


def test_article_with_a_query_locates_its_words(server):
    data = server.json(url("/api/article/002_hochwasser-passau", q="Passau Donau"))[1]
    found = {data["text"][s:e].lower() for s, e in data["text_matches"]}
    assert {"passau", "donau"} <= found
    assert [data["title"][s:e] for s, e in data["title_matches"]][:1] == ["Passau"]


def test_openapi_describes_every_endpoint(server):
    status, spec = server.json("/api/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {"/api/search", "/api/search/batch",
                                  "/api/article/{article_id}", "/api/similar/{article_id}",
                                  "/api/facets/{kind}", "/api/timeline", "/api/stats",
                                  "/api/openapi.json", "/api/cooccurrence"}
    for path, ops in spec["paths"].items():
        concrete = path.replace("{article_id}", "002_hochwasser-passau").replace(
            "{kind}", "person")
        query = {"search": "?q=Bayern", "cooccurrence": "?place=Bayern"}.get(
            path.rsplit("/", 1)[-1], "")
        for method in ops:
            if method == "get":
                needs_q = "search" in path or "timeline" in path
                status = server.request(concrete + (query or ("?q=Bayern" if needs_q else "")))[0]
                assert status == 200, path


def test_every_response_carries_the_security_headers(server):
    for path in ("/", "/?q=Bayern", "/api/search?q=Bayern", "/api/nirgends",
                 "/static/style.css", "/article/002_hochwasser-passau"):
        headers = server.request(path)[1]
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_cannot_leave_their_folder(server):
    assert server.request("/static/app.js")[0] == 200
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
                 "/static/%2e%2e/%2e%2e/setup.cfg", "/static//etc/passwd"):
        status, _, body = server.request(path)
        assert status == 404, path
        assert b"create_app" not in body and b"install_requires" not in body
        assert b"root:" not in body


# ---------------------------------------------------------------- the token

def test_without_the_token_the_api_answers_401(guarded):
    for headers in ({}, {"Authorization": "Bearer falsch-falsch-falsch"},
                    {"Authorization": TOKEN}, {"Cookie": "fundstelle_session=" + TOKEN}):
        status, data = guarded.json("/api/search?q=Bayern", headers=headers)
        assert status == 401, headers
        assert data["error"]["kind"] == "unauthorized"
    status, data = guarded.json("/api/search?q=Bayern",
                                headers={"Authorization": "Bearer " + TOKEN})
    assert status == 200 and data["total"] > 0
    status = guarded.request("/api/search/batch", data=b'{"id":1,"text":"Bayern"}')[0]
    assert status == 401
    assert "Every request needs the token" in guarded.output()  # said when started


def test_the_page_asks_for_the_token_once_and_keeps_a_cookie(guarded):
    import http.cookiejar
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(guarded.base + "/?q=Bayern") as r:  # redirected to the form
        assert r.url.startswith(guarded.base + "/login?next=")
        assert "Zugangsschlüssel" in r.read().decode()
    form = urllib.parse.urlencode({"token": "falsch", "next": "/?q=Bayern"}).encode()
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(guarded.base + "/login", data=form)
    assert err.value.code == 401
    err.value.close()
    assert not list(jar)
    form = urllib.parse.urlencode({"token": TOKEN, "next": "/?q=Bayern"}).encode()
    with opener.open(guarded.base + "/login", data=form) as r:
        assert r.url == guarded.base + "/?q=Bayern"
        assert "Treffer für „Bayern“" in r.read().decode()
    cookie = next(iter(jar))
    assert TOKEN not in cookie.value  # the cookie is derived from the token, not it
    with opener.open(guarded.base + "/api/stats") as r:
        assert json.loads(r.read())["articles"] > 0


# ---------------------------------------------------------------- the command

def test_serve_refuses_other_addresses_without_a_token(web_index, monkeypatch):
    monkeypatch.delenv("FUNDSTELLE_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["--index", web_index, "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "--token" in result.stderr and "Traceback" not in result.stderr
    result = CliRunner().invoke(main, ["--index", web_index, "serve", "--token", "kurz"])
    assert result.exit_code == 1 and "at least 16" in result.stderr


def test_serve_says_what_is_wrong_with_the_index_or_the_port(tmp_path, server, web_index):
    result = CliRunner().invoke(main, ["--index", str(tmp_path / "keins"), "serve"])
    assert result.exit_code == 1 and "no index in" in result.stderr
    result = CliRunner().invoke(main, ["--index", web_index, "serve",
                                       "--port", str(server.port)])
    assert result.exit_code == 1 and f"127.0.0.1:{server.port}" in result.stderr
    assert "--port" in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_cleanly_on_a_signal(web_index, sig):
    s = Server(web_index)
    assert s.json("/api/search?q=Bayern")[0] == 200
    assert s.stop(sig) == 0
    out = s.output()
    assert "Serving " in out and "Stopped." in out
    assert "Traceback" not in out and "Error" not in out


def test_two_workers_serve_the_same_answers(web_index, server):
    s = Server(web_index, "--workers", "2")
    try:
        for _ in range(4):
            assert s.json("/api/search?q=Bayern")[1] == server.json("/api/search?q=Bayern")[1]
    finally:
        assert s.stop() == 0


def test_equal_searches_get_the_same_bytes_with_or_without_the_cache(web_index, server):
    first = server.request("/api/search?q=Hochwasser&limit=5&snippets=1")
    again = server.request("/api/search?snippets=1&page=1&limit=5&q=Hochwasser")
    assert first[0] == again[0] == 200 and first[2] == again[2]
    assert again[1]["x-cache"] == "hit"
    off = Server(web_index, "--cache-size", "0")
    try:
        uncached = off.request("/api/search?q=Hochwasser&limit=5&snippets=1")
        assert uncached[2] == first[2] and uncached[1]["x-cache"] == "miss"
    finally:
        assert off.stop() == 0


# ---------------------------------------------------------------- new commits

def test_new_commits_are_searched_without_a_restart(tmp_path):
    """A real `fundstelle index` run adds articles while clients search; nothing fails."""
    first = tmp_path / "erste"
    first.mkdir()
    for p in sorted(SAMPLES.glob("*.txt"))[:5]:
        shutil.copy(p, first)
    index = build_index_of(tmp_path / "index", first)
    s = Server(index)
    failures, answers = [], [[] for _ in range(3)]
    stop = threading.Event()

    def client(mine):
        while not stop.is_set():
            status, headers, body = s.request("/api/search?q=*&facets=5&snippets=1")
            if status != 200:
                failures.append((status, body[:300]))
            else:
                mine.append(json.loads(body)["total"])

    threads = [threading.Thread(target=client, args=(mine,)) for mine in answers]
    try:
        for t in threads:
            t.start()
        before = s.json("/api/search?q=Giftköder")[1]
        assert before["total"] == 0
        more = write_hostile(tmp_path / "neu")
        run = subprocess.run(fundstelle("--index", index, "index", str(SAMPLES), more,
                                        "--batch-size", "4", "--procs", "1"),
                             cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if s.json("/api/search?q=Giftköder")[1]["total"] == 2:
                break
            time.sleep(0.2)
        assert s.json("/api/search?q=Giftköder")[1]["total"] == 2
        assert s.json("/api/stats")[1]["articles"] == 23
    finally:
        stop.set()
        for t in threads:
            t.join()
        s.stop()
    assert not failures, failures[:3]
    for mine in answers:
        assert mine[0] == 5 and mine[-1] == 23
        assert sorted(mine) == mine  # each client sees the count grow: no half-read commit
    assert "Traceback" not in s.output()


def build_index_of(path, folder):
    from index.build import index_paths
    summary = index_paths(str(path), [str(folder)])
    assert summary.failed == 0
    return str(path)
