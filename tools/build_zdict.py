"""Build ``index/data/stored_text.zdict``: the preset dictionary of stored article texts.

zlib compresses each article on its own, so a short text starts with nothing to refer
back to. A preset dictionary of common German text gives it that start: on 1,000 FANG
articles the stored text went from 0.463 to 0.401 of the raw size. The dictionary is
made only from text we may ship: the articles written for this project (``samples/``,
``tools/ner_data/own_news.txt``) and the most frequent words of ``de_words.tsv.gz``
(wordfreq, CC BY-SA 4.0). Never build it from a corpus: its texts would be copied into
the repository.

Changing the file makes every stored text unreadable: bump ``SCHEMA_VERSION`` and
``index.store.ZDICT_SHA256`` with it.

    python tools/build_zdict.py
"""

import gzip
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "index" / "data" / "stored_text.zdict"
#: zlib uses at most the last 32 KiB of a dictionary; later bytes are cheaper to refer to.
HALF = 16 * 1024


def main():
    own = b"".join(p.read_bytes() for p in sorted((ROOT / "samples").glob("*.txt")))
    own += (ROOT / "tools" / "ner_data" / "own_news.txt").read_bytes()
    with gzip.open(ROOT / "index" / "data" / "de_words.tsv.gz", "rt", encoding="utf-8") as f:
        words = [line.split("\t")[0] for line in f if not line.startswith("#")][:3000]
    # The most frequent words last: they sit closest to the text and cost least to refer to.
    tail = " ".join(reversed(words)).encode("utf-8")[-HALF:]
    data = own[-HALF:] + tail
    OUT.write_bytes(data)
    print(f"{OUT}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
