/**
 * Bounds on a JSON body's shape, checked on its raw bytes before JSON.parse runs.
 *
 * The body limit bounds a body's bytes, not the work it makes: 100,000 nested arrays or a few MB of
 * numbers parse into a value whose every later walk (schema checks, canonical fingerprints, error
 * messages listing each element) holds the API's one event loop for hundreds of milliseconds to
 * seconds, while /healthz and every other request wait and Redis commands time out. Honest bodies
 * are shallow (a batch item's fields sit 5 levels down) and their structures travel as one JSON
 * string each, so neither bound below comes near them.
 */

/** Deepest nesting of arrays and objects a body may have (the body itself is depth 1). */
export const MAX_JSON_DEPTH = 64;

/** Most JSON values (every array element, object member value, and the top-level value) a body may hold. */
export const MAX_JSON_VALUES = 100_000;

/** Which bound a body broke, where, and the message a client gets. */
export interface JsonShapeFault {
  kind: 'depth' | 'values';
  /** Offset, in bytes from the body's start, of the byte that went past the bound. */
  offset: number;
  message: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Whether `byte` is JSON whitespace (RFC 8259 §2: space, tab, LF, CR). */
function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * Scans UTF-8 JSON text for nesting deeper than `maxDepth` or more than `maxValues` values, in one
 * pass over the bytes without building anything (string contents are skipped with `indexOf`).
 * Returns the first fault, or null. Malformed JSON is not judged here: the scan only counts, and
 * JSON.parse refuses it afterwards with its own message.
 */
export function scanJsonShape(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH, maxValues = MAX_JSON_VALUES): JsonShapeFault | null {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Which container each open level is (1 = array, 2 = object): a comma in an array starts a value,
  // one in an object starts a key.
  const stack = new Uint8Array(maxDepth + 1);
  let depth = 0;
  let values = 0;
  // True where the next non-space byte starts a value: at the start, after '[', ':', and an array's ','.
  let expectValue = true;
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const byte = buf[i];
    if (isSpace(byte)) continue;
    if (expectValue && byte !== CLOSE_ARRAY) {
      values += 1;
      if (values > maxValues) {
        return { kind: 'values', offset: i, message: `The JSON body holds more than ${maxValues} values (value ${values} at byte offset ${i}); send fewer items, or large data as a structure file (\`structure.content\` or \`file.url\`)` };
      }
    }
    expectValue = false;
    switch (byte) {
      case QUOTE: {
        // Skip to the closing quote: one not escaped by an odd run of backslashes.
        let j = i;
        for (;;) {
          j = buf.indexOf(QUOTE, j + 1);
          if (j < 0) return null;
          let slashes = 0;
          while (buf[j - 1 - slashes] === BACKSLASH) slashes += 1;
          if (slashes % 2 === 0) break;
        }
        i = j;
        break;
      }
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        depth += 1;
        if (depth > maxDepth) {
          return { kind: 'depth', offset: i, message: `The JSON body is nested deeper than ${maxDepth} levels (depth ${depth} at byte offset ${i})` };
        }
        stack[depth] = byte === OPEN_ARRAY ? 1 : 2;
        expectValue = byte === OPEN_ARRAY;
        break;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        if (depth > 0) depth -= 1;
        break;
      case COLON:
        expectValue = true;
        break;
      case COMMA:
        expectValue = stack[depth] === 1;
        break;
      default:
        // A number, true, false or null: its remaining bytes start nothing.
        break;
    }
  }
  return null;
}
