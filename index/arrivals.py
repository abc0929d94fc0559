"""When each article first came into the index: the commit that added it, kept across rebuilds.

Saved searches (:mod:`search.watch`) show what was *added* since they last ran,
whatever the article's own date: an old article indexed today is new to the
reader. Every commit that adds articles gets the next number of a counter (its
*arrival*), and each added article keeps the arrival of the commit that first
added it; replacing an article's text does not make it new again.

The file (``arrivals-v1.pickle`` in the index folder) is rewritten whole after
each commit. A run that finds articles without an arrival (one that ended
between a commit and this file) gives them a new arrival: they were added last.
An index without the file (built before arrivals were kept) starts with every
article at arrival 0. ``fundstelle index --rebuild`` copies the file into the
fresh index first, so a rebuild keeps every article's arrival.

>>> arrivals = Arrivals.load("fundstelle-index")   # doctest: +SKIP
>>> arrivals.of("fang-12")                         # doctest: +SKIP
3
"""

import os
import pickle
import shutil
import time

FILE = "arrivals-v1.pickle"
#: The saved searches of :mod:`search.watch`, kept in the index folder and carried
#: over by a rebuild.
WATCHES_FILE = "watches.json"


class Arrivals:
    """Article id → arrival number, with the time of each arrival."""

    def __init__(self, ids=None, times=None, last=0, found=False):
        #: id → arrival number
        self.ids = ids if ids is not None else {}
        #: arrival number → ISO time of its commit
        self.times = times if times is not None else {}
        #: The newest arrival number given.
        self.last = last
        #: Whether the file existed.
        self.found = found
        self._pending = []

    @classmethod
    def load(cls, path):
        """The arrivals kept in the index folder ``path`` (empty when there are none)."""
        try:
            with open(os.path.join(str(path), FILE), "rb") as f:
                data = pickle.load(f)
            return cls(data["ids"], data["times"], data["last"], found=True)
        except (OSError, EOFError, pickle.UnpicklingError, KeyError, TypeError,
                AttributeError):
            return cls()

    def of(self, article_id):
        """The arrival of ``article_id`` (None when it has none yet)."""
        return self.ids.get(article_id)

    def time_of(self, arrival):
        """The ISO time of an arrival's commit (None for arrival 0: before they were kept)."""
        return self.times.get(arrival)

    def adopt(self, present):
        """Give the ids of ``present`` that have no arrival one: 0 when there was no file
        (the index was built before arrivals were kept), else a new arrival."""
        missing = [i for i in present if i not in self.ids]
        if not missing:
            return
        if not self.found:
            for article_id in missing:
                self.ids[article_id] = 0
        else:
            self._pending.extend(missing)
            self.commit()

    def add(self, article_id):
        """Note an article added in the batch being written (kept by :meth:`commit`)."""
        if article_id not in self.ids:
            self._pending.append(article_id)

    def remove(self, article_id):
        """Forget a deleted article."""
        self.ids.pop(article_id, None)

    def commit(self):
        """Give the articles noted since the last commit the next arrival."""
        if not self._pending:
            return
        self.last += 1
        self.times[self.last] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        for article_id in self._pending:
            self.ids.setdefault(article_id, self.last)
        self._pending = []

    def keep_only(self, present):
        """Drop the ids not in ``present`` (a rebuild's input no longer holds them)."""
        self.ids = {i: a for i, a in self.ids.items() if i in present}

    def save(self, path):
        """Write the file, whole or not at all; a read-only folder goes without."""
        target = os.path.join(str(path), FILE)
        tmp = f"{target}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as f:
                pickle.dump({"ids": self.ids, "times": self.times, "last": self.last}, f,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
            self.found = True
        except OSError:
            try:
                os.remove(tmp)
            except OSError:
                pass


def carry_over_arrivals(old_index, fresh_index):
    """Copy the arrivals of ``old_index`` into a fresh index folder being built from scratch."""
    carry_over_file(old_index, fresh_index, FILE)


def carry_over_file(old_index, fresh_index, name):
    """Copy the file ``name`` of ``old_index`` (if any) into ``fresh_index``, atomically."""
    source = os.path.join(str(old_index), name)
    if os.path.isfile(source):
        os.makedirs(str(fresh_index), exist_ok=True)
        target = os.path.join(str(fresh_index), name)
        shutil.copyfile(source, target + ".tmp")
        os.replace(target + ".tmp", target)
