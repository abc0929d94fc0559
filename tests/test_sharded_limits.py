"""What a sharded index does not offer yet says so in one line, and collapsing is off there.

Agency-copy groups are made within a shard, and co-occurrence and saved searches read one
index's facet columns and commit log (NOTES.md, "Sharded index and Dask").
"""

import json

import pytest
from click.testing import CliRunner

from conftest import SAMPLES


def _cli(index, *args):
    from cli import main

    return CliRunner().invoke(main, ["--index", str(index), *args])


@pytest.fixture(scope="module")
def two_shards(tmp_path_factory):
    path = tmp_path_factory.mktemp("limits") / "index"
    result = _cli(path, "index", "--shards", "2", "--procs", "1", str(SAMPLES))
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize("args, what", [
    (["cooccurrence", "--place", "Bayern"], "cooccurrence"),
    (["watch", "add", "hochwasser", "Hochwasser"], "watch"),
    (["watch", "list"], "watch"),
    (["watch", "run"], "watch"),
])
def test_what_shards_lack_is_named_in_one_line(two_shards, args, what):
    result = _cli(two_shards, *args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"{what} is not available on the sharded index" in result.stderr
    assert str(two_shards) in result.stderr


def test_a_sharded_search_lists_every_copy(two_shards, samples_index):
    one = json.loads(_cli(samples_index, "search", "Hochwasser", "--no-collapse",
                          "--format", "json").stdout)
    many = _cli(two_shards, "search", "Hochwasser", "--format", "json")
    assert many.exit_code == 0, many.output
    many = json.loads(many.stdout)
    assert many["groups"] is None
    assert [h["id"] for h in many["hits"]] == [h["id"] for h in one["hits"]]
