/**
 * Child process of `parse-sandbox.ts`: runs one core reader per message and answers with what
 * came out. Living in its own process is the point: a reader that loops forever is killed from
 * outside, and one that aborts V8 (an array grown past its limit) takes down only this process.
 */
import * as core from '@defect-candidates/core';
import type { ReadOptions, Structure } from '@defect-candidates/core';
import type { ParseCall, ParseOutcome, SandboxFunction } from './parse-sandbox.ts';

const FORMATS = new Set(['cif', 'poscar', 'pymatgen', 'json', 'extxyz']);
const MIN_DISTANCE = 0.5;

const READERS: Record<SandboxFunction, (text: string, options: ReadOptions) => unknown> = {
  readStructure: (text, options) => core.readStructure(text, options),
  readCif: (text) => core.readCif(text),
  readPoscar: (text, options) => core.readPoscar(text, { species: options.species }),
  readJson: (text, options) => core.readJson(text, options.format === 'pymatgen' ? 'pymatgen' : 'json'),
  readExtxyz: (text) => core.readExtxyz(text),
  detectFormat: (text, options) => core.detectFormat(text, options.filename),
};

function det3(m: number[][]): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/** Shape problems any reader's result must not have (validated or not). */
function shapeProblems(s: Structure): string[] {
  const problems: string[] = [];
  if (!Array.isArray(s.species) || !Array.isArray(s.fracCoords)) return ['species or fracCoords is not a list'];
  if (s.species.length !== s.fracCoords.length) problems.push(`${s.species.length} species but ${s.fracCoords.length} coordinates`);
  if (s.species.some((x) => typeof x !== 'string')) problems.push('a species is not a string');
  const m = s.lattice?.matrix;
  if (!Array.isArray(m) || m.length !== 3 || m.some((r) => !Array.isArray(r) || r.length !== 3)) problems.push('lattice is not 3x3');
  return problems;
}

/**
 * What a validated structure must satisfy, checked here independently of the core's validator:
 * atoms present, known elements, finite numbers, a right-handed non-singular cell, and no two
 * atoms (or an atom and its image) closer than 0.5 Å among the 27 nearest cell translations.
 * The translation search can miss close pairs in a very skewed cell but never invents one, so
 * any pair it reports is a real violation.
 */
function validityProblems(s: Structure): string[] {
  const problems = shapeProblems(s);
  if (problems.length > 0) return problems;
  const n = s.species.length;
  if (n === 0) problems.push('no atoms');
  const m = s.lattice.matrix;
  if (m.flat().some((x) => !Number.isFinite(x))) problems.push('non-finite lattice');
  else if (!(det3(m) > 0)) problems.push(`lattice determinant ${det3(m)} is not positive`);
  s.species.forEach((el, i) => {
    if (!core.isElement(el)) problems.push(`site ${i + 1}: unknown element ${JSON.stringify(el)}`);
    if (s.fracCoords[i].length !== 3 || s.fracCoords[i].some((x) => !Number.isFinite(x))) problems.push(`site ${i + 1}: non-finite coordinates`);
  });
  if (problems.length > 0 || n > 150) return problems;
  const cart = (f: number[]) => [0, 1, 2].map((k) => f[0] * m[0][k] + f[1] * m[1][k] + f[2] * m[2][k]);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      for (let a = -1; a <= 1; a++)
        for (let b = -1; b <= 1; b++)
          for (let c = -1; c <= 1; c++) {
            if (i === j && a === 0 && b === 0 && c === 0) continue;
            const d = cart([s.fracCoords[j][0] - s.fracCoords[i][0] + a, s.fracCoords[j][1] - s.fracCoords[i][1] + b, s.fracCoords[j][2] - s.fracCoords[i][2] + c]);
            const r = Math.hypot(d[0], d[1], d[2]);
            if (r < MIN_DISTANCE - 1e-9) {
              problems.push(`sites ${i + 1} and ${j + 1} are ${r} Å apart`);
              return problems;
            }
          }
    }
  }
  return problems;
}

function run(call: ParseCall): ParseOutcome {
  const options = call.options ?? {};
  const started = performance.now();
  try {
    const value = READERS[call.fn](call.text, options);
    const ms = performance.now() - started;
    if (call.fn === 'detectFormat') {
      const ok = value === undefined || (typeof value === 'string' && FORMATS.has(value));
      return { kind: 'value', ms, format: value as string | undefined, nSites: 0, problems: ok ? [] : [`detectFormat returned ${JSON.stringify(value)}`] };
    }
    const result = value as core.ReadResult;
    const problems = call.fn === 'readStructure' ? validityProblems(result.structure) : shapeProblems(result.structure);
    if (!FORMATS.has(result.format)) problems.push(`format ${JSON.stringify(result.format)}`);
    if (!Array.isArray(result.warnings) || result.warnings.some((w) => typeof w !== 'string')) problems.push('warnings is not a list of strings');
    return { kind: 'value', ms, format: result.format, nSites: result.structure.species.length, problems };
  } catch (err) {
    const ms = performance.now() - started;
    if (err instanceof core.StructureError) {
      const messageOk = typeof err.message === 'string' && err.message.length > 0;
      return { kind: 'structure-error', ms, message: err.message, code: err.code, problems: messageOk ? [] : ['empty message'] };
    }
    const e = err as Error;
    return { kind: 'other-error', ms, name: e?.constructor?.name ?? typeof err, message: String(e?.message ?? err), stack: String(e?.stack ?? '').slice(0, 2000) };
  }
}

process.on('message', (message: { id: number; call: ParseCall }) => {
  process.send!({ id: message.id, outcome: run(message.call) });
});
process.send!({ ready: true });
