import { valenceElectrons } from '../vasp/potcars.ts';
import type { DefectEntry } from './types.ts';

/** A charge as doped writes it in names and tables: `+1`, `0`, `-2`. */
export function signedCharge(charge: number): string {
  return charge > 0 ? `+${charge}` : String(charge);
}

/** doped's name of a defect in one charge state: the defect's name, `_`, the signed charge (`v_Cd_-2`, `Cd_i_C3v_+2`, `v_Te_0`). */
export function entryName(defectName: string, charge: number): string {
  return `${defectName}_${signedCharge(charge)}`;
}

/**
 * One entry per charge state of a candidate, in the order of its `charge_states`. NELECT is the sum
 * of the default POTCARs' ZVAL over the defect supercell's sites minus the charge (doped's
 * `DefectDictSet.nelect`), NUPDOWN its parity (doped: 0 for an even count, 1 for an odd one). Both
 * are left out when an element has no default POTCAR; `missing` names those elements.
 */
export function defectEntries(
  candidate: { id: string; name: string; charge_states: readonly number[] },
  species: readonly string[],
): { entries: DefectEntry[]; missing: string[] } {
  const { electrons, missing } = valenceElectrons(species);
  const entries = candidate.charge_states.map((charge): DefectEntry => {
    const entry: DefectEntry = { name: entryName(candidate.name, charge), candidate_id: candidate.id, candidate: candidate.name, charge };
    if (electrons !== null) {
      entry.nelect = electrons - charge;
      entry.nupdown = entry.nelect % 2;
    }
    return entry;
  });
  return { entries, missing };
}
