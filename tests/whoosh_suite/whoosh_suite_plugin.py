"""Pytest plugin for Whoosh's own test suite: our codec and writer as Whoosh's defaults.

Loaded only into the pytest process that ``tools/whoosh_suite.py`` starts over
Whoosh 2.7.4's ``tests/`` (``-p whoosh_suite_plugin``). With
``FUNDSTELLE_WHOOSH_CODEC=codec`` it makes ``whoosh.codec.default_codec`` give our
``CompactCodec`` (Whoosh's own writers then write and merge with it); with ``compact``
``FileIndex.writer()`` also gives our ``BufferedSegmentWriter``, the writer of an
indexing run; with ``stock`` Whoosh stays as it is. Either way
it writes each test's outcome, and the exception of a failure, to the JSON file
named by ``FUNDSTELLE_WHOOSH_OUTCOMES``.
"""

import json
import os

import pytest

MODE = os.environ.get("FUNDSTELLE_WHOOSH_CODEC", "stock")
_OUTCOMES = {}


def _install(our_writer):
    import whoosh.codec
    import whoosh.index

    from index.codec import CompactCodec
    from index.pipeline import BufferedSegmentWriter

    def default_codec(*args, **kwargs):
        return CompactCodec(*args, **kwargs)

    stock_writer = whoosh.index.FileIndex.writer

    def writer(self, procs=1, **kwargs):
        if procs > 1:  # Whoosh's MpWriter, its sub-writers with our codec
            return stock_writer(self, procs=procs, **kwargs)
        return BufferedSegmentWriter(self, **kwargs)

    whoosh.codec.default_codec = default_codec
    if our_writer:
        whoosh.index.FileIndex.writer = writer


def pytest_configure(config):
    if MODE in ("codec", "compact"):
        _install(our_writer=MODE == "compact")
    elif MODE != "stock":
        raise pytest.UsageError("FUNDSTELLE_WHOOSH_CODEC must be stock, codec or compact, "
                                f"not {MODE}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or report.failed:
        error = None
        if call.excinfo is not None and report.failed:
            exc = call.excinfo.value
            error = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"[:500]
        previous = _OUTCOMES.get(item.nodeid)
        if previous is None or previous["outcome"] == "passed":
            _OUTCOMES[item.nodeid] = {"outcome": report.outcome, "error": error}


def pytest_sessionfinish(session):
    path = os.environ.get("FUNDSTELLE_WHOOSH_OUTCOMES")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"mode": MODE, "tests": _OUTCOMES}, f, indent=1, sort_keys=True)
