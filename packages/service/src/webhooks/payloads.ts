import { describeAnswerFiles, summarizeAnswer, type DefectAnswer } from '@defect-candidates/core';
import { archiveFilename, buildArchive } from '../archive.ts';
import type { Action, ActionError } from '../store/actions.ts';
import type { DeliveryEvent, DeliveryKind } from './state.ts';

/** The platform's completion contract (the `ouro-webhook-url` POST). */
export interface PlatformPayload {
  status: 'completed' | 'failed';
  ouro_action_id: string;
  ouro_route_id: string | null;
  response: Record<string, unknown>;
}

/** The file object the platform turns into an asset. */
export interface PlatformFile {
  name: string;
  description: string;
  filename: string;
  type: 'application/zip';
  extension: 'zip';
  base64: string;
  org_id: string | null;
  team_id: string | null;
}

/** A Standard Webhooks message for direct clients. */
export interface DirectPayload {
  type: DeliveryEvent;
  timestamp: string;
  data: Record<string, unknown>;
}

/** Where the result of `action` goes, or null when nobody asked for a webhook. */
export function deliveryTarget(action: Action): { kind: DeliveryKind; url: string } | null {
  if (action.platform?.webhook_url) return { kind: 'platform', url: action.platform.webhook_url };
  if (action.webhook_url) return { kind: 'direct', url: action.webhook_url };
  return null;
}

export function deliveryEvent(action: Action): DeliveryEvent {
  return action.status === 'success' ? 'action.completed' : 'action.failed';
}

function errorOf(action: Action): ActionError {
  return action.error ?? { message: 'the action failed', code: 'internal', type: 'internal_error', retryable: false };
}

function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

export function platformFile(action: Action, answer: DefectAnswer): PlatformFile {
  const formula = String(answer.host?.formula ?? 'structure');
  const candidates = answer.candidates ?? [];
  const families = countBy(candidates.map((c) => String(c.defect_type)));
  return {
    name: `${formula} defect candidates`,
    description:
      `${candidates.length} symmetry-distinct point-defect supercells of ${formula}` +
      `${families ? ` (${families})` : ''}: ${describeAnswerFiles(answer)}.`,
    filename: archiveFilename(answer),
    type: 'application/zip',
    extension: 'zip',
    base64: Buffer.from(buildArchive(answer)).toString('base64'),
    org_id: action.platform?.route_org_id ?? action.input?.org_id ?? null,
    team_id: action.platform?.route_team_id ?? action.input?.team_id ?? null,
  };
}

/**
 * The platform's body: on success the answer's summary (candidates without structures) and the
 * archive as a file asset; on error the action's error. `viewLink`, the signed link to the result
 * page (only when it is absolute: PUBLIC_URL is set), goes in as `response.links.view`.
 */
export function platformPayload(action: Action, answer: DefectAnswer | null, viewLink?: string): PlatformPayload {
  const base = { ouro_action_id: action.platform?.action_id ?? action.id, ouro_route_id: action.platform?.route_id ?? null };
  const links = viewLink ? { links: { view: viewLink } } : {};
  if (action.status === 'success') {
    if (!answer) throw new MissingAnswerError(action.id);
    return { status: 'completed', ...base, response: { ...(summarizeAnswer(answer) as Record<string, unknown>), file: platformFile(action, answer), ...links } };
  }
  return { status: 'failed', ...base, response: { error: errorOf(action), ...links } };
}

/** Absolute (with PUBLIC_URL) or relative links to the action, its archive, and its result page when a signed `viewLink` is given. */
export function actionLinks(action: Action, publicUrl = '', viewLink?: string): Record<string, string> {
  const self = `${publicUrl.replace(/\/+$/, '')}/actions/${encodeURIComponent(action.id)}`;
  return { self, ...(action.status === 'success' ? { archive: `${self}/archive.zip` } : {}), ...(viewLink ? { view: viewLink } : {}) };
}

/**
 * A thin Standard Webhooks body: the action as `GET /actions/:id` shows it, but with the answer
 * summarised (no candidate structures); receivers fetch the action or the archive for those.
 */
export function directPayload(action: Action, answer: DefectAnswer | null, publicUrl = '', viewLink?: string): DirectPayload {
  if (action.status === 'success' && !answer) throw new MissingAnswerError(action.id);
  const data: Record<string, unknown> = {
    id: action.id,
    status: action.status,
    created_at: action.created_at,
    started_at: action.started_at,
    finished_at: action.finished_at,
    progress: action.progress,
    parameters: action.parameters,
    ...(action.status === 'success' && answer ? { response: summarizeAnswer(answer) } : {}),
    ...(action.status === 'error' ? { error: errorOf(action) } : {}),
    links: actionLinks(action, publicUrl, viewLink),
  };
  return { type: deliveryEvent(action), timestamp: action.finished_at ?? new Date().toISOString(), data };
}

/** A successful action whose stored answer is gone (expired): nothing left to deliver. */
export class MissingAnswerError extends Error {
  constructor(actionId: string) {
    super(`the answer of action ${actionId} is no longer stored`);
    this.name = 'MissingAnswerError';
  }
}
