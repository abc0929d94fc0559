"""Build the shipped person/place model: word lists in ``index/data``, the CRF in ``index/models``.

Reads GermEval 2014 (CC-BY 4.0) and news-annotated (ours) from ``../shared`` beside the repository
(or ``--shared PATH``); babel and pycountry supply German names of countries and regions. Fixed
inputs and crfsuite's deterministic L-BFGS make the build reproducible.

    .venv/bin/python tools/train_ner.py            # what `make model` runs
"""

from __future__ import annotations

import argparse
import gettext
import gzip
import json
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from index.entities import (DATA_DIR, DEFAULT_MODEL, TOKEN_RE, FeatureCache,  # noqa: E402
                            Lexicon, document_lowercase, tokenize)

DEFAULT_SHARED = ROOT.parent / "shared"
OWN_PLACES = Path(__file__).resolve().parent / "own_places.txt"
LABELS = ("PER", "LOC", "ORG")
CRF_PARAMS = {"c1": 0.1, "c2": 0.01, "max_iterations": 150, "feature.possible_transitions": True}
# Entries of the GermaNER place list that name organisations, not places.
_NOT_FIRST_NAMES = frozenset(
    "Diktator Vater Sultan Emir Imam Dekan Maler Malers Mentor Optiker Jongleur Grieche Cousin "
    "Kaisers Erzrivale Familie Virologe Baby Buddy Duke Judas Eros Mythos Monument Norm Regel "
    "Paket Heft Job Ecke Foul Ding Art Harley".split())
_ORG_WORDS = ("Union", "Organisation", "Forum", "Gemeinschaft", "Bund", "Liga", "Rat", "Nationen")


# --- corpora -------------------------------------------------------------------------------------

def read_germeval(shared: Path) -> list[tuple[list[str], list[str]]]:
    """GermEval 2014 dev + test sentences as (tokens, tags); only PER/LOC/ORG outer tags kept."""
    out = []
    for name in ("NER-de-dev.tsv", "NER-de-test.tsv"):
        toks, tags = [], []
        for line in (shared / "data/ner/germeval2014" / name).open(encoding="utf-8"):
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 3:
                if toks:
                    out.append((toks, tags))
                toks, tags = [], []
                continue
            tag = cols[2]
            toks.append(cols[1])
            tags.append(tag if tag[2:] in LABELS else "O")
        if toks:
            out.append((toks, tags))
    return out


def read_news(shared: Path) -> dict[str, list[tuple[list[str], list[str]]]]:
    """news-annotated bio.tsv as article id → sentences of (tokens, tags)."""
    arts: dict[str, list] = {}
    cur, toks, tags = None, [], []
    for line in (shared / "data/ner/news-annotated/bio.tsv").open(encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# id="):
            if toks:
                arts[cur].append((toks, tags))
            cur, toks, tags = line[5:], [], []
            arts[cur] = []
        elif not line:
            if toks:
                arts[cur].append((toks, tags))
            toks, tags = [], []
        else:
            tok, tag = line.rsplit("\t", 1)
            toks.append(tok)
            tags.append(tag if tag[2:] in LABELS else "O")
    if toks:
        arts[cur].append((toks, tags))
    return arts


def shippable(article_id: str) -> bool:
    """Whether an annotated article may train the shipped model: FANG-COVID texts and saved web
    pages (publishers' copyright, the project ships nothing derived from them) are scored but
    never trained on. ``--with-fang`` trains on them too, for measuring only
    (index/models/README.md: it did not help on the held-out set)."""
    return not article_id.startswith(("fang-", "web-"))


def read_gold(shared: Path) -> tuple[dict, dict]:
    """news-annotated's per-article gold sets and the raw (title, text) of each article."""
    gold = {}
    for line in (shared / "data/ner/news-annotated/mentions.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        ambiguous = {m["canonical"] for m in row["mentions"] if m.get("ambiguous")}
        gold[row["id"]] = {"persons": set(row["persons"]), "places": set(row["places"]),
                           "ambiguous": ambiguous}
    texts = {}
    for path in (shared / "data/fang-covid/sample-300.jsonl", shared / "data/fundus-de/articles.jsonl"):
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            if row["id"] in gold:
                texts[row["id"]] = (row.get("title") or "", row.get("text") or "")
    return gold, texts


def article_texts(shared: Path, ids) -> dict[str, tuple[str, str]]:
    """The (title, text) of articles by id: ``fang-*`` from FANG sample-300, ``fundus-*`` from
    fundus-de, ``web-<page>`` extracted from the saved page of ``data/html-extraction`` with our
    HTML reader, as an index run would. Ids not found are left out."""
    ids = set(ids)
    texts = {}
    for prefix, path in (("fang-", "data/fang-covid/sample-300.jsonl"),
                         ("fundus-", "data/fundus-de/articles.jsonl")):
        if any(i.startswith(prefix) for i in ids):
            for line in (shared / path).open(encoding="utf-8"):
                row = json.loads(line)
                if row["id"] in ids:
                    texts[row["id"]] = (row.get("title") or "", row.get("text") or "")
    web = sorted(i for i in ids if i.startswith("web-"))
    if web:
        from index.readers.html import article_from_html
        pages = shared / "data/html-extraction"
        urls = {}
        for line in (pages / "gold.jsonl").open(encoding="utf-8"):
            row = json.loads(line)
            urls[row["file"]] = row["url"]
        for aid in web:
            name = aid[4:] + ".html"
            if (pages / "pages" / name).exists():
                art = article_from_html((pages / "pages" / name).read_bytes(), aid, name,
                                        url=urls.get(name))
                texts[aid] = (art.title, art.text)
    return texts


OWN_NEWS = Path(__file__).resolve().parent / "ner_data" / "own_news.jsonl"
#: The last of our own articles that trains the shipped CRF. Articles 281-400 (session 12) are
#: annotated, and ``ner_quality.py --own-folds`` reads their errors, but a CRF trained with them
#: lost on the unseen annotated articles (persons .936 → .928, places .934 → .918) and tied in
#: the cross-validation (.931/.922 → .930/.921): ``--own-last 400`` trains one so.
OWN_TRAIN_LAST = 280
ANNOTATED = Path(__file__).resolve().parent / "ner_data" / "annotations" / "train.jsonl"


def _pattern(surface: str) -> tuple[list[str], int, int]:
    """A surface's tokens and the part it tags: ``in [Olching]`` tags only ``Olching``, and
    only after ``in``."""
    if "[" in surface:
        before, _, rest = surface.partition("[")
        inner, _, after = rest.partition("]")
        a, b, c = (TOKEN_RE.findall(x) for x in (before, inner, after))
        return a + b + c, len(a), len(a) + len(b)
    toks = TOKEN_RE.findall(surface)
    return toks, 0, len(toks)


def project(sentences: list[list[str]], marks: list[tuple[str, str]]
            ) -> tuple[list[tuple[list[str], list[str]]], set[str]]:
    """BIO tags for tokenized sentences from (surface, type) marks, type ``O`` keeping tokens
    outside any name. Every occurrence of a surface is tagged, longer surfaces first; a token
    claimed once stays claimed. Returns the sentences and the surfaces never found."""
    patterns = sorted(((_pattern(s), kind, s) for s, kind in marks),
                      key=lambda p: -len(p[0][0]))
    unused = {s for _, _, s in patterns}
    out = []
    for toks in sentences:
        tags = ["O"] * len(toks)
        taken = [False] * len(toks)
        for (ptoks, a, b), kind, surface in patterns:
            n = len(ptoks)
            if not n or n > len(toks):
                continue
            for i in range(len(toks) - n + 1):
                if toks[i:i + n] != ptoks or any(taken[i + a:i + b]):
                    continue
                unused.discard(surface)
                for j in range(i + a, i + b):
                    taken[j] = True
                    if kind != "O":
                        tags[j] = ("B-" if j == i + a else "I-") + kind
        out.append((toks, tags))
    return out, unused


def read_annotated(shared: Path, path: Path = ANNOTATED
                   ) -> dict[str, list[tuple[list[str], list[str]]]]:
    """Our annotations of FANG sample-300 articles and web pages of small outlets
    (``tools/ner_data/annotations/train.jsonl``: ids and names only) projected onto the
    articles' tokens, title included, as article id → sentences of (tokens, tags). The texts are
    read from ``../shared`` (``article_texts``)."""
    rows = [json.loads(line) for line in path.open(encoding="utf-8")] if path.exists() else []
    texts = article_texts(shared, {r["id"] for r in rows})
    arts = {}
    for row in rows:
        title, text = texts[row["id"]]
        marks = [(s, kind) for kind, surfaces in row["mentions"].items() for s in surfaces]
        marks += [(s, "O") for s in row.get("outside", ())]
        sents, unused = project(tokenize(title) + tokenize(text), marks)
        if unused:
            print(f"{row['id']}: annotated but not found: {sorted(unused)}", file=sys.stderr)
        arts[row["id"]] = sents
    return arts


def read_annotated_gold(path: Path = ANNOTATED) -> dict[str, dict]:
    """The per-article gold sets of our annotated training articles, as ``read_gold`` gives."""
    gold = {}
    if path.exists():
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            gold[row["id"]] = {"persons": set(row["persons"]), "places": set(row["places"]),
                               "ambiguous": set(row.get("ignore", ()))}
    return gold


def read_own(path: Path = OWN_NEWS, titles: bool = True, last: int | None = OWN_TRAIN_LAST
             ) -> list[list[tuple[list[str], list[str]]]]:
    """Our own fictional training articles (``tools/ner_data``) up to number ``last`` (None:
    all), projected onto tokens with the extractor's tokenizer: a token inside a PER/LOC/ORG
    mention is tagged B-/I-; bylines, photo credits and tokens a mention covers only in part
    (``Curevac-Chef``) are O. A title line trains only when it carries a mark: the first
    articles were written with unmarked titles (session 11 marked the names of most of them)."""
    arts = []
    if not path.exists():
        return arts
    for line in path.open(encoding="utf-8"):
        row = json.loads(line)
        if last is not None and int(row["id"].rsplit("-", 1)[1]) > last:
            continue
        text = row["text"]
        marks = [m for m in row["mentions"] if m["type"] in LABELS]
        pos = text.find("\n") + 1
        if titles and any(m["start"] < pos for m in row["mentions"]):
            pos = 0
        sents = []
        for toks in tokenize(text[pos:]):
            tags, prev = [], None
            for tok in toks:
                start = text.find(tok, pos)
                end = start + len(tok)
                pos = end
                hit = next((m for m in marks if m["start"] <= start and end <= m["end"]), None)
                if hit is None:
                    tags.append("O")
                else:
                    tags.append(("I-" if hit is prev else "B-") + hit["type"])
                prev = hit
            sents.append((toks, tags))
        arts.append(sents)
    return arts


# --- word lists ----------------------------------------------------------------------------------

def _unmangle(name: str) -> str:
    """GermaNER's first-name list is UTF-8 read as Latin-1 and saved again ("BjÃ¶rn")."""
    try:
        return name.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def first_names(shared: Path, ge_nouns: set[str], nouns: set[str]) -> set[str]:
    """GermaNER's first names, repaired, without the common nouns the list also holds."""
    first = set()
    for line in (shared / "data/ner/germaner-gazetteers/vornameList.txt").open(encoding="utf-8"):
        cols = line.rstrip("\n").split("\t")
        name = _unmangle(cols[0].strip())
        # The list holds common nouns too ("Virologe", "Familie"); a noun that the list gives no
        # gender is dropped, and so are a few gendered ones by hand.
        if len(name) < 3 or name in ge_nouns or name in _NOT_FIRST_NAMES:
            continue
        if name in nouns and len(cols) < 3:
            continue
        first.add(name)
    return first


def build_lists(shared: Path, germeval, out_dir: Path = DATA_DIR, geonames: bool = True) -> None:
    """Write places, first names, lowercase words and common nouns as gzipped lists."""
    from babel import Locale
    import pycountry

    import build_wordlists

    _, cap_o, cap_ent = build_wordlists.germeval_counts(germeval)
    ge_nouns = build_wordlists.germeval_nouns(cap_o, cap_ent)
    lower, nouns = build_wordlists.build(
        shared, germeval, build_wordlists.dach_town_words() if geonames else frozenset(),
        germaner_surnames(shared))
    common = {w.lower() for w in lower} | {w.lower() for w in nouns}

    def plausible(name: str) -> bool:
        return " " in name or name.lower() not in common

    first = first_names(shared, ge_nouns, nouns)
    trusted = {n for code, n in Locale("de").territories.items() if code != "001"}
    trusted |= {line.strip() for line in OWN_PLACES.open(encoding="utf-8")
                if line.strip() and not line.startswith("#")}
    de = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
    for sub in pycountry.subdivisions:
        name = de.gettext(sub.name)
        if sub.country_code in ("DE", "AT", "CH"):
            trusted.add(name)
        elif plausible(name) and len(name) > 3:
            trusted.add(name)
    for line in (shared / "data/ner/germaner-gazetteers/location_wiki.list").open(encoding="utf-8"):
        name, _, kind = line.rstrip("\n").partition("\t")
        if kind in ("Wiki.city", "Wiki.location") and plausible(name) \
                and not any(w in name for w in _ORG_WORDS):
            trusted.add(name)
    if geonames:
        noun_forms, person_names = build_wordlists.german_nouns(("Vorname", "Nachname"))
        noun_forms = {w.lower() for w in noun_forms}
        trusted |= {n for n in build_wordlists.german_toponyms(noun_forms) if plausible(n)}
        trusted |= build_wordlists.geonames_places(common, person_names, first,
                                                   germaner_surnames(shared))
    places = sorted(n for n in trusted if n and "," not in n)

    out_dir.mkdir(parents=True, exist_ok=True)
    nouns = {w for w in nouns if w not in trusted and w not in first}
    if geonames:
        _write_list(out_dir / "word_towns.txt.gz", sorted(build_wordlists.word_towns(set(places))))
    for fname, items in (("places.txt.gz", places), ("first_names.txt.gz", sorted(first)),
                         ("lowercase.txt.gz", sorted({w.lower() for w in lower})),
                         ("nouns.txt.gz", sorted(nouns))):
        _write_list(out_dir / fname, items)


def _write_list(path: Path, items) -> None:
    """One entry a line, gzipped; mtime=0 keeps the bytes identical from build to build."""
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(("\n".join(items) + "\n").encode("utf-8"))


def _one_name_word(name: str) -> bool:
    """One capitalised word of three letters or more ("Haseloff"); hyphenated and all-caps
    entries are left out."""
    return len(name) >= 3 and name[0].isupper() and name[1:].isalpha() and name[1:].islower()


#: Faker's locales (MIT) whose first names are written in Latin letters: the countries German
#: news most often names people from, beyond GermaNER's mostly German list.
FAKER_LOCALES = ("de_DE de_AT de_CH it_IT tr_TR pl_PL cs_CZ sk_SK hr_HR sl_SI hu_HU ro_RO fr_FR "
                 "es_ES pt_BR pt_PT nl_NL sv_SE da_DK no_NO fi_FI en_GB en_US en_IN en_IE lt_LT "
                 "lv_LV et_EE id_ID").split()


def build_more_first_names(out_dir: Path = DATA_DIR) -> int:
    """Write ``first_names_more.txt.gz``: the first names of Faker's person providers
    (:data:`FAKER_LOCALES`) that are one capitalised word of Latin letters and no first name,
    common noun, lowercase word, place or surname of the other lists ("Chiara", "Rishi",
    "Zeynep"). Only the rules read it: as a CRF feature it lost on unseen articles (.935/.931 →
    .926/.925). Runs after the other lists; needs ``faker`` at build time only (``pip install
    --target DIR faker``, DIR on sys.path). Returns the entries written."""
    import importlib

    lex = Lexicon(out_dir)
    names = set()
    for locale in FAKER_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female"):
            got = getattr(provider, attr, ())
            for name in got.keys() if isinstance(got, dict) else got:
                if not _one_name_word(name) \
                        or not all(unicodedata.name(c, "").startswith("LATIN") for c in name):
                    continue
                if name in lex.first_names or name in lex.nouns or name.lower() in lex.lowercase \
                        or name in lex.place_tokens or name in lex.surnames:
                    continue
                names.add(name)
    _write_list(out_dir / "first_names_more.txt.gz", sorted(names))
    return len(names)


def germaner_surnames(shared: Path) -> set[str]:
    """GermaNER's surnames (``inDBnachnamen.txt``, Apache-2.0, noisy), one a line as written."""
    path = shared / "data/ner/germaner-gazetteers/inDBnachnamen.txt"
    return {line.strip() for line in path.open(encoding="utf-8")}


def build_surnames(shared: Path, out_dir: Path = DATA_DIR) -> int:
    """Write ``surnames.txt.gz``: GermaNER's surnames (``inDBnachnamen.txt``, Apache-2.0, noisy)
    that are no word of the other lists (common nouns, lowercase words, places, first names), so
    that "Haus" or "Essen" is never read as a surname. Reads the other lists from ``out_dir``, so
    it runs after ``build_lists`` and needs none of its packages. Returns the entries written."""
    lex = Lexicon(out_dir)
    names = set()
    for name in germaner_surnames(shared):
        if not _one_name_word(name):
            continue
        if name in lex.nouns or name.lower() in lex.lowercase or name in lex.place_tokens \
                or name in lex.first_names:
            continue
        names.add(name)
    _write_list(out_dir / "surnames.txt.gz", sorted(names))
    return len(names)


# --- training ------------------------------------------------------------------------------------

def sequences(germeval, news_articles, features: FeatureCache, news_copies: int = 2):
    """(features, tags) sequences; news sentences see their article's lowercase words."""
    for toks, tags in germeval:
        yield features.sentence_features(toks, document_lowercase([toks])), tags
    for sents in news_articles:
        doc_lower = document_lowercase([t for t, _ in sents])
        for toks, tags in sents:
            xs = features.sentence_features(toks, doc_lower)
            for _ in range(news_copies):
                yield xs, tags


def train(model_path: Path, germeval, news_articles, lexicon: Lexicon | None = None,
          params: dict | None = None, news_copies: int = 2) -> Path:
    """Train one CRF on GermEval sentences plus news articles (each a list of sentences)."""
    import pycrfsuite

    features = FeatureCache(lexicon or Lexicon())
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    trainer.set_params(params or CRF_PARAMS)
    for xs, ys in sequences(germeval, news_articles, features, news_copies):
        trainer.append(xs, ys)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(model_path))
    return model_path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="the shared folder holding data/ner (default: ../shared)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="where to write the CRF")
    parser.add_argument("--with-fang", action="store_true",
                        help="also train on the FANG-COVID articles of news-annotated and of "
                             "tools/ner_data/annotations (measuring only; not the shipped model)")
    parser.add_argument("--news-copies", type=int, default=2,
                        help="times each news sentence (annotated and own) trains beside GermEval's")
    parser.add_argument("--own-last", type=int, default=OWN_TRAIN_LAST,
                        help=f"the last of our own articles that trains [{OWN_TRAIN_LAST}]")
    parser.add_argument("--no-lists", action="store_true",
                        help="keep index/data's word lists as they are (train the CRF only)")
    parser.add_argument("--more-first-names-only", action="store_true",
                        help="write index/data/first_names_more.txt.gz from Faker and stop")
    parser.add_argument("--surnames-only", action="store_true",
                        help="write index/data/surnames.txt.gz from the other lists and stop")
    args = parser.parse_args(argv)
    if args.more_first_names_only:
        n = build_more_first_names()
        print(f"{DATA_DIR / 'first_names_more.txt.gz'}: {n} first names", file=sys.stderr)
        return 0
    if args.surnames_only:
        n = build_surnames(args.shared)
        print(f"{DATA_DIR / 'surnames.txt.gz'}: {n} surnames", file=sys.stderr)
        return 0
    t0 = time.time()
    germeval = read_germeval(args.shared)
    news = read_news(args.shared)
    if args.with_fang:
        news.update(read_annotated(args.shared))
    if not args.no_lists:
        build_lists(args.shared, germeval)
        build_surnames(args.shared)
        build_more_first_names()
    own = read_own(last=args.own_last)
    keep = [k for k in sorted(news) if shippable(k) or args.with_fang]
    train(args.model, germeval, [news[k] for k in keep] + own, news_copies=args.news_copies)
    size = args.model.stat().st_size / 1e6
    print(f"{args.model}: {size:.1f} MB, {len(germeval)} GermEval sentences, "
          f"{len(keep)} annotated news articles, {len(own)} own articles, "
          f"{time.time() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
