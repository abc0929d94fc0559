"""Many queries in one process: JSON Lines in, one answer per line out, in order.

Each input line is ``{"id": ..., "text": "..."}``. Its answer is the search's JSON
object (:meth:`SearchResults.to_dict`, the same as ``--format json``) with the ``id`` in
front, or, when that query fails, ``{"id": ..., "line": N, "error": {"kind": ...,
"message": ...}}``. A failing line never ends the run: every line is answered.

>>> from search import SearchEngine                                  # doctest: +SKIP
>>> with SearchEngine("fundstelle-index") as engine:                 # doctest: +SKIP
...     for answer in run_batch(engine, open("queries.jsonl", "rb")):
...         print(answer["id"], answer.get("total"), answer.get("error"))
"""

import json

from search.errors import BadBatchLine, FundstelleError, error_kind

#: The ``error.kind`` of a failure that is a bug in Fundstelle, not in the query.
INTERNAL = "internal"


def read_line(raw, line_no):
    """The ``(id, text)`` of one batch line (bytes or str); raise BadBatchLine.

    >>> read_line(b'{"id": 7, "text": "Lehrer"}', 1)
    (7, 'Lehrer')
    """
    try:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        item = json.loads(raw)
    except UnicodeDecodeError:
        raise BadBatchLine(line_no, "not UTF-8 text") from None
    except RecursionError:  # "[[[[…" a few thousand deep
        raise BadBatchLine(line_no, "not JSON (nested too deep)") from None
    except ValueError as exc:
        problem = "empty line" if not raw.strip() else f"not JSON ({getattr(exc, 'msg', exc)})"
        raise BadBatchLine(line_no, f'{problem}; expected {{"id": ..., "text": "..."}}') \
            from None
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise BadBatchLine(line_no, 'expected {"id": ..., "text": "..."} with text a string')
    return item.get("id"), item["text"]


def error_answer(qid, line_no, exc, describe=str):
    """The answer line of a failed query: its id, line number and the error's kind and message."""
    if isinstance(exc, FundstelleError):
        kind, message = error_kind(exc), describe(exc)
    else:
        kind = INTERNAL
        message = (f"unexpected {type(exc).__name__}: {exc}. This is a bug in Fundstelle; "
                   "please report it with the query")
    return {"id": qid, "line": line_no, "error": {"kind": kind, "message": message}}


def answer(engine, qid, text, line_no=None, describe=str, **options):
    """One query's answer line: the search's JSON object with ``id`` first, or an error line.

    ``options`` are :meth:`SearchEngine.search`'s keywords. Any failure, a bug
    included, becomes an error line (``kind`` :data:`INTERNAL` for a bug).
    """
    try:
        results = engine.search(text, **options)
    except Exception as exc:  # every line gets an answer, whatever went wrong
        return error_answer(qid, line_no, exc, describe)
    return {"id": qid, **results.to_dict()}


def run_batch(engine, lines, describe=str, skip_blank=False, **options):
    """Answer each line of ``lines`` (JSON Lines, bytes or str), yielding one dict per line.

    Blank and malformed lines are answered too (``kind`` ``bad_line``), so the
    n-th answer always belongs to the n-th line. ``describe(exc)`` words an
    error's message (the CLI adds its option names); ``options`` go to
    :meth:`SearchEngine.search`. With ``skip_blank``, blank lines get no answer
    (the web API's batch); line numbers still count them.
    """
    for line_no, raw in enumerate(lines, 1):
        if skip_blank and not raw.strip():
            continue
        try:
            qid, text = read_line(raw, line_no)
        except BadBatchLine as exc:
            yield error_answer(None, line_no, exc, describe)
            continue
        yield answer(engine, qid, text, line_no, describe, **options)


def failed(answer_line):
    """True for an error line."""
    return "error" in answer_line
