import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as moyo from '@spglib/moyo-wasm';

let ready = false;

/**
 * moyo's WebAssembly module, instantiated synchronously on first use and then shared by the
 * whole process (or worker thread). Reading the .wasm file is the one piece of I/O the core
 * does for itself: it is part of the library, not of the caller's input.
 */
export function loadMoyo(): typeof moyo {
  if (!ready) {
    const require = createRequire(import.meta.url);
    moyo.initSync({ module: readFileSync(require.resolve('@spglib/moyo-wasm/moyo_wasm_bg.wasm')) });
    ready = true;
  }
  return moyo;
}

export type { MoyoDataset, MoyoOperation, MoyoCell, MoyoWyckoffPosition } from '@spglib/moyo-wasm';
