import { StructureError } from '../../base/errors.ts';
import { tokenizeCif, type CifToken } from './tokenize.ts';

export interface CifValue {
  text: string;
  line: number;
  quoted: boolean;
}

export interface CifLoop {
  /** Tags in lower case, in column order. */
  tags: string[];
  line: number;
  rows: CifValue[][];
}

export interface CifBlock {
  name: string;
  line: number;
  /** Single-valued items by lower-case tag. */
  items: Map<string, CifValue>;
  loops: CifLoop[];
}

/** Groups CIF tokens into data blocks of items and loops. Tags are case-insensitive in CIF, so they are lower-cased. */
export function parseCif(text: string): CifBlock[] {
  const tokens = tokenizeCif(text);
  const blocks: CifBlock[] = [];
  let block: CifBlock | undefined;
  let lastItem: CifValue | undefined;
  let i = 0;
  const fail = (t: CifToken, msg: string): never => {
    throw new StructureError(`CIF line ${t.line}: ${msg}`, { format: 'cif', line: t.line });
  };
  while (i < tokens.length) {
    const t = tokens[i];
    switch (t.kind) {
      case 'data':
        block = { name: t.text, line: t.line, items: new Map(), loops: [] };
        blocks.push(block);
        i++;
        break;
      case 'save':
      case 'global':
      case 'stop':
        // Save frames belong to dictionaries, not to structure files: skip their markers.
        i++;
        break;
      case 'loop': {
        if (!block) fail(t, "'loop_' before any data_ block");
        const tags: string[] = [];
        let j = i + 1;
        while (j < tokens.length && tokens[j].kind === 'tag') tags.push(tokens[j++].text.toLowerCase());
        if (tags.length === 0) fail(t, "'loop_' is not followed by any tag");
        const values: CifValue[] = [];
        while (j < tokens.length && tokens[j].kind === 'value') {
          const v = tokens[j++];
          values.push({ text: v.text, line: v.line, quoted: v.quoted });
        }
        if (values.length % tags.length !== 0) {
          fail(t, `loop of ${tags.length} tags (${tags[0]}, ...) holds ${values.length} values, not a multiple of ${tags.length}: a row is incomplete`);
        }
        const rows: CifValue[][] = [];
        for (let k = 0; k < values.length; k += tags.length) rows.push(values.slice(k, k + tags.length));
        block!.loops.push({ tags, line: t.line, rows });
        i = j;
        break;
      }
      case 'tag': {
        if (!block) fail(t, `tag ${t.text} before any data_ block`);
        const v = tokens[i + 1];
        if (!v || v.kind !== 'value') fail(t, `tag ${t.text} has no value`);
        lastItem = { text: v.text, line: v.line, quoted: v.quoted };
        block!.items.set(t.text.toLowerCase(), lastItem);
        i += 2;
        break;
      }
      case 'value':
        // Hand-edited files leave values with spaces unquoted (_symmetry_space_group_name_H-M P 21/c):
        // words on the same line as a tag's value continue it.
        if (lastItem && !lastItem.quoted && lastItem.line === t.line && tokens[i - 1]?.kind === 'value') {
          lastItem.text += ` ${t.text}`;
          i++;
          break;
        }
        fail(t, `value '${t.text}' without a tag`);
    }
  }
  return blocks;
}

/** A loop's column by tag, or undefined. */
export function findLoop(block: CifBlock, tag: string): CifLoop | undefined {
  return block.loops.find((l) => l.tags.includes(tag));
}

/** A tag's values whether it is a single item or a loop column. */
export function valuesOf(block: CifBlock, tag: string): CifValue[] | undefined {
  const item = block.items.get(tag);
  if (item) return [item];
  const loop = findLoop(block, tag);
  if (!loop) return undefined;
  const col = loop.tags.indexOf(tag);
  return loop.rows.map((r) => r[col]);
}

/** True for CIF's null values: '?' (unknown) and '.' (inapplicable), when not quoted. */
export function isNull(v: CifValue | undefined): boolean {
  return v === undefined || (!v.quoted && (v.text === '?' || v.text === '.'));
}

/** Reads a CIF number, dropping a standard uncertainty in parentheses: '5.4309(2)' → 5.4309. NaN when not a number. */
export function cifNumber(v: CifValue): number {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:\(\d+\))?$/.exec(v.text.trim());
  return m ? Number(m[1]) : NaN;
}
