import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

/** Every non-test TypeScript module under src/, as a path relative to it. */
function modules(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return modules(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [relative(SRC, path)] : [];
  });
}

/** The unit the layering rule speaks of: a module's top folder, or the module itself at the root. */
function unitOf(module: string): string {
  const parts = module.split(sep);
  return parts.length > 1 ? `${parts[0]}/` : parts[0];
}

/** Relative imports and re-exports of a module (`import type` included: a type import is still an arrow). */
function importsOf(module: string): string[] {
  const text = readFileSync(join(SRC, module), 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
    found.push(relative(SRC, resolve(SRC, dirname(module), m[1])));
  }
  return found;
}

/** Strongly connected components with more than one unit (Tarjan): each is an import cycle between units. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

describe('layering of packages/core/src', () => {
  const graph = new Map<string, Set<string>>();
  for (const module of modules()) {
    const from = unitOf(module);
    if (!graph.has(from)) graph.set(from, new Set());
    for (const target of importsOf(module)) {
      const to = unitOf(target);
      if (to !== from) graph.get(from)!.add(to);
    }
  }

  it('sees the folders and their imports', () => {
    // guards the scan itself: a regex that matched nothing would make the next test pass vacuously
    expect(graph.get('defects/')).toContain('base/');
    expect(graph.get('charges/')).toContain('base/');
  });

  it('has no import cycle between folders (root modules count as their own unit)', () => {
    expect(cycles(graph)).toEqual([]);
  });
});
