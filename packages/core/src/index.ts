export * from './base/linalg.ts';
export * from './base/lattice.ts';
export * from './base/elements.ts';
export * from './base/errors.ts';
export * from './base/structure.ts';
