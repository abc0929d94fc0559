"""Every command and option has help text and is named in the README; the examples in the
code's docstrings give what they say."""

import doctest
import importlib
import pathlib

import click
import pytest

from cli import main

README = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
COMMANDS = sorted(main.commands.items())


@pytest.mark.parametrize("name,command", COMMANDS)
def test_command_has_help_and_is_in_the_readme(name, command):
    assert (command.help or "").strip(), f"{name} has no help text"
    assert f"fundstelle {name}" in README, f"README does not show `fundstelle {name}`"


@pytest.mark.parametrize("name,command", COMMANDS)
def test_every_option_has_help_and_is_in_the_readme(name, command):
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        assert (param.help or "").strip(), f"{name} {param.opts} has no help"
        names = [o for o in param.opts + param.secondary_opts if o.startswith("--")]
        if names and names != ["--help"]:
            assert any(n in README for n in names), f"README does not mention {name} {names}"


def test_group_options_are_documented():
    for param in main.params:
        if isinstance(param, click.Option) and "--version" not in param.opts:
            assert param.help and max(param.opts, key=len) in README


ROOT = pathlib.Path(__file__).resolve().parent.parent
# Modules of index/ and search/ and of their subpackages (a package by its __init__).
MODULES = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                 for top in ("index", "search") for p in (ROOT / top).rglob("*.py")
                 if p.parent != ROOT / top or p.stem != "__init__")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False,
                             report=True)
    assert result.failed == 0, f"{name}: {result.failed} docstring examples fail (see above)"
