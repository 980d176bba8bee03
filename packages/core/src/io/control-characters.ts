import { lineOf } from './lines.ts';

/** C0 control characters and DEL, except tab, line feed and carriage return: no structure format allows them. */
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/;

export interface ControlCharacter {
  /** 1-based line and column of the first one. */
  line: number;
  column: number;
  /** Its code point, e.g. 0 for NUL. */
  code: number;
}

/** The first control character in `text` (NUL, escape, form feed, ...), or undefined for clean text. */
export function firstControlCharacter(text: string): ControlCharacter | undefined {
  const match = CONTROL.exec(text);
  if (!match) return undefined;
  const lineStart = match.index === 0 ? 0 : text.lastIndexOf('\n', match.index - 1) + 1;
  return { line: lineOf(text, match.index), column: match.index - lineStart + 1, code: match[0].charCodeAt(0) };
}

/** The message for a control character in a text file, without the line (each reader adds it its own way). */
export function controlCharacterMessage(c: ControlCharacter): string {
  const hex = c.code.toString(16).toUpperCase().padStart(4, '0');
  const what = c.code === 0 ? `a NUL byte (U+0000)` : `the control character U+${hex}`;
  return `${what} at column ${c.column}: structure files are plain text, so this is binary data (a compressed, binary or damaged file?)`;
}
