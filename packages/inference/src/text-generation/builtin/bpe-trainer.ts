/**
 * Trains a byte-level BPE vocabulary (GPT-2 style) and writes it as a Hugging Face
 * `tokenizer.json`. Pre-tokenization uses the runtime's own ByteLevel pre-tokenizer, so the
 * merges are learned on exactly the pieces @huggingface/tokenizers will split text into.
 * Encoding at run time always goes through @huggingface/tokenizers, never through this file.
 */
import { ByteLevelPreTokenizer } from "@huggingface/tokenizers";

export interface BpeTrainOptions {
  /** Total vocabulary size including the special token and the 256 byte symbols. */
  readonly vocabSize: number;
  /** The special token with id 0, used as both BOS and EOS. */
  readonly specialToken: string;
  /** Merges of pairs seen fewer times than this are not learned. Default 2. */
  readonly minPairCount?: number;
}

export interface BpeVocabulary {
  /** token string (byte-level alphabet) -> id */
  readonly vocab: Record<string, number>;
  readonly merges: readonly (readonly [string, string])[];
  readonly specialToken: string;
}

/** GPT-2's reversible byte -> printable character table. */
export function bytesToUnicode(): string[] {
  const table: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    table[b] = String.fromCharCode(printable ? b : 256 + extra++);
  }
  return table;
}

function pairKey(a: number, b: number): number {
  return a * 65536 + b;
}

/**
 * Learns merges greedily: the most frequent adjacent pair (ties broken by the smaller pair of
 * strings) is merged until the vocabulary is full or no pair occurs `minPairCount` times.
 */
export function trainBpe(documents: Iterable<string>, options: BpeTrainOptions): BpeVocabulary {
  const minPairCount = options.minPairCount ?? 2;
  const pre = new ByteLevelPreTokenizer({
    type: "ByteLevel",
    add_prefix_space: false,
    trim_offsets: true,
    use_regex: true,
  });
  const wordCounts = new Map<string, number>();
  for (const doc of documents) {
    for (const piece of pre.pre_tokenize_text(doc)) wordCounts.set(piece, (wordCounts.get(piece) ?? 0) + 1);
  }

  const symbols: string[] = bytesToUnicode();
  const symbolId = new Map<string, number>(symbols.map((s, i) => [s, i]));
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [word, count] of [...wordCounts].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
    words.push(Array.from(word, (ch) => symbolId.get(ch) as number));
    freqs.push(count);
  }

  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addWord = (w: number, sign: 1 | -1): void => {
    const word = words[w] as number[];
    const f = (freqs[w] as number) * sign;
    for (let i = 0; i + 1 < word.length; i++) {
      const k = pairKey(word[i] as number, word[i + 1] as number);
      pairCounts.set(k, (pairCounts.get(k) ?? 0) + f);
      if (sign > 0) {
        let set = pairWords.get(k);
        if (!set) pairWords.set(k, (set = new Set()));
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addWord(w, 1);

  const merges: [string, string][] = [];
  const target = options.vocabSize - 1; // id 0 is the special token
  while (symbols.length < target) {
    let best = -1;
    let bestCount = 0;
    for (const [k, c] of pairCounts) {
      if (c > bestCount || (c === bestCount && c > 0 && comparePairs(symbols, k, best) < 0)) {
        best = k;
        bestCount = c;
      }
    }
    if (best < 0 || bestCount < minPairCount) break;
    const a = Math.floor(best / 65536);
    const b = best % 65536;
    const merged = symbols.length;
    symbols.push((symbols[a] as string) + (symbols[b] as string));
    merges.push([symbols[a] as string, symbols[b] as string]);
    for (const w of pairWords.get(best) ?? []) {
      const word = words[w] as number[];
      addWord(w, -1);
      const next: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
          next.push(merged);
          i++;
        } else next.push(word[i] as number);
      }
      words[w] = next;
      addWord(w, 1);
    }
    pairWords.delete(best);
    for (const [k, c] of pairCounts) if (c === 0) pairCounts.delete(k);
  }

  const vocab: Record<string, number> = { [options.specialToken]: 0 };
  symbols.forEach((s, i) => (vocab[s] = i + 1));
  return { vocab, merges, specialToken: options.specialToken };
}

function comparePairs(symbols: readonly string[], k1: number, k2: number): number {
  if (k2 < 0) return -1;
  const s1 = `${symbols[Math.floor(k1 / 65536)]} ${symbols[k1 % 65536]}`;
  const s2 = `${symbols[Math.floor(k2 / 65536)]} ${symbols[k2 % 65536]}`;
  return s1 < s2 ? -1 : s1 > s2 ? 1 : 0;
}

/** A `tokenizer.json` (Hugging Face tokenizers format) for a byte-level BPE vocabulary. */
export function tokenizerJson(bpe: BpeVocabulary): Record<string, unknown> {
  const byteLevel = {
    type: "ByteLevel",
    add_prefix_space: false,
    trim_offsets: true,
    use_regex: true,
  };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: 0,
        content: bpe.specialToken,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: bpe.vocab,
      merges: bpe.merges,
    },
  };
}

/** The matching `tokenizer_config.json`. */
export function tokenizerConfigJson(bpe: BpeVocabulary, maxContext: number): Record<string, unknown> {
  return {
    tokenizer_class: "PreTrainedTokenizerFast",
    bos_token: bpe.specialToken,
    eos_token: bpe.specialToken,
    unk_token: null,
    add_bos_token: false,
    add_prefix_space: false,
    clean_up_tokenization_spaces: false,
    model_max_length: maxContext,
  };
}
