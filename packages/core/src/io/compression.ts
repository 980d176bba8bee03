import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import Bunzip from 'seek-bzip';
import xzWasm from 'xz-decompress';
import { StructureError } from '../base/errors.ts';

/** Compressions read transparently, recognised by their magic bytes whatever the file is called. */
export type Compression = 'gzip' | 'bzip2' | 'xz';

/** Name endings of compressed files (`CONTCAR.gz`, `CdTe.cif.bz2`, `POSCAR.xz`), as file pickers list them. */
export const COMPRESSED_EXTENSIONS = ['gz', 'bz2', 'xz'] as const;

/** Why a file's bytes gave no text: too large once unpacked, damaged compressed data, or a container we do not open. */
export type FileRefusal = 'too_large' | 'corrupt' | 'unsupported';

/** The bytes of a structure file could not be turned into text; `reason` tells a bomb from damaged data. */
export class FileDecodeError extends StructureError {
  readonly reason: FileRefusal;
  constructor(message: string, reason: FileRefusal) {
    super(message, { format: 'unknown' });
    this.reason = reason;
  }
}

export interface FileTextOptions {
  /** Most bytes accepted: the file as given and, when compressed, what it unpacks to. */
  maxBytes: number;
  /** How messages name the file (a path or a URL); omitted, they name the compression only. */
  name?: string;
}

export interface FileText {
  text: string;
  /** The compression the file was unpacked from, or null for a plain file. */
  compression: Compression | null;
  /** What was assumed to get the text (zero padding after bzip2 data, UTF-16 without its byte-order mark); each a sentence. */
  warnings: string[];
}

/**
 * The text of a structure file from its bytes: unpacked first when its magic bytes say gzip
 * (1f 8b), bzip2 ('BZh1'–'BZh9') or xz (fd 37 7a 58 5a 00), then decoded as UTF-8 (UTF-16 when
 * it starts with that byte-order mark, or when every other byte is NUL, with a warning).
 * Unpacking stops as soon as the output passes `maxBytes`, so a decompression bomb costs at most
 * that much memory. Zero bytes after bzip2 data (tape or block padding) are ignored with a
 * warning, as `bzip2 -d` does. Throws FileDecodeError (a StructureError) for a file over the
 * limit (reason 'too_large'), damaged or truncated compressed data ('corrupt'), and archives or
 * compressions we do not open ('unsupported': zip, tar, 7z, zstd, Unix compress, legacy .lzma, xz
 * with a SHA-256 check, and data compressed twice, which is named rather than unpacked again).
 */
export async function decodeStructureFile(bytes: Uint8Array, options: FileTextOptions): Promise<FileText> {
  const where = options.name ? `${options.name}: ` : '';
  const compression = compressionOf(bytes);
  if (compression === null && bytes.length > options.maxBytes) {
    throw new FileDecodeError(`${where}the file is ${bytes.length} bytes, more than the limit of ${options.maxBytes} bytes`, 'too_large');
  }
  refuseContainer(bytes, where, null);
  const warnings: string[] = [];
  let plain = bytes;
  if (compression !== null) {
    plain = await DECOMPRESS[compression](bytes, options.maxBytes, `${where}${compression} data`, warnings);
    if (plain.length === 0) throw new FileDecodeError(`${where}the ${compression} data unpacks to an empty file`, 'corrupt');
    // Read as text, a second compression would be named as a control character on line 1.
    const twice = compressionOf(plain);
    if (twice !== null) {
      throw new FileDecodeError(`${where}the ${compression} data unpacks to ${twice} data again: the file was compressed twice; unpack one layer and send the result`, 'unsupported');
    }
    refuseContainer(plain, where, compression);
  }
  return { text: decodeText(plain, where, warnings), compression, warnings };
}

/** The compression `bytes` start with, or null. */
export function compressionOf(bytes: Uint8Array): Compression | null {
  if (startsWith(bytes, [0x1f, 0x8b])) return 'gzip';
  // 'BZh' and the block size digit: a text that merely starts with "BZh" is not taken for bzip2.
  if (startsWith(bytes, [0x42, 0x5a, 0x68]) && bytes[3] >= 0x31 && bytes[3] <= 0x39) return 'bzip2';
  if (startsWith(bytes, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  return null;
}

function startsWith(bytes: Uint8Array, magic: number[], offset = 0): boolean {
  return bytes.length >= offset + magic.length && magic.every((b, k) => bytes[offset + k] === b);
}

/** Archives and compressions people send by mistake: each named, so the message says what to do. */
const CONTAINERS: { magic: number[]; offset?: number; what: string }[] = [
  { magic: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive: unpack it and send the structure file itself' },
  { magic: [0x50, 0x4b, 0x05, 0x06], what: 'an empty zip archive' },
  { magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7z archive: unpack it and send the structure file itself' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd-compressed, which is not read: send it plain or compressed with gzip, bzip2 or xz' },
  { magic: [0x1f, 0x9d], what: "compressed with Unix 'compress' (.Z), which is not read: send it plain or compressed with gzip, bzip2 or xz" },
  // The legacy .lzma format (lzma, xz --format=lzma): a properties byte (0x5d for every preset) and a dictionary size of at least 64 KiB.
  { magic: [0x5d, 0x00, 0x00], what: 'in the legacy .lzma format (lzma, xz --format=lzma), which is not read: send it plain or compressed with xz (its default .xz format), gzip or bzip2' },
  // POSIX tar: 'ustar' at offset 257 of the first header.
  { magic: [0x75, 0x73, 0x74, 0x61, 0x72], offset: 257, what: 'a tar archive: unpack it and send one structure file' },
];

function refuseContainer(bytes: Uint8Array, where: string, inside: Compression | null): void {
  const found = CONTAINERS.find((c) => startsWith(bytes, c.magic, c.offset));
  if (found) throw new FileDecodeError(`${where}the file${inside ? ` (inside ${inside})` : ''} is ${found.what}`, 'unsupported');
}

function decodeText(bytes: Uint8Array, where: string, warnings: string[]): string {
  // A UTF-16 file (Windows "Unicode") would otherwise read as text full of NUL bytes.
  if (startsWith(bytes, [0xff, 0xfe])) return new TextDecoder('utf-16le').decode(bytes);
  if (startsWith(bytes, [0xfe, 0xff])) return new TextDecoder('utf-16be').decode(bytes);
  const utf16 = utf16WithoutMark(bytes);
  if (utf16) {
    warnings.push(`${where}the file is UTF-16 text without a byte-order mark (every other byte is NUL): read as ${utf16.toUpperCase()}`);
    return new TextDecoder(utf16).decode(bytes);
  }
  // Not fatal: a stray Latin-1 byte in a comment should not cost the whole file.
  return new TextDecoder('utf-8').decode(bytes);
}

/** Bytes looked at to recognise UTF-16 without a byte-order mark. */
const UTF16_SAMPLE = 512;

/**
 * 'utf-16le' or 'utf-16be' when the file's first bytes pair a NUL with a non-NUL byte, the same
 * way round in at least 7 pairs of 8 (text in Latin script is all such pairs; a few other
 * characters may break it), else undefined. UTF-8 text never holds NUL.
 */
function utf16WithoutMark(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const pairs = Math.floor(Math.min(bytes.length, UTF16_SAMPLE) / 2);
  if (pairs < 2) return undefined;
  let le = 0;
  let be = 0;
  for (let p = 0; p < pairs; p++) {
    const [first, second] = [bytes[2 * p], bytes[2 * p + 1]];
    if (first !== 0 && second === 0) le++;
    else if (first === 0 && second !== 0) be++;
  }
  if (le * 8 >= pairs * 7) return 'utf-16le';
  if (be * 8 >= pairs * 7) return 'utf-16be';
  return undefined;
}

type Decompressor = (bytes: Uint8Array, maxBytes: number, what: string, warnings: string[]) => Promise<Uint8Array>;

const tooLarge = (what: string, maxBytes: number) =>
  new FileDecodeError(`${what} unpacks to more than ${maxBytes} bytes, the limit: refused (a decompression bomb, or a file far larger than a structure)`, 'too_large');

const gunzipAsync = promisify(gunzip);

/** Node's zlib stops inflating at maxOutputLength and fails with ERR_BUFFER_TOO_LARGE. */
async function gzipDecompress(bytes: Uint8Array, maxBytes: number, what: string): Promise<Uint8Array> {
  try {
    return await gunzipAsync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(what, maxBytes);
    const reason = (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'truncated' : `corrupt (${(err as Error).message})`;
    throw new FileDecodeError(`${what} is ${reason}`, 'corrupt');
  }
}

/** Thrown by the output sink to stop seek-bzip, whose decoder has no output limit of its own. */
class OutputFull extends Error {}

/**
 * seek-bzip: synchronous, pure JavaScript, one byte at a time into a sink that stops at the limit.
 * Zero bytes after the last stream (padding that tape and block devices add) are left out with a
 * warning, as `bzip2 -d` does; seek-bzip would read them as the start of another stream.
 */
async function bzip2Decompress(whole: Uint8Array, maxBytes: number, what: string, warnings: string[]): Promise<Uint8Array> {
  const bytes = withoutBzip2Padding(whole);
  if (bytes.length < whole.length) warnings.push(`${what} is followed by ${whole.length - bytes.length} zero bytes (padding): ignored, as bzip2 -d does`);
  let position = 0;
  const input = {
    // seek-bzip reads past the end of truncated data without checking: stop it there.
    readByte(): number {
      if (position >= bytes.length) throw new FileDecodeError(`${what} is truncated`, 'corrupt');
      return bytes[position++];
    },
    read(buffer: Uint8Array, offset: number, length: number): number {
      const n = Math.min(length, bytes.length - position);
      if (n <= 0) return length === 0 ? 0 : -1;
      buffer.set(bytes.subarray(position, position + n), offset);
      position += n;
      return n;
    },
    seek(to: number): void {
      position = to;
    },
    eof: () => position >= bytes.length,
  };
  let out = new Uint8Array(Math.min(maxBytes, 1 << 16));
  let size = 0;
  const output = {
    writeByte(byte: number): void {
      if (size === out.length) {
        if (size >= maxBytes) throw new OutputFull();
        const grown = new Uint8Array(Math.min(maxBytes, out.length * 2));
        grown.set(out);
        out = grown;
      }
      out[size++] = byte;
    },
  };
  try {
    Bunzip.decode(input, output, true);
  } catch (err) {
    if (err instanceof OutputFull) throw tooLarge(what, maxBytes);
    if (err instanceof FileDecodeError) throw err;
    throw new FileDecodeError(`${what} is corrupt (${(err as Error).message})`, 'corrupt');
  }
  // seek-bzip stops quietly when the input ends between two blocks; a whole stream ends with its trailer.
  if (!endsWithBzip2Trailer(bytes)) throw new FileDecodeError(`${what} is truncated`, 'corrupt');
  return out.subarray(0, size);
}

/** bzip2's end-of-stream marker (the digits of √π) that, with the 32-bit CRC and up to 7 padding bits, ends every stream. */
const BZIP2_END_OF_STREAM = 0x177245385090n;

/**
 * `bytes` without the zero bytes after the end of their last bzip2 stream; `bytes` itself when
 * they end with a stream's trailer, or when no trailer precedes their zeros (damaged data, which
 * the decoder then names). The trailer's own last bytes may be zero (its CRC and padding bits),
 * so each end within the zero run is tried, nearest first: at most 6, the trailer's length.
 */
function withoutBzip2Padding(bytes: Uint8Array): Uint8Array {
  if (endsWithBzip2Trailer(bytes)) return bytes;
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  for (let e = end; e <= Math.min(bytes.length, end + 6); e++) {
    if (endsWithBzip2Trailer(bytes.subarray(0, e))) return bytes.subarray(0, e);
  }
  return bytes;
}

function endsWithBzip2Trailer(bytes: Uint8Array): boolean {
  if (bytes.length < 14) return false;
  let tail = 0n;
  for (const b of bytes.subarray(bytes.length - 11)) tail = (tail << 8n) | BigInt(b);
  for (let padding = 0n; padding < 8n; padding++) {
    if (((tail >> (32n + padding)) & 0xffffffffffffn) === BZIP2_END_OF_STREAM) return true;
  }
  return false;
}

/** xz-embedded's return codes (xz.h), as xz-decompress reports them. */
const XZ_ERRORS: Record<string, string> = {
  '4': 'needs a larger dictionary than the decoder allows',
  '5': 'is not in the xz format',
  '6': 'uses xz options the decoder does not support',
  '7': 'is corrupt',
  '8': 'is truncated',
};

/**
 * Why the decoder refused an xz stream's options, when it is the integrity check: xz-embedded
 * verifies none, CRC32 and CRC64 only, and `xz --check=sha256` writes SHA-256. The check ID is
 * the low nibble of the second stream-flags byte, after the 6 magic bytes (the .xz format, 2.1.1.2).
 */
function xzCheckProblem(bytes: Uint8Array): string | undefined {
  const id = bytes[7] & 0x0f;
  if (id === 0x00 || id === 0x01 || id === 0x04) return undefined;
  const check = id === 0x0a ? 'the SHA-256 integrity check (xz --check=sha256)' : `an integrity check of unknown ID ${id}`;
  return `uses ${check}, which the decoder does not support: compress it with xz's default check (CRC64) or --check=crc32, or with gzip or bzip2`;
}

/** xz-decompress (xz-embedded compiled to WebAssembly): a stream read chunk by chunk and cancelled at the limit. */
async function xzDecompress(bytes: Uint8Array, maxBytes: number, what: string): Promise<Uint8Array> {
  const reader = new xzWasm.XzReadableStream(new Blob([bytes]).stream()).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        // Cancelling also frees the decoder, which serves one stream at a time.
        await reader.cancel();
        throw tooLarge(what, maxBytes);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof FileDecodeError) throw err;
    const code = /error code (\d+)/.exec((err as Error).message)?.[1];
    const check = code === '6' ? xzCheckProblem(bytes) : undefined;
    if (check) throw new FileDecodeError(`${what} ${check}`, 'unsupported');
    throw new FileDecodeError(`${what} ${(code && XZ_ERRORS[code]) ?? `is corrupt (${(err as Error).message})`}`, 'corrupt');
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const DECOMPRESS: Record<Compression, Decompressor> = { gzip: gzipDecompress, bzip2: bzip2Decompress, xz: xzDecompress };
