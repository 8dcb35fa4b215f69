import { z } from 'zod';
import { BatchRequestSchema } from '../core/request';

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
  return {
    openapi: '3.1.0',
    info: { title: 'ecs-batch', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { BatchRequest: z.toJSONSchema(BatchRequestSchema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }), Error: error },
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
          summary: 'List your batches, newest first',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'a page of batches' }, ...errors },
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
          summary: 'Stop tracking a batch; {"release": true} also deletes its instances',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': batch, ...errors },
        },
      },
      '/healthz': { get: { security: [], responses: { '200': { description: 'alive' } } } },
    },
  };
}
