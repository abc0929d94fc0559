"""Where the user's curation of persons and places lives in an index folder, and how it is
written: one small text file (read and applied by :mod:`search.curation`), replaced whole
under a lock, and carried over when ``--rebuild`` swaps in a fresh index.

It sits in ``index`` because the rebuild swap must carry the file over, and ``index``
never imports ``search``.
"""

import contextlib
import fcntl
import os
import shutil

#: The curation file in the index folder (tab-separated, one entry a line).
CURATION_FILE = "curation.tsv"
#: Held (flock) while the curation file is rewritten, and by a rebuild around its swap.
CURATION_LOCK = "curation.lock"


def curation_path(index_path):
    """The curation file of the index at ``index_path``."""
    return os.path.join(str(index_path), CURATION_FILE)


@contextlib.contextmanager
def curation_lock(index_path):
    """Hold the index folder's curation lock.

    A rebuild swaps the folder away while a writer may wait for the lock: after
    getting it, the writer checks that its lock file is still the one in the folder
    at ``index_path``, and waits again on the new one if not.
    """
    lock_path = os.path.join(str(index_path), CURATION_LOCK)
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(lock_path))
            except FileNotFoundError:
                same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        os.close(fd)  # closing releases the flock


def write_curation(index_path, text):
    """Replace the curation file with ``text``, whole or not at all (the caller holds the lock)."""
    path = curation_path(index_path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def carry_over_curation(old_index, new_index):
    """Copy the curation file of ``old_index`` into ``new_index`` (nothing without one).

    Called under :func:`curation_lock` of ``old_index`` just before the rebuild's swap,
    so no curation written meanwhile is lost.
    """
    src = curation_path(old_index)
    if os.path.isfile(src):
        dst = curation_path(new_index)
        tmp = f"{dst}.{os.getpid()}.tmp"
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
