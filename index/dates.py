"""Publication dates at the precision an article gives them (year, month, day or time).

Its own module, so that searching (date filters, the dates of hits) does not load the
readers of :mod:`index.ingest`; ``index.ingest.ArticleDate`` names the same class.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR_RE = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class ArticleDate:
    """A publication date at the precision it was given: year, month, day or time.

    ``lo`` and ``hi`` are the first and last day it covers as ``YYYYMMDD``
    integers, so a month-only date matches a filter on any day of its month.

    >>> d = ArticleDate.parse("2023-09")
    >>> d.display, d.lo, d.hi
    ('2023-09', 20230901, 20230930)
    """

    value: str
    precision: str
    lo: int
    hi: int

    @property
    def display(self):
        """The date as a reader should see it: day precision at most."""
        return self.value[:10]

    @classmethod
    def parse(cls, text):
        """Parse ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or an ISO 8601 timestamp.

        Raises ValueError with a readable reason.
        """
        text = str(text).strip()
        m = _YEAR_RE.match(text)
        if m:
            year = int(m.group(1))
            return cls(text, "year", year * 10000 + 101, year * 10000 + 1231)
        m = _MONTH_RE.match(text)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if not 1 <= month <= 12:
                raise ValueError(f"month {month:02d} does not exist in {text!r}")
            last = calendar.monthrange(year, month)[1]
            base = year * 10000 + month * 100
            return cls(text, "month", base + 1, base + last)
        try:
            if len(text) == 10:
                day = datetime.date.fromisoformat(text)
                precision = "day"
            else:
                day = datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
                precision = "time"
        except ValueError:
            raise ValueError(f"{text!r} is not a date (expected YYYY-MM, YYYY-MM-DD "
                             "or an ISO 8601 timestamp)") from None
        n = day.year * 10000 + day.month * 100 + day.day
        return cls(text, precision, n, n)
