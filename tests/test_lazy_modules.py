"""Demand loading (lazy_modules): listed modules run on first use; the command line is unchanged.

Each test runs a fresh interpreter: installing the finder changes ``sys.meta_path``
for the rest of a process.
"""

import json
import subprocess
import sys
import textwrap

import pytest

import lazy_modules
from conftest import ROOT

# A module that says when its code runs, for the tests below to import lazily.
GRUSS = '''
import os
LOG = os.environ["GRUSS_LOG"]
with open(LOG, "a", encoding="utf-8") as f:
    f.write("geladen\\n")
ANREDE = "Grüß Gott"
def gruss(name):
    return f"{ANREDE}, {name}!"
'''


def _python(code, tmp_path, **env):
    (tmp_path / "gruss_modul.py").write_text(GRUSS, encoding="utf-8")
    log = tmp_path / "log.txt"
    log.write_text("", encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, cwd=ROOT, env={**_env(), "GRUSS_LOG": str(log),
                                                   "PYTHONPATH": str(tmp_path), **env})
    assert out.returncode == 0, out.stderr
    return out.stdout, log.read_text(encoding="utf-8")


def _env():
    import os
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_a_listed_module_runs_on_its_first_attribute_access(tmp_path):
    out, log = _python('''
        import lazy_modules
        lazy_modules.install({"gruss_modul": ()})
        import gruss_modul
        import gruss_modul as again  # a second import reads __spec__ only
        print(lazy_modules.is_loaded(gruss_modul), again is gruss_modul,
              gruss_modul.__spec__.name)
        print(open(__import__("os").environ["GRUSS_LOG"]).read().count("geladen"))
        print(gruss_modul.gruss("Frau Müller"), lazy_modules.is_loaded(gruss_modul))
    ''', tmp_path)
    assert out.splitlines() == ["False True gruss_modul", "0", "Grüß Gott, Frau Müller! True"]
    assert log == "geladen\n"


def test_from_import_of_a_listed_name_binds_a_function_that_loads_on_call(tmp_path):
    out, log = _python('''
        import os, lazy_modules
        lazy_modules.install({"gruss_modul": ("gruss",)})
        from gruss_modul import gruss
        print(open(os.environ["GRUSS_LOG"]).read().count("geladen"), gruss.__name__)
        print(gruss("Herr Öztürk"))
        from gruss_modul import ANREDE  # a name not listed: loads at once (already here)
        print(ANREDE)
    ''', tmp_path)
    assert out.splitlines() == ["0 gruss", "Grüß Gott, Herr Öztürk!", "Grüß Gott"]
    assert log == "geladen\n"


def test_a_name_bound_while_lazy_survives_the_load_and_threads_load_it_once(tmp_path):
    out, log = _python('''
        import threading, lazy_modules
        lazy_modules.install({"gruss_modul": ()})
        import gruss_modul
        gruss_modul.BEIGEFUEGT = "bleibt"  # as the import system binds a submodule
        seen = []
        threads = [threading.Thread(target=lambda: seen.append(gruss_modul.ANREDE))
                   for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(gruss_modul.BEIGEFUEGT, sorted(set(seen)), len(seen))
    ''', tmp_path)
    assert out.splitlines() == ["bleibt ['Grüß Gott'] 8"]
    assert log == "geladen\n"


def test_without_install_nothing_is_lazy(tmp_path):
    out, log = _python('''
        import lazy_modules, gruss_modul
        print(lazy_modules.is_loaded(gruss_modul))
    ''', tmp_path)
    assert out.split() == ["True"] and log == "geladen\n"


@pytest.mark.parametrize("args", [["search", "Bundestag", "--format", "json"],
                                  ["search", "Hochwasser Passau"],
                                  ["facets", "place", "--limit", "5"]])
def test_the_entry_point_prints_what_cli_prints_without_loading_the_web_modules(
        samples_index, tmp_path, args):
    argv = ["fundstelle", "--index", samples_index, *args]
    check = '''
        import atexit, json, sys, lazy_modules
        def report():
            seen = {n: (n in sys.modules and lazy_modules.is_loaded(sys.modules[n]))
                    for n in ("urllib.request", "http.client", "email.message", "ssl")}
            sys.stderr.write("LOADED " + json.dumps(seen) + "\\n")
        atexit.register(report)
        sys.argv = %r
        from %s import %s
        sys.exit(%s())
    '''
    lazy = subprocess.run([sys.executable, "-c", textwrap.dedent(
        check % (argv, "lazy_modules", "main", "main"))], capture_output=True, text=True,
        cwd=ROOT)
    eager = subprocess.run([sys.executable, "-c", textwrap.dedent(
        check % (argv, "cli", "run", "run"))], capture_output=True, text=True, cwd=ROOT)
    assert lazy.returncode == eager.returncode == 0, lazy.stderr + eager.stderr
    assert lazy.stdout == eager.stdout and lazy.stdout.strip()
    if "--format" in args:
        json.loads(lazy.stdout)
    loaded = json.loads(lazy.stderr.split("LOADED ", 1)[1])
    assert loaded == {"urllib.request": False, "http.client": False, "email.message": False,
                      "ssl": False}
    assert json.loads(eager.stderr.split("LOADED ", 1)[1])["http.client"] is True


def test_the_console_script_is_the_lazy_entry_point():
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    assert "fundstelle = lazy_modules:main" in cfg["options.entry_points"]["console_scripts"]
    assert "lazy_modules" in cfg["options"]["py_modules"]


def _entry_point_state(samples_index, env):
    """Run a search through the console entry point; report the process's BLAS setting,
    its threads once NumPy is loaded, and the collector's state after the command."""
    check = '''
        import atexit, gc, json, os, sys, lazy_modules
        def report():
            sys.stderr.write("STATE " + json.dumps({
                "blas": os.environ.get("OPENBLAS_NUM_THREADS"),
                "numpy": "numpy" in sys.modules,
                "threads": len(os.listdir("/proc/self/task")),
                "gc_enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}) + "\\n")
        atexit.register(report)
        sys.argv = ["fundstelle", "--index", %r, "search", "Bundestag", "--format", "json"]
        sys.exit(lazy_modules.main())
    ''' % samples_index
    base = {k: v for k, v in _env().items() if k not in lazy_modules.BLAS_THREADS}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(check)], capture_output=True,
                         text=True, cwd=ROOT, env={**base, **env})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["hits"]
    return json.loads(out.stderr.split("STATE ", 1)[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads in /proc")
def test_the_entry_point_runs_numpy_without_blas_threads_and_freezes_what_it_loaded(
        samples_index):
    state = _entry_point_state(samples_index, {})
    assert state["blas"] == "1" and state["numpy"] and state["threads"] == 1
    # Collection stays on for the command's own cycles; the modules were frozen.
    assert state["gc_enabled"] and state["frozen"] > 10_000


def test_a_blas_thread_count_given_is_kept(samples_index):
    state = _entry_point_state(samples_index, {"OPENBLAS_NUM_THREADS": "2"})
    assert state["blas"] == "2"
