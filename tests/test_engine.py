"""Searching the test corpus: ranking, highlighting, filters, facets, the Python API."""

import pytest

from conftest import ids
from search.errors import (AmbiguousName, ArticleNotFound, BadDate, BadOption, EmptyQuery,
                           QueryError, UnknownName, UnsupportedField, UnsupportedRange)


def test_articles_with_all_words_rank_first(engine):
    r = engine.search("Lehrer Gewerkschaft")
    assert ids(r)[:2] == ["06_gew-lehrer-schulstart", "07_lehrer-portraet"]
    assert r.total == 2
    assert r.hits[0].score > r.hits[1].score > 0


def test_one_word_query_is_ranked_by_relevance_not_index_order(engine):
    r = engine.search("Lehrer")
    assert set(ids(r)) == {"06_gew-lehrer-schulstart", "07_lehrer-portraet"}
    assert all(h.score > 0 for h in r.hits)
    # 07 says "Lehrer" seven times, in its title too; 06 four times.
    assert ids(r)[0] == "07_lehrer-portraet"


def test_stemmed_match_is_highlighted_in_its_surface_form(engine):
    r = engine.search("Rakete")
    assert ids(r)[0] == "02_nordkorea-raketen"
    hit = r.hits[0]
    marked = " ".join(s.marked() for s in hit.snippets)
    assert "[[Raketen]]" in marked
    assert hit.title[slice(*hit.title_matches[0])] == "Raketen"


def test_hyphenated_words_match_whole_and_by_part(engine):
    assert ids(engine.search("CDU-Chef")) == ["08_laschet-cdu-chef"]
    assert "08_laschet-cdu-chef" in ids(engine.search("Chef"))
    assert "05_sperrstunde-koeln" in ids(engine.search("Krise"))
    assert "05_sperrstunde-koeln" in ids(engine.search("Corona-Krise"))


def test_invisible_characters_do_not_split_words(engine):
    assert ids(engine.search("Impfzentrum")) == ["09_impfstart-hannover"]
    assert ids(engine.search("Parteitag")) == ["08_laschet-cdu-chef"]


def test_transliterated_umlauts_find_umlaut_spellings(engine):
    assert set(ids(engine.search("Koeln"))) == {"03_sturm-hauptbahnhoefe",
                                               "05_sperrstunde-koeln"}
    assert "03_sturm-hauptbahnhoefe" in ids(engine.search("Duesseldorf"))


def test_phrase_title_field_and_boolean_syntax(engine):
    assert ids(engine.search('"Bayerischen Wald"')) == ["04_baer-bayerischer-wald"]
    assert set(ids(engine.search("title:Lehrer"))) == {"07_lehrer-portraet",
                                                       "06_gew-lehrer-schulstart"}
    assert ids(engine.search("title:Maske")) == ["07_lehrer-portraet"]
    assert ids(engine.search("Lehrer NOT Gewerkschaft")) == ["07_lehrer-portraet"]
    assert ids(engine.search("Lehrer -Gewerkschaft")) == ["07_lehrer-portraet"]
    assert set(ids(engine.search("Bär OR Lawinengefahr"))) >= {"04_baer-bayerischer-wald",
                                                               "x02_schnee-tirol"}


def test_prefix_query_finds_stems_and_longer_words(engine):
    got = ids(engine.search("Rakete*"))
    assert "02_nordkorea-raketen" in got


def test_month_only_date_matches_any_day_of_its_month(engine):
    # 01 is dated "2020-10" only; 05 is 2020-10-17.
    got = set(ids(engine.search("Litauen OR Sperrstunde", since="2020-10-20",
                                until="2020-10-31")))
    assert got == {"01_manoever-litauen"}
    got = set(ids(engine.search("Litauen OR Sperrstunde", since="2020-10-01",
                                until="2020-10-16")))
    assert got == {"01_manoever-litauen"}
    assert ids(engine.search("Litauen", until="2020-09")) == []


def test_date_filter_without_query_and_date_sort(engine):
    r = engine.search(None, since="2021", sort="date", limit=20, facets=0)
    assert ids(r) == ["09_impfstart-hannover", "08_laschet-cdu-chef"]
    r = engine.search(None, since="2020", sort="date-asc", limit=1, facets=0)
    assert ids(r) == ["x02_schnee-tirol"] and r.total == 13


def test_hits_show_date_at_its_precision(engine):
    hit = engine.search("Mehrfachraketenwerfer").hits[0]
    assert hit.id == "01_manoever-litauen"
    assert (hit.date, hit.date_precision) == ("2020-10", "month")


def test_paging(engine):
    everything = ids(engine.search("Berlin OR Bayern OR Köln", limit=20))
    assert len(everything) >= 4
    assert ids(engine.search("Berlin OR Bayern OR Köln", limit=2, offset=2)) == everything[2:4]


def test_long_article_gets_a_snippet_from_where_the_match_is(tmp_path):
    from index.build import index_paths
    from search import SearchEngine

    filler = "Die Sitzung des Ausschusses dauerte bis in den späten Abend. " * 6000
    body = filler + "Am Ende sprach der Bürgermeister über den Hochwasserschutz an der Donau."
    assert len(body) > 300_000
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "lang.txt").write_text(f" date 2021-02 Lange Sitzung\n\n{body}\n",
                                             encoding="utf-8")
    index_paths(str(tmp_path / "ix"), [str(tmp_path / "a")], entities=False)
    with SearchEngine(str(tmp_path / "ix")) as e:
        hit = e.search("Hochwasserschutz").hits[0]
    assert "[[Hochwasserschutz]]" in hit.snippets[0].marked()
    assert hit.snippets[0].start > 300_000


def test_only_stop_words_is_an_error_that_says_so(engine):
    with pytest.raises(EmptyQuery, match="only German stop words"):
        engine.search("die und der")


def test_facets_count_all_matches_not_only_the_page(engine):
    r = engine.search("Berlin OR Bayern OR Köln OR Hannover", limit=1, facets=50)
    counts = {f.value: f.count for f in r.facets["place"]}
    assert len(r.hits) == 1 and r.total > 1
    assert sum(counts.values()) > len(r.hits)
    assert counts.get("Berlin") == 2  # 06 and 08


def test_person_filter_by_surname_and_case_and_accents(engine):
    r = engine.search(None, person=["söder"], facets=5)
    assert ids(r) == ["10_und-was-nun"]
    r = engine.search(None, person=["SOEDER"], facets=5)
    assert ids(r) == ["10_und-was-nun"]
    r = engine.search("Parteitag", person=["laschet"])
    assert ids(r) == ["08_laschet-cdu-chef"]


def test_place_filters_combine_with_and_and_facets_ignore_their_own_selection(engine):
    r = engine.search(None, place=["Berlin"], facets=20)
    assert set(ids(r)) == {"06_gew-lehrer-schulstart", "08_laschet-cdu-chef"}
    places = {f.value: f for f in r.facets["place"]}
    assert places["Berlin"].selected
    # Multi-select: the place facet still offers places outside the selection.
    assert "Leipzig" in places or len(places) > 6
    r = engine.search(None, place=["Berlin", "Aachen"])
    assert ids(r) == ["08_laschet-cdu-chef"]


def test_unknown_name_is_named(engine):
    with pytest.raises(UnknownName, match="no person 'Gorbatschow' in the index") as info:
        engine.search(None, person=["Gorbatschow"])
    assert info.value.facet == "person" and info.value.name == "Gorbatschow"
    assert "--" not in str(info.value)


def test_ambiguous_surname_lists_the_candidates_most_frequent_first():
    from search.facets import FacetColumns

    cols = FacetColumns("persons", ["Anna Schmidt", "Helmut Schmidt", "Markus Söder"],
                        [frozenset({0}), frozenset({1, 2}), frozenset({3})], {})
    with pytest.raises(AmbiguousName) as info:
        cols.resolve("person", "schmidt")
    assert [c for c, _ in info.value.candidates] == ["Helmut Schmidt", "Anna Schmidt"]
    assert "Helmut Schmidt (2), Anna Schmidt (1)" in str(info.value)
    assert cols.resolve("person", "markus soeder") == "Markus Söder"
    assert cols.resolve("person", "anna schmidt") == "Anna Schmidt"


def test_get_returns_the_article_unchanged(engine):
    from index.ingest import read_articles
    from conftest import CORPUS

    for original in read_articles([str(CORPUS)]):
        stored, persons, places = engine.get(original.id)
        assert stored.to_dict() == original.to_dict()
    with pytest.raises(ArticleNotFound):
        engine.get("gibt-es-nicht")


def test_questions_for_a_time_or_number_prefer_articles_that_hold_one(tmp_path):
    from index.build import index_paths
    from search import SearchEngine

    (tmp_path / "a").mkdir()
    articles = {
        "ohne.txt": ("Die Universität Tübingen wurde gegründet, als Graf Eberhard im Bart "
                     "die Stadt regierte."),
        "mit.txt": ("Die Universität Tübingen wurde im Jahr 1477 von Graf Eberhard im Bart "
                    "gegründet, der die Stadt damals regierte."),
    }
    for name, body in articles.items():
        (tmp_path / "a" / name).write_text(f" date 2021-05 Tübingen\n\n{body}\n",
                                           encoding="utf-8")
    index_paths(str(tmp_path / "ix"), [str(tmp_path / "a")], entities=False)
    with SearchEngine(str(tmp_path / "ix")) as e:
        # The shorter article wins by BM25 when nothing asks for a year ...
        assert ids(e.search("Universität Tübingen gegründet"))[0] == "ohne"
        # ... the one with the year when the question asks "when".
        assert ids(e.search("Wann wurde die Universität Tübingen gegründet?"))[0] == "mit"
        assert ids(e.search("In welchem Jahr wurde die Universität Tübingen gegründet?"))[0] \
            == "mit"
        # Asking "who" gives no year a bonus.
        assert ids(e.search("Wer hat die Universität Tübingen gegründet?"))[0] == "ohne"


# ------------------------------------------------------------------ query errors

@pytest.mark.parametrize("text, error, part, field", [
    ("date:{:a", UnsupportedRange, "date:{:a", "date"),
    ("title:{:a", UnsupportedRange, "title:{:a", "title"),
    ("{:a", UnsupportedRange, "{:a", None),
    ("Lehrer x}", UnsupportedRange, "x}", None),
    ("[a TO c]", UnsupportedRange, "[a TO c]", None),
    ("Lehrer date:[2020 TO x]", UnsupportedRange, "date:[2020 TO x]", "date"),
    ("title:[Lehrer TO Schule]", UnsupportedRange, "title:[Lehrer TO Schule]", "title"),
    ("nosuchfield:wort", UnsupportedField, "nosuchfield:wort", "nosuchfield"),
    ("Lehrer persons:Söder", UnsupportedField, "persons:Söder", "persons"),
    ("text_z:Lehrer", UnsupportedField, "text_z:Lehrer", "text_z"),
    ("Lehrer date:(2020 OR 2021)", UnsupportedField, "date:(2020", "date"),
])
def test_query_parts_that_cannot_be_searched_are_named(engine, text, error, part, field):
    with pytest.raises(error) as info:
        engine.search(text)
    exc = info.value
    assert exc.part.startswith(part) and exc.field == field
    message = str(exc)
    assert repr(exc.part) in message
    assert "YYYY-MM-DD" in message or "title: and body:" in message
    assert "--" not in message  # the library speaks of the query, the CLI of its flags


def test_field_names_and_colons_that_are_words_still_search(engine):
    assert ids(engine.search("Title:Lehrer")) == ids(engine.search("title:Lehrer"))
    assert ids(engine.search("title:Lehrer"))[0] == "07_lehrer-portraet"
    for text in ("Fazit: Lehrer", "Lehrer 12:30", "Lehrer https://example.com/a",
                 "Lehrer:innen", "[Video] Lehrer", '"Lehrer {"'):
        assert "07_lehrer-portraet" in ids(engine.search(text)), text


def test_a_date_filter_that_is_no_date_names_the_filter(engine):
    with pytest.raises(BadDate, match=r"bad date filter: since '2020-13': month 13") as info:
        engine.search("Lehrer", since="2020-13")
    assert info.value.which == "since" and "YYYY-MM" in str(info.value)
    with pytest.raises(BadDate, match="until 'gestern'"):
        engine.search("Lehrer", until="gestern")


def test_bad_options_are_errors_without_flag_names(engine):
    for kwargs in ({"sort": "zufall"}, {"limit": -1}, {"offset": -3}):
        with pytest.raises(BadOption) as info:
            engine.search("Lehrer", **kwargs)
        assert "--" not in str(info.value)


def test_query_errors_moved_to_search_errors_and_old_imports_still_work():
    import index.errors
    import search.facets
    from search import errors

    assert index.errors.QueryError is errors.QueryError
    assert index.errors.EmptyQuery is errors.EmptyQuery
    assert search.facets.AmbiguousName is errors.AmbiguousName
    assert search.facets.UnknownName is errors.UnknownName
    assert issubclass(errors.UnsupportedRange, QueryError)
    assert issubclass(errors.QueryError, index.errors.FundstelleError)
    with pytest.raises(AttributeError):
        index.errors.NoSuchError


# ------------------------------------------------------------------ batches

def test_batch_answers_every_line_in_order_with_the_search_json(engine):
    from search.batch import run_batch

    lines = ['{"id": "a", "text": "Lehrer Gewerkschaft"}',
             '{"id": "b", "text": "date:{:a"}',
             "",
             "kein json",
             '{"id": "e", "text": 5}',
             b'{"id": "f", "text": "Rakete"}',
             b'\xff\xfe',
             '{"id": "h", "text": "die und der"}']
    out = list(run_batch(engine, lines, limit=3, snippets=0, facets=0))
    assert len(out) == len(lines)
    assert [o["id"] for o in out] == ["a", "b", None, None, None, "f", None, "h"]
    assert out[0] == {"id": "a", **engine.search("Lehrer Gewerkschaft", limit=3, snippets=0,
                                                 facets=0).to_dict()}
    assert out[5]["hits"][0]["id"] == "02_nordkorea-raketen"
    kinds = [o["error"]["kind"] if "error" in o else None for o in out]
    assert kinds == [None, "range", "bad_line", "bad_line", "bad_line", None, "bad_line",
                     "empty_query"]
    assert [o["line"] for o in out if "error" in o] == [2, 3, 4, 5, 7, 8]
    assert "'date:{:a'" in out[1]["error"]["message"]
    assert "empty line" in out[2]["error"]["message"]
    assert "not JSON" in out[3]["error"]["message"]
    assert "UTF-8" in out[6]["error"]["message"]


def test_a_bug_in_one_query_is_an_internal_error_line_and_the_batch_goes_on(engine):
    from search.batch import run_batch

    lines = ['{"id": 1, "text": "Lehrer"}', '{"id": 2, "text": "Rakete"}']
    # A limit of the wrong type fails inside the engine with a TypeError, as a bug would.
    out = list(run_batch(engine, lines, limit="3"))
    assert [o["id"] for o in out] == [1, 2]
    assert all(o["error"]["kind"] == "internal" for o in out)
    assert "bug in Fundstelle" in out[0]["error"]["message"]


def test_a_typed_fuzzy_distance_above_two_counts_as_two(engine):
    # Whoosh's automaton for 9 edits of a 12-letter stem ran for minutes and took
    # gigabytes (a hang of the property tests); Lucene caps at 2 as well.
    far = engine.search("Gewerkschaft~9")
    assert ids(far) == ids(engine.search("Gewerkschaft~2"))
    assert "06_gew-lehrer-schulstart" in ids(far)


def test_the_words_of_names_under_a_key_are_those_of_every_name_keyed_one_by_one(engine):
    # The name words a query word may mean are found through the folded names; keying
    # every word of every name gives the same words, values and order.
    from index.analysis import WORD_RE, stem_word
    from search.engine import _name_key, _words_of_names

    for kind in ("person", "place"):
        columns = engine.columns(kind)
        everything = {}
        for vid, name in enumerate(columns.values):
            for word in WORD_RE.findall(name):
                if len(word) > 2 and word[0].isupper():
                    everything.setdefault(_name_key(word), []).append((word, vid))
        assert everything
        for key in [*everything, "xyz", "ö"]:
            expected = {}
            for word, vid in everything.get(key, ()):
                expected.setdefault(stem_word(word), []).append(vid)
            assert _words_of_names(columns, key) == expected, (kind, key)
    assert {_name_key("Söder"), _name_key("Soeder")} == {"sod"}


def test_name_words_are_found_where_folding_joins_or_splits_words():
    # _values_holding keeps only the places where a key can begin a word, unless a
    # name has a character that folding may join to the word before (an apostrophe,
    # a decomposed accent, a symbol): those names are split as before.
    from index.analysis import WORD_RE, stem_word
    from search.engine import _name_key, _words_of_names
    from search.facets import FacetColumns

    names = ["Bernardo O’Higgins", "Hans-Peter Müller-Bertram", "José\u0301Bertram",
             "Rene\u0301Schäfer", "Café™Berlin", "_Berger Straße", "Albert Schweitzer",
             "Jürgen Bärlach", "Uwe Baerbock", "Anna Ødegaard", "Kai Überall", "Ole Olsen",
             "Aydin Süer", "Eva Sueß", "Ines Bärbel", "Max Schm\u00adidt", "Lea Schmidt"]
    columns = FacetColumns("persons", names, [[i] for i in range(len(names))],
                           [[i] for i in range(len(names))])
    everything = {}
    for vid, name in enumerate(names):
        for word in WORD_RE.findall(name):
            if len(word) > 2 and word[0].isupper():
                everything.setdefault(_name_key(word), []).append((word, vid))
    assert {"ber", "sch", "hig", "bar", "ode", "ube"} <= set(everything)
    for key in [*everything, "ert", "ans", "xyz"]:
        expected = {}
        for word, vid in everything.get(key, ()):
            expected.setdefault(stem_word(word), []).append(vid)
        assert _words_of_names(columns, key) == expected, key
        # Asked for the words whose stem begins with one (a query word's stem), only
        # the names holding its spelling are split: the same words.
        for start in [*expected, key[:2] + "x"]:
            assert _words_of_names(columns, key, start) == {
                stem: vids for stem, vids in expected.items() if stem.startswith(start)}, start
