"""The search page as a person uses it, in a real headless Chromium (Debian's, through
Selenium) against a real `fundstelle serve`: type, read highlights, filter by a person,
open an article, page on, sort, use only the keyboard or a phone-sized window; and
articles made of HTML and script stay text."""

import os
import re
import shutil

import pytest

from conftest import SAMPLES
from test_web_support import (CHROMEDRIVER, CHROMIUM, HOSTILE, Server, build_index,
                              chromium, write_hostile)

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is missing: .ci/run installs chromium and "
                           "chromium-driver before the tests")
    pytest.skip("needs Debian's chromium and chromium-driver (apt-get install -y chromium "
                "chromium-driver)", allow_module_level=True)

from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("web-browser")
    index = build_index(root / "index", [write_hostile(root / "articles")])
    s = Server(index)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, server):
    """Open a path of the server; wait for the page to be loaded."""

    def go(path):
        browser.get(server.base + path)
        return browser

    browser.get_log("browser")  # forget what earlier tests logged
    return go


def wait_for(browser, css, timeout=10):
    try:
        return WebDriverWait(browser, timeout).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, css))
    except TimeoutException:
        raise AssertionError(f"no {css} on {browser.current_url}:\n"
                             + browser.find_element(By.TAG_NAME, "body").text[:2000]) from None


def total(browser):
    """The hit count the page states (``12 Treffer für …``)."""
    text = browser.find_element(By.ID, "summary").text
    if text.startswith("Keine Treffer"):
        return 0
    return int(re.match(r"([\d.]+) Treffer", text).group(1).replace(".", ""))


def hits(browser):
    return browser.find_elements(By.CSS_SELECTOR, "li.hit")


def console_problems(browser):
    """Errors the page logged (a CSP violation would be one)."""
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_typing_a_query_shows_hits_with_the_words_highlighted(page):
    b = page("/")
    box = b.find_element(By.ID, "q")
    assert b.switch_to.active_element == box  # focused on arrival
    box.send_keys("Hochwasser Passau", Keys.ENTER)
    wait_for(b, "li.hit")
    assert "q=Hochwasser+Passau" in b.current_url
    first = hits(b)[0]
    assert "Hochwasser in Passau" in first.find_element(By.CSS_SELECTOR, "h2").text
    marked = {m.text.lower() for m in first.find_elements(By.TAG_NAME, "mark")}
    assert {"hochwasser", "passau"} <= marked
    assert first.find_elements(By.CSS_SELECTOR, "p.snippet mark")
    assert not console_problems(b)


def test_a_person_facet_narrows_the_hits_and_removing_it_restores_them(page):
    b = page("/?q=Bayern")
    before = total(b)
    titles_before = [h.find_element(By.CSS_SELECTOR, "h2").text for h in hits(b)]
    entries = b.find_elements(By.CSS_SELECTOR, "#facet-person li.facet-value")
    name, count, link = next(
        (e.get_attribute("data-name"), int(e.find_element(By.CSS_SELECTOR, ".count").text),
         e.find_element(By.TAG_NAME, "a"))
        for e in entries if int(e.find_element(By.CSS_SELECTOR, ".count").text) < before)
    link.click()
    wait_for(b, ".chips li")
    assert total(b) == count == len(hits(b))
    for hit in hits(b):  # every hit names the person, now shown as the active filter
        assert name in [p.text for p in hit.find_elements(By.CSS_SELECTOR, ".person")]
    chip = b.find_element(By.CSS_SELECTOR, ".chips li")
    assert name in chip.text
    selected = b.find_element(By.CSS_SELECTOR, "#facet-person li.selected")
    assert selected.get_attribute("data-name") == name
    assert selected.find_element(By.CSS_SELECTOR, ".count").text == str(count)
    chip.find_element(By.CSS_SELECTOR, "a.remove").click()
    WebDriverWait(b, 10).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".chips li"))
    assert total(b) == before
    assert [h.find_element(By.CSS_SELECTOR, "h2").text for h in hits(b)] == titles_before


def test_a_person_of_a_hit_is_a_link_that_adds_the_filter(page):
    b = page("/?q=Hochwasser")
    hit = hits(b)[0]
    person = hit.find_element(By.CSS_SELECTOR, "a.person")
    name = person.text
    person.click()
    wait_for(b, ".chips li")
    assert name in b.find_element(By.CSS_SELECTOR, ".chips li").text
    assert total(b) >= 1


def test_opening_an_article_shows_the_whole_text_highlighted(page, server):
    b = page("/?q=Hochwasser")
    link = hits(b)[0].find_element(By.CSS_SELECTOR, "h2 a")
    title = link.text
    link.click()
    wait_for(b, "article.article")
    assert b.find_element(By.TAG_NAME, "h1").text == title
    text = b.find_element(By.CSS_SELECTOR, "article .text")
    assert "Dreiflüssestadt" in text.text  # a sentence from beyond the snippets
    assert "hochwasser" in {m.text.lower() for m in text.find_elements(By.TAG_NAME, "mark")}
    assert "Markus Söder" in [a.text for a in b.find_elements(By.CSS_SELECTOR, "a.person")]
    similar = wait_for(b, ".similar li a")  # fetched from /api/similar by the page's script
    assert [a.text for a in similar] == [h["title"] for h in server.json(
        "/api/similar/002_hochwasser-passau?limit=5&snippets=0")[1]["hits"]]
    back = b.find_element(By.CSS_SELECTOR, ".back a")
    back.click()
    wait_for(b, "li.hit")
    assert b.find_element(By.ID, "q").get_attribute("value") == "Hochwasser"


def test_page_two_continues_the_list(page):
    b = page("/?q=*&sort=date")
    first_page = [h.get_attribute("data-id") for h in hits(b)]
    assert len(first_page) == 10 and total(b) == 23
    b.find_element(By.CSS_SELECTOR, "nav.pages a[rel=next]").click()
    wait_for(b, "nav.pages [aria-current=page]")
    assert b.find_element(By.CSS_SELECTOR, "nav.pages [aria-current=page]").text == "2"
    assert "11–20" in b.find_element(By.ID, "summary").text
    assert b.find_element(By.CSS_SELECTOR, "ol.hits").get_attribute("start") == "11"
    second_page = [h.get_attribute("data-id") for h in hits(b)]
    assert len(second_page) == 10 and not set(first_page) & set(second_page)


def test_sorting_by_date_puts_the_newest_first(page):
    b = page("/?q=Bayern")
    b.find_element(By.LINK_TEXT, "Neueste zuerst").click()
    wait_for(b, ".sort .current")
    assert b.find_element(By.CSS_SELECTOR, ".sort .current").text == "Neueste zuerst"
    dates = [t.get_attribute("datetime") for t in
             b.find_elements(By.CSS_SELECTOR, "li.hit time")]
    assert len(dates) == total(b) > 2
    assert dates == sorted(dates, reverse=True)
    b.find_element(By.LINK_TEXT, "Älteste zuerst").click()
    wait_for(b, ".sort .current")
    assert [t.get_attribute("datetime") for t in
            b.find_elements(By.CSS_SELECTOR, "li.hit time")] == sorted(dates)


def test_the_box_above_a_long_facet_list_filters_it(page):
    b = page("/?q=*")
    box = b.find_element(By.CSS_SELECTOR, "#facet-place input.facet-filter")
    box.send_keys("bay")
    shown = [e.get_attribute("data-name") for e in
             b.find_elements(By.CSS_SELECTOR, "#facet-place li.facet-value")
             if e.is_displayed()]
    assert "Bayern" in shown
    assert all("bay" in n.lower() for n in shown)
    box.clear()
    box.send_keys("munch")  # accents folded: finds München
    shown = [e.get_attribute("data-name") for e in
             b.find_elements(By.CSS_SELECTOR, "#facet-place li.facet-value")
             if e.is_displayed()]
    assert shown == ["München"]


def test_a_bad_query_says_what_the_cli_says(page):
    b = page("/?q=der+die+das")
    message = b.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert message == ("the query 'der die das' has only German stop words (der, die, das); "
                       "add a word that carries meaning.")
    b = page("/?q=Giftk%C3%B6der&person=s%C3%B6der")
    assert total(b) == 0
    assert "gewählten Filtern" in b.find_element(By.ID, "empty").text


def test_the_start_page_says_what_to_do(page):
    b = page("/")
    text = b.find_element(By.ID, "message").text
    assert "Suchbegriffe" in text and "23 Artikel" in text


def test_the_keyboard_alone_reaches_a_hit_and_opens_it(page):
    b = page("/")
    b.switch_to.active_element.send_keys("Hochwasser", Keys.ENTER)
    wait_for(b, "li.hit")
    b.find_element(By.TAG_NAME, "body").send_keys("/")  # back to the search box
    assert b.switch_to.active_element.get_attribute("id") == "q"
    for _ in range(40):
        b.switch_to.active_element.send_keys(Keys.TAB)
        active = b.switch_to.active_element
        if active.tag_name == "a" and active.find_elements(By.XPATH, "ancestor::h2"):
            break
    else:
        raise AssertionError("Tab never reached a hit's title")
    title = active.text
    active.send_keys(Keys.ENTER)
    wait_for(b, "article.article")
    assert b.find_element(By.TAG_NAME, "h1").text == title


def test_every_form_field_has_a_label(page):
    b = page("/?q=*")
    fields = b.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select")
    assert len(fields) >= 6
    for f in fields:
        labelled = b.execute_script("return arguments[0].labels.length", f)
        assert labelled or f.get_attribute("aria-label"), f.get_attribute("outerHTML")


def test_a_phone_sized_window_needs_no_sideways_scrolling(browser, server):
    browser.set_window_size(390, 844)
    try:
        for path in ("/?q=Bayern", "/article/002_hochwasser-passau?q=Passau"):
            browser.get(server.base + path)
            wide = browser.execute_script(
                "return document.documentElement.scrollWidth - "
                "document.documentElement.clientWidth")
            assert wide <= 1, path
    finally:
        browser.set_window_size(1280, 1000)


# ---------------------------------------------------------------- hostile articles

def assert_nothing_ran(b, server):
    """The hostile markup stayed text: no script ran, no element came of it."""
    assert b.execute_script("return window.__pwned") is None
    scripts = [s.get_attribute("src") for s in b.find_elements(By.TAG_NAME, "script")]
    assert scripts == [server.base + "/static/app.js"]
    main = b.find_element(By.TAG_NAME, "main")
    for tag in ("img", "iframe", "svg", "b", "script", "object", "embed"):
        assert not main.find_elements(By.TAG_NAME, tag), tag
    for a in b.find_elements(By.TAG_NAME, "a"):
        href = (a.get_attribute("href") or "").strip().lower()
        assert not href.startswith("javascript:"), a.get_attribute("outerHTML")
    for m in main.find_elements(By.TAG_NAME, "mark"):
        assert m.text.lower().startswith("giftköder"), m.text
    assert not console_problems(b)


def test_hostile_articles_are_shown_as_text_and_nothing_runs(page, server):
    b = page("/?q=Giftk%C3%B6der")
    assert total(b) == 2
    assert_nothing_ran(b, server)
    titles = [h.find_element(By.CSS_SELECTOR, "h2").text for h in hits(b)]
    assert HOSTILE[0]["title"] in titles  # the markup, as text, whole
    body = b.find_element(By.TAG_NAME, "main").text
    assert "<script>window.__pwned='text'</script>" in body or \
        "<img src=x onerror" in body or "javascript:" in body
    for i in range(2):
        link = hits(b)[i].find_element(By.CSS_SELECTOR, "h2 a")
        title = link.text
        link.click()
        wait_for(b, "article.article")
        wait_for(b, ".similar li a")  # the script's list of similar articles, hostile too
        assert b.find_element(By.TAG_NAME, "h1").text == title
        assert_nothing_ran(b, server)
        if title == HOSTILE[0]["title"]:
            text = b.find_element(By.CSS_SELECTOR, "article .text").text
            for piece in ("<script>window.__pwned='text'</script>",
                          "<a href=\"javascript:window.__pwned='link'\">Hinweis geben</a>",
                          "<img src=x onerror=\"window.__pwned='img-text'\">",
                          "{{ 7 * 7 }}", "&lt;kein Tag&gt;", "</mark><b>fett</b>"):
                assert piece in text, piece
            assert not b.find_elements(By.LINK_TEXT, "Originalartikel")
            assert b.find_element(By.CSS_SELECTOR, ".original .url").text == HOSTILE[0]["url"]
            assert b.find_element(By.CSS_SELECTOR, ".meta .source").text == \
                "<b>Stadtanzeiger</b>"
        else:
            assert b.find_element(By.CSS_SELECTOR, ".meta .id").text == HOSTILE[1]["id"]
            # The script's list of similar articles holds the hostile title, as text.
            assert HOSTILE[0]["title"] in [a.text for a in
                                           b.find_elements(By.CSS_SELECTOR, ".similar li a")]
        b.back()
        wait_for(b, "li.hit")
