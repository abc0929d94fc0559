"""Searching the test corpus: ranking, highlighting, filters, facets, the Python API."""

import pytest

from conftest import ids
from index.errors import ArticleNotFound, EmptyQuery
from search.facets import AmbiguousName, UnknownName


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


def test_unknown_name_suggests_the_facets_command(engine):
    with pytest.raises(UnknownName, match="fundstelle facets person"):
        engine.search(None, person=["Gorbatschow"])


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
