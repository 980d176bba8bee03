import type { Structure } from '../base/structure.ts';
import type { StructureOutputs } from '../defects/types.ts';
import { toPymatgenDict } from '../io/pymatgen-json.ts';
import { type OutputFormat, writeStructure } from '../io/write.ts';

/**
 * One structure in each of the given structure formats, as the answer carries it: text for POSCAR,
 * CIF and extended XYZ; pymatgen's `Structure.as_dict()` as an object (one level of escaping less
 * for API users). `comment` goes where the format has room for one.
 */
export function structureOutputs(structure: Structure, formats: readonly OutputFormat[], comment: string): StructureOutputs {
  const out: StructureOutputs = {};
  for (const format of formats) {
    if (format === 'pymatgen') out.pymatgen = toPymatgenDict(structure);
    else out[format] = writeStructure(structure, format, { comment });
  }
  return out;
}
