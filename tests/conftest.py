"""Shared fixtures: the hand-written test corpus indexed once per session."""

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "000_d78a48386e0168e9.txt"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory):
    """Path of an index holding the 13 test-corpus articles, with entities."""
    from index.build import index_paths

    path = tmp_path_factory.mktemp("corpus") / "index"
    summary = index_paths(str(path), [str(CORPUS)])
    assert summary.added == 13 and summary.failed == 0, summary
    return str(path)


@pytest.fixture(scope="session")
def samples_index(tmp_path_factory):
    """Path of an index holding the 21 bundled sample articles, with entities."""
    from index.build import index_paths

    path = tmp_path_factory.mktemp("samples") / "index"
    summary = index_paths(str(path), [str(SAMPLES)])
    assert summary.added == 21 and summary.failed == 0, summary
    return str(path)


@pytest.fixture(scope="session")
def engine(corpus_index):
    from search import SearchEngine

    with SearchEngine(corpus_index) as e:
        yield e


def corpus_sentences():
    """Sentences of the test corpus, to make long German text from."""
    out = []
    for p in sorted(CORPUS.glob("*.txt")):
        body = p.read_text(encoding="utf-8").split("\n", 2)[2]
        out.extend(s.strip() + "." for s in body.replace("\n", " ").split(". ") if s.strip())
    return out


def ids(results):
    """The article ids of a result page, in rank order."""
    return [h.id for h in results.hits]


@pytest.fixture
def write_article(tmp_path):
    """Write a plain-text article file and return its path."""

    def write(name, header, body, folder=None):
        folder = folder or tmp_path
        os.makedirs(folder, exist_ok=True)
        p = pathlib.Path(folder) / name
        p.write_text(f"{header}\n\n{body}\n", encoding="utf-8")
        return p

    return write


OUTLETS = ROOT / "tests" / "fixtures" / "outlets.jsonl"


@pytest.fixture(scope="session")
def outlets_index(tmp_path_factory):
    """Path of an index of tests/fixtures/outlets.jsonl: 9 articles written for the tests,
    from three outlets (one spelt two ways), dated by day, time, month and year or not at
    all, naming Markus Söder and Armin Laschet."""
    from index.build import index_paths

    path = tmp_path_factory.mktemp("outlets") / "index"
    summary = index_paths(str(path), [str(OUTLETS)])
    assert summary.added == 9 and summary.failed == 0, summary
    return str(path)
