import { z } from 'zod';
import { BatchRequestSchema, ReleaseAtRequestSchema } from '../core/request';

let cached: unknown;

/** OpenAPI 3.1 document generated from the zod schemas the API validates with. */
export function openApiDocument(): unknown {
  cached ??= build();
  return cached;
}

function build() {
  const error = {
    type: 'object',
    properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} }, required: ['code', 'message'] } },
  };
  const errors = Object.fromEntries(
    [
      ['400', 'invalid input; details.fields names each bad field'],
      ['401', 'missing or unknown bearer token'],
      ['403', 'the token scope forbids this'],
      ['404', 'no such batch or route'],
      ['409', 'idempotency conflict or wrong batch state'],
      ['413', 'body too large'],
      ['415', 'body is not application/json'],
    ].map(([code, description]) => [code, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
  );
  const batch = { description: 'the batch', content: { 'application/json': { schema: { type: 'object' } } } };
  const iso = { type: ['string', 'null'], format: 'date-time' };
  // GET /batches without ?view=full: one of these per batch (functions/core/view.ts batchListItem).
  const summary = {
    type: 'object',
    required: ['id', 'status', 'amount', 'region', 'counts', 'createdAt'],
    properties: {
      id: { type: 'string' },
      status: { type: 'string', enum: ['SUBMITTING', 'PENDING', 'RUNNING', 'PARTIAL', 'FAILED', 'TIMED_OUT', 'CANCELLED'] },
      owner: { type: 'string', description: 'shown to admin tokens only' },
      profile: { type: ['string', 'null'] },
      amount: { type: 'integer' },
      region: { type: 'string' },
      counts: { type: 'object', additionalProperties: { type: 'integer' }, description: 'instances per state (Pending, Running, ..., Lost, Released)' },
      error: { type: ['object', 'null'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
      releaseAt: iso,
      createdAt: iso,
      updatedAt: iso,
      deadlineAt: iso,
      endedAt: iso,
      cancel: { type: ['object', 'null'] },
      release: { type: ['object', 'null'], properties: { requestedAt: iso, by: { type: 'string' }, releasedAt: iso } },
    },
  };
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  return {
    openapi: '3.1.0',
    info: { title: 'ecs-batch', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        BatchRequest: z.toJSONSchema(BatchRequestSchema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }),
        ReleaseAtRequest: z.toJSONSchema(ReleaseAtRequestSchema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }),
        BatchSummary: summary,
        Error: error,
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/batches': {
        post: {
          summary: 'Create a batch of ECS instances',
          parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 128 } }],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchRequest' } } } },
          responses: { '200': { description: 'dry run result, or the original batch of a repeated Idempotency-Key' }, '202': batch, ...errors },
        },
        get: {
          summary: 'List your batches (an admin token: every owner\'s), newest first: summaries, or ?view=full',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
            { name: 'owner', in: 'query', description: 'admin tokens: one owner\'s batches', schema: { type: 'string' } },
            { name: 'view', in: 'query', description: 'summary (default): counts and times per batch; full: each batch as GET /batches/{id}', schema: { type: 'string', enum: ['summary', 'full'], default: 'summary' } },
          ],
          responses: {
            '200': {
              description: 'a page of batches',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      batches: { type: 'array', items: { oneOf: [{ $ref: '#/components/schemas/BatchSummary' }, { type: 'object', description: 'view=full' }] } },
                      cursor: { type: ['string', 'null'] },
                    },
                  },
                },
              },
            },
            ...errors,
          },
        },
      },
      '/batches/{id}': {
        get: {
          summary: 'One batch; ?wait=SECONDS long-polls until its state changes',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'wait', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 25 } },
          ],
          responses: { '200': batch, ...errors },
        },
      },
      '/batches/{id}/cancel': {
        post: {
          summary: 'Stop tracking a batch; {"release": true} also deletes its instances (also on a batch cancelled without release)',
          parameters: [idParam],
          responses: { '200': batch, ...errors },
        },
      },
      '/batches/{id}/release': {
        post: {
          summary: 'Delete the instances that still exist, whatever the status; idempotent; the sweeper finishes what fails here. Each instance ends Released (or Lost if ECS no longer knew it)',
          parameters: [idParam],
          responses: { '200': { description: 'every instance Released or Lost' }, '202': { description: 'release under way (the sweeper retries)' }, ...errors },
        },
      },
      '/batches/{id}/release-at': {
        post: {
          summary: 'Move the instances\' automatic release time (ECS ModifyInstanceAutoReleaseTime): 30 minutes to 3 years ahead',
          parameters: [idParam],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ReleaseAtRequest' } } } },
          responses: { '200': { description: 'the batch, plus failed: [{instanceId, code}] for instances ECS refused' }, ...errors },
        },
      },
      '/healthz': {
        get: {
          description: 'Alive, without a token. With deep=1 (token required): read-only calls with the function role to Tablestore and ECS, each failure with its fix.',
          parameters: [{ name: 'deep', in: 'query', required: false, schema: { type: 'string', enum: ['1'] } }],
          responses: { '200': { description: 'alive (deep: every check passed)' }, '401': { description: 'deep=1 without a valid token' }, '503': { description: 'deep: a check failed; see checks[].problem and .fix' } },
        },
      },
    },
  };
}
