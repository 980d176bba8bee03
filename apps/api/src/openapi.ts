import { z } from 'zod';
import { DefectRequestSchema } from '@defect-candidates/core';
import {
  AcceptedSchema,
  ActionListSchema,
  ActionSchema,
  ErrorSchema,
  FileAssetSchema,
  InlineStructureSchema,
  STRUCTURE_EXTENSIONS,
  SubmissionEnvelopeSchema,
} from './schemas.ts';
import { GENERATE_PATH } from './routes/generate.ts';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

/**
 * Titles and descriptions of the core's request fields, used where the core's schema carries none,
 * so every field of the published contract is documented.
 */
const REQUEST_FIELD_DOCS: Record<string, { title: string; description: string }> = {
  supercell: { title: 'Supercell', description: '[] (automatic: ≥ 10 Å between images, ≥ 50 atoms), [n], [a, b, c] or a 3×3 integer matrix, relative to the input cell.' },
  random_seed: { title: 'Random seed', description: 'Seed for deterministic choices where one is open (integer ≥ 0).' },
  defect_types: { title: 'Defect types', description: 'Families to generate: vacancy, substitution, interstitial; [] means all three.' },
  max_candidates: { title: 'Maximum candidates', description: 'Most defect structures in total (1-200).' },
  dedupe_symmetry: { title: 'Deduplicate by symmetry', description: 'One candidate per symmetry-equivalent class.' },
  dopant_elements: { title: 'Dopant elements', description: 'Extrinsic element symbols for substitutions and interstitials.' },
  max_candidates_per_type: { title: 'Maximum per type', description: 'Most candidates per family and dopant (1-100).' },
  symprec: { title: 'Symmetry tolerance', description: 'Symmetry tolerance in Å.' },
  min_image_distance: { title: 'Minimum image distance', description: 'Smallest distance between periodic images of a defect in the automatic supercell, in Å.' },
  output_formats: { title: 'Output formats', description: 'Structure formats in the answer (poscar, cif, pymatgen, extxyz); vasp: VASP input folders per defect entry in the archive; report: report.html, the result page, in the archive.' },
  vasp_settings: { title: 'VASP settings', description: 'For the vasp format: functional (pbesol or hse06) and reciprocal_density (null for Γ only); defaults pbesol and Γ only.' },
  interstitial_sites: { title: 'Interstitial sites', description: 'Extra interstitial sites to try, as fractional coordinates of the input cell.' },
  interstitial_min_distance: { title: 'Interstitial minimum distance', description: 'Interstitial sites closer than this to a host atom are dropped, in Å.' },
  interstitial_cluster_tolerance: { title: 'Interstitial cluster tolerance', description: 'Interstitial candidates closer than this are one site (0-2 Å, default 0.8).' },
  adsorption_sites: { title: 'Adsorption sites', description: 'For a slab, layer, rod or molecule with vacuum: also try adsorption sites (on top, bridge, hollow, 2.0 Å out) on its surfaces; false: only sites inside it.' },
};

export function toJson(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** The request body: the core's fields plus the service's `file`, `structure` and `webhook_url`. */
export function requestBodySchema(): JsonSchema {
  const core = toJson(DefectRequestSchema as unknown as z.ZodType, 'input');
  const properties: Record<string, JsonSchema> = { ...(core.properties ?? {}) };
  for (const [name, prop] of Object.entries(properties)) {
    const docs = REQUEST_FIELD_DOCS[name];
    if (!prop.title) prop.title = docs?.title ?? name;
    if (!prop.description) prop.description = docs?.description ?? name;
  }
  const envelope = toJson(SubmissionEnvelopeSchema, 'input');
  Object.assign(properties, envelope.properties);
  return {
    type: 'object',
    title: 'Point-defect candidate request',
    description:
      'The structure (as `file` or inline `structure`) and the generation parameters. Unknown fields are refused with 422, each invalid field is listed.',
    properties,
    required: core.required ?? [],
    additionalProperties: false,
    oneOf: [{ required: ['file'] }, { required: ['structure'] }],
  };
}

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema: toJson(schema) } } });
const errors = (...codes: number[]) => {
  const text: Record<number, string> = {
    400: 'Malformed JSON, or JSON nested deeper than 64 levels.',
    401: 'Missing or invalid credentials.',
    403: 'The credentials do not allow this.',
    404: 'No such action (or not yours).',
    409: 'The action is not in a state that allows this.',
    413: 'The body is larger than BODY_LIMIT, or holds more than 100,000 JSON values.',
    415: 'The body is not JSON, or not in UTF-8.',
    422: 'Invalid fields, an unreadable structure, or a supercell over the atom limit; `issues` lists each field.',
    429: 'Over a per-key limit (`rate_limited`: requests per window; `too_many_queued`: actions queued); retry after `Retry-After` seconds. `RateLimit-*` headers describe the request limit.',
    503: 'Redis is unavailable or full; retry after `Retry-After` seconds.',
  };
  return Object.fromEntries(codes.map((c) => [String(c), json(ErrorSchema, text[c])]));
};

export interface OpenApiOptions {
  publicUrl: string;
  version: string;
  extraPaths?: Record<string, unknown>;
}

export function buildOpenApi(options: OpenApiOptions): Record<string, unknown> {
  const headerParam = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'header', required: false, description, schema });
  const security = [{ bearer: [] }, { ouro: [] }];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Point-defect candidates',
      version: options.version,
      description:
        'Send a crystal structure; get back symmetry-distinct vacancy, substitution and interstitial supercells ready for DFT relaxation, named as doped names them. Generation runs asynchronously: submit, then poll the action or receive a webhook.',
    },
    ...(options.publicUrl ? { servers: [{ url: options.publicUrl }] } : {}),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS.' },
        ouro: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'The Ouro platform: `Basic <OURO_SERVICE_SECRET>` (the raw secret).' },
      },
      schemas: {
        FileAsset: toJson(FileAssetSchema),
        InlineStructure: toJson(InlineStructureSchema),
        Action: toJson(ActionSchema),
        Error: toJson(ErrorSchema),
      },
    },
    paths: {
      [GENERATE_PATH]: {
        post: {
          operationId: 'generate_point_defect_candidates',
          summary: 'Generate point-defect candidates',
          description:
            'Queues the generation of symmetry-distinct point-defect supercells for a structure and answers 202 at once with the action id. Poll `GET /actions/{id}` or wait for the webhook; `GET /actions/{id}/archive.zip` gives every structure.',
          'x-ouro-execution-mode': 'async',
          'x-ouro-input-assets': { file: { asset_type: 'file', primary: true, file_extensions: [...STRUCTURE_EXTENSIONS] } },
          'x-ouro-output-assets': { file: { asset_type: 'file', primary: true, file_extensions: ['zip'] } },
          security,
          parameters: [
            headerParam('ouro-action-id', 'Platform only: the action id to use; repeating it returns the same action.'),
            headerParam('ouro-webhook-url', 'Platform only: where the completion is posted.'),
            headerParam('ouro-webhook-token', 'Platform only: token sent back with the completion.'),
            headerParam('ouro-route-id', 'Platform route id, echoed in the completion.'),
            headerParam('ouro-route-org-id', 'Organisation that receives the output asset.'),
            headerParam('ouro-route-team-id', 'Team that receives the output asset.'),
            headerParam('ouro-user-id', 'Platform user on whose behalf the call is made.'),
            headerParam('Idempotency-Key', 'Makes retries safe: the same key and body within 24 h return the same action; the same key with another body is refused (422).', { type: 'string', maxLength: 255 }),
          ],
          requestBody: { required: true, content: { 'application/json': { schema: requestBodySchema() } } },
          responses: {
            '202': json(AcceptedSchema, 'Accepted and queued (or the same action again, for a repeated id or key).'),
            ...errors(400, 401, 403, 409, 413, 415, 422, 429, 503),
            '409': json(ErrorSchema, 'An `ouro-action-id` already used with another body (`action_id_reused`), or by another caller (`conflict`).'),
          },
        },
      },
      '/actions': {
        get: {
          operationId: 'list_actions',
          summary: 'List actions',
          description: 'The caller\'s actions (all actions for operators), newest first, cursor-paginated.',
          security,
          parameters: [
            { name: 'status', in: 'query', required: false, description: 'Only actions with this status.', schema: { type: 'string', enum: ['queued', 'in-progress', 'success', 'error'] } },
            { name: 'limit', in: 'query', required: false, description: 'Page size, 1 to 100 (default 20).', schema: { type: 'integer', minimum: 1, maximum: 100 } },
            { name: 'cursor', in: 'query', required: false, description: '`next_cursor` from the previous page.', schema: { type: 'string' } },
          ],
          responses: { '200': json(ActionListSchema, 'A page of actions.'), ...errors(401, 422, 429, 503) },
        },
      },
      '/actions/{id}': {
        get: {
          operationId: 'get_action',
          summary: 'Get an action',
          description: 'Status, progress and, on success, the answer.',
          security,
          parameters: [{ name: 'id', in: 'path', required: true, description: 'The action id.', schema: { type: 'string' } }],
          responses: { '200': json(ActionSchema, 'The action.'), ...errors(401, 404, 429, 503) },
        },
      },
      '/actions/{id}/archive.zip': {
        get: {
          operationId: 'get_action_archive',
          summary: 'Download every candidate structure',
          description:
            'A zip laid out by the request\'s output_formats: with a structure format, `bulk/` (the pristine supercell) and `<name>/` for every candidate, ' +
            'holding POSCAR, structure.cif, structure.json or structure.extxyz as asked; with vasp, `<entry>/` (POSCAR, INCAR, KPOINTS, POTCAR.spec) for every ' +
            'defect entry and the same inputs in `bulk/` (vasp alone: no candidate folders); with report, `report.html`; always `manifest.json`.',
          security,
          parameters: [{ name: 'id', in: 'path', required: true, description: 'The action id.', schema: { type: 'string' } }],
          responses: {
            '200': { description: 'The archive.', content: { 'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } } } },
            ...errors(401, 404, 409, 429, 503),
          },
        },
      },
      ...viewPaths(),
      '/healthz': { get: { operationId: 'healthz', summary: 'Liveness', description: 'The process is up.', responses: { '200': { description: 'Alive.' } } } },
      '/readyz': {
        get: {
          operationId: 'readyz',
          summary: 'Readiness',
          description: 'The structure-check threads are warm and Redis accepts writes.',
          responses: { '200': { description: 'Ready.' }, '503': json(ErrorSchema, 'Not ready: `warming_up`, `redis_out_of_memory` or `redis_unavailable`.') },
        },
      },
      '/metrics': { get: { operationId: 'metrics', summary: 'Prometheus metrics', description: 'HTTP, queue depth per queue and state, job durations and outcomes, webhook deliveries.', responses: { '200': { description: 'Prometheus text format.' } } } },
      ...(options.extraPaths ?? {}),
    },
  };
}

/** The result page and what it reads: no API key, the signed link of `links.view` is the credential. */
function viewPaths(): Record<string, unknown> {
  const parameters = [
    { name: 'id', in: 'path', required: true, description: 'The action id.', schema: { type: 'string' } },
    { name: 'expires', in: 'query', required: true, description: 'Unix seconds after which the link is refused, as `links.view` gives it.', schema: { type: 'string' } },
    { name: 'signature', in: 'query', required: true, description: 'The link\'s HMAC-SHA256, as `links.view` gives it.', schema: { type: 'string' } },
  ];
  const refused = {
    '403': json(ErrorSchema, 'The link has expired (`link_expired`) or is not this action\'s (`invalid_signature`).'),
    '429': json(ErrorSchema, 'More than RATE_LIMIT_VIEW requests in the window from this address (`rate_limited`); retry after `Retry-After` seconds. `RateLimit-*` headers describe the limit.'),
    ...errors(404, 503),
  };
  return {
    '/view/{id}': {
      get: {
        operationId: 'view_action',
        summary: 'The result page',
        description: 'An HTML page: progress while the action runs, then the host, a sortable table of the candidates and 3D views of each (3Dmol.js, served from /viewer/).',
        security: [],
        parameters,
        responses: { '200': { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } }, ...refused },
      },
    },
    '/view/{id}/data': {
      get: {
        operationId: 'view_action_data',
        summary: 'What the result page reads',
        description: 'The action\'s id, status, timestamps, progress and error, and on success `answer`: the answer with one POSCAR per candidate instead of every format.',
        security: [],
        parameters,
        responses: { '200': { description: 'The action as the page sees it.', content: { 'application/json': { schema: { type: 'object' } } } }, ...refused },
      },
    },
    '/view/{id}/archive.zip': {
      get: {
        operationId: 'view_action_archive',
        summary: 'The archive, through the result page\'s link',
        description: 'As `GET /actions/{id}/archive.zip`.',
        security: [],
        parameters,
        responses: { '200': { description: 'The archive.', content: { 'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } } } }, ...refused, '409': json(ErrorSchema, 'The action has not succeeded.') },
      },
    },
  };
}
