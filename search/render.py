"""Renderings of results: terminal text, JSON, JSON Lines, and escaping of article text.

Article text is never trusted: control characters and escape sequences are
made visible before anything reaches a terminal, and HTML output escapes it.
"""

import json
import re

# C0 and C1 controls except tab and newline, DEL, and the bidirectional overrides
# that can disguise text; ESC sequences are removed whole.
_ESCAPE_SEQ_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

#: How a match is marked in plain text (a pipe, ``NO_COLOR``): ``[[Raketen]]``.
PLAIN_MARK = ("[[", "]]")
#: How a match is marked in HTML.
HTML_MARK = ("<mark>", "</mark>")
#: Terminal styles (``click.style`` keywords) of the parts of a text rendering.
STYLES = {
    "rank": {"fg": "bright_black"},
    "title": {"bold": True},
    "match": {"fg": "yellow", "bold": True},
    "meta": {"fg": "bright_black"},
    "warn": {"fg": "magenta"},
}


def clean_terminal(text):
    """Remove escape sequences and control characters from text meant for a terminal.

    Newlines and tabs stay; every other control becomes ``�`` where it stood
    alone, and ANSI/OSC sequences vanish.

    >>> clean_terminal("Rot\\x1b[31m Alarm\\x07 \\x1b]0;pwned\\x07ok")
    'Rot Alarm� ok'
    """
    text = _ESCAPE_SEQ_RE.sub("", text)
    return _CONTROL_RE.sub("\ufffd", text)


def interleave(text, ranges, plain, mark):
    """``text`` with ``plain`` applied between the ranges and ``mark`` to each range.

    The one loop behind every rendering of match ranges: ``[[markers]]``,
    terminal colour, HTML.

    >>> interleave("Die Raketen flogen", [(4, 11)], str.upper, lambda m: "<" + m + ">")
    'DIE <Raketen> FLOGEN'
    """
    out, pos = [], 0
    for s, e in ranges:
        out.append(plain(text[pos:s]))
        out.append(mark(text[s:e]))
        pos = e
    out.append(plain(text[pos:]))
    return "".join(out)


def plain_style(kind, text):
    """The style of text without colour: matches in :data:`PLAIN_MARK`, the rest as it is.

    >>> plain_style("match", "Raketen"), plain_style("title", "Raketen")
    ('[[Raketen]]', 'Raketen')
    """
    return PLAIN_MARK[0] + text + PLAIN_MARK[1] if kind == "match" else text


def plain_marked(text, ranges):
    """``text`` as it is, with each range in :data:`PLAIN_MARK`.

    >>> plain_marked("Die Raketen flogen", [(4, 11)])
    'Die [[Raketen]] flogen'
    """
    return interleave(text, ranges, str, lambda m: plain_style("match", m))


def terminal_style(kind, text):
    """The style of text on a colour terminal (:data:`STYLES`, through ``click.style``)."""
    import click
    return click.style(text, **STYLES.get(kind, {}))


def style_for(color):
    """:func:`terminal_style` with colour, else :func:`plain_style`."""
    return terminal_style if color else plain_style


def marked_text(snippet, style=plain_style):
    """A snippet's text for a terminal with matches styled by ``style(kind, text)``.

    Each piece between match offsets is cleaned on its own, so escape
    sequences vanish without shifting the matches.

    >>> from search.results import Snippet
    >>> marked_text(Snippet("Die Raketen\\x1b[31m flogen", [(4, 11)], trailing=True))
    'Die [[Raketen]] flogen…'
    """
    body = _mark_ranges(snippet.text, snippet.matches, lambda t: style("match", t))
    return ("…" if snippet.leading else "") + body.strip() + ("…" if snippet.trailing else "")


def marked_html(text, ranges):
    """Article text as HTML: escaped, controls removed, each valid range in :data:`HTML_MARK`.

    >>> marked_html("Bär & <Raketen>", [(7, 14), (40, 50)])
    'Bär &amp; &lt;<mark>Raketen</mark>&gt;'
    """
    text = text or ""
    ranges = [r for r in (ranges or []) if 0 <= r[0] < r[1] <= len(text)]
    return interleave(text, ranges, _html_text,
                      lambda m: HTML_MARK[0] + _html_text(m) + HTML_MARK[1])


_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;",
                               "'": "&#39;"})


def _html_text(text):
    """Article text as HTML text: escaped as Jinja escapes, controls and escapes removed."""
    return clean_terminal(text).translate(_HTML_ESCAPES)


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
        if hit.duplicates:
            meta.append(f"+{len(hit.duplicates)} similar")
        lines.append("     " + style("meta", " · ".join(meta)))
        for snip in hit.snippets:
            lines.append("     " + marked_text(snip, style))
    for kind, values in results.facets.items():
        if values and kind != "dates":  # a month histogram: `fundstelle timeline` draws it
            lines.append("")
            label = {"person": "Persons", "place": "Places", "sources": "Sources"}.get(kind,
                                                                                        kind)
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


def render_json(data):
    """One JSON object for a whole result (a dict from :class:`~search.archive.Archive`)."""
    return safe_json(data, indent=2)


def render_jsonl(data):
    """One JSON object a hit (or a facet value), a line each; empty when there are none."""
    rows = data["hits"] if "hits" in data else data["values"]
    return "\n".join(safe_json(row) for row in rows)


def render_article_text(article, style=None):
    """An article (:meth:`Archive.article`'s dict) for reading in a terminal, controls removed."""
    style = style or (lambda kind, t: t)
    lines = [style("title", clean_terminal(article["title"] or "(no title)"))]
    meta = [article["date"][:10] if article["date"] else "undated"]
    if article["source"]:
        meta.append(clean_terminal(article["source"]))
    meta.append(clean_terminal(article["id"]))
    lines.append(style("meta", " · ".join(meta)))
    if article["url"]:
        lines.append(style("meta", clean_terminal(article["url"])))
    authors = article.get("authors")
    if authors and isinstance(authors, list):
        lines.append(style("meta", "By: ") + clean_terminal(", ".join(map(str, authors))))
    if article["persons"]:
        lines.append(style("meta", "Persons: ") + clean_terminal(", ".join(article["persons"])))
    if article["places"]:
        lines.append(style("meta", "Places: ") + clean_terminal(", ".join(article["places"])))
    if article.get("copies"):
        lines.append(style("meta", "Copies: ") + clean_terminal(", ".join(article["copies"])))
    lines.append("")
    lines.append(clean_terminal(article["text"]))
    return "\n".join(lines)


def render_facets_text(data):
    """A facet's values (:meth:`Archive.facets`'s dict), a count and a name a line."""
    return "\n".join(f"{v['count']:>7}  {clean_terminal(v['value'])}" for v in data["values"])


def render_tokens_text(tokens):
    """Analysed tokens (:meth:`Archive.analyze`'s list): position, offsets, surface, term."""
    return "\n".join(f"{t['pos']:>4}  {t['start']:>5}-{t['end']:<5} "
                     f"{clean_terminal(t['surface']):<24} {clean_terminal(t['term'])}"
                     for t in tokens)


def render_stats_text(stats):
    """The index's figures (:meth:`Archive.stats`'s dict), a label a line."""
    lines = [f"index:     {stats['index']}",
             f"articles:  {stats['articles']:,}",
             f"dates:     {stats['date_from'] or '-'} … {stats['date_to'] or '-'}",
             f"persons:   {stats['distinct_persons']:,} distinct",
             f"places:    {stats['distinct_places']:,} distinct",
             f"size:      {stats['size_bytes'] / 1e6:,.1f} MB"]
    top = list(stats["sources"].items())[:10]
    if top:
        lines.append("sources:   " + ", ".join(f"{s or '(none)'} ({n})" for s, n in top))
    return "\n".join(lines)


def render_check_text(report):
    """What a check found (:meth:`Archive.check`'s dict): a summary, then problems and notes."""
    state = "ok" if report["ok"] else f"{len(report['problems'])} problem(s)"
    lines = [f"{report['index']}: {state}: {report['articles']:,} articles in "
             f"{len(report['segments'])} segment(s)"]
    lines += [f"problem: {p['problem']}; {p['fix']}" for p in report["problems"]]
    lines += [f"note: {note}" for note in report["notes"]]
    return "\n".join(lines)
