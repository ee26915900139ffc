/**
 * Token agreement of a greedy completion with the reference run: the length of the common prefix
 * over the longer of the two. A greedy decode of the same model on the same prompt gives the same
 * tokens, so an honest miner scores 1; once a token differs the rest of a completion follows
 * another path, so only the prefix before it counts.
 */
export function tokenAgreement(reference: readonly number[], answer: readonly number[]): number {
  const longest = Math.max(reference.length, answer.length);
  if (longest === 0) return 1;
  const shortest = Math.min(reference.length, answer.length);
  let prefix = 0;
  while (prefix < shortest && reference[prefix] === answer[prefix]) prefix++;
  return prefix / longest;
}
