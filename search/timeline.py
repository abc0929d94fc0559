"""Mentions over time: matching articles counted per day, ISO week, month or year.

Every article's date is read once per commit into a :class:`DateColumn` (its
first day as ``YYYYMMDD`` and its precision), cached in the index folder
(``dates-v1-<generation>.pickle``). An article dated only by month counts in its
month and year but not in a day or week; one dated only by year only in its
year; the timeline says how many were left out of a finer grouping, and why.

>>> from search import Archive                                   # doctest: +SKIP
>>> t = Archive("fundstelle-index").timeline("Hochwasser", by="year")  # doctest: +SKIP
>>> [(r["period"], r["count"]) for r in t["series"][0]["rows"]]  # doctest: +SKIP
[('2023', 0), ('2024', 2)]
"""

import calendar
import datetime

import numpy as np

from index.dates import ArticleDate
from search.errors import BadOption
from search.results import FacetValue

#: Groupings of ``--by``, finest first.
GROUPINGS = ("day", "week", "month", "year")
#: The cache file's name in the index folder; change the version when DateColumn changes.
DATE_CACHE = "dates-v1"
#: Precision codes of :class:`DateColumn`.
UNDATED, YEAR, MONTH, DAY = 0, 1, 2, 3
#: The precision an article's date needs to be counted in each grouping.
NEEDS = {"day": DAY, "week": DAY, "month": MONTH, "year": YEAR}
#: At most this many periods in one timeline (a day-by-day century is a mistake).
MAX_PERIODS = 50_000
_EPOCH = datetime.date(1970, 1, 1)
_ADJECTIVE = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}


class DateColumn:
    """Per document number: the first day of its date (``YYYYMMDD``, 0 for none) and
    the date's precision (:data:`UNDATED`, :data:`YEAR`, :data:`MONTH` or :data:`DAY`).

    ``date_lo`` is a column of the index; ``date_hi`` is not, but only a date on the
    first of a month can be a month or a year, so its precision is read from the
    postings of the few ``date_hi`` values that end such months and years.
    """

    def __init__(self, lo, precision):
        self.lo = np.asarray(lo, dtype=np.uint32)
        self.precision = np.asarray(precision, dtype=np.uint8)
        self._hi = None

    def __len__(self):
        return len(self.lo)

    def __getstate__(self):  # ``hi`` is made again from these when asked for
        return {"lo": self.lo.tobytes(), "precision": self.precision.tobytes()}

    def __setstate__(self, state):
        self._hi = None
        self.lo = np.frombuffer(state["lo"], dtype=np.uint32)
        self.precision = np.frombuffer(state["precision"], dtype=np.uint8)

    @property
    def hi(self):
        """The last day of each date (``YYYYMMDD``, 0 for none): the month's or year's
        last for a month or year, as the index's ``date_hi``."""
        if getattr(self, "_hi", None) is None:
            lo = self.lo.astype(np.int64)
            year, month = lo // 10000, lo // 100 % 100
            start = (np.maximum(year, 1) - 1970).astype("datetime64[Y]").astype(
                "datetime64[M]") + (np.maximum(month, 1) - 1)
            month_end = ((start + 1).astype("datetime64[D]") - 1).astype(object)
            hi = lo.copy()
            months = self.precision == MONTH
            hi[months] = [year[i] * 10000 + month[i] * 100 + month_end[i].day
                          for i in np.flatnonzero(months)]
            hi[self.precision == YEAR] = year[self.precision == YEAR] * 10000 + 1231
            self._hi = hi
        return self._hi

    def in_range(self, since=None, until=None):
        """A boolean array over the documents: True where the date overlaps [since,
        until], as :func:`search.query.date_filter` selects (undated ones never)."""
        from search.query import _filter_date

        keep = self.lo > 0
        if since:
            keep &= self.hi >= _filter_date("since", since).lo
        if until:
            keep &= self.lo <= _filter_date("until", until).hi
        return keep

    @classmethod
    def load(cls, engine):
        """The column of the engine's commit: from the index folder's cache, else built
        (and cached; a read-only folder goes without)."""
        reader = engine.searcher.reader()
        cached = engine.store.read_cache(DATE_CACHE, reader.generation())
        if isinstance(cached, cls) and len(cached) == reader.doc_count_all():
            return cached
        column = cls.from_reader(reader, engine.searcher.schema)
        engine.store.write_cache(DATE_CACHE, reader.generation(), column)
        return column

    @classmethod
    def from_reader(cls, reader, schema):
        """Build the column from ``date_lo``'s column and a few ``date_hi`` postings."""
        n = reader.doc_count_all()
        lo = np.fromiter(reader.column_reader("date_lo"), dtype=np.uint32, count=n)
        precision = np.where(lo > 0, DAY, UNDATED).astype(np.uint8)
        field = schema["date_hi"]
        for first in np.unique(lo[(lo % 100) == 1]).tolist():
            year, month = divmod(first // 100, 100)
            ends = [(MONTH, first - 1 + calendar.monthrange(year, month)[1])]
            if month == 1:
                ends.append((YEAR, year * 10000 + 1231))
            for code, end in ends:
                docs = _postings(reader, field, end)
                if len(docs):
                    docs = docs[lo[docs] == first]
                    precision[docs] = code
        return cls(lo, precision)


def _postings(reader, field, value):
    """The document numbers with ``value`` in the NUMERIC field ``date_hi`` (no deletions)."""
    term = field.to_bytes(value)
    try:
        ids = reader.postings("date_hi", term).all_ids()
    except Exception:  # TermNotFound: no article ends there
        return np.zeros(0, dtype=np.int64)
    return np.fromiter(ids, dtype=np.int64)


# ---------------------------------------------------------------- periods

def period_index(lo, by):
    """Consecutive integers numbering the periods of the ``YYYYMMDD`` dates ``lo``.

    Days count from 1970-01-01; ISO weeks (Monday to Sunday) from the week of
    1969-12-29; months as year × 12 + month − 1.

    >>> [period_label(int(i), "week") for i in period_index(np.array([20201231, 20210103]), "week")]
    ['2020-W53', '2020-W53']
    """
    lo = np.asarray(lo, dtype=np.int64)
    year, month, day = lo // 10000, lo // 100 % 100, lo % 100
    if by == "year":
        return year
    if by == "month":
        return year * 12 + month - 1
    days = ((year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1)) \
        .astype("datetime64[D]") + (day - 1)
    days = days.astype(np.int64)
    if by == "day":
        return days
    return (days + 3) // 7  # 1970-01-01 was a Thursday


def period_label(index, by):
    """The name of period ``index`` (:func:`period_index`): ``2020``, ``2020-03``,
    ``2020-W12`` (ISO week) or ``2020-03-16``.

    >>> period_label(2020 * 12 + 2, "month"), period_label(18337, "day")
    ('2020-03', '2020-03-16')
    """
    if by == "year":
        return f"{index:04d}"
    if by == "month":
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    if by == "day":
        return (_EPOCH + datetime.timedelta(days=index)).isoformat()
    iso = (_EPOCH + datetime.timedelta(days=7 * index - 3)).isocalendar()
    return f"{iso[0]:04d}-W{iso[1]:02d}"


def _bound(value, by, last):
    """The period of a ``--since`` (first day) or ``--until`` (last day) date."""
    date = ArticleDate.parse(str(value))
    return int(period_index(np.array([date.hi if last else date.lo]), by)[0])


# ---------------------------------------------------------------- counting

def count_periods(column, docnums, by):
    """(period indexes of the countable articles, left-out counts) for ``docnums``."""
    if by not in GROUPINGS:
        raise BadOption("by", by, f"use one of {', '.join(GROUPINGS)}")
    docnums = np.asarray(docnums, dtype=np.int64)
    precision = column.precision[docnums]
    countable = precision >= NEEDS[by]
    left_out = {"month_only": int(np.count_nonzero(precision[~countable] == MONTH)),
                "year_only": int(np.count_nonzero(precision[~countable] == YEAR)),
                "undated": int(np.count_nonzero(precision == UNDATED))}
    return period_index(column.lo[docnums[countable]], by), left_out


def tally(periods):
    """``{period index: articles}`` of an array of period indexes.

    >>> tally(np.array([24242, 24240, 24242]))
    {24240: 1, 24242: 2}
    """
    values, counts = np.unique(np.asarray(periods, dtype=np.int64), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist()))


def period_counts(engine, query, by, *, since=None, until=None, person=(), place=(),
                  source=()):
    """One series of a timeline counted: ``{"periods": {period index: articles},
    "left_out", "total", "filters", "relaxed_query"}`` (``SearchEngine.period_counts``;
    a sharded index sums its shards' counts, :class:`cluster.engine.ShardedEngine`)."""
    matches = engine.matching(query, since=since, until=until, person=person, place=place,
                              source=source)
    periods, left_out = count_periods(engine.date_column(), matches.docnums, by)
    return {"periods": tally(periods), "left_out": left_out, "total": len(matches),
            "filters": matches.filters, "relaxed_query": matches.relaxed_query}


def timeline(engine, queries=(), *, by="month", since=None, until=None, person=(), place=(),
             source=(), compare=False):
    """Matching articles per period: ``fundstelle timeline --format json``'s dict.

    ``queries`` is a list of query strings (at most one without ``compare``). With
    ``compare``, each value of an option given several times (``queries``,
    ``person``, ``place``, ``source``) is a series of its own, and the options
    given once filter every series; when none is given several times, every value
    is a series. All series share one range of periods: from the first matching
    article (or ``since``) to the last (or ``until``), empty periods counted 0.
    """
    if by not in GROUPINGS:
        raise BadOption("by", by, f"use one of {', '.join(GROUPINGS)}")
    queries = [q for q in (queries or ()) if q and q.strip()]
    specs = series_specs(queries, list(person or ()), list(place or ()),
                         list(source or ()), compare)
    counted = []
    for spec in specs:
        counts = engine.period_counts(spec["query"], by, since=since, until=until,
                                      person=spec["person"], place=spec["place"],
                                      source=spec["source"])
        counted.append((spec, counts))
    found = [c["periods"] for _, c in counted if c["periods"]]
    start = _bound(since, by, last=False) if since else \
        (min(min(p) for p in found) if found else None)
    end = _bound(until, by, last=True) if until else \
        (max(max(p) for p in found) if found else None)
    start = end if start is None else start
    end = start if end is None else end
    if start is not None and end - start + 1 > MAX_PERIODS:
        raise BadOption("by", by, f"that makes {end - start + 1:,} periods; group by a "
                                  "longer period or narrow the dates")
    labels = [period_label(i, by) for i in range(start, end + 1)] if start is not None \
        else []
    series, notes = [], []
    for spec, c in counted:
        periods, left_out, total = c["periods"], c["left_out"], c["total"]
        label = _label(spec, c["filters"])
        out = {"label": label, "kind": spec["kind"], "total": total,
               "counted": sum(periods.values()), "left_out": left_out,
               "rows": [{"period": p, "count": periods.get(i, 0)}
                        for i, p in enumerate(labels, start or 0)]}
        if c["relaxed_query"]:
            out["relaxed_query"] = c["relaxed_query"]
        series.append(out)
        note = left_out_note(left_out, by, total)
        if note:
            notes.append(f"{label}: {note}" if compare else note)
    return {"by": by, "compare": bool(compare),
            "query": queries if compare else (queries[0] if queries else None),
            "filters": {"person": list(person or ()), "place": list(place or ()),
                        "source": list(source or ()), "since": since, "until": until},
            "from": labels[0] if labels else None, "to": labels[-1] if labels else None,
            "series": series, "notes": notes}


def series_specs(queries, person, place, source, compare):
    """The series of a timeline: one dict each (``kind``, ``query``, ``person``, …)."""
    given = {"query": queries, "person": person, "place": place, "source": source}
    if not compare:
        if len(queries) > 1:
            raise BadOption("query", " ".join(queries), "give one query (quote several "
                            "words), or compare several with --compare")
        return [{"kind": "all", "query": queries[0] if queries else None,
                 "person": person, "place": place, "source": source}]
    compared = [k for k, v in given.items() if len(v) > 1] or \
        [k for k, v in given.items() if v]
    if sum(len(given[k]) for k in compared) < 2:
        raise BadOption("compare", "", "it needs two or more values of --person, --place, "
                                       "--source or QUERY, one series each")
    specs = []
    for kind in compared:
        for value in given[kind]:
            spec = {k: ([] if k in compared else list(v)) for k, v in given.items()
                    if k != "query"}
            spec["query"] = None if "query" in compared else (queries[0] if queries else None)
            if kind == "query":
                spec["query"] = value
            else:
                spec[kind] = [value]
            spec["kind"] = kind
            specs.append(spec)
    return specs


def _label(spec, filters):
    """A series' name: the compared value as resolved (``Markus Söder`` for ``söder``)."""
    kind = spec["kind"]
    if kind == "query":
        return spec["query"]
    if kind in ("person", "place", "source"):
        return ", ".join(filters[kind])
    parts = ([spec["query"]] if spec["query"] else []) + filters["person"] + \
        filters["place"] + filters["source"]
    return " · ".join(parts) or "all articles"


def left_out_note(left_out, by, total):
    """Why some matching articles are not in a timeline's periods, or None.

    >>> left_out_note({"month_only": 2, "year_only": 0, "undated": 1}, "week", 40)
    '3 of 40 articles are not in the weekly counts: 2 are dated only by month (--by month counts them), 1 has no date.'
    """
    parts = []
    if left_out["month_only"]:
        n = left_out["month_only"]
        parts.append(f"{n} {'is' if n == 1 else 'are'} dated only by month "
                     "(--by month counts them)")
    if left_out["year_only"]:
        n = left_out["year_only"]
        parts.append(f"{n} {'is' if n == 1 else 'are'} dated only by year "
                     "(--by year counts them)")
    if left_out["undated"]:
        n = left_out["undated"]
        parts.append(f"{n} {'has' if n == 1 else 'have'} no date")
    if not parts:
        return None
    n = sum(left_out.values())
    return (f"{n} of {total} article{'s' if total != 1 else ''} "
            f"{'is' if n == 1 else 'are'} not in the {_ADJECTIVE[by]} counts: "
            + ", ".join(parts) + ".")


def month_facet(column, docnums, since=None, until=None):
    """The ``dates`` facet of a search: articles per month (:class:`FacetValue` a month,
    ``YYYY-MM``), from the first matching month to the last, empty months 0.

    Year-only dates are left out. With a date filter, the months it covers are
    ``selected``.
    """
    return month_values(month_counts(column, docnums), since, until)


def month_counts(column, docnums):
    """``{month period index: articles}`` of ``docnums`` (year-only dates left out)."""
    return tally(count_periods(column, docnums, "month")[0])


def month_values(counts, since=None, until=None):
    """:func:`month_facet`'s list from ``{month period index: articles}`` (summed over
    the shards of a sharded index)."""
    if not counts:
        return []
    start, end = min(counts), max(counts)
    counts = [counts.get(i, 0) for i in range(start, end + 1)]
    lo = _bound(since, "month", last=False) if since else None
    hi = _bound(until, "month", last=True) if until else None
    chosen = since is not None or until is not None
    return [FacetValue(period_label(start + i, "month"), int(c),
                       chosen and (lo is None or start + i >= lo)
                       and (hi is None or start + i <= hi))
            for i, c in enumerate(counts)]


# ---------------------------------------------------------------- text

_EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(value, most, width):
    """A horizontal bar of ``value`` out of ``most`` in ``width`` cells, in eighths.

    >>> bar(3, 4, 4), bar(1, 100, 4), bar(0, 4, 4)
    ('███', '▏', '')
    """
    if most <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / most))
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def render_timeline_text(data, width=80, style=None):
    """A timeline (:func:`timeline`'s dict) as bar charts: a row a period, bars scaled
    to ``width`` columns (one scale for all series), the count beside each bar."""
    from search.render import clean_terminal

    style = style or (lambda kind, text: text)
    rows = [r for s in data["series"] for r in s["rows"]]
    most = max((r["count"] for r in rows), default=0)
    period_w = max((len(r["period"]) for r in rows), default=4)
    count_w = max((len(f"{r['count']:,}") for r in rows), default=1)
    bar_w = max(width - period_w - count_w - 3, 10)
    lines = []
    for s in data["series"]:
        if lines:
            lines.append("")
        noun = "article" if s["total"] == 1 else "articles"
        head = f"{clean_terminal(s['label'])}: {s['total']:,} {noun}, by {data['by']}"
        if s.get("relaxed_query"):
            head += f" (without the quotes: {clean_terminal(s['relaxed_query'])})"
        lines.append(style("title", head))
        if not s["rows"]:
            lines.append(style("meta", "  no dated article matches"))
        for r in s["rows"]:
            chart = bar(r["count"], most, bar_w)
            lines.append(f"{r['period']:<{period_w}} {chart:<{bar_w}} {r['count']:>{count_w},}")
    for note in data["notes"]:
        lines.append(style("warn", clean_terminal(note)))
    return "\n".join(lines)

