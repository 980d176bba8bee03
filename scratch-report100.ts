import { readFileSync, writeFileSync } from 'node:fs';
import { generate } from '@defect-candidates/core';
import { renderReport } from '@defect-candidates/viewer';
const dopants = ['Mg', 'Zn', 'Hg', 'Se', 'S', 'O', 'Cu', 'Ag', 'Na', 'Li', 'Cl', 'Br', 'I', 'In', 'Ga', 'Al', 'As', 'Sb'];
const answer = generate({ content: readFileSync('fixtures/structures/CdTe.cif', 'utf8'), filename: 'CdTe.cif' }, { dopant_elements: dopants, max_candidates: 100, max_candidates_per_type: 100, output_formats: ['poscar', 'report'] });
writeFileSync('/tmp/i16/report100.html', renderReport(answer));
