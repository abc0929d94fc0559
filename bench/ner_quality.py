"""Person/place quality and speed of the entity extractor; prints figures, asserts nothing.

Quality: 5-fold cross-validation by article on news-annotated and our annotated FANG sample-300
articles and web pages (tools/ner_data/annotations/train.jsonl). Each fold's model is trained on
GermEval 2014 dev+test, our own fictional articles (tools/ner_data) and the other four folds'
shippable articles (``--with-fang``: all of them; FANG and web texts never train the shipped
model), and scored on
the held-out fold: per-article sets, names compared after case folding, micro-averaged
P/R/F1; the news-annotated part is also printed alone. ``--baseline`` adds the GermEval-only
CRF; the shipped model is scored in-sample as a sanity line only. Speed: articles/s on one core over
FANG sample-300 with the shipped model.

    .venv/bin/python bench/ner_quality.py [--shared PATH] [--folds 5] [--jobs 1] [--errors]
                                          [--fold-models DIR]
    .venv/bin/python bench/ner_quality.py --heldout [--model PATH] [--errors]
    .venv/bin/python bench/ner_quality.py --unseen [--model PATH] [--errors]
    .venv/bin/python bench/ner_quality.py --own-heldout [--model PATH]
    .venv/bin/python bench/ner_quality.py --own-folds [--errors] [--fold-models DIR]

``--heldout`` scores one model (the shipped one unless ``--model``) on our own held-out sets only,
each split by source, and trains nothing: ``heldout.jsonl`` (session 8: 20 FANG sample-300
articles, 10 web pages of smaller outlets; its errors were printed once, so it is no longer
clean), ``heldout2.jsonl`` (session 9: 13 FANG, 8 fundus-de, 12 web pages; annotated by
reading before any change of that session) and ``tools/ner_data/own_heldout.jsonl`` (session 10:
10 of our own articles, written with the 30 of ``own_news`` 076-105 and never trained on).
Never tune on their errors; ``--errors`` prints them for the first set only, never for
``heldout2`` or our own held-out articles.

``--unseen`` scores one model on the cross-validated articles the shipped model never trains on
(the FANG articles of news-annotated and every article of ``annotations/train.jsonl``), without
training: a quick stand-in for the cross-validation when only the rules change. Their errors may
be read to write rules.

``--own-folds`` cross-validates over our own training articles (``own_news``): each fold's CRF
trains on GermEval, news-annotated's shippable articles and the other folds' own articles, and
is scored on its own articles, by the session that wrote them. A development set of our kinds
of text (lone surnames, one-name people, towns for teams, small places) whose errors may be
read to write rules; the held-out sets stay unread.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import train_ner  # noqa: E402
from index.entities import EntityExtractor  # noqa: E402

SEED = 20240501


def folds_of(ids: list[str], k: int) -> list[list[str]]:
    """Article ids in k folds, shuffled with a fixed seed."""
    ids = sorted(ids)
    random.Random(SEED).shuffle(ids)
    return [ids[i::k] for i in range(k)]


# The owners leave buildings and landmarks out of their scoring as ambiguous; news-annotated tags
# them LOC. Names ending so are ignored on both sides, like news-annotated's `ambiguous` mentions.
BUILDING_ENDINGS = ("haus", "halle", "kaserne", "bunker", "gefängnis", "tor", "office", "kreml",
                    "ber", "stadion", "arena", "flughafen", "schloss", "dom", "kirche", "palast",
                    "turm", "tower", "brücke", "bahnhof", "museum", "hotel", "lunik")


def is_building(name: str) -> bool:
    """Whether a place name looks like a building or landmark (``Weißes Haus``, ``Kreml``)."""
    return name.casefold().replace(" ", "").endswith(BUILDING_ENDINGS)


class Score:
    """Micro-averaged set-level counts for one entity kind."""

    def __init__(self):
        self.tp = self.fp = self.fn = 0

    def add(self, predicted: set[str], gold: set[str], ignore: set[str] = frozenset()):
        ignore = {x.casefold() for x in ignore}
        p = {x.casefold() for x in predicted if not is_building(x)} - ignore
        g = {x.casefold() for x in gold if not is_building(x)} - ignore
        self.tp += len(p & g)
        self.fp += len(p - g)
        self.fn += len(g - p)

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def __str__(self):
        p, r, f = self.prf()
        return f"P {p:.3f} R {r:.3f} F1 {f:.3f}"


def add(total: tuple[Score, Score], got: tuple[Score, Score]) -> None:
    """Add the counts of ``got`` (persons, places) to ``total``."""
    for t, s in zip(total, got):
        t.tp += s.tp
        t.fp += s.fp
        t.fn += s.fn


def score(model_path: str, ids: list[str], gold: dict, texts: dict, errors: list | None = None):
    """Persons and places scores of one model over the given articles."""
    ex = EntityExtractor.load(model_path)
    per, loc = Score(), Score()
    for aid in ids:
        e = ex.extract(*texts[aid])
        g = gold[aid]
        per.add(set(e.persons), g["persons"], g["ambiguous"])
        loc.add(set(e.places), g["places"], g["ambiguous"])
        if errors is not None:
            for kind, pred in (("persons", e.persons), ("places", e.places)):
                pf = {x.casefold() for x in pred}
                gf = {x.casefold() for x in g[kind]}
                amb = {x.casefold() for x in g["ambiguous"]}
                amb |= {x.casefold() for x in (*pred, *g[kind]) if is_building(x)}
                errors.append((aid, kind, sorted(x for x in pred if x.casefold() not in gf | amb),
                               sorted(x for x in g[kind] if x.casefold() not in pf | amb)))
    return per, loc


HELDOUT = ROOT / "tools" / "ner_data" / "annotations" / "heldout.jsonl"
HELDOUT2 = ROOT / "tools" / "ner_data" / "annotations" / "heldout2.jsonl"
# Session 10: our own fictional articles kept aside (never trained on; text in the repository).
OWN_HELDOUT = ROOT / "tools" / "ner_data" / "own_heldout.jsonl"
# Groups of a held-out set by id prefix, in print order.
SOURCES = (("fang-", "FANG sample-300 (news)"), ("fundus-", "fundus-de (news 2023-26)"),
           ("web-", "web pages of smaller outlets"))


def read_heldout(shared: Path, path: Path = HELDOUT) -> tuple[dict, dict]:
    """The held-out gold sets and each article's (title, text): FANG ids (``fang-*``) from
    sample-300, fundus ids (``fundus-*``) from fundus-de, web ids (``web-<page>``) extracted from
    the saved page with our HTML reader, as an index run would."""
    gold, own = {}, {}
    for line in path.open(encoding="utf-8"):
        row = json.loads(line)
        gold[row["id"]] = {"persons": set(row["persons"]), "places": set(row["places"]),
                           "ambiguous": set(row.get("ignore", ()))}
        if "text" in row:
            # Our own articles carry their text, title line first.
            title, _, body = row["text"].partition("\n")
            own[row["id"]] = (title, body)
    texts = own or train_ner.article_texts(shared, gold)
    return gold, texts


def heldout(shared: Path, model: str | None, show: bool) -> None:
    """Print one model's scores on each held-out set, per source and overall. ``show`` prints
    the first set's wrong names; the second set's are never printed (it stays clean)."""
    print(f"model {model or 'shipped'}")
    for path, may_show in ((HELDOUT, show), (HELDOUT2, False), (OWN_HELDOUT, False)):
        if not path.exists():
            continue
        gold, texts = read_heldout(shared, path)
        missing = sorted(set(gold) - set(texts))
        if missing:
            raise SystemExit(f"{path.name}: no text for {', '.join(missing)}; check --shared")
        groups = {name: [i for i in sorted(gold) if i.startswith(prefix)]
                  for prefix, name in SOURCES}
        groups = {name: ids for name, ids in groups.items() if ids and len(ids) < len(gold)}
        groups["held-out overall"] = sorted(gold)
        print(f"{path.name}: {len(gold)} articles")
        print_groups(model, groups, gold, texts, "held-out overall" if may_show else None)


def own_heldout(model: str | None) -> None:
    """Print one model's scores on our own held-out articles only (never their errors): those
    of each session apart (10 of session 10, 30 of session 11, 30 of session 12), and all."""
    gold, texts = read_heldout(Path(), OWN_HELDOUT)
    groups = {}
    for session, first, last in ((10, 1, 10), (11, 11, 40), (12, 41, 70)):
        ids = [i for i in sorted(gold) if first <= int(i.rsplit("h", 1)[1]) <= last]
        if ids:
            groups[f"own held-out, session {session} (h{first:02d}-h{last})"] = ids
    groups["own held-out overall"] = sorted(gold)
    print(f"model {model or 'shipped'}: {OWN_HELDOUT.name}, {len(gold)} articles")
    print_groups(model, groups, gold, texts)


def unseen(shared: Path, model: str | None, show: bool) -> None:
    """Print one model's scores on the cross-validated articles the shipped model never trains
    on, by source."""
    gold, texts = cv_gold(shared)
    ids = sorted(i for i in gold if i in texts and not train_ner.shippable(i)
                 or i in train_ner.read_annotated_gold())
    groups = {name: [i for i in ids if i.startswith(prefix)] for prefix, name in SOURCES}
    groups = {name: g for name, g in groups.items() if g}
    groups["unseen overall"] = ids
    print(f"model {model or 'shipped'}: {len(ids)} annotated articles it never trained on")
    print_groups(model, groups, gold, texts, "unseen overall" if show else None)


def print_groups(model, groups, gold, texts, show=None):
    """Print the scores of ``model`` on each group of article ids (name → ids), and the
    per-article errors of the group named ``show`` (None: of none)."""
    for name, ids in groups.items():
        errors = [] if name == show else None
        per, loc = score(model, ids, gold, texts, errors)
        print(f"  {name:40s} persons {per}   places {loc}   ({len(ids)} articles)")
        for aid, kind, fp, fn in errors or ():
            if fp or fn:
                print(f"    {aid} {kind}: +{fp} -{fn}")


def own_folds(shared: Path, k: int, keep: Path | None, show: bool) -> None:
    """Print the cross-validated scores over our own training articles (see the module's
    text), by the sessions that wrote them."""
    gold, texts = read_heldout(Path(), train_ner.OWN_NEWS)
    ids = list(gold)  # file order, as read_own gives the articles
    articles = dict(zip(ids, train_ner.read_own(last=None)))
    germeval = train_ner.read_germeval(shared)
    news = train_ner.read_news(shared)
    shippable = [news[i] for i in sorted(news) if train_ner.shippable(i)]
    sessions = {"own articles 001-145 (sessions 2-10)": (1, 145),
                "own articles 146-280 (session 11)": (146, 280),
                "own articles 281-400 (session 12)": (281, 400)}
    overall = "own articles overall"
    totals = {name: (Score(), Score()) for name in (*sessions, overall)}
    errors: list | None = [] if show else None
    print(f"{k} folds over our own training articles ({len(ids)}; seed {SEED})")

    def number(aid):
        return int(aid.rsplit("-", 1)[1])

    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for fold in folds_of(ids, k):
            train_ids = [i for i in ids if i not in set(fold)]
            model = folder / f"own-fold-{fold_key(train_ids, True)}.crfsuite"
            if not model.exists():
                train_ner.train(model, germeval, shippable + [articles[i] for i in train_ids])
            # Each article is scored once, in its session's part (or, past them, in the
            # overall figure only), and counted into the overall figure too.
            parts = {name: [i for i in fold if low <= number(i) <= high]
                     for name, (low, high) in sessions.items()}
            parts[overall] = [i for i in fold if not any(i in p for p in parts.values())]
            for name, part in parts.items():
                if not part:
                    continue
                got = score(str(model), part, gold, texts, errors)
                add(totals[overall], got)
                if name != overall:
                    add(totals[name], got)
    for name, (per, loc) in totals.items():
        print(f"  {name:40s} persons {per}   places {loc}")
    for aid, kind, fp, fn in sorted(errors or ()):
        if fp or fn:
            print(f"    {aid} {kind}: +{fp} -{fn}")


def fold_key(train_ids: list[str], with_news: bool) -> str:
    """A name for a fold's model that changes with what it is trained from: the training
    articles, the own articles, the CRF's parameters and the feature code. Not the word lists
    of ``index/data``: after rebuilding them, empty the ``--fold-models`` folder."""
    h = hashlib.sha1(repr((sorted(train_ids), with_news, train_ner.CRF_PARAMS)).encode())
    for path in (train_ner.OWN_NEWS, ROOT / "index/entities/features.py"):
        h.update(path.read_bytes() if path.exists() else b"")
    return h.hexdigest()[:16]


def _run_fold(job):
    shared, name, train_ids, test_ids, with_news, show, with_fang, keep = job
    if not with_fang:
        # FANG-COVID articles are scored but never trained on (as for the shipped model).
        train_ids = [i for i in train_ids if train_ner.shippable(i)]
    gold, texts = cv_gold(shared)
    with tempfile.TemporaryDirectory() as tmp:
        model = (keep or Path(tmp)) / f"fold-{fold_key(train_ids, with_news)}.crfsuite"
        if not model.exists():
            germeval = train_ner.read_germeval(shared)
            news = {**train_ner.read_news(shared), **train_ner.read_annotated(shared)}
            # Our own fictional articles (tools/ner_data) always train, never score.
            own = train_ner.read_own() if with_news else []
            train_ner.train(model, germeval,
                            ([news[i] for i in train_ids] if with_news else []) + own)
        errors = [] if show else None
        per, loc = score(str(model), test_ids, gold, texts, errors)
        # The same fold's scores by source: news-annotated alone (comparable with earlier
        # sessions), our annotated FANG articles, our annotated web pages.
        parts = {}
        for part, ids in (("news-annotated", [i for i in test_ids if i in NEWS_ANNOTATED]),
                          ("our FANG articles", [i for i in test_ids if i not in NEWS_ANNOTATED
                                                 and i.startswith("fang-")]),
                          ("our web pages", [i for i in test_ids if i.startswith("web-")])):
            parts[part] = score(str(model), ids, gold, texts)
    return name, per, loc, errors, parts


NEWS_ANNOTATED: set[str] = set()


def cv_gold(shared: Path) -> tuple[dict, dict]:
    """Gold sets and texts of the cross-validated articles: news-annotated (58) and our
    annotated FANG sample-300 training articles (``tools/ner_data/annotations/train.jsonl``)."""
    gold, texts = train_ner.read_gold(shared)
    NEWS_ANNOTATED.update(gold)
    extra = train_ner.read_annotated_gold()
    texts.update(train_ner.article_texts(shared, extra))
    gold.update(extra)
    return gold, texts


def speed(shared: Path, model: str | None) -> tuple[float, float, int]:
    """Articles/s of ``extract`` over FANG sample-300 on one core: wall clock and CPU time (the
    CPU figure is steadier on a busy machine). Best of two passes, the second with a warm cache."""
    rows = [json.loads(line) for line in
            (shared / "data/fang-covid/sample-300.jsonl").open(encoding="utf-8")]
    ex = EntityExtractor.load(model)
    wall = cpu = 0.0
    for _ in range(2):
        t0, c0 = time.perf_counter(), time.process_time()
        for r in rows:
            ex.extract(r.get("title") or "", r.get("text") or "")
        wall = max(wall, len(rows) / (time.perf_counter() - t0))
        cpu = max(cpu, len(rows) / (time.process_time() - c0))
    return wall, cpu, len(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=train_ner.DEFAULT_SHARED)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=1,
                        help="folds trained at once (1: the machine is shared; each fold trains a CRF)")
    parser.add_argument("--errors", action="store_true", help="print each fold's wrong names")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--with-fang", action="store_true",
                        help="folds train on FANG articles too (by default they are only scored)")
    parser.add_argument("--baseline", action="store_true",
                        help="also train and score the GermEval-only baseline (one more CRF)")
    parser.add_argument("--heldout", action="store_true",
                        help="score one model on the held-out set only (trains nothing)")
    parser.add_argument("--model", default=None, help="the model --heldout or --unseen scores")
    parser.add_argument("--fold-models", type=Path, default=None,
                        help="keep each fold's CRF in this folder and reuse it while its training "
                             "data, parameters and features are unchanged (rules-only changes "
                             "then train nothing)")
    parser.add_argument("--unseen", action="store_true",
                        help="score one model on the annotated articles the shipped model never "
                             "trains on (trains nothing)")
    parser.add_argument("--own-heldout", action="store_true",
                        help="score one model on our own held-out articles only (trains nothing)")
    parser.add_argument("--own-folds", action="store_true",
                        help="cross-validate over our own training articles (a development set "
                             "whose errors may be read)")
    args = parser.parse_args(argv)
    if args.own_folds:
        own_folds(args.shared, args.folds, args.fold_models, args.errors)
        return 0
    if args.own_heldout:
        own_heldout(args.model)
        return 0
    if args.unseen:
        unseen(args.shared, args.model, args.errors)
        return 0
    if args.heldout:
        heldout(args.shared, args.model, args.errors)
        return 0

    gold, texts = cv_gold(args.shared)
    news = {**train_ner.read_news(args.shared), **train_ner.read_annotated(args.shared)}
    ids = sorted(set(gold) & set(news) & set(texts))
    folds = folds_of(ids, args.folds)
    keep = args.fold_models
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
    jobs = [(args.shared, f"fold {i + 1}", [a for a in ids if a not in fold], fold, True, args.errors,
             args.with_fang, keep) for i, fold in enumerate(folds)]
    if args.baseline:
        jobs.append((args.shared, f"GermEval-only baseline (all {len(ids)} articles)", [], ids,
                     False, False, False, keep))

    results = {}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for name, per, loc, errors, parts in pool.map(_run_fold, jobs):
            results[name] = (per, loc, errors, parts)
    overall = (Score(), Score())
    by_part: dict[str, tuple[Score, Score]] = {}
    ours = set(ids) - NEWS_ANNOTATED
    print(f"cross-validation: {len(ids)} articles ({len(NEWS_ANNOTATED & set(ids))} news-annotated, "
          f"{sum(i.startswith('fang-') for i in ours)} annotated FANG sample-300, "
          f"{sum(i.startswith('web-') for i in ours)} annotated web pages), {args.folds} folds by "
          f"article (seed {SEED}); train = GermEval dev+test + own articles + other folds"
          + ("" if args.with_fang else "' shippable (non-FANG, non-web) articles"))

    for name, (per, loc, errors, parts) in results.items():
        if name.startswith("fold"):
            add(overall, (per, loc))
            for part, got in parts.items():
                add(by_part.setdefault(part, (Score(), Score())), got)
        print(f"{name:42s} persons {per}   places {loc}")
        for aid, kind, fp, fn in errors or ():
            if fp or fn:
                print(f"    {aid} {kind}: +{fp} -{fn}")
    print(f"{'cross-validated overall':42s} persons {overall[0]}   places {overall[1]}")
    for part, (per, loc) in by_part.items():
        print(f"{'  of which ' + part:42s} persons {per}   places {loc}")
    per, loc = score(None, ids, gold, texts)
    print(f"{'shipped model, IN-SAMPLE (sanity only)':42s} persons {per}   places {loc}")
    if not args.no_speed:
        wall, cpu, n = speed(args.shared, None)
        load = os.getloadavg()[0]
        print(f"speed: {wall:.0f} articles/s wall clock, {cpu:.0f} per CPU second, one core "
              f"(FANG sample-300, {n} articles, shipped model; load average {load:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
