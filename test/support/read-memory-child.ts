/**
 * Child process of the readers' memory test (packages/core/src/io/memory.test.ts): reads one
 * structure file followed by a long run of whitespace, and prints how far the peak resident
 * memory rose while reading, as JSON. A process of its own, so that the peak is this read's alone.
 *
 * argv: fixture name (fixtures/structures/; `GaN.extxyz` is GaN.vasp written as extended XYZ),
 * tail ('newlines' | 'crlf' | 'spaces' | 'line'), tail size in MiB, and 'gzip' to compress the
 * whole file first.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { decodeStructureFile, readStructure, writeStructure } from '@defect-candidates/core';
import { REPO_ROOT } from './fixtures.ts';

const [name, tail, mib, packing] = process.argv.slice(2);
const fixture = (file: string) => readFileSync(`${REPO_ROOT}/fixtures/structures/${file}`);
const head = name === 'GaN.extxyz' ? Buffer.from(writeStructure(readStructure(fixture('GaN.vasp').toString()).structure, 'extxyz')) : fixture(name);
const size = Number(mib) * 1024 * 1024;
const filler: Record<string, string> = { newlines: '\n', crlf: '\r\n', spaces: ' \n', line: ' ' };
const plain = Buffer.concat([head, Buffer.alloc(size, filler[tail])]);
const bytes = packing === 'gzip' ? gzipSync(plain, { level: 1 }) : plain;

const peakKb = () => process.resourceUsage().maxRSS;
const before = peakKb();
const decoded = await decodeStructureFile(bytes, { maxBytes: 200 * 1024 * 1024, name });
const read = readStructure(decoded.text, { filename: name });
const after = peakKb();
process.stdout.write(JSON.stringify({ inputBytes: plain.length, growthBytes: (after - before) * 1024, sites: read.structure.species.length }));
