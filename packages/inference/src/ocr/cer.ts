/**
 * Character error rate, the score validators give OCR answers: the edit distance (insertions,
 * deletions, substitutions, each 1) between what a miner read and the known text, divided by
 * the known text's length. Characters are Unicode code points, not UTF-16 units.
 */

/** Levenshtein distance between two strings, over code points; O(|a| x |b|) time, O(|b|) memory. */
export function levenshtein(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  if (s.length === 0) return t.length;
  if (t.length === 0) return s.length;
  let prev = new Uint32Array(t.length + 1);
  let cur = new Uint32Array(t.length + 1);
  for (let j = 0; j <= t.length; j++) prev[j] = j;
  for (let i = 1; i <= s.length; i++) {
    cur[0] = i;
    const si = s[i - 1];
    for (let j = 1; j <= t.length; j++) {
      const substitution = prev[j - 1]! + (si === t[j - 1] ? 0 : 1);
      const deletion = prev[j]! + 1;
      const insertion = cur[j - 1]! + 1;
      cur[j] = Math.min(substitution, deletion, insertion);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[t.length]!;
}

export interface CerOptions {
  /**
   * Compare normalised text (default false): Unicode NFKC (full-width "Ａ：" reads as "A:"),
   * runs of whitespace as one space, no leading or trailing whitespace.
   */
  readonly normalize?: boolean;
}

/** NFKC, whitespace runs collapsed to one space, trimmed. */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").replace(/\s+/gu, " ").trim();
}

/**
 * Character error rate of `hypothesis` against `reference`: levenshtein / reference length.
 * 0 is perfect; it can exceed 1 when the hypothesis adds text. An empty reference scores 0
 * against an empty hypothesis and 1 against anything else.
 */
export function characterErrorRate(reference: string, hypothesis: string, options: CerOptions = {}): number {
  const ref = options.normalize ? normalizeText(reference) : reference;
  const hyp = options.normalize ? normalizeText(hypothesis) : hypothesis;
  const n = Array.from(ref).length;
  if (n === 0) return hyp.length === 0 ? 0 : 1;
  return levenshtein(ref, hyp) / n;
}
