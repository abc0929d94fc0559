r"""Tables out: search hits, facet values and timelines as CSV for spreadsheets.

RFC 4180 through the :mod:`csv` module: a header row, fields quoted when they hold a
comma, quote or line break, records ending in CRLF, UTF-8. A UTF-8 byte order mark
comes first unless ``bom=False``: Excel reads a CSV file without one as the
machine's legacy code page (``Söder`` becomes ``SÃ¶der``), while LibreOffice,
Python (``encoding="utf-8-sig"``) and pandas read it either way.

Article text is data from outside: a field starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return would be run as a formula by a spreadsheet, so
such text fields get a leading ``'`` (OWASP's advice on CSV injection); numbers
are written as they are.

>>> list(csv_lines(["period", "count"], [["2020-03", 2]], bom=False))
['period,count\r\n', '2020-03,2\r\n']
"""

import csv
import io

from search.render import clean_terminal

BOM = "\ufeff"
#: The columns of ``fundstelle search --format csv``, one row a hit.
SEARCH_COLUMNS = ["rank", "id", "date", "source", "title", "url", "persons", "places",
                  "score", "snippet"]
#: How several persons or places share one field.
LIST_SEPARATOR = "; "
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_lines(header, rows, bom=True):
    """The CSV records of ``header`` and ``rows`` (lists of values), one string each.

    A generator: rows are written as they come, so an export of every hit is
    never held whole.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def record(values):
        writer.writerow(values)
        out = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return out

    yield (BOM if bom else "") + record(header)
    for row in rows:
        yield record([_cell(v) for v in row])


def _cell(value):
    """A value as a CSV field: text cleaned of control characters and kept from being
    read as a formula; numbers and None (empty) as they are.

    >>> _cell("=HYPERLINK(1)"), _cell("-5 Grad"), _cell(-5), _cell("Söder"), _cell(None)
    ("'=HYPERLINK(1)", "'-5 Grad", -5, 'Söder', '')
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    value = clean_terminal(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def search_row(hit):
    """The CSV row of a hit (a dict of ``search --format json``): :data:`SEARCH_COLUMNS`,
    names joined by ``; ``, the first snippet as plain text (no match markers)."""
    snippets = hit.get("snippets") or []
    snippet = " ".join(snippets[0]["text"].split()) if snippets else ""
    return [hit["rank"], hit["id"], hit["date"], hit["source"], hit["title"], hit["url"],
            LIST_SEPARATOR.join(hit["persons"]), LIST_SEPARATOR.join(hit["places"]),
            hit["score"], snippet]


def search_csv(hits, bom=True):
    """CSV records of hits (dicts, an iterable: may be a stream of every hit)."""
    return csv_lines(SEARCH_COLUMNS, (search_row(h) for h in hits), bom=bom)


def facets_csv(data, bom=True):
    """CSV records of a facet listing (``facets --format json``'s dict): value, count."""
    return csv_lines(["value", "count"],
                     ([v["value"], v["count"]] for v in data["values"]), bom=bom)


def timeline_csv(data, bom=True):
    """CSV records of a timeline (``timeline --format json``'s dict).

    One series: ``period,count``. Compared series: ``period`` and one count column
    a series, named by its label (a spreadsheet charts the columns side by side).
    """
    series = data["series"]
    if not data.get("compare"):
        rows = series[0]["rows"] if series else []
        return csv_lines(["period", "count"], ([r["period"], r["count"]] for r in rows),
                         bom=bom)
    periods = [r["period"] for r in series[0]["rows"]] if series else []
    columns = [[r["count"] for r in s["rows"]] for s in series]
    return csv_lines(["period"] + [s["label"] for s in series],
                     ([p] + [c[i] for c in columns] for i, p in enumerate(periods)), bom=bom)


def cooccurrence_csv(data, bom=True):
    """CSV records of :meth:`search.Archive.cooccurrence`'s result as an edge list
    (``source,target,count,score``) that Gephi and networkx read."""
    from search.cooccurrence import edge_rows
    return csv_lines(["source", "target", "count", "score"], edge_rows(data), bom=bom)


def watch_csv(data, bom=True):
    """CSV records of :meth:`search.Archive.watch_run`'s result: one row a new hit."""
    def rows():
        for watch in data["watches"]:
            for hit in watch["hits"]:
                snippet = hit["snippets"][0]["text"] if hit["snippets"] else ""
                yield [watch["name"], hit["rank"], hit["id"], hit["date"], hit["source"],
                       hit["title"], hit["url"], hit["added"],
                       LIST_SEPARATOR.join(hit["persons"]), LIST_SEPARATOR.join(hit["places"]),
                       hit["score"], " ".join(snippet.split())]
    return csv_lines(["watch", "rank", "id", "date", "source", "title", "url", "added",
                      "persons", "places", "score", "snippet"], rows(), bom=bom)


def timeline_jsonl(data):
    """A timeline's rows as JSON Lines objects: ``{period, count}``, with ``series`` (its
    label) in front when series are compared."""
    for s in data["series"]:
        for r in s["rows"]:
            yield ({"series": s["label"], **r} if data.get("compare") else dict(r))
