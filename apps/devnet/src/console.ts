/**
 * The devnet's terminal: log lines scroll above a status line that stays at the bottom (on a
 * TTY; elsewhere, e.g. in CI logs, the status is printed as a line now and then).
 */
export class DevnetConsole {
  private status = "";
  private lastPrintedStatus = 0;
  readonly tty: boolean;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    /** How often a non-TTY prints the status line. */
    private readonly plainStatusEveryMs = 15_000,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  line(text: string): void {
    if (this.tty && this.status) this.out.write(`\r\x1b[2K${text}\n${this.fit(this.status)}`);
    else this.out.write(text + "\n");
  }

  setStatus(text: string): void {
    this.status = text;
    if (this.tty) {
      this.out.write(`\r\x1b[2K${this.fit(text)}`);
    } else if (Date.now() - this.lastPrintedStatus >= this.plainStatusEveryMs) {
      this.lastPrintedStatus = Date.now();
      this.out.write(`[status] ${text}\n`);
    }
  }

  /** Removes the status line (before the final messages of a shutdown). */
  clearStatus(): void {
    if (this.tty && this.status) this.out.write("\r\x1b[2K");
    this.status = "";
  }

  /** A line wider than the terminal would wrap, and `\r` would then clear only its last row. */
  private fit(text: string): string {
    const width = this.out.columns || 200; // 0 when the terminal does not say
    if (width < 20) return text;
    return visibleLength(text) <= width - 1 ? text : truncateVisible(text, width - 2) + "…";
  }
}

const ANSI = /\x1b\[[0-9;]*m/g;

function visibleLength(text: string): number {
  return text.replace(ANSI, "").length;
}

function truncateVisible(text: string, width: number): string {
  let out = "";
  let visible = 0;
  for (let i = 0; i < text.length && visible < width;) {
    const m = /^\x1b\[[0-9;]*m/.exec(text.slice(i));
    if (m) {
      out += m[0];
      i += m[0].length;
    } else {
      out += text[i];
      visible++;
      i++;
    }
  }
  return out + "\x1b[0m";
}

/** ANSI colour helpers that do nothing when the output is not a terminal. */
export function colours(enabled: boolean) {
  const wrap = (code: number) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { bold: wrap(1), dim: wrap(2), green: wrap(32), yellow: wrap(33), cyan: wrap(36), red: wrap(31) };
}
