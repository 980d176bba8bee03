import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { generate } from '@defect-candidates/core';
import type { Action } from '../store/actions.ts';
import { actionLinks, deliveryTarget, directPayload, MissingAnswerError, platformPayload } from './payloads.ts';

const FIXTURES = process.env.FIXTURES_DIR ?? fileURLToPath(new URL('../../../../fixtures', import.meta.url));
const answer = generate(
  { content: readFileSync(`${FIXTURES}/structures/Si.vasp`, 'utf8'), filename: 'Si.vasp' },
  { defect_types: ['vacancy', 'substitution'], dopant_elements: ['Ge'], output_formats: ['poscar'] },
);

function action(overrides: Partial<Action> = {}): Action {
  return {
    id: 'act-1',
    owner: 'alice',
    status: 'success',
    created_at: '2024-05-01T12:00:00.000Z',
    started_at: '2024-05-01T12:00:01.000Z',
    finished_at: '2024-05-01T12:00:02.000Z',
    progress: { stage: 'done', percent: 100 },
    parameters: { defect_types: ['vacancy', 'substitution'] },
    input: { kind: 'inline' },
    runs: 1,
    ...overrides,
  };
}

const platform = { action_id: 'ouro-1', webhook_url: 'https://platform.example/hook', webhook_token: 'tok', route_id: 'r-1', route_org_id: 'o-1', route_team_id: 't-1' };

describe('deliveryTarget', () => {
  it('prefers the platform, then the direct URL, else nothing', () => {
    expect(deliveryTarget(action({ platform, webhook_url: 'https://c.example/' }))).toEqual({ kind: 'platform', url: platform.webhook_url });
    expect(deliveryTarget(action({ webhook_url: 'https://c.example/' }))).toEqual({ kind: 'direct', url: 'https://c.example/' });
    expect(deliveryTarget(action({ platform: { action_id: 'x' } }))).toBeNull();
  });
});

describe('platformPayload', () => {
  it('carries the summary and the archive as a zip file asset', () => {
    const body = platformPayload(action({ platform }), answer);
    expect(body).toMatchObject({ status: 'completed', ouro_action_id: 'ouro-1', ouro_route_id: 'r-1' });
    const { file, ...summary } = body.response as { file: Record<string, string> } & Record<string, any>;
    expect(summary.candidates.map((c: { name: string }) => c.name)).toEqual(['v_Si', 'Ge_Si']);
    expect(summary.candidates.some((c: object) => 'structures' in c)).toBe(false);
    expect(file).toMatchObject({ filename: 'Si_defect_candidates.zip', type: 'application/zip', extension: 'zip', org_id: 'o-1', team_id: 't-1' });
    expect(file.description).toBe(
      '2 symmetry-distinct point-defect supercells of Si (1 vacancy, 1 substitution): bulk/ (the pristine supercell: POSCAR), ' +
        'one folder per candidate (<name>/: POSCAR) and manifest.json.',
    );
    expect(strFromU8(unzipSync(Buffer.from(file.base64, 'base64'))['bulk/POSCAR'])).toBe(answer.bulk.structures.poscar);
    expect(summary.bulk).toEqual({ formula: answer.bulk.formula, n_atoms: answer.bulk.n_atoms });
    const zip = unzipSync(Buffer.from(file.base64, 'base64'));
    expect(strFromU8(zip['v_Si/POSCAR'])).toBe(answer.candidates[0].structures.poscar);
  });

  it('carries the result page’s link when one is given, and report.html only when the request asked for it', () => {
    const view = 'https://api.example/view/act-1?expires=1&signature=s';
    expect(platformPayload(action({ platform }), answer, view).response.links).toEqual({ view });
    expect(platformPayload(action({ platform }), answer).response).not.toHaveProperty('links');
    const error = { message: 'bad CIF', code: 'invalid_structure', type: 'StructureError', retryable: false };
    expect(platformPayload(action({ platform, status: 'error', error }), null, view).response).toEqual({ error, links: { view } });
    const files = (a: typeof answer) => Object.keys(unzipSync(Buffer.from((platformPayload(action({ platform }), a).response.file as { base64: string }).base64, 'base64')));
    expect(files(answer)).not.toContain('report.html');
    const withReport = generate({ content: readFileSync(`${FIXTURES}/structures/Si.vasp`, 'utf8'), filename: 'Si.vasp' }, { defect_types: ['vacancy'], output_formats: ['poscar', 'report'] });
    const zip = unzipSync(Buffer.from((platformPayload(action({ platform }), withReport).response.file as { base64: string }).base64, 'base64'));
    const report = strFromU8(zip['report.html']);
    expect(report).toContain('<script type="application/json" id="dc-answer">');
    expect(report).toContain('3Dmol');
  });

  it('reports a failed action with its error only', () => {
    const error = { message: 'bad CIF', code: 'invalid_structure', type: 'StructureError', retryable: false };
    expect(platformPayload(action({ platform, status: 'error', error }), null)).toEqual({ status: 'failed', ouro_action_id: 'ouro-1', ouro_route_id: 'r-1', response: { error } });
  });

  it('refuses a success whose answer is gone', () => {
    expect(() => platformPayload(action({ platform }), null)).toThrow(MissingAnswerError);
  });
});

describe('directPayload', () => {
  it('is a thin Standard Webhooks event', () => {
    const body = directPayload(action({ webhook_url: 'https://c.example/' }), answer, 'https://api.example/');
    expect(body.type).toBe('action.completed');
    expect(body.timestamp).toBe('2024-05-01T12:00:02.000Z');
    expect(body.data).toMatchObject({ id: 'act-1', status: 'success', links: { self: 'https://api.example/actions/act-1', archive: 'https://api.example/actions/act-1/archive.zip' } });
    expect(directPayload(action(), answer, '', '/view/act-1?expires=1&signature=s').data.links).toEqual({ self: '/actions/act-1', archive: '/actions/act-1/archive.zip', view: '/view/act-1?expires=1&signature=s' });
    const poscarCoordinateLine = answer.candidates[0].structures.poscar!.trim().split('\n').at(-1)!;
    expect(JSON.stringify(body)).not.toContain(poscarCoordinateLine);
    expect((body.data.response as { candidates: object[] }).candidates).toHaveLength(2);
  });

  it('reports action.failed with the error and no archive link', () => {
    const error = { message: 'timeout', code: 'timeout', type: 'TimeoutError', retryable: false };
    const body = directPayload(action({ status: 'error', error }), null);
    expect(body.type).toBe('action.failed');
    expect(body.data).toMatchObject({ error, links: { self: '/actions/act-1' } });
    expect(body.data).not.toHaveProperty('response');
    expect(actionLinks(action({ status: 'error' }))).not.toHaveProperty('archive');
  });
});
