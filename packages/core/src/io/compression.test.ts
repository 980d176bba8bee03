import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { TEST_COMPRESSIONS, bomb, compress } from '../../../../test/support/compress.ts';
import { FileDecodeError, compressionOf, decodeStructureFile } from './compression.ts';

const POSCAR = readFileSync(new URL('../../../../fixtures/structures/GaN.vasp', import.meta.url), 'utf8');
const MiB = 1 << 20;

async function refusal(bytes: Uint8Array, maxBytes = MiB): Promise<FileDecodeError> {
  const err = await decodeStructureFile(bytes, { maxBytes, name: 'f' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof FileDecodeError)) throw new Error(`expected a FileDecodeError, got ${String(err)}`);
  return err;
}

describe('decodeStructureFile', () => {
  it.each(TEST_COMPRESSIONS)('unpacks %s by its magic bytes, whatever the file is called', async (format) => {
    const packed = compress(POSCAR, format);
    expect(compressionOf(packed)).toBe(format);
    expect(await decodeStructureFile(packed, { maxBytes: MiB })).toEqual({ text: POSCAR, compression: format, warnings: [] });
  });

  it('passes plain text through and reads concatenated gzip, bzip2 and xz streams whole', async () => {
    expect(await decodeStructureFile(Buffer.from(POSCAR), { maxBytes: MiB })).toEqual({ text: POSCAR, compression: null, warnings: [] });
    for (const format of TEST_COMPRESSIONS) {
      const twice = Buffer.concat([compress('first\n', format), compress('second\n', format)]);
      expect((await decodeStructureFile(twice, { maxBytes: MiB })).text).toBe('first\nsecond\n');
    }
  });

  it.each(TEST_COMPRESSIONS)('refuses a %s bomb once the output passes the limit, naming the limit', async (format) => {
    const packed = bomb(format, 16 * MiB);
    expect(packed.length).toBeLessThan(MiB / 8);
    const e = await refusal(packed);
    expect(e.reason).toBe('too_large');
    expect(e.message).toBe(`f: ${format} data unpacks to more than ${MiB} bytes, the limit: refused (a decompression bomb, or a file far larger than a structure)`);
  });

  it('accepts output of exactly the limit and refuses one byte more', async () => {
    for (const format of TEST_COMPRESSIONS) {
      expect((await decodeStructureFile(compress('x'.repeat(1000), format), { maxBytes: 1000 })).text).toHaveLength(1000);
      expect((await refusal(compress('x'.repeat(1001), format), 1000)).reason).toBe('too_large');
    }
  });

  it('refuses a plain file over the limit', async () => {
    expect((await refusal(Buffer.from(POSCAR), 100)).message).toBe(`f: the file is ${POSCAR.length} bytes, more than the limit of 100 bytes`);
  });

  it.each(TEST_COMPRESSIONS)('calls truncated or damaged %s data corrupt', async (format) => {
    const packed = compress(POSCAR, format);
    const truncated = await refusal(packed.subarray(0, packed.length - 8));
    expect(truncated.reason).toBe('corrupt');
    expect(truncated.message).toMatch(new RegExp(`^f: ${format} data is (truncated|corrupt)`));
    const damaged = Buffer.from(packed);
    damaged[Math.floor(damaged.length / 2)] ^= 0xff;
    expect((await refusal(damaged)).reason).toBe('corrupt');
  });

  it('names archives and compressions it does not open', async () => {
    const tar = Buffer.alloc(1024);
    tar.write('POSCAR', 0);
    tar.write('ustar', 257);
    expect((await refusal(Buffer.from('PK\u0003\u0004rest'))).message).toBe('f: the file is a zip archive: unpack it and send the structure file itself');
    expect((await refusal(compress(tar, 'gzip'))).message).toBe('f: the file (inside gzip) is a tar archive: unpack it and send one structure file');
    expect((await refusal(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]))).message).toMatch(/zstd-compressed, which is not read/);
    expect((await refusal(compress('', 'gzip'))).message).toBe('f: the gzip data unpacks to an empty file');
  });

  it('names data compressed twice, the legacy .lzma format and an xz check the decoder lacks, not their bytes', async () => {
    for (const outer of TEST_COMPRESSIONS) {
      for (const inner of TEST_COMPRESSIONS) {
        const e = await refusal(compress(compress(POSCAR, inner), outer));
        expect(e.message).toBe(`f: the ${outer} data unpacks to ${inner} data again: the file was compressed twice; unpack one layer and send the result`);
        expect(e.reason).toBe('unsupported');
      }
    }
    expect((await refusal(compress(POSCAR, 'xz', 6, ['--format=lzma']))).message).toBe(
      'f: the file is in the legacy .lzma format (lzma, xz --format=lzma), which is not read: send it plain or compressed with xz (its default .xz format), gzip or bzip2',
    );
    const sha = await refusal(compress(POSCAR, 'xz', 6, ['--check=sha256']));
    expect(sha.message).toMatch(/^f: xz data uses the SHA-256 integrity check \(xz --check=sha256\), which the decoder does not support: compress it with xz's default check/);
    expect(sha.reason).toBe('unsupported');
    for (const check of ['none', 'crc32', 'crc64']) {
      expect((await decodeStructureFile(compress(POSCAR, 'xz', 6, [`--check=${check}`]), { maxBytes: MiB })).text).toBe(POSCAR);
    }
  });

  it('ignores zero padding after bzip2 data with a warning, as bzip2 -d does, and still refuses other trailing bytes', async () => {
    const packed = compress(POSCAR, 'bzip2');
    for (const zeros of [1, 7, 4096]) {
      const decoded = await decodeStructureFile(Buffer.concat([packed, Buffer.alloc(zeros)]), { maxBytes: MiB, name: 'f' });
      expect(decoded.text).toBe(POSCAR);
      expect(decoded.warnings).toEqual([`f: bzip2 data is followed by ${zeros} zero bytes (padding): ignored, as bzip2 -d does`]);
    }
    expect((await refusal(Buffer.concat([packed, Buffer.from([0, 0, 1])]))).reason).toBe('corrupt');
  });

  it('reads UTF-16 without a byte-order mark, by its NUL bytes, and says so', async () => {
    for (const [encoding, bytes] of [
      ['UTF-16LE', Buffer.from(POSCAR, 'utf16le')],
      ['UTF-16BE', Buffer.from(POSCAR, 'utf16le').swap16()],
    ] as const) {
      const decoded = await decodeStructureFile(bytes, { maxBytes: MiB, name: 'f' });
      expect(decoded.text).toBe(POSCAR);
      expect(decoded.warnings).toEqual([`f: the file is UTF-16 text without a byte-order mark (every other byte is NUL): read as ${encoding}`]);
    }
  });

  it('reads UTF-16 text with its byte-order mark, and does not take text that starts with BZh for bzip2', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(POSCAR, 'utf16le')]);
    expect((await decodeStructureFile(utf16, { maxBytes: MiB })).text).toBe(POSCAR);
    expect(compressionOf(Buffer.from('BZh structure\n'))).toBeNull();
  });
});
