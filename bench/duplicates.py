"""Agency copies on a corpus: signature cost, Jaccard of candidate pairs, groups, sample pairs.

    nice python bench/duplicates.py pairs [--corpus PATH] [--limit N]
    nice python bench/duplicates.py groups --index PATH [--sample 50] [--seed 21]
    nice python bench/duplicates.py cost [--corpus PATH] [--limit 2000] [--runs 2]

``pairs`` signs every article of the corpus (default: FANG in ``../shared``),
finds candidate pairs with LSH at a low threshold (0.3) and prints how many
pairs have an estimated Jaccard in each band: what :data:`index.duplicates.THRESHOLD`
was chosen from. It also prints the signing cost per article.

``groups`` reads the groups an index run kept beside the index (its newest
``dupsig-v1-*.pickle``) and prints the number of groups, their size
distribution and one random pair from each of ``--sample`` random groups (ids
and estimated Jaccard; never the texts), to be judged by reading them with
``fundstelle show ID``. The judgments are kept in ``bench/duplicates-judged.tsv``.

``cost`` indexes the same ``--limit`` articles (spread over the corpus) with
and without grouping, alternating, ``--runs`` times each, every run a fresh
index in a child process with entities and two workers; it prints wall and
CPU seconds (the whole process tree's) per run and the median difference.
"""

import argparse
import collections
import gzip
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from index.duplicates import NUM_PERM, Signer  # noqa: E402

DEFAULT_CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                              "shared", "data", "fang-covid", "articles.jsonl.gz")


def read_corpus(path, limit=0):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if limit and n >= limit:
                break
            yield json.loads(line)


def pairs(args):
    from datasketch import MinHashLSH

    signer = Signer()
    sigs, sources = {}, {}
    started = time.process_time()
    count = 0
    for art in read_corpus(args.corpus, args.limit):
        count += 1
        sig = signer.signature(art.get("text") or "")
        if sig is not None:
            sigs[art["id"]] = sig
            sources[art["id"]] = art.get("source") or ""
    cpu = time.process_time() - started
    print(f"{count} articles, {len(sigs)} long enough to sign; "
          f"signing {cpu:.1f} CPU-s ({1000 * cpu / max(count, 1):.2f} ms an article)")
    lsh = MinHashLSH(threshold=0.3, num_perm=NUM_PERM)
    for key, sig in sigs.items():
        lsh.insert(key, signer.minhash(hashvalues=sig), check_duplication=False)
    bands = collections.Counter()
    same_source = collections.Counter()
    seen = set()
    for key, sig in sigs.items():
        for other in lsh.query(signer.minhash(hashvalues=sig)):
            if other == key or (other, key) in seen:
                continue
            seen.add((key, other))
            j = float((sigs[other] == sig).sum()) / NUM_PERM
            band = min(int(j * 10), 9) / 10
            bands[band] += 1
            same_source[band] += sources[key] == sources[other]
    print("| est. Jaccard | pairs | same source |")
    print("|---|---|---|")
    for band in sorted(bands):
        print(f"| {band:.1f}–{band + 0.1:.1f} | {bands[band]} | {same_source[band]} |")


def groups(args):
    import numpy as np

    from index.duplicates import _read_newest

    state = _read_newest(args.index)
    if state is None:
        sys.exit(f"no agency-group state (dupsig-v1-*.pickle) in {args.index}")
    ids, sigs = state["ids"], state["signatures"]
    row = {article_id: n for n, article_id in enumerate(ids)}
    members = collections.defaultdict(list)
    for article_id, group in zip(ids, state["groups"].tolist()):
        members[group].append(article_id)
    grouped = [m for m in members.values() if len(m) > 1]
    sizes = collections.Counter(len(m) for m in grouped)
    print(f"{len(ids)} articles, {len(grouped)} groups of 2 or more holding "
          f"{sum(map(len, grouped))} articles")
    print("| size | groups |")
    print("|---|---|")
    for size in sorted(sizes):
        print(f"| {size} | {sizes[size]} |")
    # One random pair from each of --sample random groups, so large groups do not fill it.
    rng = random.Random(args.seed)
    chosen = rng.sample(grouped, min(args.sample, len(grouped)))
    if chosen:
        print("\npair\tid_a\tid_b\test_jaccard")
    for n, group in enumerate(chosen, 1):
        a, b = rng.sample(group, 2)
        j = float(np.mean(sigs[row[a]] == sigs[row[b]]))
        print(f"{n}\t{a}\t{b}\t{j:.2f}")


def cost(args):
    import statistics
    import shutil
    import tempfile

    bench = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, bench)
    import perf

    workdir = tempfile.mkdtemp(prefix="fundstelle-dupcost-")
    try:
        total = perf.count_lines(args.corpus)
        src, text_mb = perf.subset(args.corpus, args.limit, total, workdir)
        print(f"{min(args.limit, total)} articles, {text_mb:.1f} MB of text, "
              f"load {os.getloadavg()[0]:.1f}")
        print("| run | grouping | wall s | cpu s |")
        print("|---|---|---|---|")
        figures = {True: [], False: []}
        code = ("import resource, sys; from index.build import index_paths; "
                "index_paths(sys.argv[1], [sys.argv[2]], procs=2, "
                "duplicates=sys.argv[3] == '1'); "
                "u = [resource.getrusage(w) for w in "
                "(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]; "
                "print(sum(r.ru_utime + r.ru_stime for r in u))")
        root = os.path.dirname(bench)
        env = dict(os.environ, PYTHONWARNINGS="ignore", PYTHONPATH=root)
        for run in range(args.runs):
            for flag in (False, True):
                out = os.path.join(workdir, f"index-{run}-{int(flag)}")
                wall, cpu, _, _ = perf.run_measured(
                    [sys.executable, "-c", code, out, src, "1" if flag else "0"], env=env)
                figures[flag].append((wall, cpu))
                print(f"| {run + 1} | {'on' if flag else 'off'} | {wall:.1f} | {cpu:.1f} |",
                      flush=True)
                shutil.rmtree(out, ignore_errors=True)
        for i, what in ((0, "wall"), (1, "cpu")):
            off = statistics.median(f[i] for f in figures[False])
            on = statistics.median(f[i] for f in figures[True])
            print(f"median {what}: off {off:.1f} s, on {on:.1f} s ({100 * (on / off - 1):+.1f}%)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pairs")
    p.add_argument("--corpus", default=DEFAULT_CORPUS)
    p.add_argument("--limit", type=int, default=0)
    g = sub.add_parser("groups")
    g.add_argument("--index", required=True)
    g.add_argument("--sample", type=int, default=50)
    g.add_argument("--seed", type=int, default=21)
    c = sub.add_parser("cost")
    c.add_argument("--corpus", default=DEFAULT_CORPUS)
    c.add_argument("--limit", type=int, default=2000)
    c.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    {"pairs": pairs, "groups": groups, "cost": cost}[args.cmd](args)


if __name__ == "__main__":
    main()
