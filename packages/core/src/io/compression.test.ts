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
    expect(await decodeStructureFile(packed, { maxBytes: MiB })).toEqual({ text: POSCAR, compression: format });
  });

  it('passes plain text through and reads concatenated gzip, bzip2 and xz streams whole', async () => {
    expect(await decodeStructureFile(Buffer.from(POSCAR), { maxBytes: MiB })).toEqual({ text: POSCAR, compression: null });
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

  it('reads UTF-16 text with its byte-order mark, and does not take text that starts with BZh for bzip2', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(POSCAR, 'utf16le')]);
    expect((await decodeStructureFile(utf16, { maxBytes: MiB })).text).toBe(POSCAR);
    expect(compressionOf(Buffer.from('BZh structure\n'))).toBeNull();
  });
});
