import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { bytesToUnicode, tokenizerConfigJson, tokenizerJson, trainBpe } from "./builtin/bpe-trainer";
import { CORPUS_DIR, readParagraphs } from "./builtin/build";
import { builtinModelPath } from "./model";
import { createTokenizer, loadTokenizer, type TextTokenizer } from "./tokenizer";

let builtin: TextTokenizer;
beforeAll(async () => {
  builtin = await loadTokenizer(builtinModelPath("noos-tiny"));
});

const SAMPLES = [
  "Call me Ishmael.",
  "  leading and trailing spaces  ",
  "Tabs\tand\nnew lines\n\nand 1,234.56 numbers",
  "Unicode: naïve café — “quotes”, 日本語, emoji 🐋🐳, Ελληνικά",
  "don't won't it's we'll I'd you're they've",
  "<|endoftext|> is special only as an id, not inside text? <|endoftext|>",
  "",
];

describe("tokenizer (built-in noos-tiny, byte-level BPE via @huggingface/tokenizers)", () => {
  it("round-trips any text exactly", () => {
    for (const text of SAMPLES) {
      const ids = builtin.encode(text);
      expect(builtin.decode(ids, { skipSpecialTokens: false })).toBe(text);
    }
  });

  it("round-trips the held-out corpus paragraph by paragraph", async () => {
    const paragraphs = await readParagraphs(path.join(CORPUS_DIR, "moby-dick-heldout.txt"));
    let chars = 0;
    let tokens = 0;
    for (const p of paragraphs) {
      const ids = builtin.encode(p);
      expect(builtin.decode(ids)).toBe(p);
      chars += p.length;
      tokens += ids.length;
    }
    // The merges compress: well under one token per character.
    expect(tokens / chars).toBeLessThan(0.5);
  });

  it("maps common words to single tokens and ids stay within the vocabulary", () => {
    expect(builtin.vocabSize).toBe(512);
    expect(builtin.encode(" the")).toHaveLength(1);
    expect(builtin.encode(" and")).toHaveLength(1);
    for (const id of builtin.encode(SAMPLES[3] as string)) {
      expect(id).toBeGreaterThanOrEqual(0);
      expect(id).toBeLessThan(512);
    }
  });

  it("knows its special token as BOS and EOS and skips it when decoding", () => {
    expect(builtin.bosTokenId).toBe(0);
    expect(builtin.eosTokenId).toBe(0);
    expect(builtin.tokenToId("<|endoftext|>")).toBe(0);
    const ids = builtin.encode("<|endoftext|>whale");
    expect(ids[0]).toBe(0);
    expect(builtin.decode(ids)).toBe("whale");
    expect(builtin.decode(ids, { skipSpecialTokens: false })).toBe("<|endoftext|>whale");
    expect(builtin.decode([])).toBe("");
  });

  it("decodes token by token into the same text as decoding all at once", () => {
    const text = "The whale, the sea — and Ahab!";
    const ids = builtin.encode(text);
    expect(ids.map((id) => builtin.decode([id])).join("")).toBe(text);
  });
});

describe("BPE trainer", () => {
  it("uses GPT-2's reversible byte alphabet", () => {
    const table = bytesToUnicode();
    expect(new Set(table).size).toBe(256);
    expect(table[65]).toBe("A");
    expect(table[32]).toBe("Ġ");
    expect(table[10]).toBe("Ċ");
  });

  it("learns frequent pairs first and writes a tokenizer.json the runtime loads from disk", async () => {
    const docs = ["low lower lowest", "low low low", "newer newest wider", "low lower"];
    const bpe = trainBpe(docs, { vocabSize: 270, specialToken: "<s>" });
    expect(bpe.merges[0]).toEqual(["l", "o"]);
    expect(Object.keys(bpe.vocab)).toHaveLength(257 + bpe.merges.length);
    expect(bpe.merges.length).toBeLessThanOrEqual(13);
    const dir = await mkdtemp(path.join(os.tmpdir(), "noos-tok-"));
    try {
      await writeFile(path.join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson(bpe)));
      const tok = await loadTokenizer(dir); // no tokenizer_config.json: optional
      expect(tok.bosTokenId).toBeUndefined();
      const ids = tok.encode("low lowest");
      expect(ids.length).toBeLessThan("low lowest".length);
      expect(tok.decode(ids)).toBe("low lowest");
      await writeFile(path.join(dir, "tokenizer_config.json"), JSON.stringify(tokenizerConfigJson(bpe, 64)));
      expect((await loadTokenizer(dir)).eosTokenId).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("stops merging when pairs are rarer than minPairCount", () => {
    const bpe = trainBpe(["ab ab cd"], { vocabSize: 400, specialToken: "<s>" });
    expect(bpe.merges).toEqual([["a", "b"]]);
  });

  it("is deterministic", () => {
    const docs = ["the whale and the sea", "the sea and the ship", "whales and ships"];
    expect(trainBpe(docs, { vocabSize: 300, specialToken: "<s>" })).toEqual(
      trainBpe(docs, { vocabSize: 300, specialToken: "<s>" }),
    );
  });

  it("reports a missing tokenizer.json clearly", async () => {
    await expect(loadTokenizer(path.join(os.tmpdir(), "no-such-model-dir"))).rejects.toThrow(/no tokenizer.json/);
  });

  it("honours clean_up_tokenization_spaces only when the config asks for it", async () => {
    const json = JSON.parse(await readFile(path.join(builtinModelPath("noos-tiny"), "tokenizer.json"), "utf8"));
    const verbatim = createTokenizer(json, {});
    const cleaned = createTokenizer(json, { clean_up_tokenization_spaces: true });
    const ids = verbatim.encode("whale , sea .");
    expect(verbatim.decode(ids)).toBe("whale , sea .");
    expect(cleaned.decode(ids)).toBe("whale, sea.");
  });
});
