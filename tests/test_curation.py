"""The user's curation of persons and places (search/curation.py, `fundstelle curate`):
merges, renames and hides apply at search time, survive new commits and rebuilds, and a
bad file is named with its line."""

import json
import shutil
import threading

import pytest
from click.testing import CliRunner

from cli import main
from index.build import index_paths
from index.curation_file import CURATION_FILE
from search import SearchEngine
from search.curation import (BadCurationFile, Curation, HiddenName, NameMap, NothingToUndo,
                             curate, undo)

from conftest import CORPUS, SAMPLES

# Articles of our own: one names Merkel by her surname only, as many reports do.
MERKEL_ONLY = (" date 2021-03-04 Merkel verteidigt den Lockdown\n\n"
               "Bundeskanzlerin Merkel hat die Verlängerung der Corona-Maßnahmen im Bundestag "
               "verteidigt. „Wir sind noch nicht über den Berg“, sagte Merkel am Donnerstag in "
               "Berlin. Die Opposition warf der Regierung vor, zu spät gehandelt zu haben. "
               "Merkel kündigte an, die Impfungen in den Hausarztpraxen zu beschleunigen.\n")
LATER = (" date 2021-05-20 Merkel besucht München\n\n"
         "Bundeskanzlerin Merkel ist am Donnerstag nach München gereist. Dort sprach sie mit "
         "Vertretern der Wirtschaft über die Lage nach dem Lockdown. Merkel lobte die "
         "Betriebe, die ihre Beschäftigten regelmäßig testen.\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """An index of the samples, the test corpus and our Merkel article (built once)."""
    root = tmp_path_factory.mktemp("curation")
    own = root / "own"
    own.mkdir()
    (own / "merkel-rede.txt").write_text(MERKEL_ONLY, encoding="utf-8")
    path = root / "index"
    summary = index_paths(str(path), [str(SAMPLES), str(CORPUS), str(own)])
    assert summary.failed == 0
    return root, path


@pytest.fixture
def index(built, tmp_path):
    """A copy of the built index for one test to curate."""
    root, path = built
    copy = tmp_path / "index"
    shutil.copytree(path, copy)
    return copy


def fs(index, *args):
    result = CliRunner().invoke(main, ["--index", str(index), *args])
    assert "Traceback" not in result.output + result.stderr
    return result


def search_json(index, *args):
    result = fs(index, "search", *args, "--format", "json", "--limit", "100")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def facet(index, kind, value):
    """Article count of ``value`` in the ``kind`` facet over all articles (0 if absent)."""
    result = fs(index, "facets", kind, "--limit", "100000", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return {v["value"]: v["count"] for v in json.loads(result.stdout)["values"]}.get(value, 0)


def raw_docs(index, kind, name):
    with SearchEngine(str(index)) as engine:
        return set(engine.raw_columns(kind).docs_for(name))


def ids_for(index, option, name):
    return {h["id"] for h in search_json(index, option, name)["hits"]}


# ------------------------------------------------------------- merge

def test_merge_joins_counts_filters_and_hit_names(index):
    merkel = ids_for(index, "--person", "Merkel")
    angela = ids_for(index, "--person", "Angela Merkel")
    assert "merkel-rede" in merkel and "merkel-rede" not in angela
    assert facet(index, "person", "Merkel") == len(merkel)
    result = fs(index, "curate", "merge", "merkel", "angela merkel")
    assert result.exit_code == 0, result.stderr
    assert "'Merkel' (1 article) into 'Angela Merkel'" in result.stderr
    # Spelt as the index spells them, whatever the user typed.
    assert "merge\tperson\tMerkel\tAngela Merkel" in (index / CURATION_FILE).read_text("utf-8")

    assert facet(index, "person", "Merkel") == 0
    assert facet(index, "person", "Angela Merkel") == len(merkel | angela)
    both = merkel | angela
    assert ids_for(index, "--person", "Angela Merkel") == both
    assert ids_for(index, "--person", "Merkel") == both  # the merged-away name finds all
    out = search_json(index, "--person", "Merkel")
    assert out["filters"]["person"] == ["Angela Merkel"]
    hit = next(h for h in out["hits"] if h["id"] == "merkel-rede")
    assert "Angela Merkel" in hit["persons"] and "Merkel" not in hit["persons"]
    shown = json.loads(fs(index, "show", "merkel-rede", "--format", "json").stdout)
    assert "Angela Merkel" in shown["persons"] and "Merkel" not in shown["persons"]


def test_place_merge_and_open_engine_sees_it_at_once(index):
    munich, bavaria = raw_docs(index, "place", "München"), raw_docs(index, "place", "Bayern")
    assert munich - bavaria  # the merge must change something
    with SearchEngine(str(index)) as engine:
        before = engine.search(place=["Bayern"], facets=5)
        assert before.total == len(bavaria)
        curate(str(index), "merge", "place", "München", "Bayern")
        after = engine.search(place=["Bayern"], facets=5, limit=100)
        assert after.total == len(munich | bavaria)
        assert [v.count for v in after.facets["place"] if v.value == "Bayern"] == \
            [len(munich | bavaria)]
        assert all("München" not in h.places for h in after.hits)


def test_merge_survives_a_new_commit_and_a_rebuild(index, built, tmp_path):
    root, _ = built
    assert fs(index, "curate", "merge", "Merkel", "Angela Merkel").exit_code == 0
    later = tmp_path / "later"
    later.mkdir()
    (later / "merkel-muenchen.txt").write_text(LATER, encoding="utf-8")
    before = facet(index, "person", "Angela Merkel")
    assert fs(index, "index", str(later)).exit_code == 0
    assert len(raw_docs(index, "person", "Merkel")) == 2  # both surname-only articles
    assert facet(index, "person", "Angela Merkel") == before + 1
    assert facet(index, "person", "Merkel") == 0

    paths = [str(SAMPLES), str(CORPUS), str(root / "own"), str(later)]
    result = fs(index, "index", "--rebuild", *paths)
    assert result.exit_code == 0, result.stderr
    assert (index / CURATION_FILE).exists()
    assert facet(index, "person", "Angela Merkel") == before + 1
    assert "merkel-muenchen" in ids_for(index, "--person", "Angela Merkel")
    assert "merge" in fs(index, "curate", "list").stdout


# ------------------------------------------------------------- rename, hide, undo

def test_rename_to_a_new_name(index):
    kim = ids_for(index, "--person", "Kim Jong Un")
    assert kim
    assert fs(index, "curate", "rename", "Kim Jong Un", "Kim Jong-un").exit_code == 0
    assert facet(index, "person", "Kim Jong Un") == 0
    assert facet(index, "person", "Kim Jong-un") == len(kim)
    assert ids_for(index, "--person", "Kim Jong-un") == kim
    assert ids_for(index, "--person", "Kim Jong Un") == kim
    one = sorted(kim)[0]
    shown = json.loads(fs(index, "show", one, "--format", "json").stdout)
    assert "Kim Jong-un" in shown["persons"] and "Kim Jong Un" not in shown["persons"]


def test_hide_takes_a_place_out_of_facets_hits_and_filters(index):
    germany = raw_docs(index, "place", "Deutschland")
    assert germany
    result = fs(index, "curate", "hide", "--place", "Deutschland")
    assert result.exit_code == 0, result.stderr
    assert facet(index, "place", "Deutschland") == 0
    out = search_json(index, "Deutschland")
    assert out["hits"] and all("Deutschland" not in h["places"] for h in out["hits"])
    assert all(v["value"] != "Deutschland" for v in out["facets"]["place"])
    failed = fs(index, "search", "--place", "deutschland")
    assert failed.exit_code == 1
    assert "hidden by the curation" in failed.stderr and "curate undo --place" in failed.stderr
    # Persons are untouched by a place curation.
    assert facet(index, "person", "Markus Söder") == len(raw_docs(index, "person",
                                                                  "Markus Söder"))


def test_undo_takes_back_the_last_change_of_each_kind(index):
    munich = raw_docs(index, "place", "München")
    assert fs(index, "curate", "hide", "--place", "München").exit_code == 0
    assert fs(index, "curate", "merge", "Merkel", "Angela Merkel").exit_code == 0
    assert facet(index, "place", "München") == 0
    result = fs(index, "curate", "undo", "--place")
    assert result.exit_code == 0 and "hide place 'München'" in result.stderr
    assert facet(index, "place", "München") == len(munich)
    assert facet(index, "person", "Merkel") == 0  # the person merge stays
    assert fs(index, "curate", "undo").exit_code == 0
    assert facet(index, "person", "Merkel") == 1
    nothing = fs(index, "curate", "undo")
    assert nothing.exit_code == 1 and "no person curation to undo" in nothing.stderr
    with pytest.raises(NothingToUndo):
        undo(str(index), "place")


def test_list_json(index):
    empty = json.loads(fs(index, "curate", "list", "--format", "json").stdout)
    assert empty["entries"] == [] and empty["version"] == 1
    fs(index, "curate", "merge", "--place", "München", "Bayern")
    fs(index, "curate", "hide", "Mauch")
    listed = json.loads(fs(index, "curate", "list", "--format", "json").stdout)
    assert listed["file"].endswith(CURATION_FILE)
    assert listed["entries"] == [
        {"action": "merge", "kind": "place", "name": "München", "to": "Bayern",
         "automatic": False},
        {"action": "hide", "kind": "person", "name": "Mauch", "to": None,
         "automatic": False}]
    text = fs(index, "curate", "list").stdout.splitlines()
    assert text == ["merge\tplace\tMünchen\tBayern", "hide\tperson\tMauch"]


def test_bad_entries_are_refused(index):
    for args in (["merge", "Merkel", "merkel"], ["merge", "Mauch", "Mauch"],
                 ["hide", " "]):
        result = fs(index, "curate", *args)
        assert result.exit_code == 1 and result.stderr.startswith("Error: "), args
    assert not (index / CURATION_FILE).exists()
    assert fs(index.parent / "none", "curate", "list").exit_code == 1


# ------------------------------------------------------------- the file

@pytest.mark.parametrize("line,reason", [
    ("merge\tperson\tMerkel", "merge takes 4 tab-separated fields"),
    ("join\tperson\tMerkel\tAngela Merkel", "unknown action 'join'"),
    ("hide\tpersons\tMerkel", "unknown kind 'persons'"),
    ("merge person Merkel Angela", "unknown action"),
])
def test_a_bad_file_names_its_line(index, line, reason):
    (index / CURATION_FILE).write_text(
        "# by hand\nfundstelle-curation\t1\nhide\tplace\tEssen\n" + line + "\n", "utf-8")
    for args in (["search", "Hochwasser"], ["facets", "person"], ["curate", "list"],
                 ["curate", "merge", "A", "B"]):
        result = fs(index, *args)
        assert result.exit_code == 1, args
        assert f"{index / CURATION_FILE}, line 4: {reason}" in result.stderr, result.stderr


def test_file_header_and_encoding_are_checked(tmp_path):
    with pytest.raises(BadCurationFile, match="line 1: the first entry must be the header"):
        Curation.parse("hide\tplace\tEssen\n", "c.tsv")
    with pytest.raises(BadCurationFile, match="line 2: version '2' is not known"):
        Curation.parse("# x\nfundstelle-curation\t2\n", "c.tsv")
    with pytest.raises(BadCurationFile, match="line 3: is not UTF-8"):
        Curation.parse(b"fundstelle-curation\t1\n\nhide\tplace\t\xe4\n", "c.tsv")
    cur = Curation.parse("fundstelle-curation\t1\r\nhide\tplace\tEssen\r\n")
    assert Curation.parse(cur.dumps()).entries == cur.entries


def test_concurrent_curates_lose_nothing(index):
    def add(i):
        for j in range(3):
            curate(str(index), "hide", "place", f"Ort {i}-{j}")

    threads = [threading.Thread(target=add, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    names = {e.name for e in Curation.load(str(index)).entries}
    assert names == {f"Ort {i}-{j}" for i in range(6) for j in range(3)}
    assert not [p for p in index.iterdir() if p.name.endswith(".tmp")]


# ------------------------------------------------------------- NameMap

def names(*lines):
    return Curation.parse("fundstelle-curation\t1\n" + "\n".join(lines)).names("person")


def test_later_entries_win_and_merged_names_follow():
    chain = names("merge\tperson\tMerkel\tAngela Merkel",
                  "rename\tperson\tAngela Merkel\tAngela Dorothea Merkel")
    assert chain.canonical("Merkel") == "Angela Dorothea Merkel"
    assert chain.canonical("ANGELA MERKEL") == "Angela Dorothea Merkel"
    again = names("merge\tperson\tTrump\tMelania Trump", "merge\tperson\tTrump\tDonald Trump")
    assert again.canonical("Trump") == "Donald Trump"
    back = names("merge\tperson\tA B\tC D", "merge\tperson\tC D\tA B")
    assert back.canonical("A B") == "A B" and back.canonical("C D") == "A B"
    hidden = names("merge\tperson\tMerkel\tAngela Merkel", "hide\tperson\tAngela Merkel")
    assert hidden.canonical("Merkel") is None
    assert hidden.apply(["Merkel", "Olaf Scholz", "Angela Merkel"]) == ["Olaf Scholz"]
    with pytest.raises(HiddenName):
        hidden.filter_name("person", "merkel")
    assert not NameMap() and NameMap().canonical("X") == "X"


def test_curated_column_equals_the_names_mapped_article_by_article(index):
    curate(str(index), "merge", "place", "München", "Bayern")
    curate(str(index), "rename", "place", "Berlin", "Berlin (Hauptstadt)")
    curate(str(index), "hide", "place", "Deutschland")
    with SearchEngine(str(index)) as engine:
        raw, cols, names = (engine.raw_columns("place"), engine.columns("place"),
                            engine.names("place"))
        expected = {}
        for docnum, vids in enumerate(raw.per_doc):
            for shown in names.apply([raw.values[v] for v in vids]):
                expected.setdefault(shown, set()).add(docnum)
        assert {v: set(cols.docs_for(v)) for v in cols.values} == expected
        assert cols.values == sorted(cols.values, key=lambda v: v.encode("utf-8"))
        for docnum, vids in enumerate(cols.per_doc):
            assert list(vids) == sorted(vids)
            assert {cols.values[v] for v in vids} == \
                set(names.apply([raw.values[v] for v in raw.per_doc[docnum]]))
    # A fresh engine reads the curated column from the folder's cache: the same counts.
    assert list(index.glob("facets-v2-curated-places-*.pickle"))
    with SearchEngine(str(index)) as engine:
        again = engine.columns("place")
        assert {v: set(again.docs_for(v)) for v in again.values} == expected


# ------------------------------------------------------------- lone surnames (automatic)

FULL_NAME = (" date 2021-06-01 Angela Merkel zieht Bilanz\n\n"
             "Bundeskanzlerin Angela Merkel hat am Dienstag in Berlin Bilanz ihrer Amtszeit "
             "gezogen. Die Pandemie habe das Land verändert, sagte Angela Merkel vor der "
             "Hauptstadtpresse. Fragen zu ihrer Nachfolge wollte sie nicht beantworten.\n")


def test_a_lone_surname_joins_its_dominant_full_name_once_it_dominates(index, tmp_path):
    assert len(raw_docs(index, "person", "Angela Merkel")) == 2  # below the rule's minimum
    assert facet(index, "person", "Merkel") == 1
    assert not [e for e in json.loads(fs(index, "curate", "list", "--format",
                                         "json").stdout)["entries"] if e["automatic"]]
    new = tmp_path / "new"
    new.mkdir()
    (new / "merkel-bilanz.txt").write_text(FULL_NAME, encoding="utf-8")
    assert fs(index, "index", str(new)).exit_code == 0
    full = raw_docs(index, "person", "Angela Merkel")
    assert len(full) == 3  # a later article makes the full name dominant
    assert facet(index, "person", "Merkel") == 0
    assert facet(index, "person", "Angela Merkel") == 4
    listed = json.loads(fs(index, "curate", "list", "--format", "json").stdout)
    assert {"action": "merge", "kind": "person", "name": "Merkel", "to": "Angela Merkel",
            "automatic": True} in listed["entries"]
    assert "merge\tperson\tMerkel\tAngela Merkel\t(automatic)" in fs(index, "curate",
                                                                      "list").stdout
    hit = next(h for h in search_json(index, "--person", "merkel")["hits"]
               if h["id"] == "merkel-rede")
    assert "Angela Merkel" in hit["persons"] and "Merkel" in hit["persons_printed"]
    assert not (index / CURATION_FILE).exists()  # automatic merges are not written

    # A fresh process reads the merges from their own small cache: the hit's names
    # come out the same without loading any facet column.
    assert list(index.glob("automatic-v1-persons-*.pickle"))
    with SearchEngine(str(index)) as engine:
        assert [(e.name, e.to, e.automatic) for e in engine.automatic("person")] == \
            [("Merkel", "Angela Merkel", True)]
        assert engine.names("person").canonical("Merkel") == "Angela Merkel"
        assert engine._columns == {} and engine._raw_columns == {}
        page = engine.search("Merkel", facets=0, snippets=0, limit=100)
        again = next(h for h in page.hits if h.id == "merkel-rede")
        assert "Angela Merkel" in again.persons and "Merkel" not in again.persons

    # The user overrides it: keep the surname as printed, then take that back.
    assert fs(index, "curate", "rename", "Merkel", "Merkel").exit_code == 0
    assert facet(index, "person", "Merkel") == 1
    assert "merkel-rede" not in ids_for(index, "--person", "Angela Merkel")
    assert fs(index, "curate", "undo").exit_code == 0
    assert facet(index, "person", "Merkel") == 0


def test_a_surname_with_its_particles_joins_its_full_name_as_a_lone_surname_does():
    """A headline's "Von der Leyen" is the person an article names in full; the particles are
    the tagger's (search does not import the tagger, so they are written twice)."""
    from index.entities.wordlists import PARTICLES
    from search import curation
    assert curation.SURNAME_PARTICLES == PARTICLES
    names = ["Ursula von der Leyen", "Von der Leyen", "von der Leyen", "Mohammed bin Salman",
             "bin Salman", "Laura von Jan", "von Jan", "Anna von Jan"]
    docs = [set(range(40)), {50, 51}, {52}, set(range(60, 70)), {70}, set(range(80, 85)),
            {85}, set(range(90, 95))]
    merged = {(e.name, e.to) for e in curation.surname_merges(names, docs)}
    assert merged == {("Von der Leyen", "Ursula von der Leyen"),
                      ("von der Leyen", "Ursula von der Leyen"),
                      ("bin Salman", "Mohammed bin Salman")}  # "von Jan": two full names, 5 each


# ------------------------------------------------------------- place aliases (automatic)

# Our own article: the tagger gives the place as printed, "Vereinigte Staaten" and "USA".
FERRIES = (" date 2023-02-13 Lübecker Werft baut Fähren für die USA\n\n"
           "Die Werft in der Hansestadt Lübeck liefert zwei Fähren in die Vereinigten Staaten. "
           "Der Auftrag aus den Vereinigten Staaten sichert 400 Arbeitsplätze, sagte "
           "Betriebsratschef Jörg Brammer am Montag. Die Fähren sollen ab 2026 zwischen Seattle "
           "und Bainbridge Island verkehren.\n")


def test_a_place_variant_shows_as_the_place_it_names(index, tmp_path):
    new = tmp_path / "new"
    new.mkdir()
    (new / "werft-faehren.txt").write_text(FERRIES, encoding="utf-8")
    before = facet(index, "place", "USA")
    assert fs(index, "index", str(new)).exit_code == 0
    assert "werft-faehren" in {d for d in ids_for(index, "--place", "Seattle")}
    assert raw_docs(index, "place", "Vereinigte Staaten")  # indexed as printed
    assert facet(index, "place", "Vereinigte Staaten") == 0
    assert facet(index, "place", "USA") == before + 1
    # A filter on the variant or the place finds the article; the hit gives both forms.
    assert "werft-faehren" in ids_for(index, "--place", "vereinigte staaten")
    hit = next(h for h in search_json(index, "--place", "USA")["hits"]
               if h["id"] == "werft-faehren")
    assert hit["places"].count("USA") == 1 and "Vereinigte Staaten" not in hit["places"]
    assert "Vereinigte Staaten" in hit["places_printed"]
    listed = json.loads(fs(index, "curate", "list", "--format", "json").stdout)
    assert {"action": "merge", "kind": "place", "name": "Vereinigte Staaten", "to": "USA",
            "automatic": True} in listed["entries"]
    assert not (index / CURATION_FILE).exists()
    # The user's entry overrides the table.
    assert fs(index, "curate", "rename", "--place", "Vereinigte Staaten",
              "Vereinigte Staaten").exit_code == 0
    assert facet(index, "place", "Vereinigte Staaten") == 1
    assert fs(index, "curate", "undo", "--place").exit_code == 0
    assert facet(index, "place", "Vereinigte Staaten") == 0
