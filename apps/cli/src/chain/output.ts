/** One line of a command's result, on stdout. */
export function print(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** Progress of a long wait, on stderr, so that stdout stays the result. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Prints `value` as JSON (bigints as decimal strings), for `--json`. */
export function printJson(value: unknown): void {
  print(JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
}

/** Left-aligned columns under a header, two spaces apart. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
