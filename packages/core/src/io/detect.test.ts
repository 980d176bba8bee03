import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectFormat, formatFromFilename } from './detect.ts';

const STRUCTURES = new URL('../../../../fixtures/structures/', import.meta.url);

describe('detectFormat', () => {
  const expected: Record<string, string> = { cif: 'cif', vasp: 'poscar', json: 'json' };
  it.each(readdirSync(STRUCTURES))('recognises %s from its content alone', (name) => {
    const text = readFileSync(new URL(name, STRUCTURES), 'utf8');
    expect(detectFormat(text)).toBe(expected[name.split('.').pop()!]);
  });

  it('recognises extended XYZ and a POSCAR whose comment looks like anything', () => {
    expect(detectFormat('2\nLattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3\nNa 0 0 0\nCl 2 2 2\n')).toBe('extxyz');
    expect(detectFormat('data_ but not a cif\n3.6\n3.6 0 0\n0 3.6 0\n0 0 3.6\nCu\n1\nDirect\n0 0 0\n')).toBe('poscar');
  });

  it('uses the filename when the content is inconclusive, and gives up on text that is no structure', () => {
    expect(detectFormat('Cu\n1.0\n3.6 0 0\n', 'POSCAR')).toBe('poscar');
    expect(detectFormat('Cu\n1.0\n3.6 0 0\n', 'CONTCAR.relax')).toBe('poscar');
    expect(detectFormat('this is not a crystal structure\n')).toBeUndefined();
    expect(detectFormat('   ')).toBeUndefined();
  });

  it('maps filenames to formats', () => {
    expect(['a.cif', 'x/y/POSCAR', 'Si.vasp', 'MgO.json', 'a.extxyz', 'b.xyz', 'notes.txt'].map(formatFromFilename)).toEqual([
      'cif', 'poscar', 'poscar', 'json', 'extxyz', 'extxyz', undefined,
    ]);
  });

  it('looks through a compression ending to the format under it', () => {
    expect(['CdTe.cif.gz', 'run/CONTCAR.bz2', 'POSCAR.xz', 'Si.vasp.XZ', 'MgO.json.gz', 'b.xyz', 'notes.gz', 'a.gz.cif'].map(formatFromFilename)).toEqual([
      'cif', 'poscar', 'poscar', 'poscar', 'json', 'extxyz', undefined, 'cif',
    ]);
  });

  it('detects a POSCAR whose lattice holds NaN, so that the reader can name it', () => {
    expect(detectFormat('Cu\n1.0\n3.6 NaN 0\n0 3.6 0\n0 0 3.6\nCu\n1\nDirect\n0 0 0\n')).toBe('poscar');
  });
});

describe('detectFormat with misleading comments', () => {
  it('reads a POSCAR whose comment starts with a brace as a POSCAR', () => {
    expect(detectFormat('{generated}\n1.0\n3.6 0 0\n0 3.6 0\n0 0 3.6\nCu\n1\nDirect\n0 0 0\n')).toBe('poscar');
  });
});
