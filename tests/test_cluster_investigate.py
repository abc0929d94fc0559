"""Issue 21's investigation commands on a sharded index answer as one index does:
co-occurrence, saved searches, and agency copies collapsed across shards.

The two indexes hold the same articles: the samples, the test corpus and the
three ferry reports of tests/fixtures/agency (a1 and a2 are copies of one agency
report, and with 2 shards they fall into different shards: no shard's MinHash
state knows both). The stale-index message of a shard names the sharded folder.
"""

import json
import pathlib
import shutil

import pytest
from click.testing import CliRunner

from cluster.manifest import shard_of
from conftest import CORPUS, SAMPLES

AGENCY = pathlib.Path(__file__).resolve().parent / "fixtures" / "agency"
A1, A2, A3 = "a1_rheinpost-faehre", "a2_mittelrhein-echo-faehre", "a3_weinzeitung-faehre"


def _cli(index, *args):
    from cli import main

    return CliRunner().invoke(main, ["--index", str(index), *args])


def _index(path, *args):
    result = _cli(path, "index", "--procs", "1", *args)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(one index, 2 shards) of the samples, the test corpus and the ferry reports."""
    base = tmp_path_factory.mktemp("investigate")
    one, many = base / "one", base / "many"
    for path, extra in ((one, []), (many, ["--shards", "2"])):
        _index(path, *extra, str(SAMPLES), str(CORPUS), str(AGENCY))
    assert shard_of(A1, 2) != shard_of(A2, 2)  # the copies live apart
    return one, many


def _json(index, *args):
    result = _cli(index, *args, "--format", "json")
    assert result.exit_code == 0, (args, result.output)
    out = json.loads(result.stdout)
    out.pop("seconds", None)
    return out


@pytest.mark.parametrize("args", [
    ["search", "Fähre Rüdesheim"],
    ["search", "Fähre", "--limit", "1"],
    ["search", "Fähre", "--offset", "1"],
    ["search", "Fähre", "--sort", "date"],
    ["search", "Hochwasser"],
    ["search", "Söder"],
    ["search", "Fähre Rüdesheim", "--no-collapse"],
], ids=lambda args: " ".join(args))
def test_search_collapses_copies_across_shards_as_one_index(pair, args):
    one, many = pair
    assert _json(one, *args) == _json(many, *args)


def test_the_collapsed_copy_is_named_and_the_groups_counted(pair):
    _, many = pair
    page = _json(many, "search", "Fähre Rüdesheim")
    shown = {h["id"]: h["duplicates"] for h in page["hits"]}
    assert len({A1, A2} & set(shown)) == 1 and A3 in shown
    assert [d for i, d in shown.items() if i in (A1, A2)] in ([[A2]], [[A1]])
    assert page["groups"] == page["total"] - 1
    assert _json(many, "show", A1)["copies"] == [A2]
    assert _json(many, "show", A2)["copies"] == [A1]
    assert _json(many, "show", A3)["copies"] == []


@pytest.mark.parametrize("args", [
    ["cooccurrence", "--place", "Bayern"],
    ["cooccurrence", "--person", "Söder", "--min-count", "1"],
    ["cooccurrence", "--person", "Söder", "Hochwasser", "--min-count", "1"],
    ["cooccurrence", "--place", "Deutschland", "--min-count", "1", "--since", "2020"],
    ["cooccurrence", "--place", "Bayern", "Söder", "--min-count", "1"],
], ids=lambda args: " ".join(args))
def test_cooccurrence_on_shards_equals_one_index(pair, args):
    one, many = pair
    a, b = _json(one, *args), _json(many, *args)
    assert a == b
    assert a["rows"] or "--since" in args


def test_cooccurrence_errors_read_alike(pair):
    one, many = pair
    for args in (["cooccurrence", "--person", "Niemand Unbekannt"], ["cooccurrence"]):
        a, b = _cli(one, *args), _cli(many, *args)
        assert a.exit_code == b.exit_code != 0
        assert a.stderr.replace(str(one), "INDEX") == b.stderr.replace(str(many), "INDEX")


def test_a_watch_on_shards_finds_what_one_index_finds(tmp_path):
    one, many = tmp_path / "one", tmp_path / "many"
    for path, extra in ((one, []), (many, ["--shards", "2"])):
        _index(path, *extra, str(SAMPLES), str(CORPUS))
        for args in (["watch", "add", "faehre", "Fähre"],
                     ["watch", "add", "bayern", "--place", "Bayern"],
                     ["watch", "add", "neu", "--since", "2020"]):
            assert _cli(path, *args).exit_code == 0, args
    listed = _json(many, "watch", "list")
    assert [w["name"] for w in listed["watches"]] == ["bayern", "faehre", "neu"]
    assert len(listed["watches"][0]["last_arrival"]) == 2  # one arrival a shard
    for path in (one, many):
        assert _cli(path, "watch", "run").exit_code == 3  # nothing new yet
    later = tmp_path / "later"
    later.mkdir()
    for name in (A1, A2, A3):
        shutil.copy(AGENCY / f"{name}.txt", later / f"{name}.txt")
    for path in (one, many):
        _index(path, str(later))
    runs = []
    for path in (one, many):
        out = _json(path, "watch", "run")
        for w in out["watches"]:
            for key in ("after_arrival", "arrival", "last_arrival", "last_run", "created"):
                w.pop(key)
            for h in w["hits"]:
                h.pop("added")
        runs.append(out)
    assert runs[0] == runs[1]
    faehre = [w for w in runs[1]["watches"] if w["name"] == "faehre"][0]
    assert {h["id"] for h in faehre["hits"]} == {A1, A2, A3}
    assert runs[1]["new"] == 6  # three each for faehre and neu, none in Bayern
    for path in (one, many):
        assert _cli(path, "watch", "run").exit_code == 3  # each shard remembers


def test_a_stale_shard_names_the_sharded_folder_and_rebuild_there(pair, tmp_path):
    _, many = pair
    stale = tmp_path / "stale"
    shutil.copytree(many, stale)
    meta = stale / "shard-001" / "fundstelle.json"
    data = json.loads(meta.read_text(encoding="utf-8"))
    data["schema_version"] = 1
    meta.write_text(json.dumps(data), encoding="utf-8")
    for args in (["search", "Fähre"], ["stats"], ["watch", "run"]):
        result = _cli(stale, *args)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert f"the index in {stale} was built by another version" in result.stderr
        assert f"--index {stale} index --rebuild" in result.stderr
        assert "shard-001" not in result.stderr
