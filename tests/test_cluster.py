"""The cluster layer: routing, merging, a sharded index through every command, Dask
builds and searches on a real LocalCluster, and a worker killed mid-build."""

import json
import os
import signal
import threading
import time

import pytest
from click.testing import CliRunner

from conftest import OUTLETS, SAMPLES, SHARED
from cluster.manifest import Manifest, ShardingError, is_sharded, shard_of
from cluster.merge import (SourceNames, answers_first, choose_correction, merge_streams,
                           merge_top, order_key, sum_counts, sum_facets, sum_period_counts,
                           sum_statistics)

FANG_300 = SHARED / "data" / "fang-covid" / "sample-300.jsonl"


# --- routing and merging: plain data ---------------------------------------------------

def test_routing_is_a_stable_hash_of_the_id_not_pythons_hash():
    # Fixed values: every process, whatever its PYTHONHASHSEED, on any machine, routes so.
    assert [shard_of(i, 4) for i in ("002_hochwasser-passau", "fang-1", "fang-2",
                                     "fang-3")] == [2, 1, 0, 1]
    assert [shard_of(i, 7) for i in ("fang-1", "fang-2")] == [3, 1]
    assert {shard_of(f"fang-{n}", 4) for n in range(100)} == {0, 1, 2, 3}
    assert all(shard_of(f"x{n}", 1) == 0 for n in range(20))


def test_manifest_keeps_its_shard_count_and_refuses_an_ordinary_index(tmp_path, samples_index):
    m = Manifest.open_or_create(tmp_path / "s", 3)
    assert is_sharded(tmp_path / "s") and Manifest.read(tmp_path / "s").shards == 3
    assert [os.path.basename(p) for p in m.shard_paths()] == ["shard-000", "shard-001",
                                                              "shard-002"]
    with pytest.raises(ShardingError, match="has 3 shards, not 2"):
        Manifest.open_or_create(tmp_path / "s", 2)
    with pytest.raises(ShardingError, match="holds an ordinary index"):
        Manifest.open_or_create(samples_index, 2)


def test_merge_orders_by_score_then_id_and_dates_first_when_sorting_by_date():
    a = [(3.0, 20200101, "b", 0, 7), (1.0, 20210101, "z", 0, 1)]
    b = [(3.0, 20200301, "a", 1, 2), (2.0, 20190101, "c", 1, 0)]
    assert [e[2] for e in merge_top([a, b], 3)] == ["a", "b", "c"]
    assert [e[2] for e in merge_top([a, b], 4, "date")] == ["z", "a", "b", "c"]
    assert [e[2] for e in merge_top([a, b], 2, "date-asc")] == ["c", "b"]
    assert order_key(a[0]) < order_key(a[1])


def test_answers_first_boosts_over_the_collections_best_not_each_shards():
    best = [(10.0, 0, "a", 0, 1, False), (9.0, 0, "b", 1, 1, True), (8.0, 0, "c", 0, 2, True)]
    assert [e[2] for e in answers_first(best, 2, 0.3)] == ["b", "c"]


def test_facets_are_summed_ties_by_name_and_selected_names_kept():
    counts = [{"Markus Söder": 2, "Angela Merkel": 1, "Olaf Scholz": 1},
              {"Angela Merkel": 2, "Olaf Scholz": 1, "Jens Spahn": 1}]
    assert sum_facets(counts, 2) == [("Angela Merkel", 3, False), ("Markus Söder", 2, False)]
    assert sum_facets(counts, 1, selected=["Jens Spahn"]) == [
        ("Angela Merkel", 3, False), ("Jens Spahn", 1, True)]


def test_statistics_and_spelling_facts_are_summed():
    stats = sum_statistics([
        {"doc_count": 5, "field_lengths": {"body": 50, "title": 9},
         "frequencies": {("body", b"hochwass"): 2}, "named": {frozenset({"sod"}): 1},
         "plain_lengths": (55.0, 5)},
        {"doc_count": 4, "field_lengths": {"body": 30, "title": 7},
         "frequencies": {("body", b"hochwass"): 1, ("(plain)", b"hochwass"): 1},
         "named": {}, "plain_lengths": (34.0, 3)}])
    assert stats == {"doc_count": 9, "field_lengths": {"body": 80, "title": 16},
                     "frequencies": {("body", b"hochwass"): 3, ("(plain)", b"hochwass"): 1},
                     "named": {frozenset({"sod"}): 1}, "plain_lengths": (89.0, 8)}
    # 'hochwass' is known nowhere alone (0 + 0), common over both shards (3 + 4).
    facts = [{"known": {"body": 0, "title": 0}, "candidates": {"hochwass": {"body": 3}}},
             {"known": {"body": 0, "title": 0}, "candidates": {"hochwass": {"body": 4},
                                                              "hochwald": {"body": 1}}}]
    assert choose_correction("hochwas", facts) == "hochwass"
    assert choose_correction("hochwas", [{"known": {"body": 3}, "candidates": {}}]) is None


def test_period_counts_and_months_are_summed_and_streams_merged_lazily():
    left = {"month_only": 1, "year_only": 0, "undated": 0}
    summed = sum_period_counts([
        {"periods": {24242: 2}, "left_out": left, "total": 3},
        {"periods": {24242: 1, 24245: 1}, "left_out": dict(left, undated=2), "total": 4}])
    assert summed == {"periods": {24242: 3, 24245: 1}, "total": 7,
                      "left_out": {"month_only": 2, "year_only": 0, "undated": 2}}
    assert sum_counts([{24243: 0}, {}]) == {}
    read = []

    def stream(entries):
        for e in entries:
            read.append(e[2])
            yield e

    merged = merge_streams([stream([(3.0, 0, "c", 0, 1), (1.0, 0, "d", 0, 2)]),
                            stream([(3.0, 0, "b", 1, 4), (2.0, 0, "a", 1, 0)])])
    assert next(merged)[2] == "b" and "d" not in read  # nothing read that is not needed yet
    assert [e[2] for e in merged] == ["c", "a", "d"]
    dated = merge_streams([[(1.0, 20200301, "x", 0, 0), (5.0, 20200101, "y", 0, 1)],
                           [(2.0, 20200301, "w", 1, 0)]], "date")
    assert [e[2] for e in dated] == ["w", "x", "y"]


def test_a_source_name_resolves_over_every_shards_outlets():
    from search.errors import AmbiguousName, UnknownName
    from search.sources import resolve_sources

    names = SourceNames(sum_counts([{"rheinblatt.de": 2, "Märkischer Bote": 3},
                                    {"RHEINBLATT.DE": 1, "zeit.de": 4, "zeit.at": 1}]))
    assert resolve_sources(names, ["rheinblatt"]) == ["RHEINBLATT.DE", "rheinblatt.de"]
    assert resolve_sources(names, ["maerkischer bote", "rheinblatt.de"]) == [
        "Märkischer Bote", "rheinblatt.de"]
    with pytest.raises(AmbiguousName) as exc:
        resolve_sources(names, ["Zeit"])
    assert exc.value.candidates == [("zeit.de", 4), ("zeit.at", 1)]
    with pytest.raises(UnknownName):
        resolve_sources(names, ["Tagesspiegel"])


def test_the_merge_modules_examples_hold():
    import doctest

    import cluster.merge

    assert doctest.testmod(cluster.merge).failed == 0


# --- a sharded index through the commands ----------------------------------------------

def _cli(index, *args):
    from cli import main

    result = CliRunner().invoke(main, ["--index", str(index), *args])
    return result


@pytest.fixture(scope="module")
def sharded_samples(tmp_path_factory):
    path = tmp_path_factory.mktemp("sharded") / "index"
    result = _cli(path, "index", "--shards", "3", "--procs", "1", str(SAMPLES))
    assert result.exit_code == 0, result.output
    assert "21 added" in result.stderr
    return path


def test_every_command_reads_a_sharded_index_as_one(sharded_samples, samples_index):
    # Agency copies are grouped per shard and not collapsed there (tests/test_sharded_limits.py):
    # searches compare with one index's --no-collapse.
    for args in (["search", "Hochwasser Passau", "--format", "json", "--snippets", "1",
                  "--no-collapse"],
                 ["search", "--person", "söder", "--format", "json", "--no-collapse"],
                 ["search", "Wahl", "--sort", "date", "--format", "json", "--no-collapse"],
                 ["search", "Hochwaser", "--format", "json", "--no-collapse"],
                 ["facets", "place", "--format", "json"],
                 ["facets", "person", "--prefix", "sö", "--format", "json"],
                 ["show", "002_hochwasser-passau", "--format", "json"]):
        one, many = _cli(samples_index, *args), _cli(sharded_samples, *args)
        assert one.exit_code == many.exit_code == 0, (args, many.output)
        a, b = json.loads(one.stdout), json.loads(many.stdout)
        for d in (a, b):
            d.pop("seconds", None)
        assert a == b, args
    stats = json.loads(_cli(sharded_samples, "stats", "--format", "json").stdout)
    single = json.loads(_cli(samples_index, "stats", "--format", "json").stdout)
    assert stats["shards"] == 3
    for key in ("articles", "date_from", "date_to", "sources", "distinct_persons",
                "distinct_places"):
        assert stats[key] == single[key], key
    check = json.loads(_cli(sharded_samples, "check", "--format", "json").stdout)
    assert check["ok"] and check["articles"] == 21
    similar = json.loads(_cli(sharded_samples, "similar", "002_hochwasser-passau",
                              "--format", "json").stdout)
    assert similar["hits"] and "002_hochwasser-passau" not in [h["id"] for h in similar["hits"]]


@pytest.fixture(scope="module")
def outlets_pair(tmp_path_factory):
    """(one index, the same as 3 shards) of tests/fixtures/outlets.jsonl and the samples:
    30 articles, outlets spelt two ways (``rheinblatt.de`` lands in shard 0,
    ``RHEINBLATT.DE`` in shard 1), dates by day, month and year and none."""
    base = tmp_path_factory.mktemp("outlets-sharded")
    one, many = base / "one", base / "many"
    for path, extra in ((one, []), (many, ["--shards", "3"])):
        result = _cli(path, "index", *extra, "--procs", "1", str(OUTLETS), str(SAMPLES))
        assert result.exit_code == 0, result.output
    assert {shard_of("o03_streit-oeffnungen", 3), shard_of("o05_soeder-disziplin", 3)} == \
        {0, 1}
    return one, many


def _same_answer(one, many, args):
    """Run a command on both indexes; assert the same exit code, stdout and stderr.

    Searches run with --no-collapse: a sharded index does not collapse agency copies."""
    if args[0] == "search":
        args = [*args, "--no-collapse"]
    a, b = _cli(one, *args), _cli(many, *args)
    assert a.exit_code == b.exit_code, (args, a.output, b.output)
    out_a, out_b = a.stdout, b.stdout
    if "json" in args and a.exit_code == 0:
        out_a, out_b = json.loads(out_a), json.loads(out_b)
        for d in (out_a, out_b):
            d.pop("seconds", None)
    assert out_a == out_b, args
    assert a.stderr.replace(str(one), "INDEX") == b.stderr.replace(str(many), "INDEX"), args
    return a


@pytest.mark.parametrize("args", [
    # Outlets: the filter (one outlet spelt two ways in two shards), the facet, errors.
    ["search", "Söder", "--source", "rheinblatt", "--format", "json"],
    ["search", "Söder", "--source", "RHEINBLATT.DE", "--format", "json"],
    ["search", "--source", "Märkischer Bote", "--source", "alpenpost", "--format", "json"],
    ["search", "Söder", "--person", "söder", "--source", "bote", "--facets", "2",
     "--format", "json"],
    ["search", "Laschet", "--since", "2020-04", "--until", "2020-05", "--format", "json"],
    ["search", "Ministerpräsident", "--format", "json", "--snippets", "1"],
    ["search", "Söder", "--source", "Tagesspiegel"],
    ["facets", "source", "--format", "json"],
    ["facets", "source", "Söder", "--format", "json"],
    ["facets", "source", "--prefix", "alp", "--format", "json"],
    ["facets", "source", "--prefix", "rhein", "--format", "csv"],
    # Timelines: every grouping, compared series, date bounds, quotes relaxed.
    ["timeline", "Söder", "--format", "json"],
    ["timeline", "Söder", "--by", "day", "--format", "json"],
    ["timeline", "Laschet", "--by", "week", "--format", "csv"],
    ["timeline", "Hochwasser", "--by", "year", "--format", "jsonl"],
    ["timeline", "--source", "bote", "--since", "2020", "--by", "month"],
    ["timeline", "--person", "Söder", "--person", "Laschet", "--compare", "--format", "json"],
    ["timeline", "--source", "rheinblatt", "--source", "bote", "--compare", "--by", "year",
     "--format", "json"],
    ["timeline", "Söder", "Laschet", "--compare", "--since", "2020-03", "--until",
     "2020-06", "--by", "week", "--format", "json"],
    ["timeline", '"Regeln Söder"', "--format", "json"],
    ["timeline", "Söder", "--source", "Niemandsland"],
    # Every hit, in one index's order.
    ["search", "--all", "Söder", "--format", "jsonl"],
    ["search", "--all", "Söder OR Wahl OR Hochwasser", "--format", "csv", "--no-bom"],
    ["search", "--all", "--source", "bote", "--format", "jsonl"],
    ["search", "--all", "Wahl", "--sort", "date-asc", "--format", "jsonl"],
    ["search", "--all", "Wann wurde gewählt?", "--format", "jsonl"],
    ["search", "--all", '"Söder verschärft"', "--format", "jsonl"],
    ["search", "--all", "Söder", "--source", "Niemandsland", "--format", "csv"],
], ids=lambda args: " ".join(args))
def test_outlets_timelines_and_every_hit_on_shards_equal_one_index(outlets_pair, args):
    _same_answer(*outlets_pair, args)


def test_the_answers_compared_are_not_empty(outlets_pair):
    one, many = outlets_pair
    page = json.loads(_same_answer(one, many, ["search", "Söder", "--source", "rheinblatt",
                                               "--format", "json"]).stdout)
    assert page["total"] == 2 and page["filters"]["source"] == ["RHEINBLATT.DE",
                                                                "rheinblatt.de"]
    assert [v["value"] for v in page["facets"]["dates"]] == ["2020-04", "2020-05"]
    timeline = json.loads(_same_answer(one, many, ["timeline", "--person", "Söder",
                                                   "--person", "Laschet", "--compare",
                                                   "--by", "year", "--format", "json"]).stdout)
    assert [s["label"] for s in timeline["series"]] == ["Markus Söder", "Armin Laschet"]
    assert all(sum(r["count"] for r in s["rows"]) > 1 for s in timeline["series"])
    lines = _same_answer(one, many, ["search", "--all", "Söder OR Wahl OR Hochwasser",
                                     "--format", "jsonl"]).stdout.splitlines()
    assert len(lines) > 5 and {json.loads(x)["id"][:1] for x in lines} >= {"o", "0"}


def test_every_hit_is_merged_from_the_shards_streams_as_it_is_read(outlets_pair,
                                                                  monkeypatch):
    import cluster.engine
    from search import Archive

    # Small batches: the merge crosses batches of every shard, and runs of tied scores.
    monkeypatch.setattr(cluster.engine, "STREAM_BATCH", 2)
    monkeypatch.setattr(cluster.engine, "HIT_BATCH", 3)
    one, many = (Archive(p) for p in outlets_pair)
    try:
        for q, opts in (("Söder OR Wahl OR Hochwasser", {}), ("Wahl", {"sort": "date"}),
                        (None, {"source": ["bote"], "since": "2020-03"}),
                        ("Wann wurde gewählt?", {})):
            a, b = list(one.iter_hits(q, **opts)), list(many.iter_hits(q, **opts))
            assert a == b and len(a) > 1, q
        # Tied scores come by article id, as the shards' pages are merged.
        page = many.search("*", limit=100, facets=0, snippets=0)
        assert [h["id"] for h in many.iter_hits("*", snippets=0)] == \
            [h["id"] for h in page["hits"]]
        shards = many.engine.shards.shards
        broad = "Söder OR Laschet OR Wahl OR Hochwasser OR Bayern OR Berlin"
        hits = many.iter_hits(broad, snippets=0)
        first = next(hits)
        total = many.search(broad, limit=0)["total"]
        read = sum(st.pos for s in shards for st in s._streams.values())
        assert first["rank"] == 1 and read < total / 2  # not every match read yet
        hits.close()
        assert not any(s._streams for s in shards)  # a reader stopping early closes them
        with pytest.raises(Exception, match="Niemand"):
            many.iter_hits("Söder", person=["Niemand Unbekannt"])  # at the call, not later
    finally:
        one.close()
        many.close()


def test_every_hit_read_past_a_new_commit_stops_with_a_message(tmp_path, monkeypatch):
    import cluster.engine
    from cluster.shard import StreamClosed
    from search import Archive

    src = tmp_path / "articles"
    src.mkdir()
    for n in range(6):
        (src / f"p{n}.txt").write_text(f"date 2024-05-0{n + 1} Pegel in Passau {n}\n\n"
                                       f"Der Pegel der Donau stieg auf {n} Meter.\n",
                                       encoding="utf-8")
    index = tmp_path / "index"
    assert _cli(index, "index", "--shards", "2", "--procs", "1", "--no-entities",
                str(src)).exit_code == 0
    monkeypatch.setattr(cluster.engine, "STREAM_BATCH", 1)
    monkeypatch.setattr(cluster.engine, "HIT_BATCH", 1)
    with Archive(index) as archive:
        hits = archive.iter_hits("Pegel", snippets=0)
        assert next(hits)["rank"] == 1
        (src / "p9.txt").write_text("date 2024-05-09 Pegel sinkt\n\nDer Pegel sinkt.\n",
                                    encoding="utf-8")
        assert _cli(index, "index", "--procs", "1", "--no-entities", str(src)).exit_code == 0
        archive.refresh()
        # Its document numbers may name other articles in the new commit: no wrong hits.
        with pytest.raises(StreamClosed, match="new commit"):
            list(hits)


def test_shell_completion_offers_a_sharded_indexs_names(outlets_pair):
    from test_completion import complete

    one, many = (str(p) for p in outlets_pair)
    for words in (["search", "--source", ""], ["timeline", "--source", "rh"],
                  ["search", "--person", "sö"]):
        a, b = complete("bash", words, one), complete("bash", words, many)
        assert a == b and a[0] == 0 and a[1], words


def test_the_web_library_serves_a_sharded_index(sharded_samples, samples_index):
    from web.adapter import Library

    many, one = Library(sharded_samples), Library(samples_index)
    many.warm()
    a, b = many.search("Hochwasser", person=["Söder"]), one.search("Hochwasser",
                                                                    person=["Söder"])
    assert a["hits"] == b["hits"] and a["total"] == b["total"] == 1
    assert many.article_count() == 21 and many.generation()
    many.close()
    one.close()


def test_errors_on_a_sharded_index_are_one_line(sharded_samples):
    missing = _cli(sharded_samples, "show", "no-such-article")
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    assert "no-such-article" in missing.stderr
    unknown = _cli(sharded_samples, "search", "--person", "Niemand Unbekannt")
    assert unknown.exit_code == 1 and "Niemand Unbekannt" in unknown.stderr
    other = _cli(sharded_samples, "index", "--shards", "2", str(SAMPLES))
    assert other.exit_code == 1 and "has 3 shards, not 2" in other.stderr


def test_updates_and_prune_reach_the_articles_shard(tmp_path):
    src = tmp_path / "articles"
    src.mkdir()
    for n in range(12):
        (src / f"a{n:02d}.txt").write_text(
            f"date 2024-05-{n + 1:02d} Hochwasser Meldung {n}\n\nDer Pegel in Passau "
            f"stieg auf {n} Meter.\n", encoding="utf-8")
    index = tmp_path / "index"
    assert _cli(index, "index", "--shards", "4", "--procs", "1", "--no-entities",
                str(src)).exit_code == 0
    (src / "a03.txt").write_text("date 2024-05-04 Neue Lage in Passau\n\nDer Pegel "
                                 "sinkt wieder.\n", encoding="utf-8")
    (src / "a07.txt").unlink()
    again = _cli(index, "index", "--prune", "--procs", "1", "--no-entities", str(src))
    assert again.exit_code == 0, again.output
    assert "0 added, 1 updated, 10 unchanged" in again.stderr and "1 pruned" in again.stderr
    hits = json.loads(_cli(index, "search", "Pegel", "--limit", "20",
                           "--format", "json").stdout)
    assert hits["total"] == 11 and "a07" not in [h["id"] for h in hits["hits"]]
    shown = json.loads(_cli(index, "show", "a03", "--format", "json").stdout)
    assert shown["title"] == "Neue Lage in Passau"
    # Each article lives in the shard its id routes to, once.
    from index.store import IndexStore
    m = Manifest.read(index)
    for k, path in enumerate(m.shard_paths()):
        with IndexStore.open(path).ix.searcher() as s:
            ids = [f["id"] for f in s.all_stored_fields()]
        assert len(ids) == len(set(ids)) and all(shard_of(i, 4) == k for i in ids)


def test_rebuild_keeps_the_shard_count_and_swaps_the_whole_folder(tmp_path):
    src = tmp_path / "articles"
    src.mkdir()
    for n in range(6):
        (src / f"b{n}.txt").write_text(f"date 2024-06-0{n + 1} Wahl in Bayern {n}\n\n"
                                       "Die Wahl in Bayern ist entschieden.\n",
                                       encoding="utf-8")
    index = tmp_path / "index"
    assert _cli(index, "index", "--shards", "2", "--procs", "1", "--no-entities",
                str(src)).exit_code == 0
    (src / "b5.txt").unlink()
    again = _cli(index, "index", "--rebuild", "--procs", "1", "--no-entities", str(src))
    assert again.exit_code == 0, again.output
    assert Manifest.read(index).shards == 2
    assert json.loads(_cli(index, "stats", "--format", "json").stdout)["articles"] == 5
    assert not list(tmp_path.glob("index.rebuild-*"))


# --- Dask: a real LocalCluster with worker processes -----------------------------------

@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_cluster_build_and_search_equal_the_in_process_ones(client, tmp_path,
                                                            sharded_samples):
    from cluster.archive import ShardedArchive
    from search import Archive

    path = tmp_path / "dask-index"
    summary = Archive.index(path, [SAMPLES], shards=3, cluster=client)
    assert (summary.added, summary.failed) == (21, 0)
    on_cluster = ShardedArchive(path, cluster=client)
    here = Archive(sharded_samples)
    try:
        for q, opts in (("Hochwasser Passau", {}), ("Wahl", {"sort": "date"}),
                        ("Raketenwerfer", {"limit": 2, "offset": 1}),
                        (None, {"person": ["söder"]})):
            a, b = here.search(q, **opts), on_cluster.search(q, **opts)
            assert a["hits"] == b["hits"] and a["facets"] == b["facets"], q
        assert on_cluster.article("002_hochwasser-passau")["title"] == \
            here.article("002_hochwasser-passau")["title"]
        # Issue 21's commands: the shards count and stream on the workers.
        for by in ("year", "week"):
            assert on_cluster.timeline("Wahl", by=by) == here.timeline("Wahl", by=by)
        assert on_cluster.timeline(["Hochwasser", "Wahl"], compare=True) == \
            here.timeline(["Hochwasser", "Wahl"], compare=True)
        every = list(on_cluster.iter_hits("Wahl OR Hochwasser", snippets=0))
        assert len(every) > 3 and every == list(here.iter_hits("Wahl OR Hochwasser",
                                                               snippets=0))
        assert on_cluster.facets("source") == here.facets("source")
        # The actors hold the shards on the workers, not in this process.
        workers = {w for w in client.scheduler_info()["workers"]}
        assert len(on_cluster.engine.shards.actors) == 3 and len(workers) == 2
    finally:
        on_cluster.close()
        here.close()


@pytest.mark.skipif(not FANG_300.exists(), reason="../shared FANG sample not present")
def test_a_worker_killed_mid_build_loses_and_doubles_nothing(client, tmp_path):
    from cluster.archive import ShardedArchive
    from cluster.dask import build_on_cluster
    from index.store import IndexStore

    m = Manifest.open_or_create(tmp_path / "index", 2)
    out = {}

    def build():
        out["summary"] = build_on_cluster(client, m.shard_paths(), [str(FANG_300)],
                                          client=client, entities=False,
                                          chunk_bytes=120_000)

    thread = threading.Thread(target=build)
    thread.start()
    pids = client.run(os.getpid)
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and thread.is_alive() and time.monotonic() < deadline:
        busy = {w: keys for w, keys in client.processing().items()
                if any(str(k).startswith("index-") for k in keys)}
        done = sum(1 for p in m.shard_paths() if os.path.exists(p))
        if busy and done:
            worker = sorted(busy)[0]
            os.kill(pids[worker], signal.SIGKILL)
            killed = worker
        time.sleep(0.05)
    thread.join(300)
    assert killed is not None, "the build ended before a worker could be killed"
    assert not thread.is_alive()
    summary = out["summary"]
    assert summary.failed == 0
    ids = []
    for k, path in enumerate(m.shard_paths()):
        store = IndexStore.open(path)
        with store.ix.searcher() as s:
            shard_ids = [f["id"] for f in s.all_stored_fields()]
        assert all(shard_of(i, 2) == k for i in shard_ids)
        ids += shard_ids
    assert len(ids) == len(set(ids)) == 300
    # Running it again finds everything there, unchanged.
    again = build_on_cluster(client, m.shard_paths(), [str(FANG_300)], client=client,
                             entities=False, chunk_bytes=120_000)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 300)
    archive = ShardedArchive(m.path)
    assert archive.check()["ok"] and archive.article_count() == 300


@pytest.mark.skipif(not FANG_300.exists(), reason="../shared FANG sample not present")
def test_a_workers_analysed_words_outlive_its_build_tasks(client, tmp_path):
    """Each build task starts with the words its worker's earlier tasks analysed, as an
    ordinary run's batches do (a cache emptied per task cost a quarter of a task)."""
    from cluster.build import plan_chunks
    from cluster.dask import WorkerState, build_on_cluster
    from index.analysis import WORD_RE
    from index.store import IndexStore

    m = Manifest.open_or_create(tmp_path / "index", 2)
    assert len(plan_chunks([str(FANG_300)], chunk_bytes=120_000)) >= 4
    summary = build_on_cluster(client, m.shard_paths(), [str(FANG_300)], client=client,
                               entities=False, chunk_bytes=120_000)
    assert summary.added == 300

    def cached(dask_worker):
        return set().union(*dask_worker.plugins[WorkerState.name].words.values())

    kept = set().union(*client.run(cached).values())
    titles = set()
    for path in m.shard_paths():
        with IndexStore.open(path).ix.searcher() as s:
            titles.update(w for f in s.all_stored_fields()
                          for w in WORD_RE.findall(f.get("title") or ""))
    assert len(titles) > 500
    assert titles <= kept  # every task's words stayed with its worker
