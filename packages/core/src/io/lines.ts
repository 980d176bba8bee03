/** 1-based number of the line that holds `text[index]`: one plus the line feeds before it, counted without copying. */
export function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * The lines of a text, split only as far as a reader asks for them. `text.split('\n')` makes one
 * array slot per line: a POSCAR followed by 20 MB of blank lines cost 40 times its size in memory.
 * Here the cost is one offset per line actually read. Line numbers are 1-based; a line loses its
 * line feed and a carriage return before it (CRLF files).
 */
export class TextLines {
  /** Where each line found so far starts; a start past the end of the text means there is no such line. */
  private readonly starts: number[] = [0];
  /** Number of the last line that holds anything but whitespace; 0 when the text is blank. */
  readonly lastNonBlank: number;

  constructor(private readonly text: string) {
    // trimEnd shares the text's memory (V8 makes a slice), so a long blank tail is not copied.
    const end = text.trimEnd().length;
    this.lastNonBlank = end === 0 ? 0 : lineOf(text, end - 1);
  }

  /** Line k (1-based), or undefined past the end of the text. */
  line(k: number): string | undefined {
    if (!Number.isInteger(k) || k < 1) return undefined;
    while (this.starts.length < k) {
      const previous = this.starts[this.starts.length - 1];
      if (previous > this.text.length) return undefined;
      const feed = this.text.indexOf('\n', previous);
      this.starts.push(feed < 0 ? this.text.length + 1 : feed + 1);
    }
    const start = this.starts[k - 1];
    if (start > this.text.length) return undefined;
    const feed = this.text.indexOf('\n', start);
    if (feed < 0) return this.text.slice(start);
    return this.text.slice(start, feed > start && this.text.charCodeAt(feed - 1) === 13 ? feed - 1 : feed);
  }
}

/**
 * The first `max` whitespace-separated tokens of a line. `line.trim().split(/\s+/)` would make an
 * array of every token on a line that may be megabytes long; readers need the first few.
 */
export function firstTokens(line: string, max: number): string[] {
  const out: string[] = [];
  const token = /\S+/g;
  while (out.length < max) {
    const m = token.exec(line);
    if (!m) break;
    out.push(m[0]);
  }
  return out;
}

/** A line as messages quote it: trimmed, and cut short when long, so a message stays one readable line. */
export function quoteLine(line: string | undefined, max = 80): string {
  const s = (line ?? '').trim();
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
