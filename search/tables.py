"""CSV for the investigation commands: RFC 4180 quoting, UTF-8, a header row.

No byte-order mark: the output is for pipes and tools (pandas, networkx, Gephi)
first, which read a BOM as part of the first column's name; LibreOffice asks
for the encoding on import, and Excel opens UTF-8 CSV without one through
Data → From Text/CSV.
"""

import csv
import io


def csv_text(header, rows):
    """``header`` and ``rows`` as CSV text (``\\r\\n`` line ends, as RFC 4180 has them).

    >>> csv_text(["name", "count"], [("Söder, Markus", 3)])
    'name,count\\r\\n"Söder, Markus",3\\r\\n'
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def cooccurrence_csv(result):
    """:meth:`search.Archive.cooccurrence`'s result as an edge list for a network tool."""
    from search.cooccurrence import edge_rows
    return csv_text(["source", "target", "count", "score"], edge_rows(result))


def watch_csv(result):
    """:meth:`search.Archive.watch_run`'s result: one row a new hit."""
    rows = []
    for watch in result["watches"]:
        for hit in watch["hits"]:
            snippet = hit["snippets"][0]["text"] if hit["snippets"] else ""
            rows.append((watch["name"], hit["rank"], hit["id"], hit["date"] or "",
                         hit["source"], hit["title"], hit["url"], hit["added"] or "",
                         "; ".join(hit["persons"]), "; ".join(hit["places"]),
                         hit["score"], " ".join(snippet.split())))
    return csv_text(["watch", "rank", "id", "date", "source", "title", "url", "added",
                     "persons", "places", "score", "snippet"], rows)
