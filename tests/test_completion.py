"""Shell completion through Click's protocol, run as the shells run it: a subprocess of the
installed `fundstelle` with _FUNDSTELLE_COMPLETE and the words typed so far."""

import os
import pathlib
import subprocess
import sys

import pytest

FUNDSTELLE = pathlib.Path(sys.executable).with_name("fundstelle")


def complete(shell, words, index, env=None):
    """What `fundstelle` answers a shell asking to complete ``words`` (the last is being
    typed): (exit status, stdout lines, stderr)."""
    line = ["fundstelle", "--index", index, *words]
    extra = {"_FUNDSTELLE_COMPLETE": f"{shell}_complete", "COMP_WORDS": " ".join(line),
             "COMP_CWORD": str(len(line) - 1)}
    if shell == "fish":
        extra["COMP_CWORD"] = words[-1]
    run = subprocess.run([str(FUNDSTELLE)], env={**os.environ, **extra, **(env or {})},
                         capture_output=True, text=True, timeout=60)
    return run.returncode, [x for x in run.stdout.splitlines() if x], run.stderr


def test_bash_completes_person_place_and_source_values_from_the_index(outlets_index):
    code, out, err = complete("bash", ["search", "--person", "sö"], outlets_index)
    assert code == 0 and err == "" and out == ["plain,Markus Söder"]
    code, out, _ = complete("bash", ["timeline", "--source", "rh"], outlets_index)
    assert out == ["plain,rheinblatt.de", "plain,RHEINBLATT.DE"]
    code, out, _ = complete("bash", ["search", "--source", ""], outlets_index)
    assert out == ["plain,Märkischer Bote", "plain,rheinblatt.de", "plain,www.Alpenpost.at",
                   "plain,RHEINBLATT.DE"]  # most articles first
    code, out, _ = complete("bash", ["search", "--place", "nür"], outlets_index)
    assert out == ["plain,Nürnberg"]


def test_zsh_and_fish_get_the_counts_as_descriptions(outlets_index):
    code, out, err = complete("zsh", ["search", "--person", "Lasch"], outlets_index)
    assert code == 0 and err == ""
    assert out == ["plain", "Armin Laschet", "3 articles"]
    code, out, err = complete("fish", ["facets", "source", "--prefix", "x"], outlets_index)
    assert code == 0 and out == []   # --prefix takes free text: nothing offered
    code, out, _ = complete("fish", ["search", "--source", "alp"], outlets_index)
    assert out == ["plain,www.Alpenpost.at\t2 articles"]


def test_commands_and_options_complete_too(outlets_index):
    _, out, _ = complete("bash", ["time"], outlets_index)
    assert out == ["plain,timeline"]
    _, out, _ = complete("bash", ["timeline", "--b"], outlets_index)
    assert "plain,--by" in out and "plain,--bom" in out


def test_without_an_index_completion_offers_nothing_and_says_nothing(tmp_path):
    missing = str(tmp_path / "no-index")
    code, out, err = complete("bash", ["search", "--person", "sö"], missing)
    assert (code, out, err) == (0, [], "")
    assert not os.path.exists(missing)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "fundstelle.json").write_text("{kaputt", encoding="utf-8")
    assert complete("bash", ["search", "--place", "B"], str(broken)) == (0, [], "")


@pytest.mark.parametrize("shell,marker", [("bash", "complete -o nosort -F"),
                                          ("zsh", "compdef"), ("fish", "complete --no-files")])
def test_each_shell_gets_its_script(shell, marker):
    run = subprocess.run([str(FUNDSTELLE)], env={**os.environ,
                                                 "_FUNDSTELLE_COMPLETE": f"{shell}_source"},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and marker in run.stdout and "_FUNDSTELLE_COMPLETE" in run.stdout
