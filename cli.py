"""The `fundstelle` command line: a thin Click layer over `index` and `search`.

Each command parses its arguments, calls one library function, turns domain
errors into one clear message, and renders. Results go to stdout; progress,
warnings and errors to stderr.
"""

import os
import sys
import time
from dataclasses import dataclass

import click

from index.errors import ArticleError, FundstelleError
from index.store import BATCH_SIZE, ENV_INDEX, default_index_path

FORMATS = ("text", "json", "jsonl")
#: The formats of commands whose output is a table.
TABLE_FORMATS = FORMATS + ("csv",)


@dataclass
class Settings:
    """What the group hands to every command."""

    index: str
    color: bool


pass_settings = click.make_pass_decorator(Settings)


def _use_color(stream):
    if os.environ.get("NO_COLOR"):
        return False
    return getattr(sys, stream).isatty()


def _styler(enabled):
    """Colour on a terminal; in a pipe, matches are marked ``[[like this]]`` instead."""
    from search.render import style_for
    return style_for(enabled)


def _json(data, indent=None):
    """JSON for stdout: umlauts as they are, control characters escaped."""
    from search.render import safe_json
    return safe_json(data, indent=indent)


def _fail(exc, settings=None):
    """Turn a domain exception into a ClickException with the next step."""
    return click.ClickException(_message(exc, settings))


def _message(exc, settings=None):
    """A domain exception in the command line's words: its options and the next step."""
    from search.errors import user_message

    index = settings.index if settings else default_index_path()
    return user_message(exc, index=index, option="--{}", steps=CLI_STEPS)


#: The next steps of :func:`search.errors.user_message` as this command line says them.
CLI_STEPS = {
    "create_index": "Run `fundstelle index ARTICLES...` first (or point --index / "
                    f"{ENV_INDEX} at an index folder)",
    "check_index": "Run `fundstelle check` to see what is wrong",
    "rebuild_index": "Rebuild it: `fundstelle --index {exc.path} index --rebuild ARTICLES...`",
    "wait_lock": "Wait for it to finish, or pass --wait SECONDS",
    "list_ids": "`fundstelle search` shows the ids",
    "list_names": "`fundstelle facets {exc.facet} --prefix ...` lists the names",
    "less_memory": "Use fewer worker processes (--procs) or a smaller --batch-size",
    "install_model": "Reinstall Fundstelle or run `make model`",
}


def _complete_names(kind):
    """A Click ``shell_complete`` callback: the names of ``kind`` in the index starting
    with what is typed (any word of them, case and accents ignored), most articles
    first. Nothing, and no message, when there is no index or it cannot be read."""

    def complete(ctx, param, incomplete):
        from click.shell_completion import CompletionItem

        index = ctx.find_root().params.get("index_path") or default_index_path()
        try:
            from search.archive import Archive
            with Archive(index) as archive:
                values = archive.facets(kind, prefix=incomplete or None,
                                        limit=COMPLETIONS)["values"]
        except Exception:  # completion must never print a traceback into the shell
            return []
        return [CompletionItem(v["value"], help=f"{v['count']} article"
                                                 f"{'' if v['count'] == 1 else 's'}")
                for v in values]

    return complete


#: How many names a completion offers.
COMPLETIONS = 50
_complete_person = _complete_names("person")
_complete_place = _complete_names("place")
_complete_source = _complete_names("source")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index", "index_path", envvar=ENV_INDEX, default=default_index_path,
              show_default=f"./fundstelle-index, or ${ENV_INDEX}",
              type=click.Path(file_okay=False), help="The index folder to use.")
@click.version_option("0.1.0", prog_name="fundstelle", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx, index_path):
    """Fundstelle: search German news articles, with persons and places.

    Index articles once with `fundstelle index`, then search them with
    `fundstelle search`. Results go to stdout, messages to stderr.
    """
    ctx.obj = Settings(index=index_path, color=_use_color("stdout"))


# ---------------------------------------------------------------- indexing

@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--entities/--no-entities", default=True, show_default=True,
              help="Find the persons and places of each article.")
@click.option("--prune", is_flag=True,
              help="Remove articles whose files under PATHS are gone.")
@click.option("--rebuild", is_flag=True,
              help="Start a fresh index, replacing the old one when done.")
@click.option("--wait", "wait_seconds", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another indexing run to finish.")
@click.option("--batch-size", type=click.IntRange(1), default=BATCH_SIZE, show_default=True,
              help="Articles written between two commits.")
@click.option("--procs", type=click.IntRange(1), default=None,
              help="Worker processes that extract web pages, WARC and feeds, and as many that "
                   "tag and analyse articles [default: one per core; 1: all in this process].")
@click.option("--optimize", is_flag=True,
              help="At the end, merge the index into one segment: about a third smaller and "
                   "faster to search, at the cost of rewriting it (about a CPU minute per "
                   "10,000 articles).")
@click.option("--shards", type=click.IntRange(1, 4096), default=None,
              help="Build a sharded index of N ordinary indexes (articles routed by a hash "
                   "of their id); every command searches it as one [default: 1, or the "
                   "sharded index's own count].")
@click.option("--cluster", envvar="FUNDSTELLE_CLUSTER", default=None, metavar="ADDRESS",
              help="Run the work on a Dask cluster: `local` (one worker process per core) "
                   "or a scheduler's address, tcp://host:8786 [env FUNDSTELLE_CLUSTER].")
@pass_settings
def index_cmd(settings, paths, entities, prune, rebuild, wait_seconds, batch_size, procs,
              optimize, shards, cluster):
    """Index articles: plain-text files, JSON Lines (.jsonl, .jsonl.gz), folders, or - for stdin.

    Plain-text files start with a line ` date YYYY-MM Title` (or YYYY-MM-DD),
    then a blank line and the paragraphs. Re-running skips unchanged articles
    and replaces changed ones.

    \b
    Example:
      fundstelle index samples/
      zcat articles.jsonl.gz | fundstelle index -
    """
    from search.archive import Archive
    from search.render import clean_terminal

    progress = _Progress(enabled=sys.stderr.isatty(), paths=paths)

    def report(item):
        progress.clear()
        kind = "warning" if not isinstance(item, ArticleError) else "error"
        click.echo(f"{kind}: {clean_terminal(str(item))}", err=True)

    try:
        summary = Archive.index(settings.index, paths, entities=entities,
                                batch_size=batch_size, progress=progress.update,
                                report=report, lock_timeout=wait_seconds, prune=prune,
                                rebuild=rebuild, procs=procs, optimize=optimize,
                                shards=shards, cluster=cluster)
    except KeyboardInterrupt:
        progress.clear()
        click.echo("Stopped at once: the index is at its last commit; "
                   "run the same command again to finish.", err=True)
        sys.exit(130)
    except FundstelleError as exc:
        progress.clear()
        if os.environ.get("FUNDSTELLE_DEBUG") and exc.__cause__ is not None:
            import traceback
            traceback.print_exception(exc.__cause__)
        raise _fail(exc, settings) from None
    progress.clear()
    click.echo(f"{settings.index}: {summary.line()}", err=True)
    if summary.interrupted:
        if rebuild:
            click.echo(f"Interrupted ({summary.interrupted}): the rebuild was abandoned; "
                       "the old index is unchanged.", err=True)
        else:
            click.echo(f"Interrupted ({summary.interrupted}): the articles read so far were "
                       "committed; run the same command again to finish.", err=True)
        sys.exit(130 if summary.interrupted == "SIGINT" else 143)
    if summary.failed or summary.duplicates:
        sys.exit(1)


class _Progress:
    """A one-line progress display on stderr (only on a terminal): count, rate, ETA."""

    def __init__(self, enabled, paths=()):
        self.enabled = enabled
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False
        self.counter = None
        if enabled:
            from index.progress import BackgroundCount
            self.counter = BackgroundCount(paths)

    def update(self, n):
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.25:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-6)
        rate = n / elapsed
        total = self.counter.total if self.counter else None
        if total and total >= n and rate > 0:
            eta = (total - n) / rate
            line = (f"{n:,}/{total:,} articles ({100 * n / total:.0f}%) · {rate:,.0f}/s · "
                    f"ETA {int(eta // 60)}:{int(eta % 60):02d}")
        else:
            line = f"{n:,} articles read · {rate:,.0f}/s · {elapsed:,.0f} s"
        click.echo(f"\r{line} \x1b[K", err=True, nl=False)
        self.shown = True

    def clear(self):
        if self.shown:
            click.echo("\r\x1b[K", err=True, nl=False)
            self.shown = False


# ---------------------------------------------------------------- searching

@main.command("search")
@click.argument("query", required=False)
@click.option("--limit", "-n", type=click.IntRange(0), default=10, show_default=True,
              help="Hits to show.")
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True,
              help="Hits to skip.")
@click.option("--page", type=click.IntRange(1), default=None,
              help="Page number (sets --offset to (PAGE-1) × --limit).")
@click.option("--sort", type=click.Choice(["relevance", "date", "date-asc"]),
              default="relevance", show_default=True, help="Order of the hits.")
@click.option("--since", metavar="DATE", help="Only articles from DATE on (2020, 2020-03, 2020-03-15).")
@click.option("--until", metavar="DATE", help="Only articles up to DATE (2020, 2020-03, 2020-03-15).")
@click.option("--person", multiple=True, metavar="NAME", shell_complete=_complete_person,
              help="Only articles naming this person (repeatable; all must match).")
@click.option("--place", multiple=True, metavar="NAME", shell_complete=_complete_place,
              help="Only articles naming this place (repeatable; all must match).")
@click.option("--source", multiple=True, metavar="NAME", shell_complete=_complete_source,
              help="Only articles from this outlet (repeatable; any may match; case "
                   "ignored).")
@click.option("--facets", type=click.IntRange(0), default=None,
              help="How many persons, places and sources to count [default: 10; 0 with "
                   "--batch].")
@click.option("--snippets", type=click.IntRange(0), default=None,
              help="Snippets a hit [default: 2; 0 with --batch; csv shows the first].")
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="text",
              show_default=True, help="Output format (csv: one row a hit).")
@click.option("--all", "every", is_flag=True,
              help="Every hit, written as it is read (with --format csv or jsonl; "
                   "--limit and --offset do not apply).")
@click.option("--bom/--no-bom", default=True, show_default=True,
              help="Start csv with a UTF-8 byte order mark (Excel needs it for umlauts).")
@click.option("--batch", type=click.File("rb"), default=None, metavar="FILE",
              help='JSON Lines of {"id": ..., "text": ...} queries (- for stdin); one JSON '
                   "line answers each input line, in order. Exit 1 if any query failed.")
@click.option("--collapse/--no-collapse", default=True, show_default=True,
              help="Show each group of agency copies once, with `+N similar` (JSON: "
                   "duplicates); --no-collapse shows every article.")
@click.option("--cluster", envvar="FUNDSTELLE_CLUSTER", default=None, metavar="ADDRESS",
              help="Search a sharded index's shards on a Dask cluster (`local` or "
                   "tcp://host:8786) instead of in this process [env FUNDSTELLE_CLUSTER].")
@pass_settings
def search_cmd(settings, query, limit, offset, page, sort, since, until, person, place,
               source, facets, snippets, fmt, every, bom, batch, collapse, cluster):
    """Search the index. QUERY words are stemmed German; articles with all words rank first.

    \b
    Syntax: Lehrer Gewerkschaft · "Corona-Krise in Bayern" · Rakete* · Raketenwefer~
            Lehrer AND NOT Streik · title:Söder · -Streik
    \b
    Examples:
      fundstelle search "Lehrer Gewerkschaft"
      fundstelle search Impfstoff --person söder --since 2020-11 --format json
      fundstelle search --place Bayern --sort date
      fundstelle search Maskenpflicht --source zeit.de --all --format csv > treffer.csv
    """
    if page is not None:
        offset = (page - 1) * limit
    if batch is None and not (query and query.strip()) and not (person or place or source
                                                                 or since or until):
        raise click.UsageError("give a QUERY, or --person/--place/--source/--since/--until "
                               "to list articles")
    if every and fmt not in ("csv", "jsonl"):
        raise click.UsageError("--all streams every hit as --format csv or jsonl")
    if every and batch is not None:
        raise click.UsageError("--all and --batch cannot be combined")
    if fmt == "csv" and batch is not None:
        raise click.UsageError("--batch answers in JSON Lines; drop --format csv")
    options = dict(limit=limit, offset=offset, sort=sort, since=since, until=until,
                   person=person, place=place, source=source, collapse=collapse)
    try:
        archive = _archive(settings, cluster=cluster)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    with archive:
        if every:
            _echo_every_hit(archive, query, settings, fmt, bom, sort=sort, since=since,
                            until=until, person=person, place=place, source=source,
                            snippets=1 if snippets is None else snippets)
            return
        if fmt == "csv":
            options.update(facets=0, snippets=1 if snippets is None else snippets)
            _echo_csv(settings, lambda: archive.search(query, **options)["hits"],
                      "search_csv", bom)
            return
        if batch is not None:
            _run_batch(archive, batch, settings, snippets=snippets or 0, facets=facets or 0,
                       **options)
            return
        options.update(facets=10 if facets is None else facets,
                       snippets=2 if snippets is None else snippets)
        _echo_results(archive, "search", (query,), options, fmt, settings)


def _archive(settings, cluster=None):
    """The Archive of ``--index`` (a sharded one searched on ``cluster``, if given)."""
    from search.archive import Archive
    if cluster:
        from cluster.archive import ShardedArchive
        from cluster.manifest import is_sharded
        if is_sharded(settings.index):
            return ShardedArchive(settings.index, cluster=cluster)
    return Archive(settings.index)


def _echo_results(archive, what, args, options, fmt, settings):
    """Run ``archive.search`` or ``archive.similar`` and write the page to stdout."""
    from search.render import render_json, render_jsonl, render_text

    try:
        if fmt == "text":
            results = getattr(archive, f"{what}_results")(*args, **options)
        else:
            data = getattr(archive, what)(*args, **options)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    if fmt == "json":
        click.echo(render_json(data))
    elif fmt == "jsonl":
        if data["hits"]:
            click.echo(render_jsonl(data))
    else:
        click.echo(render_text(results, _styler(settings.color)), color=settings.color)


def _echo_csv(settings, data, renderer, bom, *args):
    """Write ``search.export.<renderer>(data(), bom)`` to stdout, record by record."""
    from search import export

    try:
        for record in getattr(export, renderer)(data(), bom, *args):
            click.echo(record, nl=False)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None


def _echo_every_hit(archive, query, settings, fmt, bom, **options):
    """Every hit of a search as CSV records or JSON lines, each written as it is read."""
    if fmt == "csv":
        _echo_csv(settings, lambda: archive.iter_hits(query, **options), "search_csv", bom)
        return
    try:
        for hit in archive.iter_hits(query, **options):
            click.echo(_json(hit))
    except FundstelleError as exc:
        raise _fail(exc, settings) from None


def _run_batch(archive, stream, settings, **options):
    """Answer JSON Lines queries, one JSON line each, in this one process; exit 1 if any failed."""
    from search.batch import failed

    lines = failures = 0
    try:
        for out in archive.search_batch(stream, describe=lambda exc: _message(exc, settings),
                                        **options):
            lines += 1
            failures += failed(out)
            click.echo(_json(out))
    except FundstelleError as exc:  # the index itself, before the first line
        raise _fail(exc, settings) from None
    if failures:
        click.echo(f"{failures} of {lines} queries failed; their lines carry the error.",
                   err=True)
        sys.exit(1)


@main.command("similar")
@click.argument("article_id")
@click.option("--limit", "-n", type=click.IntRange(0), default=10, show_default=True,
              help="Related articles to show.")
@click.option("--snippets", type=click.IntRange(0), default=1, show_default=True,
              help="Snippets a hit.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format.")
@pass_settings
def similar_cmd(settings, article_id, limit, snippets, fmt):
    """List articles like the one with ARTICLE_ID (more-like-this over the German analysis).

    \b
    Example:
      fundstelle similar 02_nordkorea-raketen --limit 5
    """
    with _archive(settings) as archive:
        _echo_results(archive, "similar", (article_id,),
                      dict(limit=limit, snippets=snippets), fmt, settings)


@main.command("show")
@click.argument("article_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@pass_settings
def show_cmd(settings, article_id, fmt):
    """Print one article by its id.

    \b
    Example:
      fundstelle show 000_d78a48386e0168e9
    """
    from search.render import render_article_text

    try:
        with _archive(settings) as archive:
            article = archive.article(article_id)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    if fmt == "json":
        click.echo(_json(article, indent=2))
    else:
        click.echo(render_article_text(article, _styler(settings.color)),
                   color=settings.color)


@main.command("stats")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@pass_settings
def stats_cmd(settings, fmt):
    """Print the index's article count, date range, sources and size on disk.

    \b
    Example:
      fundstelle stats
    """
    from search.render import render_stats_text

    try:
        stats = _archive(settings).stats()
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    click.echo(_json(stats, indent=2) if fmt == "json" else render_stats_text(stats))


@main.command("check")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@pass_settings
def check_cmd(settings, fmt):
    """Verify the index: read every segment, count articles, look for duplicate ids.

    Exits 1 when something is wrong, and says what to do about it.

    \b
    Example:
      fundstelle check
    """
    from search.render import render_check_text

    try:
        report = _archive(settings).check()
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    click.echo(_json(report, indent=2) if fmt == "json" else render_check_text(report))
    if not report["ok"]:
        sys.exit(1)


@main.command("analyze")
@click.argument("text")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def analyze_cmd(text, fmt):
    """Show how German text is analysed: tokens with positions and offsets.

    \b
    Example:
      fundstelle analyze "Der CDU-Chef besucht die Hauptbahnhöfe"
    """
    from search.archive import Archive
    from search.render import render_tokens_text

    tokens = Archive.analyze(text)
    if fmt == "json":
        click.echo(_json(tokens, indent=2))
    elif tokens:
        click.echo(render_tokens_text(tokens))


@main.command("entities")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def entities_cmd(paths):
    """Print the persons and places of articles, one JSON line each (no index needed).

    \b
    Example:
      fundstelle entities samples/000_d78a48386e0168e9.txt
    """
    from search.archive import Archive

    failed = 0

    def report(item):
        nonlocal failed
        failed += isinstance(item, ArticleError)
        click.echo(f"{'error' if isinstance(item, ArticleError) else 'warning'}: {item}",
                   err=True)

    try:
        for found in Archive.entities(paths, report=report):
            click.echo(_json(found))
    except FundstelleError as exc:
        raise _fail(exc) from None
    if failed:
        sys.exit(1)


@main.command("facets")
@click.argument("kind", type=click.Choice(["person", "place", "source"]))
@click.argument("query", required=False)
@click.option("--prefix", help="Only names with a word starting so (case and accents ignored).")
@click.option("--limit", "-n", type=click.IntRange(1), default=50, show_default=True,
              help="Values to list.")
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="text",
              show_default=True, help="Output format (csv: value,count).")
@click.option("--bom/--no-bom", default=True, show_default=True,
              help="Start csv with a UTF-8 byte order mark (Excel needs it for umlauts).")
@pass_settings
def facets_cmd(settings, kind, query, prefix, limit, fmt, bom):
    """List persons, places or sources (outlets) with their article counts, over all
    articles or a QUERY's hits.

    \b
    Examples:
      fundstelle facets person --prefix sö
      fundstelle facets place Hochwasser
      fundstelle facets source --format csv > quellen.csv
    """
    from search.render import render_facets_text, render_json, render_jsonl

    try:
        with _archive(settings) as archive:
            data = archive.facets(kind, query, prefix=prefix, limit=limit)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    if fmt == "csv":
        _echo_csv(settings, lambda: data, "facets_csv", bom)
    elif fmt == "json":
        click.echo(render_json(data))
    elif data["values"]:
        click.echo(render_jsonl(data) if fmt == "jsonl" else render_facets_text(data))


@main.command("timeline")
@click.argument("query", nargs=-1)
@click.option("--by", type=click.Choice(["day", "week", "month", "year"]), default="month",
              show_default=True, help="Length of a period (week: ISO weeks, Monday first).")
@click.option("--since", metavar="DATE", help="Only articles from DATE on; the chart starts "
                                             "there (2020, 2020-03, 2020-03-15).")
@click.option("--until", metavar="DATE", help="Only articles up to DATE; the chart ends there.")
@click.option("--person", multiple=True, metavar="NAME", shell_complete=_complete_person,
              help="Only articles naming this person (repeatable; all must match, or one "
                   "series each with --compare).")
@click.option("--place", multiple=True, metavar="NAME", shell_complete=_complete_place,
              help="Only articles naming this place (repeatable, as --person).")
@click.option("--source", multiple=True, metavar="NAME", shell_complete=_complete_source,
              help="Only articles from this outlet (repeatable; any may match, or one "
                   "series each with --compare).")
@click.option("--compare", is_flag=True,
              help="One series for each value of an option given several times (QUERY, "
                   "--person, --place, --source); options given once filter them all.")
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="text",
              show_default=True, help="Output format (json/jsonl/csv rows: period, count).")
@click.option("--bom/--no-bom", default=True, show_default=True,
              help="Start csv with a UTF-8 byte order mark (Excel needs it for umlauts).")
@pass_settings
def timeline_cmd(settings, query, by, since, until, person, place, source, compare, fmt,
                 bom):
    """Count matching articles per day, week, month or year, as a bar chart or a table.

    Every period from the first match (or --since) to the last (or --until) is
    listed, empty ones with 0. An article dated only by month counts in its month
    and year, not in a day or week; the output says how many were left out.

    \b
    Examples:
      fundstelle timeline Maskenpflicht --by week
      fundstelle timeline --person "Markus Söder" --person "Armin Laschet" --compare \\
          --since 2020 --until 2020-12
      fundstelle timeline Impfstoff --source zeit.de --format csv > impfstoff.csv
    """
    import shutil

    from search.export import timeline_jsonl
    from search.timeline import render_timeline_text

    if not (query or person or place or source or since or until):
        raise click.UsageError("give a QUERY, or --person/--place/--source/--since/--until "
                               "to count articles")
    if len(query) > 1 and not compare:
        raise click.UsageError("give one QUERY (quote a query of several words), or "
                               "several with --compare for one series each")
    try:
        with _archive(settings) as archive:
            data = archive.timeline(list(query), by=by, since=since, until=until,
                                    person=person, place=place, source=source,
                                    compare=compare)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    if fmt == "csv":
        _echo_csv(settings, lambda: data, "timeline_csv", bom)
    elif fmt == "json":
        click.echo(_json(data, indent=2))
    elif fmt == "jsonl":
        for row in timeline_jsonl(data):
            click.echo(_json(row))
    else:
        width = shutil.get_terminal_size((80, 24)).columns
        click.echo(render_timeline_text(data, width=width, style=_styler(settings.color)),
                   color=settings.color)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any but 127.0.0.1/::1 needs --token.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True,
              help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes, each with the index open (2 use both cores of a "
                   "two-core machine).")
@click.option("--token", envvar="FUNDSTELLE_TOKEN", default=None, metavar="TOKEN",
              help="Secret every request must carry (header `Authorization: Bearer TOKEN`, "
                   "or the page's login form) [env: FUNDSTELLE_TOKEN].")
@click.option("--cache-size", type=click.FloatRange(0), default=64, show_default=True,
              metavar="MB", help="Memory for repeated searches' answers in each server "
                                 "process (dropped at every new commit); 0 turns it off.")
@pass_settings
def serve_cmd(settings, host, port, workers, token, cache_size):
    """Serve the index as a web page and a JSON API, until Ctrl-C.

    The page is at http://HOST:PORT/, the API under /api/ (described at
    /api/openapi.json). New commits of the index are picked up without a restart.

    \b
    Example:
      fundstelle serve --port 8080
      fundstelle serve --host 0.0.0.0 --token "$(cat ~/.fundstelle-token)"
    """
    from web.server import ServeError, check_port, check_token, serve

    try:
        check_token(host, token)
        articles = _archive(settings).article_count()
        check_port(host, port)
    except ServeError as exc:
        raise click.ClickException(f"{exc}.") from None
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Serving {settings.index} ({articles:,} articles) at http://{shown}:{port}/ "
               f"with {workers} worker(s); Ctrl-C stops.", err=True)
    if token:
        click.echo("Every request needs the token: header `Authorization: Bearer TOKEN`, "
                   "or the login form on the page.", err=True)
    serve(settings.index, host=host, port=port, workers=workers, token=token,
          cache_mb=cache_size)
    click.echo("Stopped.", err=True)


def run():
    """Console entry point: Click's main, with any unexpected error as one message."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # a traceback must never reach a user
        if os.environ.get("FUNDSTELLE_DEBUG"):
            raise
        click.echo(f"Error: unexpected {type(exc).__name__}: {exc}. This is a bug in "
                   "Fundstelle; run again with FUNDSTELLE_DEBUG=1 for the details and "
                   "report them.", err=True)
        sys.exit(1)



# ---------------------------------------------------------------- curation

def _kind_options(f):
    """``--person`` (the default) or ``--place``: which list a curation changes."""
    f = click.option("--place", "kind", flag_value="place",
                     help="Change the place list.")(f)
    return click.option("--person", "kind", flag_value="person", default=True,
                        help="Change the person list (the default).")(f)


@main.group("curate")
def curate_cmd():
    """Fix the person and place lists: merge, rename or hide names; list or undo the changes.

    The changes live in the index folder (curation.tsv), survive re-indexing and
    --rebuild, and apply at once to facets, --person/--place filters and the names
    of hits and of `show`, without re-indexing.

    \b
    Examples:
      fundstelle curate merge Merkel "Angela Merkel"
      fundstelle curate merge --place "Hansestadt Hamburg" Hamburg
      fundstelle curate hide --place Essen
      fundstelle curate undo --place
    """


def _curate(settings, action, kind, *names):
    from search.curation import curate

    try:
        change = curate(settings.index, action, kind, *names)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    entry = change.entry

    def counted(name, n):
        return f"{name!r}" + (f" ({n:,} article{'s' if n != 1 else ''})" if n is not None
                             else "")

    if action == "rename" and entry.to == entry.name:
        click.echo(f"kept {kind} {entry.name!r} as printed (no automatic merge); "
                   f"`fundstelle curate undo` takes it back.", err=True)
        return
    what = {"merge": "merged", "rename": "renamed", "hide": "hid"}[action]
    line = f"{what} {kind} {counted(entry.name, change.name_articles)}"
    if entry.to is not None:
        line += f" {'into' if action == 'merge' else 'to'} {counted(entry.to, change.to_articles)}"
    click.echo(f"{line}; `fundstelle curate undo{'' if kind == 'person' else ' --place'}` "
               "takes it back.", err=True)
    if change.name_articles == 0:
        click.echo(f"note: no article of {settings.index} names the {kind} {entry.name!r} "
                   "now; the entry applies to articles indexed later.", err=True)


@curate_cmd.command("merge")
@click.argument("name")
@click.argument("into")
@_kind_options
@pass_settings
def curate_merge_cmd(settings, name, into, kind):
    """Count the articles of NAME under INTO (a filter on either finds both).

    \b
    Example:
      fundstelle curate merge Merkel "Angela Merkel"
    """
    _curate(settings, "merge", kind, name, into)


@curate_cmd.command("rename")
@click.argument("old")
@click.argument("new")
@_kind_options
@pass_settings
def curate_rename_cmd(settings, old, new, kind):
    """Show OLD as NEW (NEW may be a name no article gives; OLD OLD keeps it as printed).

    \b
    Example:
      fundstelle curate rename --place "Hansestadt Hamburg" Hamburg
    """
    _curate(settings, "rename", kind, old, new)


@curate_cmd.command("hide")
@click.argument("name")
@_kind_options
@pass_settings
def curate_hide_cmd(settings, name, kind):
    """Take NAME out of facets, filters and the names of hits.

    \b
    Example:
      fundstelle curate hide --place Essen
    """
    _curate(settings, "hide", kind, name)


@curate_cmd.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@pass_settings
def curate_list_cmd(settings, fmt):
    """List the curation of the index, in the order it applies.

    \b
    Example:
      fundstelle curate list --format json
    """
    from search.curation import listing
    from search.render import clean_terminal

    try:
        listed = listing(settings.index)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    if fmt == "json":
        click.echo(_json(listed, indent=2))
        return
    if not listed["entries"]:
        click.echo(f"no curation in {listed['file']}", err=True)
    for e in listed["entries"]:
        to = f"\t{clean_terminal(e['to'])}" if e["to"] is not None else ""
        auto = "\t(automatic)" if e["automatic"] else ""
        click.echo(f"{e['action']}\t{e['kind']}\t{clean_terminal(e['name'])}{to}{auto}")


@curate_cmd.command("undo")
@_kind_options
@pass_settings
def curate_undo_cmd(settings, kind):
    """Take back the last merge, rename or hide of persons (or, with --place, places).

    \b
    Example:
      fundstelle curate undo --place
    """
    from search.curation import undo

    try:
        change = undo(settings.index, kind)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    e = change.entry
    to = f" {e.to!r}" if e.to is not None else ""
    click.echo(f"undone: {e.action} {kind} {e.name!r}{to}", err=True)


# ---------------------------------------------------------------- investigating

@main.command("cooccurrence")
@click.argument("query", required=False)
@click.option("--person", "person_name", metavar="NAME",
              help="The person whose companions to list.")
@click.option("--place", "place_name", metavar="NAME",
              help="The place whose companions to list.")
@click.option("--since", metavar="DATE", help="Only articles from DATE on (2020, 2020-03, 2020-03-15).")
@click.option("--until", metavar="DATE", help="Only articles up to DATE (2020, 2020-03, 2020-03-15).")
@click.option("--limit", "-n", type=click.IntRange(0), default=20, show_default=True,
              help="Names to list.")
@click.option("--min-count", type=click.IntRange(1), default=2, show_default=True,
              help="Only names in at least this many articles with it.")
@click.option("--format", "fmt", type=click.Choice(FORMATS + ("csv",)), default="text",
              show_default=True, help="Output format (csv: an edge list source,target,count,"
                                      "score for Gephi or networkx).")
@click.option("--bom/--no-bom", default=True, show_default=True,
              help="Start csv with a UTF-8 byte order mark (Excel needs it for umlauts).")
@pass_settings
def cooccurrence_cmd(settings, query, person_name, place_name, since, until, limit, min_count,
                     fmt, bom):
    """List the persons and places named most specifically in the same articles as one name.

    Counts cover the articles matching QUERY and the dates (all without them).
    `count` is the articles naming both, `total` those naming the other, and
    `score` the signed log-likelihood G² of meeting so often: names that are
    everywhere rank below names met mostly here.

    \b
    Examples:
      fundstelle cooccurrence --person "Christian Drosten"
      fundstelle cooccurrence --place Heinsberg Karneval --format csv > kanten.csv
    """
    from search.render import clean_terminal, render_json

    if bool(person_name) == bool(place_name):
        raise click.UsageError("give one of --person NAME or --place NAME")
    kind, name = ("person", person_name) if person_name else ("place", place_name)
    try:
        with _archive(settings) as archive:
            data = archive.cooccurrence(kind, name, query, since=since, until=until,
                                        limit=limit, min_count=min_count)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    if fmt == "json":
        click.echo(render_json(data))
    elif fmt == "jsonl":
        for row in data["rows"]:
            click.echo(_json(row))
    elif fmt == "csv":
        _echo_csv(settings, lambda: data, "cooccurrence_csv", bom)
    else:
        click.echo(f"{clean_terminal(data['name'])}: {data['articles']:,} of "
                   f"{data['scope']:,} articles; score: {data['score']}", err=True)
        if data["rows"]:
            click.echo(f"{'score':>9} {'count':>6} {'total':>6}  kind    name")
        for r in data["rows"]:
            click.echo(f"{r['score']:>9.1f} {r['count']:>6} {r['total']:>6}  {r['kind']:<7} "
                       f"{clean_terminal(r['name'])}")


@main.group("watch")
def watch_cmd():
    """Saved searches: what a search finds among the articles indexed since it last ran.

    New means added to the index since then (by the indexing run that added
    it), whatever the article's date. Watches live in the index folder and
    survive re-indexing and --rebuild (which keeps when each article was added).

    \b
    Examples:
      fundstelle watch add impfstoff Impfstoff --person "Jens Spahn"
      fundstelle watch run --format json    # exit 0: new hits, 3: none, 1: error
      fundstelle watch list
      fundstelle watch remove impfstoff
    """


@watch_cmd.command("add")
@click.argument("name")
@click.argument("query", required=False)
@click.option("--since", metavar="DATE", help="Only articles from DATE on (2020, 2020-03, 2020-03-15).")
@click.option("--until", metavar="DATE", help="Only articles up to DATE (2020, 2020-03, 2020-03-15).")
@click.option("--person", multiple=True, metavar="NAME",
              help="Only articles naming this person (repeatable; all must match).")
@click.option("--place", multiple=True, metavar="NAME",
              help="Only articles naming this place (repeatable; all must match).")
@pass_settings
def watch_add_cmd(settings, name, query, since, until, person, place):
    """Save a search as NAME; `watch run` shows what is indexed from now on.

    \b
    Example:
      fundstelle watch add heinsberg --place Heinsberg
    """
    if not (query and query.strip()) and not (person or place or since or until):
        raise click.UsageError("give a QUERY, or --person/--place/--since/--until")
    try:
        with _archive(settings) as archive:
            archive.watch_add(name, query, since=since, until=until, person=person,
                              place=place)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    click.echo(f"saved watch {name!r}; `fundstelle watch run {name}` lists what is "
               "indexed from now on.", err=True)


@watch_cmd.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@pass_settings
def watch_list_cmd(settings, fmt):
    """List the saved watches.

    \b
    Example:
      fundstelle watch list --format json
    """
    from search.render import clean_terminal

    try:
        watches = _archive(settings).watch_list()
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    if fmt == "json":
        click.echo(_json({"watches": watches}, indent=2))
        return
    if not watches:
        click.echo(f"no watches in {settings.index}", err=True)
    for w in watches:
        f = w["filters"]
        parts = [repr(w["query"]) if w["query"] else "(no query)"]
        parts += [f"--person {p!r}" for p in f["person"]] + [f"--place {p!r}" for p in f["place"]]
        parts += [f"--{k} {f[k]}" for k in ("since", "until") if f[k]]
        click.echo(f"{clean_terminal(w['name'])}\t{clean_terminal(' '.join(parts))}\t"
                   f"last run {w['last_run'] or 'never'}")


@watch_cmd.command("remove")
@click.argument("name")
@pass_settings
def watch_remove_cmd(settings, name):
    """Delete the watch NAME.

    \b
    Example:
      fundstelle watch remove heinsberg
    """
    try:
        _archive(settings).watch_remove(name)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    click.echo(f"removed watch {name!r}", err=True)


@watch_cmd.command("run")
@click.argument("name", required=False)
@click.option("--snippets", type=click.IntRange(0), default=1, show_default=True,
              help="Snippets a hit.")
@click.option("--format", "fmt", type=click.Choice(FORMATS + ("csv",)), default="text",
              show_default=True, help="Output format.")
@click.option("--bom/--no-bom", default=True, show_default=True,
              help="Start csv with a UTF-8 byte order mark (Excel needs it for umlauts).")
@pass_settings
def watch_run_cmd(settings, name, snippets, fmt, bom):
    """Show what each watch (or NAME) finds among the articles indexed since it last ran.

    Each watch then starts from here. Exit status: 0 when there are new hits,
    3 when there are none, 1 on an error.

    \b
    Examples:
      fundstelle watch run
      fundstelle watch run heinsberg --format json | mail -s Neues reporter@example.org
    """
    from search.render import clean_terminal
    from search.watch import NO_NEW_HITS

    try:
        with _archive(settings) as archive:
            data = archive.watch_run(name, snippets=snippets)
    except FundstelleError as exc:
        raise _fail(exc, settings) from None
    if fmt == "json":
        click.echo(_json(data, indent=2))
    elif fmt == "jsonl":
        for w in data["watches"]:
            for hit in w["hits"]:
                click.echo(_json(dict(hit, watch=w["name"])))
    elif fmt == "csv":
        _echo_csv(settings, lambda: data, "watch_csv", bom)
    else:
        if not data["watches"]:
            click.echo(f"no watches in {settings.index}; add one with `fundstelle watch add`",
                       err=True)
        for w in data["watches"]:
            click.echo(f"{clean_terminal(w['name'])}: {w['new']} new")
            for hit in w["hits"]:
                meta = " · ".join(x for x in (hit["date"] or "undated", hit["source"], hit["id"],
                                              f"added {hit['added']}" if hit["added"] else "")
                                  if x)
                click.echo(f"{hit['rank']:>5}. {clean_terminal(hit['title'] or '(no title)')}")
                click.echo(f"       {clean_terminal(meta)}")
    if not data["new"]:
        sys.exit(NO_NEW_HITS)


if __name__ == "__main__":
    run()
