import { z } from 'zod';
import { COMPRESSED_EXTENSIONS, isElement } from '@defect-candidates/core';
import { MAX_BATCH_ITEMS } from '@defect-candidates/service/store/batches';

/** Extensions of the structure formats, which help detect the format. */
const FORMAT_EXTENSIONS = ['cif', 'vasp', 'poscar', 'contcar', 'json', 'extxyz', 'xyz'] as const;

/**
 * File extensions a worker can read, as the platform's asset picker needs them: the formats'
 * own and those of the compressions a worker unpacks (a `CONTCAR.gz` asset reports `gz`).
 */
export const STRUCTURE_EXTENSIONS = [...FORMAT_EXTENSIONS, ...COMPRESSED_EXTENSIONS] as const;
export const STRUCTURE_FORMATS = ['cif', 'poscar', 'pymatgen', 'json', 'extxyz'] as const;

/** Action ids: ours are UUIDs; the platform's arrive in `ouro-action-id`. Safe in Redis keys and BullMQ job ids. */
export const ACTION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const httpUrl = (what: string) =>
  z.url({ protocol: /^https?$/, error: `${what} must be an absolute http:// or https:// URL` }).max(2048);

/** The species of a VASP 4 POSCAR's blocks, which the file itself may not name; beside `content` or `url`, as the format is. */
const SpeciesSchema = z
  .array(z.string().refine((s) => isElement(s), { error: 'must be an element symbol, e.g. "Sn"' }))
  .min(1, 'list one element per species block')
  .max(118)
  .meta({
    title: 'Species',
    description:
      'Element of each species block of a VASP 4 POSCAR (one without an element line), in block order, e.g. ["Sn", "O"]. ' +
      'A POSCAR whose element line names other species, or whose element names after the coordinates contradict these, is refused; other formats ignore it, with a warning.',
    examples: [['Sn', 'O']],
  });

export const FileAssetSchema = z
  .looseObject({
    url: httpUrl('file.url').meta({
      title: 'Download URL',
      description: 'Where a worker downloads the structure file (http or https). The Ouro platform fills this in when it resolves an input asset.',
    }),
    filename: z.string().min(1).max(255).optional().meta({
      title: 'File name',
      description: `Name of the file; its extension helps detect the format (${FORMAT_EXTENSIONS.join(', ')}). Files compressed with gzip, bzip2 or xz (${COMPRESSED_EXTENSIONS.map((e) => `.${e}`).join(', ')}) are unpacked, whatever their name.`,
      examples: ['CdTe.cif'],
    }),
    species: SpeciesSchema.optional(),
    type: z.string().max(255).optional().meta({ title: 'MIME type', description: 'MIME type of the file, as the platform reports it (e.g. chemical/x-cif).' }),
    extension: z.string().max(32).optional().meta({ title: 'Extension', description: 'File extension without the dot, as the platform reports it.' }),
    name: z.string().max(1024).optional().meta({ title: 'Asset name', description: 'Display name of the platform asset.' }),
    description: z.string().max(10_000).optional().meta({ title: 'Asset description', description: 'Description of the platform asset.' }),
    id: z.string().max(255).optional().meta({ title: 'Asset id', description: 'Platform id of the asset.' }),
    org_id: z.string().max(255).optional().meta({ title: 'Organisation id', description: 'Platform organisation owning the asset.' }),
    team_id: z.string().max(255).optional().meta({ title: 'Team id', description: 'Platform team owning the asset.' }),
    visibility: z.string().max(64).optional().meta({ title: 'Visibility', description: 'Platform visibility of the asset.' }),
  })
  .meta({
    title: 'Structure file',
    description: 'The input structure as a downloadable file (the Ouro input asset). Give either `file` or `structure`.',
  });

export const InlineStructureSchema = z
  .strictObject({
    content: z.string().min(1, 'the structure text is empty').meta({
      title: 'Structure text',
      description: 'The whole structure file as text: CIF, POSCAR/CONTCAR, pymatgen Structure JSON, plain {lattice, species, frac_coords} JSON or extended XYZ.',
    }),
    format: z.enum(STRUCTURE_FORMATS).optional().meta({
      title: 'Format',
      description: 'Format of `content`; detected from the content (and `filename`) when absent.',
    }),
    filename: z.string().min(1).max(255).optional().meta({
      title: 'File name',
      description: 'Original file name, used only to help detect the format.',
    }),
    species: SpeciesSchema.optional(),
  })
  .meta({ title: 'Inline structure', description: 'The input structure sent in the request body. Give either `structure` or `file`.' });

/** The fields the service adds to the core's request. */
export const SubmissionEnvelopeSchema = z
  .object({
    file: FileAssetSchema.optional(),
    structure: InlineStructureSchema.optional(),
    webhook_url: httpUrl('webhook_url').optional().meta({
      title: 'Webhook URL',
      description: 'Where to POST the result when the action ends (Standard Webhooks, signed with the API key\'s whsec_ secret). Used as given, query string included; answers show it with every query value masked (`?token=***`), logs only its origin and path.',
    }),
  })
  .superRefine((v, ctx) => {
    if (v.file && v.structure) ctx.addIssue({ code: 'custom', path: ['structure'], message: 'give the structure either as `file` or as `structure`, not both' });
    if (!v.file && !v.structure) ctx.addIssue({ code: 'custom', path: ['file'], message: 'missing: give the structure as `file` ({url, filename}) or as `structure` ({content, format?})' });
  });

export type SubmissionEnvelope = z.output<typeof SubmissionEnvelopeSchema>;

const isoDate = (title: string, description: string) => z.iso.datetime().meta({ title, description });

export const LinksSchema = z
  .object({
    self: z.string().meta({ title: 'Action', description: 'URL of the action (poll it with GET).' }),
    archive: z.string().meta({ title: 'Archive', description: 'URL of the zip of all candidate structures (once the action succeeded).' }),
    view: z.string().meta({
      title: 'Result page',
      description:
        'Signed, expiring URL of the action\'s result page (progress while it runs, then 3D views of every candidate). It needs no API key: anyone holding it may read this action\'s page, data and archive until it expires (VIEW_LINK_TTL_SECONDS).',
    }),
  })
  .meta({ title: 'Links', description: 'Where to find the action and its results.' });

export const ActionStatusSchema = z.enum(['queued', 'in-progress', 'success', 'error']).meta({
  title: 'Status',
  description: 'queued: waiting for a worker; in-progress: running; success: `response` holds the answer; error: `error` says why.',
});

export const AcceptedSchema = z
  .object({
    id: z.string().meta({ title: 'Action id', description: 'Identifier of the action (the `ouro-action-id` header when the platform sent one).' }),
    status: ActionStatusSchema,
    created_at: isoDate('Created', 'When the action was accepted (ISO 8601, UTC).'),
    links: LinksSchema,
  })
  .meta({ title: 'Accepted action', description: 'The action was accepted and queued; poll `links.self` or wait for the webhook.' });

export const ActionErrorSchema = z
  .object({
    message: z.string().meta({ title: 'Message', description: 'What went wrong, for a person.' }),
    code: z.string().meta({ title: 'Code', description: 'invalid_structure, invalid_supercell, invalid_request (the same code a structure sent inline is refused with), download_failed, timeout, internal or lost_job (the job was lost and could not be queued again).' }),
    type: z.string().meta({ title: 'Type', description: 'Class of the underlying error (e.g. StructureError, DownloadError).' }),
    retryable: z.boolean().meta({ title: 'Retryable', description: 'Whether sending the same request again may succeed.' }),
  })
  .meta({ title: 'Action error', description: 'Why the action ended in error.' });

export const ActionSchema = z
  .object({
    id: z.string().meta({ title: 'Action id', description: 'Identifier of the action.' }),
    owner: z.string().meta({ title: 'Owner', description: 'Name of the API key that submitted it, or `ouro` for the platform.' }),
    status: ActionStatusSchema,
    created_at: isoDate('Created', 'When the action was accepted.'),
    started_at: isoDate('Started', 'When a worker first started it.').nullable(),
    finished_at: isoDate('Finished', 'When it ended.').nullable(),
    progress: z
      .object({
        stage: z.string().meta({ title: 'Stage', description: 'Current stage (queued, downloading, reading, symmetry, supercell, vacancies, substitutions, interstitials, writing, storing, done).' }),
        percent: z.number().min(0).max(100).meta({ title: 'Percent', description: 'Rough completion, 0 to 100.' }),
      })
      .meta({ title: 'Progress', description: 'Where the work stands.' }),
    parameters: z.record(z.string(), z.unknown()).meta({ title: 'Parameters', description: 'The request with every default resolved.' }),
    input: z
      .object({
        kind: z.enum(['inline', 'url']).meta({ title: 'Kind', description: 'inline (`structure`) or url (`file`).' }),
        url: z.string().optional().meta({ title: 'URL', description: 'The file URL, for url inputs.' }),
        filename: z.string().optional().meta({ title: 'File name', description: 'The input file name, when known.' }),
        format: z.string().optional().meta({ title: 'Format', description: 'The declared input format, when given.' }),
        species: z.array(z.string()).optional().meta({ title: 'Species', description: 'The species given for a VASP 4 POSCAR, when given.' }),
      })
      .meta({ title: 'Input', description: 'Where the structure came from (the inline text itself is not echoed).' }),
    response: z.record(z.string(), z.unknown()).optional().meta({ title: 'Response', description: 'The answer (host, supercell, parameters, candidates, groups, warnings), on success.' }),
    error: ActionErrorSchema.optional(),
    webhook: z.record(z.string(), z.unknown()).optional().meta({ title: 'Webhook', description: 'Delivery state of the completion webhook, when there is one.' }),
    runs: z.number().int().meta({ title: 'Runs', description: 'How many times a worker started it (more than one after a worker was lost mid-job, or after it was moved to generate-heavy).' }),
    queue: z
      .enum(['generate', 'generate-heavy'])
      .optional()
      .meta({ title: 'Queue', description: 'The generation queue its job is on: generate, or generate-heavy for jobs estimated (or found) long.' }),
    batch_id: z.string().optional().meta({ title: 'Batch id', description: 'The batch this action is an item of, when it came from POST /batches.' }),
    links: LinksSchema,
  })
  .meta({ title: 'Action', description: 'One submitted generation and, once finished, its result.' });

export const ActionListSchema = z
  .object({
    actions: z.array(ActionSchema.omit({ response: true })).meta({ title: 'Actions', description: 'Newest first, without their responses.' }),
    next_cursor: z.string().nullable().meta({ title: 'Next cursor', description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .meta({ title: 'Action list', description: 'A page of the caller\'s actions.' });

export const ListQuerySchema = z.strictObject({
  status: ActionStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ title: 'Limit', description: 'Page size, 1 to 100.' }),
  cursor: z.string().max(512).optional().meta({ title: 'Cursor', description: '`next_cursor` of the previous page.' }),
});

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ title: 'Code', description: 'Machine-readable error code.' }),
      message: z.string().meta({ title: 'Message', description: 'What went wrong, for a person.' }),
      issues: z
        .array(
          z.object({
            path: z.string().meta({ title: 'Path', description: 'The offending field, dot-separated (e.g. `supercell.1`).' }),
            message: z.string().meta({ title: 'Message', description: 'What is wrong with it and what is allowed.' }),
          }),
        )
        .optional()
        .meta({ title: 'Issues', description: 'One entry per invalid field.' }),
    }),
  })
  .meta({ title: 'Error', description: 'Every error answer has this shape.' });

/**
 * zod's issues as `{path, message}`, one per offending field: an unknown key becomes an issue
 * at that key's own path, so clients see which field to remove.
 */
export function fieldIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): { path: string; message: string }[] {
  const join = (path: readonly PropertyKey[]) => [prefix, issuePath(path)].filter((p) => p !== '').join('.');
  return issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: join([...i.path, k]), message: `unknown field '${k}'` }))
      : [{ path: join(i.path), message: i.message }],
  );
}

/** `supercell.0`, `file.url`: zod's path as one string. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

/** What a JSON value is, for messages: `a string`, `null`, `an object`, `the number 3`. */
function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value === 'number' ? 'the number' : ''} ${String(value)}`.trim();
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** POST /batches: the fields around the items; each item is checked on its own (routes/batches.ts). */
export const BatchRequestSchema = z
  .strictObject({
    items: z
      .array(z.unknown(), {
        error: (issue) =>
          issue.input === undefined
            ? `missing: give \`items\`, a list of 1 to ${MAX_BATCH_ITEMS} structures, each {"structure": {"content": ...}} or {"file": {"url": ...}}`
            : `\`items\` must be a list of structures (each {"structure": ...} or {"file": ...}), not ${describeJson(issue.input)}`,
      })
      .min(1, 'give at least one item')
      .max(MAX_BATCH_ITEMS, `a batch holds at most ${MAX_BATCH_ITEMS} items`)
      .meta({
        title: 'Items',
        description: `1 to ${MAX_BATCH_ITEMS} structures, each \`{file}\` or \`{structure}\` as in a single request, with any request fields of its own (they win over \`defaults\`).`,
      }),
    defaults: z.record(z.string(), z.unknown(), { error: (issue) => `\`defaults\` must be an object of request fields, not ${describeJson(issue.input)}` }).optional().meta({
      title: 'Defaults',
      description: 'Request fields (supercell, defect_types, dopant_elements, ...) shared by every item.',
    }),
    atomic: z.boolean({ error: (issue) => `\`atomic\` must be true or false, not ${describeJson(issue.input)}` }).default(false).meta({
      title: 'Atomic',
      description: 'Refuse the whole batch (422, every invalid item listed) if any item is invalid; by default the valid items are accepted and the invalid ones listed.',
    }),
    webhook_url: httpUrl('webhook_url').optional().meta({
      title: 'Webhook URL',
      description: 'Where `batch.completed` is POSTed once every item has ended (Standard Webhooks, signed like the actions\' messages).',
    }),
    action_webhooks: z.boolean({ error: (issue) => `\`action_webhooks\` must be true or false, not ${describeJson(issue.input)}` }).default(true).meta({
      title: 'Action webhooks',
      description: 'Whether each action also sends its own `action.completed` / `action.failed` to `webhook_url`; false sends only `batch.completed`.',
    }),
  })
  .meta({ title: 'Batch request', description: 'Many structures in one request, each becoming an action.' });

/** A batch request with its defaults filled in (`atomic` false, `action_webhooks` true). */
export type BatchRequest = z.output<typeof BatchRequestSchema>;

const BatchMemberSchema = z
  .object({
    index: z.number().int().meta({ title: 'Item index', description: 'Position of the item in the submitted `items` (from 0).' }),
    id: z.string().meta({ title: 'Action id', description: 'The action this item became.' }),
  })
  .meta({ title: 'Batch member', description: 'An accepted item and its action.' });

const InvalidItemSchema = z
  .object({
    index: z.number().int().meta({ title: 'Item index', description: 'Position of the item in the submitted `items`.' }),
    issues: ErrorSchema.shape.error.shape.issues.unwrap().meta({ title: 'Issues', description: 'Each invalid field of the item, paths relative to the item.' }),
  })
  .meta({ title: 'Invalid item', description: 'An item that was refused, and why.' });

const BatchLinksSchema = z
  .object({
    self: z.string().meta({ title: 'Batch', description: 'URL of the batch (poll it with GET).' }),
    archive: z.string().meta({ title: 'Archive', description: 'URL of the zip of every successful item\'s structures.' }),
  })
  .meta({ title: 'Batch links', description: 'Where to find the batch and its results.' });

const BatchStatusSchema = z.enum(['running', 'completed']).meta({
  title: 'Batch status',
  description: 'running: some actions have not ended; completed: every action ended (success or error).',
});

/** The 202 answer to POST /batches. */
export const BatchAcceptedSchema = z
  .object({
    id: z.string().meta({ title: 'Batch id', description: 'Identifier of the batch.' }),
    status: BatchStatusSchema,
    created_at: isoDate('Created', 'When the batch was accepted.'),
    items: z.number().int().meta({ title: 'Items', description: 'How many items were submitted.' }),
    actions: z.array(BatchMemberSchema).meta({ title: 'Actions', description: 'One action per valid item, in item order.' }),
    invalid: z.array(InvalidItemSchema).meta({ title: 'Invalid items', description: 'The items refused, with their field errors.' }),
    links: BatchLinksSchema,
  })
  .meta({ title: 'Accepted batch', description: 'The valid items were accepted and queued.' });

/** GET /batches/:id. */
export const BatchSchema = z
  .object({
    id: z.string().meta({ title: 'Batch id', description: 'Identifier of the batch.' }),
    owner: z.string().meta({ title: 'Owner', description: 'Name of the API key that submitted it.' }),
    status: BatchStatusSchema,
    created_at: isoDate('Created', 'When the batch was accepted.'),
    completed_at: z.iso.datetime().nullable().meta({ title: 'Completed', description: 'When its last action ended; null while some run.' }),
    items: z.number().int().meta({ title: 'Items', description: 'How many items were submitted.' }),
    counts: z
      .object({
        queued: z.number().int().meta({ title: 'Queued', description: 'Actions waiting for a worker.' }),
        'in-progress': z.number().int().meta({ title: 'In progress', description: 'Actions running.' }),
        success: z.number().int().meta({ title: 'Success', description: 'Actions that succeeded.' }),
        error: z.number().int().meta({ title: 'Error', description: 'Actions that ended in error.' }),
      })
      .meta({ title: 'Counts', description: 'The batch\'s actions by status.' }),
    invalid: z.array(InvalidItemSchema).meta({ title: 'Invalid items', description: 'The items refused at submission.' }),
    webhook_url: z.string().optional().meta({ title: 'Webhook URL', description: 'Where `batch.completed` goes.' }),
    action_webhooks: z.boolean().meta({ title: 'Action webhooks', description: 'Whether each action sends its own webhook too.' }),
    webhook: z.record(z.string(), z.unknown()).optional().meta({ title: 'Webhook', description: 'Delivery state of `batch.completed`, once it exists.' }),
    actions: z
      .array(ActionSchema.omit({ response: true }).extend({ index: z.number().int().meta({ title: 'Item index', description: 'Position of the item in the submitted `items`.' }) }))
      .meta({ title: 'Actions', description: 'A page of the batch\'s actions, in item order, without their responses.' }),
    next_cursor: z.string().nullable().meta({ title: 'Next cursor', description: 'Pass as `cursor` for the next page; null on the last page.' }),
    links: BatchLinksSchema,
  })
  .meta({ title: 'Batch', description: 'A batch, its counts by status and a page of its actions.' });

/** GET /batches/:id's query: a page of its actions. */
export const BatchQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_BATCH_ITEMS).default(100).meta({ title: 'Limit', description: `Actions per page, 1 to ${MAX_BATCH_ITEMS}.` }),
  cursor: z.string().max(64).optional().meta({ title: 'Cursor', description: '`next_cursor` of the previous page.' }),
});

/** Batch ids are UUIDs. */
export const BATCH_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
