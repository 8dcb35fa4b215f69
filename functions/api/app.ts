import { z } from 'zod';
import { BATCH_STATUSES, isTerminal, type Batch } from '../core/batch';
import { EcsError, InvalidCursor, StoreError, VersionConflict } from '../core/errors';
import { intake } from '../core/intake';
import { visibleBatch } from '../core/owned';
import { BatchRequestSchema, ReleaseAtRequestSchema } from '../core/request';
import { toFieldIssues } from '../core/validation';
import { authenticate, type TokenScope } from './auth';
import { badRequest, errorResponse, HttpError, json, type HttpRequest, type HttpResponse } from './http';
import { openApiDocument } from './openapi';
import { batchListItem, batchView } from '../core/view';
import { releaseBatch } from '../core/release-batch';
import { extendBatch } from '../core/extend';
import { parseIsoDuration, releaseWindowProblem } from '../core/time';
import { isPagePath, servePage } from './page';
import { cancelBatch } from '../core/cancel';
import { handleChat, isChatPath } from './chatops';
import type { AppDeps } from './deps';
import { deepHealthRoute } from './deep-health';

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_WAIT_SECONDS = 25;

/** The HTTP API: a request in, a response out. Every failure becomes one JSON error shape. */
export async function handle(deps: AppDeps, req: HttpRequest): Promise<HttpResponse> {
  try {
    return await route(deps, req);
  } catch (e) {
    if (!(e instanceof HttpError)) {
      deps.log.error('request failed', { requestId: req.requestId, path: req.path, error: e });
      if (e instanceof StoreError || e instanceof EcsError || e instanceof VersionConflict) {
        return errorResponse(new HttpError(503, 'unavailable', 'a cloud service is unavailable; retry with the same Idempotency-Key', null, { 'retry-after': '5' }), req.requestId);
      }
    }
    return errorResponse(e, req.requestId);
  }
}

async function route(deps: AppDeps, req: HttpRequest): Promise<HttpResponse> {
  const parts = req.path.split('/').filter(Boolean);
  const allow = (methods: string[]) => {
    if (!methods.includes(req.method)) throw new HttpError(405, 'method_not_allowed', `use ${methods.join(' or ')} on ${req.path}`, null, { allow: methods.join(', ') });
  };
  if (req.path === '/healthz' && req.query.deep !== undefined) return deepHealthRoute(deps, req);
  if (req.path === '/healthz') {
    allow(['GET']);
    return json(200, { ok: true });
  }
  if (req.path === '/openapi.json') {
    allow(['GET']);
    return json(200, openApiDocument());
  }
  // The status page itself is public; the data it shows needs the token, like any other caller.
  if (isPagePath(req.path)) {
    allow(['GET']);
    return servePage(deps.pageDir, req.path);
  }
  // Chat webhooks authenticate by the platform's signature, not a bearer token.
  if (isChatPath(parts)) return handleChat(deps, req, parts);
  if (parts[0] !== 'batches' || parts.length > 3 || (parts.length === 3 && !BATCH_ACTIONS.includes(parts[2]))) {
    throw new HttpError(404, 'not_found', `no route for ${req.path}`);
  }
  if (parts.length === 1) allow(['GET', 'POST']);
  else if (parts.length === 2) allow(['GET']);
  else allow(['POST']);

  const scope = authenticate(deps.tokens, req.headers.authorization);
  if (!scope) {
    throw new HttpError(401, 'unauthorized', 'missing or unknown bearer token', null, { 'www-authenticate': 'Bearer' });
  }
  if (parts.length === 1) return req.method === 'POST' ? createBatch(deps, req, scope) : listBatches(deps, req, scope);
  const id = parts[1];
  if (parts.length === 2) return getBatch(deps, req, scope, id);
  switch (parts[2]) {
    case 'release':
      return release(deps, req, scope, id);
    case 'release-at':
      return releaseAt(deps, req, scope, id);
    default:
      return cancel(deps, req, scope, id);
  }
}

/** `POST /batches/{id}/<action>` */
const BATCH_ACTIONS = ['cancel', 'release', 'release-at'];

function readJson(req: HttpRequest, optional = false): unknown {
  if (req.body.length > MAX_BODY_BYTES) throw new HttpError(413, 'payload_too_large', `request body is larger than ${MAX_BODY_BYTES} bytes`);
  if (optional && req.body.length === 0) return {};
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json');
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    throw badRequest('request body is not valid JSON', [{ field: '(body)', message: 'malformed JSON' }]);
  }
}

const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable ASCII characters');

async function createBatch(deps: AppDeps, req: HttpRequest, scope: TokenScope): Promise<HttpResponse> {
  const body = readJson(req);
  const parsed = BatchRequestSchema.safeParse(body);
  if (!parsed.success) throw badRequest('the batch request is invalid', toFieldIssues(parsed.error.issues));
  const r = parsed.data;

  let idempotencyKey: string | undefined;
  if (req.headers['idempotency-key'] !== undefined) {
    const k = IdempotencyKey.safeParse(req.headers['idempotency-key']);
    if (!k.success) throw badRequest('the Idempotency-Key header is invalid', [{ field: 'Idempotency-Key', message: k.error.issues[0].message }]);
    idempotencyKey = k.data;
  }

  const result = await intake(deps, { request: r, owner: scope.name, idempotencyKey, grant: scope, submitter: `api:${req.requestId}` });
  switch (result.kind) {
    case 'forbidden':
      throw result.field === 'spec'
        ? new HttpError(403, 'forbidden', 'this token may not pass a raw launch spec (needs the raw-spec scope)', { field: 'spec' })
        : new HttpError(403, 'forbidden', `this token may not use profile "${r.profile}"`, { field: 'profile' });
    case 'unknownProfile':
      throw badRequest('unknown launch profile', [{ field: 'profile', message: `no profile named "${result.profile}"; known: ${result.allowed.join(', ') || '(none)'}` }]);
    case 'overLimit':
      if (result.by === 'grant') throw new HttpError(403, 'forbidden', `this token may request at most ${result.limit} instances at once`, { field: 'amount' });
      throw badRequest('amount exceeds the profile limit', [{ field: 'amount', message: `profile "${r.profile}" allows at most ${result.limit} per request` }]);
    case 'invalid':
      throw badRequest('the batch request cannot be met', result.issues);
    case 'dryRun':
      return json(200, result.wouldSucceed ? { dryRun: true, wouldSucceed: true, offering: result.offering } : { dryRun: true, wouldSucceed: false, error: result.error ?? null, capacityFailures: result.capacityFailures });
    case 'conflict':
      throw new HttpError(409, 'idempotency_conflict', 'this Idempotency-Key was used with a different request body', { batchId: result.batchId });
    case 'replayed':
      return json(200, batchView(result.batch), { 'idempotent-replayed': 'true', location: `/batches/${result.batch.id}` });
    case 'overDailyLimit':
      throw new HttpError(403, 'daily_limit_exceeded', `this token may create at most ${result.limit} instances in any 24 hours`, { field: 'amount' });
    case 'created':
      deps.log.info('batch accepted', { requestId: req.requestId, batchId: result.batch.id, status: result.batch.status });
      return json(202, batchView(result.batch), { location: `/batches/${result.batch.id}` });
  }
}

/** The batch if this token may see it (its own; any batch for an admin); else 404, like a missing one. */
async function ownedBatch(deps: AppDeps, scope: TokenScope, id: string): Promise<Batch> {
  const b = await visibleBatch(deps.store, scope, id);
  if (!b) throw new HttpError(404, 'not_found', 'no such batch');
  return b;
}

/** What a token sees of a batch: admins also see its owner. */
const view = (scope: TokenScope, b: Batch) => batchView(b, { owner: scope.admin });

const WaitSchema = z.coerce.number().int().min(0).max(MAX_WAIT_SECONDS);

async function getBatch(deps: AppDeps, req: HttpRequest, scope: TokenScope, id: string): Promise<HttpResponse> {
  let wait = 0;
  if (req.query.wait !== undefined) {
    const w = WaitSchema.safeParse(req.query.wait);
    if (!w.success) throw badRequest('invalid query', [{ field: 'wait', message: `must be whole seconds from 0 to ${MAX_WAIT_SECONDS}` }]);
    wait = w.data;
  }
  let batch = await ownedBatch(deps, scope, id);
  const first = batch.status;
  const until = deps.clock.now() + wait * 1000;
  // Long-poll: answer as soon as the batch leaves the state it was in, or when the wait is over.
  while (!isTerminal(batch.status) && batch.status === first && deps.clock.now() < until) {
    await deps.sleep(Math.min(deps.pollMs, Math.max(1, until - deps.clock.now())));
    batch = await ownedBatch(deps, scope, id);
  }
  return json(200, view(scope, batch));
}

const ListQuerySchema = z.strictObject({
  status: z.enum(BATCH_STATUSES).optional(),
  /** Admins: one owner's batches (a token name, `slack:U123`, `schedule:<trigger>`...). */
  owner: z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be an owner name (printable, no spaces)').optional(),
  /** `summary` (default): counts and times per batch; `full`: every batch as GET /batches/{id} shows it. */
  view: z.enum(['summary', 'full']).default('summary'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});

async function listBatches(deps: AppDeps, req: HttpRequest, scope: TokenScope): Promise<HttpResponse> {
  const q = ListQuerySchema.safeParse(req.query);
  if (!q.success) throw badRequest('invalid query', toFieldIssues(q.error.issues, '(query)', 'unknown query parameter'));
  const { owner, view: shape, ...query } = q.data;
  if (owner !== undefined && owner !== scope.name && !scope.admin) {
    throw new HttpError(403, 'forbidden', 'only an admin token may list the batches of another owner', { field: 'owner' });
  }
  // A non-admin sees its own batches; an admin everyone's, or one owner's with ?owner=.
  const who = scope.admin ? owner : scope.name;
  try {
    const page = await deps.store.listBatches(who, query);
    const item = shape === 'full' ? view : (s: TokenScope, b: Batch) => batchListItem(b, { owner: s.admin });
    return json(200, { batches: page.batches.map((b) => item(scope, b)), cursor: page.cursor ?? null });
  } catch (e) {
    if (e instanceof InvalidCursor) throw badRequest('invalid query', [{ field: 'cursor', message: e.message }]);
    throw e;
  }
}

const CancelSchema = z.strictObject({ release: z.boolean().default(false) });

async function cancel(deps: AppDeps, req: HttpRequest, scope: TokenScope, id: string): Promise<HttpResponse> {
  const parsed = CancelSchema.safeParse(readJson(req, true));
  if (!parsed.success) throw badRequest('invalid cancel request', toFieldIssues(parsed.error.issues));
  const outcome = await cancelBatch(deps, await ownedBatch(deps, scope, id), parsed.data.release, req.requestId);
  switch (outcome.kind) {
    case 'cancelled':
      return json(200, view(scope, outcome.batch));
    case 'ended':
      throw new HttpError(409, 'already_ended', `the batch already ended ${outcome.status}`, { status: outcome.status });
    case 'submitting':
      throw new HttpError(409, 'batch_submitting', 'the batch is still being submitted; retry in a few seconds', { status: 'SUBMITTING' }, { 'retry-after': '5' });
  }
}

async function release(deps: AppDeps, req: HttpRequest, scope: TokenScope, id: string): Promise<HttpResponse> {
  const parsed = z.strictObject({}).safeParse(readJson(req, true));
  if (!parsed.success) throw badRequest('invalid release request', toFieldIssues(parsed.error.issues));
  const outcome = await releaseBatch(deps, await ownedBatch(deps, scope, id), scope.name, req.requestId);
  if (outcome.kind === 'submitting') {
    throw new HttpError(409, 'batch_submitting', 'the batch is still being submitted; retry in a few seconds', { status: 'SUBMITTING' }, { 'retry-after': '5' });
  }
  // 202 while instances are still being deleted (the sweeper finishes it); 200 once each one's fate is known.
  const b = outcome.batch;
  const pending = b.instances.some((i) => i.state !== 'Released' && i.state !== 'Lost');
  return json(pending ? 202 : 200, view(scope, b));
}

async function releaseAt(deps: AppDeps, req: HttpRequest, scope: TokenScope, id: string): Promise<HttpResponse> {
  const parsed = ReleaseAtRequestSchema.safeParse(readJson(req));
  if (!parsed.success) throw badRequest('invalid release-at request', toFieldIssues(parsed.error.issues));
  const r = parsed.data;
  const now = deps.clock.now();
  const at = r.releaseAt !== undefined ? Date.parse(r.releaseAt) : now + (parseIsoDuration(r.releaseAfter!) ?? 0);
  const field = r.releaseAt !== undefined ? 'releaseAt' : 'releaseAfter';
  // ECS's own limits, checked here so a bad time costs no call (ECS would answer InvalidAutoReleaseTime.Malformed).
  const problem = releaseWindowProblem(at, now);
  if (problem) throw new HttpError(400, 'invalid_request', 'the release time cannot be met', { fields: [{ field, message: problem }], ecsCode: 'InvalidAutoReleaseTime.Malformed' });
  const batch = await ownedBatch(deps, scope, id);
  const outcome = await extendBatch(deps, batch, at, req.requestId);
  switch (outcome.kind) {
    case 'submitting':
      throw new HttpError(409, 'batch_submitting', 'the batch is still being submitted; retry in a few seconds', { status: 'SUBMITTING' }, { 'retry-after': '5' });
    case 'noInstances':
      throw new HttpError(409, 'no_instances', 'the batch has no instances left to keep', { status: batch.status });
    case 'refused':
      throw new HttpError(400, 'invalid_request', `ECS refused the release time: ${outcome.error.code}`, { fields: [{ field, message: outcome.error.message }], ecsCode: outcome.error.code });
    case 'extended':
      return json(200, { ...view(scope, outcome.batch), failed: outcome.failed });
  }
}
