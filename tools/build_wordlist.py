"""Build ``index/data/de_words.tsv.gz``: German word forms with their frequency, for compound splitting.

Source: the German frequency list of the ``wordfreq`` package (data CC BY-SA 4.0, Robyn Speer
et al., built from Wikipedia, subtitles, news, books and web text; code Apache-2.0). Only this
build script needs wordfreq; Fundstelle itself reads the shipped file and downloads nothing.
Each line is ``word<TAB>zipf×100`` (Zipf scale: log10 of occurrences per billion words), most
frequent first; only lowercase alphabetic forms of 3 to 30 letters are kept.

    pip install wordfreq==3.1.1 && python tools/build_wordlist.py [--top 200000]
"""

import argparse
import gzip
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "index" / "data" / "de_words.tsv.gz"
_WORD = re.compile(r"[a-zäöüß]{3,30}")


def main():
    from wordfreq import top_n_list, zipf_frequency

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--top", type=int, default=200_000, help="words to read from wordfreq")
    ap.add_argument("--min-zipf", type=float, default=1.5, help="drop rarer words")
    args = ap.parse_args()
    rows = []
    for word in top_n_list("de", args.top):
        if not _WORD.fullmatch(word):
            continue
        z = zipf_frequency(word, "de")
        if z >= args.min_zipf:
            rows.append((word, int(round(z * 100))))
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("# German word forms and Zipf frequency x100, from wordfreq 3.1.1 "
                "(data CC BY-SA 4.0); see tools/build_wordlist.py\n")
        for word, z in rows:
            f.write(f"{word}\t{z}\n")
    print(f"{OUT}: {len(rows):,} words")


if __name__ == "__main__":
    main()
