"""Errors of querying: each names the query part or filter at fault and what is allowed.

Messages speak of the query and the search's options (``since``, ``person``), never of
command-line flags or of Whoosh: the CLI turns the attributes into its own words and
next steps. ``kind`` is a short stable name for scripts (the ``error.kind`` of a
``--batch`` line).
"""

import re

from index.errors import ArticleNotFound, FundstelleError

__all__ = ["FundstelleError", "ArticleNotFound", "QueryError", "EmptyQuery", "QueryTooLong",
           "QuerySyntaxError", "OnlyExcludes", "UnsupportedField", "UnsupportedRange",
           "BadDate", "BadOption", "AmbiguousName", "UnknownName", "BadBatchLine",
           "ParameterError", "NotOnShards", "ServeError", "user_message", "STEPS", "error_kind", "quoted", "cut",
           "QUERY_FIELDS", "DATE_FORMS"]

#: The fields a query may name (``title:Söder``); plain words search both.
QUERY_FIELDS = ("title", "body")
#: How a date is written wherever one is asked for.
DATE_FORMS = "YYYY, YYYY-MM or YYYY-MM-DD"
#: Index fields that hold dates, persons and places: filters, not query words.
FILTER_FIELDS = {"date": "date", "date_lo": "date", "date_hi": "date",
                 "persons": "person", "places": "place"}


class QueryError(FundstelleError):
    """A query string or a search option could not be understood."""

    kind = "query"


class EmptyQuery(QueryError):
    """A query that has nothing left to search for after analysis."""

    kind = "empty_query"


class QueryTooLong(QueryError):
    """A query with more words than are searched."""

    kind = "too_long"

    def __init__(self, words, limit):
        self.words, self.limit = words, limit
        super().__init__(f"the query has {words} words; at most {limit} are searched. "
                         "Shorten it to its key words")


class QuerySyntaxError(QueryError):
    """A query whose syntax could not be read (the parser's own reason is not shown)."""

    kind = "syntax"

    def __init__(self, text):
        self.text = text
        super().__init__(f"could not understand the query {quoted(text)}; check its quotes, "
                         "brackets and operators (AND, OR, NOT), or search the words without "
                         "them")


class UnsupportedField(QueryError):
    """A ``field:`` part naming a field that cannot be searched in a query.

    ``filter`` is ``"date"``, ``"person"`` or ``"place"`` when the field holds what
    a search filter selects, else None.
    """

    kind = "field"

    def __init__(self, part, field):
        self.part, self.field = part, field
        self.filter = FILTER_FIELDS.get(field)
        allowed = " and ".join(f"{f}:" for f in QUERY_FIELDS)
        if self.filter == "date":
            why = ("dates are a filter, not query words: give a start and an end date "
                   f"({DATE_FORMS}) as the search's date filter")
        elif self.filter:
            why = f"{self.filter}s are a filter, not query words: filter by {self.filter}"
        else:
            why = f"there is no such field (to search it as words, quote it: \"{cut(part)}\")"
        super().__init__(f"the query part {quoted(part)} names the field {field!r}: {why}. "
                         f"A query can name the fields {allowed} (plain words search both)")


class UnsupportedRange(QueryError):
    """A range (``[a TO b]``, ``{a TO b}``) in a query: words have no order to search by."""

    kind = "range"

    def __init__(self, part, field=None, complete=True):
        self.part, self.field, self.complete = part, field, complete
        self.filter = FILTER_FIELDS.get(field)
        what = "a range" if complete else "part of a range (braces make ranges: {a TO b})"
        super().__init__(f"the query part {quoted(part)} is {what}; a query cannot search "
                         "ranges. A date range is the search's date filter: a start and an "
                         f"end date, each {DATE_FORMS}")


class OnlyExcludes(QueryError):
    """A query whose every word is negated: it says what not to find, but not what to find."""

    kind = "only_excludes"

    def __init__(self, text):
        self.text = text
        super().__init__(f"the query {quoted(text)} only excludes words; say what to find "
                         "as well (e.g. 'Corona NOT Impfung')")


class BadDate(QueryError):
    """A date filter that is not a date; ``which`` is ``"since"`` or ``"until"``."""

    kind = "date"

    def __init__(self, which, value, reason=None):
        self.which, self.value = which, value
        self.reason = reason or f"{value!r} is not a date"
        super().__init__(f"bad date filter: {which} {value!r}: {self.reason}; "
                         f"write a date as {DATE_FORMS}")


class BadOption(QueryError):
    """A search option out of its range (a sort order, a negative limit)."""

    kind = "option"

    def __init__(self, option, value, allowed):
        self.option, self.value, self.allowed = option, value, allowed
        super().__init__(f"{option} {value!r} is not allowed; {allowed}")


class AmbiguousName(FundstelleError):
    """A person or place filter that fits several names in the index."""

    kind = "ambiguous_name"

    def __init__(self, kind, name, candidates):
        self.facet, self.name, self.candidates = kind, name, candidates
        shown = ", ".join(f"{c} ({n})" for c, n in candidates[:8])
        more = f" and {len(candidates) - 8} more" if len(candidates) > 8 else ""
        super().__init__(f"the {kind} {name!r} could mean: {shown}{more}; "
                         f"give the full name, e.g. \"{candidates[0][0]}\"")


class UnknownName(FundstelleError):
    """A person or place filter that fits no name in the index."""

    kind = "unknown_name"

    def __init__(self, kind, name, close=()):
        self.facet, self.name, self.close = kind, name, list(close)
        hint = f" Did you mean: {', '.join(self.close)}?" if self.close else ""
        super().__init__(f"no {kind} {name!r} in the index.{hint}")


class BadBatchLine(FundstelleError):
    """A line of a query batch that is not a query object."""

    kind = "bad_line"

    def __init__(self, line, problem):
        self.line, self.problem = line, problem
        super().__init__(f"line {line}: {problem}")


class NotOnShards(FundstelleError):
    """A feature a sharded index does not offer yet (it needs the whole archive in one place)."""

    kind = "not_on_shards"

    def __init__(self, what, path):
        self.what, self.path = what, path
        super().__init__(f"{what} is not available on the sharded index {path} yet; "
                         f"use it on an ordinary (one-shard) index of the same articles")


class ServeError(FundstelleError):
    """The web server cannot start as asked (no token off this machine, a port in use)."""

    kind = "serve"


def error_kind(exc):
    """The ``kind`` of an error: its class's, else the class name in snake case.

    >>> error_kind(EmptyQuery("x")), error_kind(ArticleNotFound("a1"))
    ('empty_query', 'article_not_found')
    """
    kind = getattr(type(exc), "kind", None)
    if isinstance(kind, str):
        return kind
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def quoted(text, limit=60):
    """A query or a part of one quoted for a message, cut to ``limit`` characters.

    >>> quoted("Lehrer " * 20, limit=20)
    "'Lehrer Lehrer Lehre…'"
    """
    return repr(cut(text, limit))


def cut(text, limit=60):
    """``text`` cut to ``limit`` characters, with ``…`` where it was cut."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


class ParameterError(QueryError):
    """A request parameter that is missing, malformed or out of range (the web API's)."""

    kind = "parameter_error"


#: The library's next steps, by the key a caller may reword (``steps`` of :func:`user_message`).
STEPS = {
    "create_index": "Index articles into it first",
    "check_index": "Check it to see what is wrong",
    "rebuild_index": "Rebuild it from the articles",
    "wait_lock": "Wait for it to finish, or wait longer for the lock",
    "list_ids": "A search shows the ids",
    "list_names": "The facet counts list the names",
    "less_memory": "Use fewer worker processes or smaller batches",
    "install_model": "Reinstall Fundstelle, or train the model again",
    "report_bug": "This is a bug in Fundstelle; run again with FUNDSTELLE_DEBUG=1 for the "
                  "details and report them",
}


def user_message(exc, *, index=None, option="{}", steps=None):
    """One line for a person: what went wrong with ``exc`` and what to do next.

    The one mapping from a domain exception to its message; the command line
    and the web page both call it. In the library's words an option is named
    by its keyword (``since``) and next steps name no command; a caller
    rewords them: ``option`` formats an option's name (the command line
    passes ``"--{}"``), ``steps`` replaces texts of :data:`STEPS` (``{exc}``
    in them is the exception). ``index`` is the index folder, for errors that
    do not carry it.

    >>> user_message(BadDate("since", "2020-13", "month 13"))
    "bad date filter: since '2020-13': month 13; write a date as YYYY, YYYY-MM or YYYY-MM-DD."
    """
    from index.errors import (IndexLocked, IndexNotFound, IndexWriteFailed, NoEntityModel,
                              StaleIndex)

    def o(name):
        return option.format(name)

    def step(key):
        return ((steps or {}).get(key) or STEPS[key]).format(exc=exc)

    if isinstance(exc, IndexNotFound):
        if exc.reason == "no index there":
            return f"no index in {exc.path}. {step('create_index')}."
        return f"the index in {exc.path} {exc.reason}. {step('check_index')}."
    if isinstance(exc, StaleIndex):
        return (f"the index in {exc.path} was built by another version of Fundstelle "
                f"({exc.key} {exc.found!r}, this one needs {exc.expected!r}). "
                f"{step('rebuild_index')}.")
    if isinstance(exc, IndexLocked):
        info = exc.info
        who = ""
        if info.get("pid"):
            host = f" on {info['host']}" if info.get("host") else ""
            who = f" (process {info['pid']}{host}, since {info.get('since', '?')})"
        return f"another indexing run holds the index in {exc.path}{who}. {step('wait_lock')}."
    if isinstance(exc, IndexWriteFailed):
        return _write_failure(exc, step)
    if isinstance(exc, NoEntityModel):
        return f"{exc}. {step('install_model')}."
    if isinstance(exc, ArticleNotFound):
        where = f" in {index}" if index else ""
        return f"no article with id {exc.args[0]!r}{where}. {step('list_ids')}."
    dates = f"{o('since')} DATE and/or {o('until')} DATE ({DATE_FORMS})"
    fields = " or ".join(f"{f}:WORD" for f in QUERY_FIELDS)
    if isinstance(exc, UnsupportedField):
        hint = {"date": f"filter dates with {dates}",
                "person": f"filter by person with {o('person')} NAME",
                "place": f"filter by place with {o('place')} NAME",
                None: f"no such field (to search it as words, quote it: \"{cut(exc.part)}\")"
                }[exc.filter]
        return (f"the query part {quoted(exc.part)} names the field {exc.field!r}: "
                f"{hint}. A query can search {fields}; plain words search both.")
    if isinstance(exc, UnsupportedRange):
        what = "a range" if exc.complete else "part of a range (braces make ranges: {a TO b})"
        return (f"the query part {quoted(exc.part)} is {what}; a query cannot "
                f"search ranges. For a date range use {dates}.")
    if isinstance(exc, BadDate):
        return (f"bad date filter: {o(exc.which)} {exc.value!r}: {exc.reason}; "
                f"write a date as {DATE_FORMS}.")
    if isinstance(exc, BadOption):
        return f"{o(exc.option)} {exc.value!r} is not allowed; {exc.allowed}."
    if isinstance(exc, AmbiguousName):
        shown = ", ".join(f"{c} ({n})" for c, n in exc.candidates[:8])
        more = f" and {len(exc.candidates) - 8} more" if len(exc.candidates) > 8 else ""
        return (f"{o(exc.facet)} {exc.name!r} could mean: {shown}{more}; give the full "
                f"name, e.g. {o(exc.facet)} \"{exc.candidates[0][0]}\".")
    if isinstance(exc, UnknownName):
        return f"{exc} {step('list_names')}."
    return f"{exc}."


def _write_failure(exc, step):
    """The message for an indexing run that failed: what, where, what is kept, what next."""
    from index.errors import DiskFull, OutOfMemory, WorkerFailed

    if exc.rebuild:
        kept = "The rebuild was abandoned; the index is unchanged"
        again = "run the same command again"
    else:
        kept = "The index is intact at its last commit"
        again = ("run the same command again: it resumes where the last commit left off "
                 "and skips the unchanged articles")
    if exc.committed is not None:
        kept += f", with {exc.committed:,} article{'s' if exc.committed != 1 else ''}"
    if isinstance(exc, DiskFull):
        return (f"could not write the index in {exc.path}: {exc.reason}. {kept}. Free space "
                f"on the disk that holds {exc.path}, then {again}.")
    if isinstance(exc, OutOfMemory):
        return (f"indexing into {exc.path} stopped: {exc.reason}. {kept}. "
                f"{step('less_memory')}, then {again}.")
    if isinstance(exc, WorkerFailed):
        if exc.signal:
            return (f"indexing into {exc.path} stopped: {exc.reason}. {kept}. If nothing "
                    f"stopped it on purpose, {again}.")
        return f"indexing into {exc.path} stopped: {exc.reason}. {kept}. {step('report_bug')}."
    return (f"could not write the index in {exc.path}: {exc.reason}. {kept}. Fix the cause, "
            f"then {again}.")
