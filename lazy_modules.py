"""Demand loading for the ``fundstelle`` process: heavy modules it rarely uses load on first use.

A search as a new process pays for every module its imports pull in, used or not:
``whoosh.compat`` imports ``urllib.request`` (and with it ``http.client``, ``email``
and ``ssl``) for a download helper no search calls, Click imports ``uuid`` for a
parameter type. :func:`install` puts a finder first on ``sys.meta_path`` that hands
the modules of a named list (:data:`CLI_MODULES`) to a lazy loader, as Mercurial's
``demandimport`` does with :class:`importlib.util.LazyLoader`: the import binds a
module object at once and runs the module's code on its first attribute access.

Only the console entry point (:func:`main`) installs it; ``import cli`` (tests, the
web server, scripts) imports everything as usual. No third-party module is changed:
a module of the list is only executed later. Where a module is imported with
``from M import NAME`` (``whoosh.compat`` takes ``urlretrieve`` that way), the list
names NAME and the import binds a function that loads M and calls M.NAME.

Differences from :class:`importlib.util.LazyLoader` of Python 3.11: the first
access is locked (3.12's fix: two threads could see a half-run module), and
``__spec__`` is answered without loading, so a second ``import M`` elsewhere (the
import system reads ``M.__spec__``) leaves M unloaded until it is used.
"""

import gc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import types

#: What the command line loads on demand: module → the names that ``from module
#: import name`` statements take from it before it is used.
CLI_MODULES = {
    # whoosh.compat: `from urllib.request import urlretrieve` (http.client, email, ssl).
    "urllib.request": ("urlretrieve",),
    # whoosh.query.terms: `from whoosh.lang.morph_en import variations`, for English
    # word variations (the Variations query), which Fundstelle does not use.
    "whoosh.lang.morph_en": ("variations",),
    # whoosh.util.times: month lengths when parsing dates (calendar imports locale).
    "calendar": (),
}


def install(modules=CLI_MODULES):
    """Load ``modules`` ({name: names taken by ``from name import ...``}) on first use
    from now on in this process. Modules already imported stay as they are."""
    for finder in sys.meta_path:
        if isinstance(finder, _LazyFinder):
            finder.modules.update(modules)
            return finder
    finder = _LazyFinder(modules)
    sys.meta_path.insert(0, finder)
    return finder


def is_loaded(module):
    """Whether ``module`` has run its code (always True for a module imported eagerly)."""
    return type(module) is not _LazyModule


#: Thread counts of the BLAS libraries NumPy may load, set to 1 unless given. NumPy's
#: OpenBLAS starts a thread per core when NumPy is imported, and these wait spinning:
#: about 100 CPU-ms of every command on two cores, for BLAS work Fundstelle does not
#: do (only the CRF's matrix products of a few labels; Dask's nanny sets the same
#: three variables to 1 in its workers).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def main():
    """Console entry point: ``cli.run()`` with :data:`CLI_MODULES` loaded on demand.

    BLAS threads (:data:`BLAS_THREADS`) are set to 1 before NumPy loads. The
    garbage collector is off while the command line's modules load, and what they
    made is then frozen (:func:`gc.freeze`): modules live as long as the process, and
    a full collection over their 30,000 objects takes ~20 ms here. When the command
    is done, what it made is frozen too: the interpreter's exit then skips the
    collections over it (~30 ms after a search on a large index; the process's memory
    goes back to the system anyway). A command's own cycles are collected as usual.
    """
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")
    install()
    gc.disable()
    try:
        from cli import run
    finally:
        gc.freeze()
        gc.enable()
    try:
        return run()
    finally:
        gc.freeze()


class _LazyFinder:
    """Finds a listed module with the other finders and wraps its loader in a lazy one
    (a meta path finder; not derived from importlib.abc, which imports 15 ms of
    modules through importlib.resources)."""

    def __init__(self, modules):
        self.modules = dict(modules)

    def find_spec(self, name, path, target=None):
        if name not in self.modules:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        # Extension modules and packages are loaded as usual: a package's submodules are
        # found through its __path__, and an extension is initialised when it is created.
        if spec.submodule_search_locations is not None \
                or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return spec
        spec.loader = _LazyLoader(spec.loader, self.modules[name])
        return spec


class _LazyLoader(importlib.util.LazyLoader):
    """LazyLoader whose module is a :class:`_LazyModule` (locked, ``__spec__`` free)."""

    def __init__(self, loader, from_names=()):
        super().__init__(loader)
        self.from_names = frozenset(from_names)

    def exec_module(self, module):
        module.__spec__.loader = self.loader
        module.__loader__ = self.loader
        module.__spec__.loader_state = {
            "__dict__": module.__dict__.copy(),
            "__class__": module.__class__,
            "lock": threading.RLock(),
            "is_loading": False,
            "from_names": self.from_names,
        }
        module.__class__ = _LazyModule


class _LazyModule(types.ModuleType):
    """A module whose code runs on the first access to one of its attributes."""

    def __getattribute__(self, attr):
        spec = object.__getattribute__(self, "__spec__")
        if attr == "__spec__":
            return spec
        if attr == "__path__":  # only plain modules are lazy, never packages
            raise AttributeError(attr)
        state = spec.loader_state
        if attr in state["from_names"] and type(self) is _LazyModule:
            return _forwarder(self, attr)
        with state["lock"]:
            if object.__getattribute__(self, "__class__") is _LazyModule:
                cls = state["__class__"]
                if state["is_loading"]:  # the module's own code, or an import cycle
                    return cls.__getattribute__(self, attr)
                state["is_loading"] = True
                attrs = cls.__getattribute__(self, "__dict__")
                then = state["__dict__"]
                # Set while lazy (a submodule bound by its import): kept over the load.
                kept = {k: v for k, v in attrs.items() if k not in then or v is not then[k]}
                spec.loader.exec_module(self)
                if sys.modules.get(spec.name, self) is not self:
                    raise ValueError(f"module object for {spec.name!r} substituted in "
                                     "sys.modules during a lazy load")
                attrs.update(kept)
                self.__class__ = cls
        return getattr(self, attr)

    def __delattr__(self, attr):
        self.__getattribute__(attr)
        delattr(self, attr)


def _forwarder(module, name):
    """A function that loads ``module`` and calls its ``name``: what ``from module import
    name`` binds while ``module`` is lazy."""

    def forward(*args, **kwargs):
        module.__dict__  # noqa: B018 -- runs the module's code
        return getattr(module, name)(*args, **kwargs)

    forward.__name__ = forward.__qualname__ = name
    return forward
