"""Byte-level BPE with isolated digits, written as a Hugging Face `tokenizer.json`.

Pre-tokenization is `Sequence[Digits(individual_digits), ByteLevel(use_regex)]`: every digit is
a token of its own (so "37 + 48" is 3 7 Ġ+ Ġ 4 8: arithmetic sees single digits), and the rest
is split by GPT-2's regex. Merges are learned greedily (most frequent pair, ties by the smaller
pair of strings). This module's encoder mirrors @huggingface/tokenizers for the training data;
train.py checks it against the TypeScript tokenizer (training/encode.ts) before training.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict

# GPT-2's pattern with Python's re classes: letters [^\W\d_], numbers \d, other [^\s\w] or "_".
_GPT2 = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")
_DIGIT = re.compile(r"(\d)")


def bytes_to_unicode() -> list[str]:
    """GPT-2's reversible byte -> printable character table."""
    table = []
    extra = 0
    for b in range(256):
        printable = 33 <= b <= 126 or 161 <= b <= 172 or 174 <= b <= 255
        table.append(chr(b if printable else 256 + extra))
        if not printable:
            extra += 1
    return table


BYTE_CHARS = bytes_to_unicode()


def pre_tokenize(text: str) -> list[str]:
    """Pieces in the byte-level alphabet, as Digits(individual) then ByteLevel(use_regex) give them."""
    pieces = []
    for part in _DIGIT.split(text):
        if not part:
            continue
        for m in _GPT2.findall(part):
            pieces.append("".join(BYTE_CHARS[b] for b in m.encode("utf-8")))
    return pieces


class Bpe:
    def __init__(self, specials: list[str], merges: list[tuple[str, str]]):
        self.specials = specials
        self.merges = merges
        self.vocab: dict[str, int] = {}
        for s in specials:
            self.vocab[s] = len(self.vocab)
        for ch in BYTE_CHARS:
            self.vocab[ch] = len(self.vocab)
        for a, b in merges:
            self.vocab[a + b] = len(self.vocab)
        self.ranks = {pair: i for i, pair in enumerate(merges)}
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        self._cache: dict[str, list[int]] = {}

    @property
    def size(self) -> int:
        return len(self.vocab)

    def _word(self, piece: str) -> list[int]:
        cached = self._cache.get(piece)
        if cached is not None:
            return cached
        parts = list(piece)
        while len(parts) > 1:
            best = None
            best_rank = None
            for i in range(len(parts) - 1):
                r = self.ranks.get((parts[i], parts[i + 1]))
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = i, r
            if best is None:
                break
            a, b = parts[best], parts[best + 1]
            merged = []
            i = 0
            while i < len(parts):
                if i + 1 < len(parts) and parts[i] == a and parts[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        ids = [self.vocab[p] for p in parts]
        self._cache[piece] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """Ids of plain text (special tokens in it are NOT recognised; build those with `special`)."""
        out: list[int] = []
        for piece in pre_tokenize(text):
            out.extend(self._word(piece))
        return out

    def special(self, token: str) -> int:
        return self.vocab[token]

    def decode(self, ids: list[int]) -> str:
        inverse = {c: b for b, c in enumerate(BYTE_CHARS)}
        chars = "".join(self.id_to_token[i] for i in ids if self.id_to_token[i] not in self.specials)
        return bytes(inverse[c] for c in chars).decode("utf-8", errors="replace")

    def tokenizer_json(self) -> dict:
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {
                    "id": self.vocab[s],
                    "content": s,
                    "single_word": False,
                    "lstrip": False,
                    "rstrip": False,
                    "normalized": False,
                    "special": True,
                }
                for s in self.specials
            ],
            "normalizer": None,
            "pre_tokenizer": {
                "type": "Sequence",
                "pretokenizers": [{"type": "Digits", "individual_digits": True}, byte_level],
            },
            "post_processor": {**byte_level, "trim_offsets": False},
            "decoder": byte_level,
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": None,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "ignore_merges": False,
                "vocab": self.vocab,
                "merges": [[a, b] for a, b in self.merges],
            },
        }


def train_bpe(texts: list[str], vocab_size: int, specials: list[str], min_count: int = 2) -> Bpe:
    """Learns vocab_size - len(specials) - 256 merges from `texts`."""
    word_counts: Counter[str] = Counter()
    for t in texts:
        word_counts.update(pre_tokenize(t))
    words = [list(w) for w in sorted(word_counts)]
    freqs = [word_counts[w] for w in sorted(word_counts)]
    pair_counts: Counter[tuple[str, str]] = Counter()
    pair_words: dict[tuple[str, str], set[int]] = defaultdict(set)
    for wi, w in enumerate(words):
        for p in zip(w, w[1:]):
            pair_counts[p] += freqs[wi]
            pair_words[p].add(wi)
    merges: list[tuple[str, str]] = []
    target = vocab_size - len(specials) - 256
    while len(merges) < target and pair_counts:
        best, count = min(pair_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if count < min_count:
            break
        merges.append(best)
        a, b = best
        for wi in list(pair_words.pop(best, ())):
            w = words[wi]
            f = freqs[wi]
            for p in zip(w, w[1:]):
                pair_counts[p] -= f
                if pair_counts[p] <= 0:
                    del pair_counts[p]
            merged = []
            i = 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(w[i])
                    i += 1
            words[wi] = merged
            for p in zip(merged, merged[1:]):
                pair_counts[p] += f
                pair_words[p].add(wi)
        pair_counts.pop(best, None)
    return Bpe(specials, merges)


def write_tokenizer(bpe: Bpe, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(bpe.tokenizer_json(), f, ensure_ascii=False)
        f.write("\n")
