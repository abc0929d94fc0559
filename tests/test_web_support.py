"""Helpers for the web tests (a real `fundstelle serve` on a free port), and tests of the
small pieces of the web layer that need no server."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from conftest import ROOT, SAMPLES

#: Articles whose title, text, source and URL are HTML and script: the page must show
#: them as text. All words are ours (written for this test).
HOSTILE = [
    {"id": "feindlich-1", "date": "2024-05-02", "source": "<b>Stadtanzeiger</b>",
     "url": "javascript:window.__pwned='url'",
     "title": "Giftköder <script>window.__pwned='title'</script> im Stadtpark "
              "<img src=x onerror=\"window.__pwned='img-title'\">",
     "text": "Im Stadtpark von Bielefeld hat die Polizei erneut Giftköder gefunden. "
             "<script>window.__pwned='text'</script> Hundehalter sollen ihre Tiere an "
             "der Leine führen.\n\n"
             "Hinweise nimmt die Polizei entgegen: <a href=\"javascript:window.__pwned="
             "'link'\">Hinweis geben</a> oder javascript:alert(1) in die Adresszeile.\n\n"
             "<img src=x onerror=\"window.__pwned='img-text'\"> Ein Bild zeigt den Fundort. "
             "</mark><b>fett</b><iframe src=\"javascript:window.__pwned='frame'\"></iframe> "
             "{{ 7 * 7 }} &lt;kein Tag&gt; Der Giftköder lag neben einem Spielplatz."},
    {"id": "feindlich-2\"><script>window.__pwned='id'</script>", "date": "2024-05",
     "title": "Giftköder auch im Nordpark",
     "text": "Auch im Nordpark wurden Giftköder entdeckt, teilte das Ordnungsamt mit. "
             "<svg onload=\"window.__pwned='svg'\"></svg> Die Stadt prüft Kameras."},
]


def write_hostile(folder):
    """Write the hostile articles as a JSON Lines file in ``folder``; return its path."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "feindlich.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for article in HOSTILE:
            f.write(json.dumps(article, ensure_ascii=False) + "\n")
    return path


def build_index(path, extra=()):
    """Index the bundled samples (and ``extra`` paths) into ``path``."""
    from index.build import index_paths

    summary = index_paths(str(path), [str(SAMPLES), *map(str, extra)])
    assert summary.failed == 0, summary
    return str(path)



def cli_json(index, *args):
    """What `fundstelle --index INDEX ARGS` prints on stdout, parsed."""
    from click.testing import CliRunner

    from cli import main

    result = CliRunner().invoke(main, ["--index", index, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fundstelle(*args):
    """The argv of the `fundstelle` command of this environment."""
    return [sys.executable, "-c", "import cli; cli.run()", *args]


class Server:
    """`fundstelle serve` in a child process on a free port of 127.0.0.1."""

    def __init__(self, index, *extra, env=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(os.path.dirname(index), f"serve-{self.port}.log"), "w+")
        self.proc = subprocess.Popen(
            fundstelle("--index", index, "serve", "--port", str(self.port), *extra),
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})})
        self.wait_ready()

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited with {self.proc.returncode}:\n"
                                     + self.output())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not start:\n" + self.output())

    def output(self):
        if self.log.closed:
            return self.text
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Send ``sig`` and return the exit code (None if it had to be killed)."""
        code = self.proc.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                code = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                code = None
        self.text = self.output()
        self.log.close()
        return code

    def request(self, path, data=None, headers=None, method=None):
        """(status, headers, body bytes) of a request; HTTP errors are returned, not raised.

        ``path`` may hold non-ASCII characters; they are percent-encoded.
        """
        path = urllib.parse.quote(path, safe="/?&=%+:;,@*'\"!$()~")
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {},
                                     method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers, e.read()

    def json(self, path, **kwargs):
        status, headers, body = self.request(path, **kwargs)
        assert headers.get_content_type() == "application/json", (path, status, body[:200])
        return status, json.loads(body)


# ---------------------------------------------------------------- the small pieces

def test_german_dates_keep_their_precision():
    from web.app import german_date
    assert german_date("2024-06-04", "day") == "4. Juni 2024"
    assert german_date("2024-03", "month") == "März 2024"
    assert german_date("2024", "year") == "2024"
    assert german_date("2024-06-04T10:15:00+02:00", "time") == "4. Juni 2024"
    assert german_date(None) == "ohne Datum"


def test_only_web_addresses_become_links():
    from web.app import safe_url
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    assert safe_url("http://example.org") == "http://example.org"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>",
                "vbscript:x", "//evil.example/x", "", None):
        assert safe_url(bad) is None, bad


def test_marked_escapes_article_text_and_marks_only_the_ranges():
    from web.app import marked
    text = "<b>Giftköder</b> & <script>x()</script>"
    html = str(marked(text, [[3, 12]]))
    assert html == ("&lt;b&gt;<mark>Giftköder</mark>&lt;/b&gt; &amp; "
                    "&lt;script&gt;x()&lt;/script&gt;")
    # Ranges outside the text (a stale offset) are dropped, never sliced wrongly.
    assert str(marked("Bär", [[0, 9]])) == "Bär"


def test_links_change_one_parameter_and_forget_the_page():
    from starlette.datastructures import QueryParams
    from web.app import Link
    link = Link(QueryParams("q=Hochwasser&person=s%C3%B6der&page=3&sort=date"))
    assert link.adding("place", "Passau") == \
        "/?q=Hochwasser&person=s%C3%B6der&sort=date&place=Passau"
    assert link.removing("person", "söder") == "/?q=Hochwasser&sort=date"
    assert link.with_("sort", "relevance") == "/?q=Hochwasser&person=s%C3%B6der&sort=relevance"
    assert link.page(2) == "/?q=Hochwasser&person=s%C3%B6der&sort=date&page=2"
    assert link.page(1) == "/?q=Hochwasser&person=s%C3%B6der&sort=date"


def test_login_redirects_stay_on_this_site():
    from web.app import _local_path
    assert _local_path("/?q=Bär") == "/?q=Bär"
    for bad in ("//evil.example/", "https://evil.example/", "/\\evil.example", "", None):
        assert _local_path(bad) == "/", bad


def test_a_server_reachable_from_elsewhere_needs_a_long_token():
    import pytest
    from web.server import ServeError, check_token
    check_token("127.0.0.1", None)
    check_token("::1", None)
    check_token("0.0.0.0", "x" * 16)
    with pytest.raises(ServeError, match="--token"):
        check_token("0.0.0.0", None)
    with pytest.raises(ServeError, match="at least 16"):
        check_token("127.0.0.1", "short")
    with pytest.raises(ServeError, match="ASCII"):
        check_token("127.0.0.1", "prüf-token-0123456789")


# ---------------------------------------------------------------- the browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def chromium(user_data_dir, width=1280, height=1000):
    """Debian's headless Chromium under Selenium, with a fresh empty profile.

    Nothing is fetched: Selenium is given both executables, so its manager never
    looks for a browser or driver of its own.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                f"--user-data-dir={user_data_dir}", f"--window-size={width},{height}",
                "--lang=de-DE"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
