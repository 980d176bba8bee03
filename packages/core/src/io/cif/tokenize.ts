import { StructureError } from '../../base/errors.ts';

export type CifTokenKind = 'data' | 'loop' | 'tag' | 'value' | 'save' | 'global' | 'stop';

export interface CifToken {
  kind: CifTokenKind;
  /** For values: the text without quotes or text-field delimiters; for data/save blocks: the name after the prefix. */
  text: string;
  /** 1-based line where the token starts. */
  line: number;
  /** True for quoted strings and text fields: '?' and '.' then are literal, not "unknown"/"inapplicable". */
  quoted: boolean;
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * Splits CIF 1.1 text into tokens: comments, whitespace, 'single' and "double" quoted strings
 * (which end only at a matching quote followed by whitespace), ;-delimited text fields, tags,
 * reserved words and bare values.
 */
export function tokenizeCif(text: string): CifToken[] {
  const tokens: CifToken[] = [];
  const len = text.length;
  let i = 0;
  let line = 1;
  let atLineStart = true;
  while (i < len) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
      atLineStart = true;
      continue;
    }
    if (isSpace(c)) {
      i++;
      atLineStart = false;
      continue;
    }
    if (c === '#') {
      while (i < len && text[i] !== '\n') i++;
      continue;
    }
    if (c === ';' && atLineStart) {
      const start = line;
      // The field runs to the next line that starts with ';'.
      const close = text.indexOf('\n;', i);
      if (close < 0) throw new StructureError(`CIF line ${start}: text field opened with ';' is never closed`, { format: 'cif', line: start });
      const body = text.slice(i + 1, close).replace(/\r$/, '');
      for (let k = i; k < close + 1; k++) if (text[k] === '\n') line++;
      tokens.push({ kind: 'value', text: body.replace(/^\r?\n/, ''), line: start, quoted: true });
      i = close + 2;
      atLineStart = false;
      continue;
    }
    atLineStart = false;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < len && !(text[j] === c && (j + 1 >= len || isSpace(text[j + 1])))) {
        if (text[j] === '\n') throw new StructureError(`CIF line ${line}: quoted value ${text.slice(i, j)} is not closed on its line`, { format: 'cif', line });
        j++;
      }
      if (j >= len) throw new StructureError(`CIF line ${line}: quoted value ${text.slice(i, j)} is not closed`, { format: 'cif', line });
      tokens.push({ kind: 'value', text: text.slice(i + 1, j), line, quoted: true });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < len && !isSpace(text[j])) j++;
    const word = text.slice(i, j);
    tokens.push(classify(word, line));
    i = j;
  }
  return tokens;
}

function classify(word: string, line: number): CifToken {
  if (word[0] === '_') return { kind: 'tag', text: word, line, quoted: false };
  const lower = word.toLowerCase();
  if (lower.startsWith('data_')) return { kind: 'data', text: word.slice(5), line, quoted: false };
  if (lower === 'loop_') return { kind: 'loop', text: word, line, quoted: false };
  if (lower.startsWith('save_')) return { kind: 'save', text: word.slice(5), line, quoted: false };
  if (lower === 'global_') return { kind: 'global', text: word, line, quoted: false };
  if (lower === 'stop_') return { kind: 'stop', text: word, line, quoted: false };
  return { kind: 'value', text: word, line, quoted: false };
}
