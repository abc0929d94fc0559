"""Renderings of results: terminal text, JSON, JSON Lines, and escaping of article text.

Article text is never trusted: control characters and escape sequences are
made visible before anything reaches a terminal, and HTML output escapes it.
"""

import html
import json
import re

from search.results import interleave

# C0 and C1 controls except tab and newline, DEL, and the bidirectional overrides
# that can disguise text; ESC sequences are removed whole.
_ESCAPE_SEQ_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_terminal(text):
    """Remove escape sequences and control characters from text meant for a terminal.

    Newlines and tabs stay; every other control becomes ``�`` where it stood
    alone, and ANSI/OSC sequences vanish.

    >>> clean_terminal("Rot\\x1b[31m Alarm\\x07 \\x1b]0;pwned\\x07ok")
    'Rot Alarm� ok'
    """
    text = _ESCAPE_SEQ_RE.sub("", text)
    return _CONTROL_RE.sub("\ufffd", text)


def marked_text(snippet, style=None):
    """A snippet's text for a terminal with matches styled (or ``[[…]]`` without style).

    Each piece between match offsets is cleaned on its own, so escape
    sequences vanish without shifting the matches.
    """
    style = style or (lambda piece: "[[" + piece + "]]")
    body = _mark_ranges(snippet.text, snippet.matches, style)
    return ("…" if snippet.leading else "") + body.strip() + ("…" if snippet.trailing else "")


def marked_html(snippet):
    """A snippet as HTML: article text escaped, matches in ``<mark>``."""
    return interleave(snippet.text, snippet.matches, _html_text,
                      lambda m: "<mark>" + _html_text(m) + "</mark>")


def _html_text(text):
    """Article text as HTML text: escaped, control characters and escapes removed."""
    return html.escape(clean_terminal(text), quote=True)


def _mark_ranges(text, ranges, style):
    """Text for a terminal with each range styled, every piece cleaned on its own."""
    return interleave(text, ranges, clean_terminal, lambda m: style(clean_terminal(m)))


def render_text(results, style):
    """Lines of text for a terminal: hits with snippets, then the facets.

    ``style(kind, text)`` adds colour (``click.style``) or returns text as is.
    """
    lines = []
    shown_to = results.offset + len(results.hits)
    if results.total == 0:
        lines.append(f"No hits for {clean_terminal(results.query)!r}.")
    else:
        noun = "hit" if results.total == 1 else "hits"
        lines.append(style("meta", f"{results.total} {noun}, showing {results.offset + 1}–"
                                   f"{shown_to}" if results.hits else
                           f"{results.total} {noun}, none on this page"))
    if results.relaxed_query:
        lines.append(style("warn", "No article has the exact phrase; showing articles with "
                                   f"its words: {clean_terminal(results.relaxed_query)}"))
    for sug in results.suggestions:
        lines.append(style("warn", f"Did you mean: {clean_terminal(sug)}?"))
    for hit in results.hits:
        lines.append("")
        title = _mark_ranges(hit.title or "(no title)", hit.title_matches,
                             lambda t: style("match", t))
        lines.append(f"{style('rank', f'{hit.rank:>3}.')} {style('title', title)}")
        meta = [hit.date or "undated"]
        if hit.source:
            meta.append(clean_terminal(hit.source))
        meta.append(clean_terminal(hit.id))
        meta.append(f"score {hit.score:.2f}")
        lines.append("     " + style("meta", " · ".join(meta)))
        for snip in hit.snippets:
            lines.append("     " + marked_text(snip, lambda t: style("match", t)))
    for kind, values in results.facets.items():
        if values:
            lines.append("")
            label = {"person": "Persons", "place": "Places"}.get(kind, kind)
            items = ", ".join(f"{'*' if v.selected else ''}{clean_terminal(v.value)} ({v.count})"
                              for v in values)
            lines.append(style("meta", f"{label}: ") + items)
    for note in results.notes:
        lines.append(style("warn", clean_terminal(note)))
    return "\n".join(lines)


#: Characters JSON may carry raw that a terminal would act on (C1 controls such
#: as the one-byte CSI, DEL, bidirectional overrides, line separators).
_JSON_UNSAFE_RE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def safe_json(data, **kwargs):
    r"""``json.dumps`` with umlauts readable but every control character escaped.

    The data is unchanged (``\u009b`` is the same string in JSON); only a
    terminal showing the output can no longer be driven by article text.

    >>> safe_json({"t": "Bär\x1b[31m\x9b"})
    '{"t": "Bär\\u001b[31m\\u009b"}'
    """
    text = json.dumps(data, ensure_ascii=False, **kwargs)
    return _JSON_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def render_json(results):
    """One JSON object for the whole result (see the README for its shape)."""
    return safe_json(results.to_dict(), indent=2)


def render_jsonl(results):
    """One JSON object a hit, a line each."""
    return "\n".join(safe_json(h.to_dict()) for h in results.hits)


def render_article_text(article, persons=(), places=(), style=None):
    """An article for reading in a terminal, control characters removed."""
    style = style or (lambda kind, t: t)
    lines = [style("title", clean_terminal(article.title or "(no title)"))]
    meta = [article.date.display if article.date else "undated"]
    if article.source:
        meta.append(clean_terminal(article.source))
    meta.append(clean_terminal(article.id))
    lines.append(style("meta", " · ".join(meta)))
    if article.url:
        lines.append(style("meta", clean_terminal(article.url)))
    authors = article.meta.get("authors") if isinstance(article.meta, dict) else None
    if authors and isinstance(authors, list):
        lines.append(style("meta", "By: ") + clean_terminal(", ".join(map(str, authors))))
    if persons:
        lines.append(style("meta", "Persons: ") + clean_terminal(", ".join(persons)))
    if places:
        lines.append(style("meta", "Places: ") + clean_terminal(", ".join(places)))
    lines.append("")
    lines.append(clean_terminal(article.text))
    return "\n".join(lines)
