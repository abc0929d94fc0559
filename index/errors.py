"""Domain exceptions. The CLI turns each into one clear message; the library never prints."""


class FundstelleError(Exception):
    """Base of every error Fundstelle reports to a user."""


class IndexNotFound(FundstelleError):
    """No index at the given path."""

    def __init__(self, path, reason="no index there"):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class StaleIndex(FundstelleError):
    """The index was written by another analyzer version and must be rebuilt."""

    def __init__(self, path, key, found, expected):
        self.path, self.key, self.found, self.expected = str(path), key, found, expected
        super().__init__(f"{self.path}: {key} is {found!r}, this Fundstelle needs {expected!r}")


class IndexLocked(FundstelleError):
    """Another indexing run holds the index."""

    def __init__(self, path, info=None):
        self.path = str(path)
        self.info = info or {}
        super().__init__(f"{self.path} is locked by another indexing run")


class IndexWriteFailed(FundstelleError):
    """Writing to the index failed; what was committed before is kept.

    ``committed`` is the number of articles the index holds at its last commit
    (None when it could not be counted); ``rebuild`` says the failed run was a
    rebuild, which leaves the old index as it was.
    """

    def __init__(self, path, reason, committed=None, rebuild=False):
        self.path = str(path)
        self.reason = reason
        self.committed = committed
        self.rebuild = rebuild
        super().__init__(path, reason)

    def __str__(self):
        return f"{self.path}: could not write the index: {self.reason}"


class DiskFull(IndexWriteFailed):
    """The file system holding the index has no space left (or the user's quota is used up)."""

    def __init__(self, path, reason="No space left on device", committed=None, rebuild=False):
        super().__init__(path, reason, committed, rebuild)


class OutOfMemory(IndexWriteFailed):
    """An indexing process ran out of memory. ``where`` names it ("worker process 1234")."""

    def __init__(self, path, where, detail="", committed=None, rebuild=False):
        self.where = where
        reason = f"{where} ran out of memory" + (f" ({detail})" if detail else "")
        super().__init__(path, reason, committed, rebuild)


class WorkerFailed(IndexWriteFailed):
    """An indexing worker process failed or was killed; nothing of its batch was committed.

    ``where`` names the worker ("worker process 1234"); ``signal`` is the name of
    the signal that killed it ("SIGKILL"), or "" when it failed with an error.
    """

    def __init__(self, path, where, what, signal="", committed=None, rebuild=False):
        self.where = where
        self.what = what
        self.signal = signal
        super().__init__(path, f"{where} {what}", committed, rebuild)


class ArticleError(FundstelleError):
    """One input file or line could not be read as an article.

    ``source`` names the file, ``line`` the JSON Lines line (or None).
    """

    def __init__(self, source, problem, line=None):
        self.source = str(source)
        self.problem = problem
        self.line = line
        where = f"{self.source}:{line}" if line is not None else self.source
        super().__init__(f"{where}: {problem}")


class ArticleNotFound(FundstelleError):
    """No article with the given id in the index."""


class NoEntityModel(FundstelleError):
    """No person/place model is installed."""

    def __init__(self):
        super().__init__("no entity model is installed")


class ModelFormatError(FundstelleError, ValueError):
    """An entity model file that is no crfsuite crf1d model this reader understands."""


def __getattr__(name):
    """``QueryError`` and ``EmptyQuery`` live in ``search.errors`` now; old imports still work."""
    if name in ("QueryError", "EmptyQuery"):
        from search import errors  # only for callers of the old path: index never needs it
        return getattr(errors, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
