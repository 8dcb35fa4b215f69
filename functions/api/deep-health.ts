import { EcsError, messageOf, StoreError } from '../core/errors';
import type { BatchStore, EcsPort } from '../core/ports';
import { authenticate, type TokenScope } from './auth';
import { badRequest, HttpError, json, type HttpRequest, type HttpResponse } from './http';

/**
 * `GET /healthz?deep=1` (token required): exercises the function role against Tablestore and ECS with
 * read-only calls (GetRow of a batch id that never exists, a one-row GetRange of the due queue,
 * DescribeInstances of an instance id that never exists): nothing is written, created or charged. Each
 * failure is told in words an operator can act on; a network ACL refusal is told apart from a role that
 * may not use the instance.
 */
export interface Check {
  name: 'tablestore' | 'ecs';
  ok: boolean;
  /** What failed, for an operator; absent when ok. */
  problem?: string;
  fix?: string;
  /** The provider's error code, when there is one. */
  code?: string;
}

/** Where the checks point: the function's region and the Tablestore instance it was configured with. */
export interface DeepHealthTarget {
  region: string;
  tablestoreInstance: string;
  /** A check that has not answered by then is reported as unreachable (default 10 s). */
  timeoutMs?: number;
}

export interface DeepHealthDeps extends DeepHealthTarget {
  store: BatchStore;
  ecs: EcsPort;
}

/** Well-formed ids that are never handed out, so the reads find nothing and change nothing. */
const NO_BATCH = 'b-000000000000000000000000';
const NO_INSTANCE = 'i-ecsbatchhealthz00000';

class NoAnswer extends Error {}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer(`no answer within ${ms / 1000} s`)), ms);
    timer.unref?.();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Tablestore's answers, from its error-code reference (403 OTSAuthFailed "Request denied by instance ACL
 * policies.": "the network type of the client is not allowed by the instance"; other OTSAuthFailed
 * messages: the AccessKey, user or instance; OTSNoPermissionAccess: the RAM policy).
 */
export function explainStoreFailure(err: unknown, instance: string): Check {
  if (err instanceof NoAnswer || (err instanceof StoreError && err.kind === 'unavailable' && /^(NoResponse|HTTP5)/.test(err.code))) {
    return {
      name: 'tablestore', ok: false, code: err instanceof StoreError ? err.code : 'NoAnswer',
      problem: `the function cannot reach the Tablestore endpoint (${err.message})`,
      fix: 'a VPC endpoint (*.vpc.tablestore.aliyuncs.com) is reachable only from a VPC bound to the instance: set VPC_ID, VSWITCH_IDS and SECURITY_GROUP_ID and deploy again; with the public endpoint, check TABLESTORE_ENDPOINT and that the instance allows Internet access',
    };
  }
  const code = err instanceof StoreError ? err.code : 'Unknown';
  const text = messageOf(err);
  if (code === 'OTSAuthFailed' && /instance ACL/i.test(text)) {
    return {
      name: 'tablestore', ok: false, code,
      problem: `Tablestore instance ${instance} refuses requests from the network the function runs in (403 OTSAuthFailed: Request denied by instance ACL policies); the role is not the problem`,
      fix: 'either allow Internet access on the instance (Tablestore console, instance, Network Management) and keep the public endpoint, or bind a VPC to the instance, set VPC_ID, VSWITCH_IDS, SECURITY_GROUP_ID and the VPC endpoint as TABLESTORE_ENDPOINT, and deploy again',
    };
  }
  if (code === 'OTSAuthFailed' || code === 'OTSNoPermissionAccess') {
    return {
      name: 'tablestore', ok: false, code,
      problem: `Tablestore refuses the function role on instance ${instance} (${code}: ${text})`,
      fix: 'check that TABLESTORE_INSTANCE and TABLESTORE_ENDPOINT name an existing, running instance in this region, and that the role in FC_ROLE_ARN has the Tablestore statement of the policy in README "Deploying"',
    };
  }
  if (code === 'OTSObjectNotExist') {
    return { name: 'tablestore', ok: false, code, problem: `the tables do not exist on instance ${instance}`, fix: 'run `npm run setup:tables` with the same TABLESTORE_ENDPOINT, TABLESTORE_INSTANCE and TABLE_PREFIX' };
  }
  return { name: 'tablestore', ok: false, code, problem: `Tablestore answered ${code}: ${text}`, fix: 'see the Tablestore error-code reference for this code' };
}

export function explainEcsFailure(err: unknown, region: string): Check {
  if (err instanceof NoAnswer || (err instanceof EcsError && err.code === 'NoResponse')) {
    return {
      name: 'ecs', ok: false, code: err instanceof EcsError ? err.code : 'NoAnswer',
      problem: `the function cannot reach the ECS API in ${region} (${err.message})`,
      fix: 'functions in a VPC reach the ECS API over the Internet only with internetAccess (the s.yaml default) or a NAT gateway; check ECS_ENDPOINT if you set it',
    };
  }
  const code = err instanceof EcsError ? err.code : 'Unknown';
  const text = messageOf(err);
  if (/^(Forbidden|NoPermission|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidSecurityToken|Unauthorized)/i.test(code)) {
    return {
      name: 'ecs', ok: false, code,
      problem: `ECS refuses the function role (${code}: ${text})`,
      fix: 'attach the ECS statement of the policy in README "Deploying" to the role in FC_ROLE_ARN',
    };
  }
  return { name: 'ecs', ok: false, code, problem: `ECS answered ${code}: ${text}`, fix: 'see the ECS error center for this code' };
}

export async function deepHealth(deps: DeepHealthDeps): Promise<{ ok: boolean; checks: Check[] }> {
  const ms = deps.timeoutMs ?? 10_000;
  const [tablestore, ecs] = await Promise.all([
    within(ms, Promise.all([deps.store.getBatch(NO_BATCH), deps.store.dueEntries(0, 1)]))
      .then((): Check => ({ name: 'tablestore', ok: true }), (e) => explainStoreFailure(e, deps.tablestoreInstance)),
    within(ms, deps.ecs.describeInstances(deps.region, [NO_INSTANCE]))
      .then((): Check => ({ name: 'ecs', ok: true }), (e) => explainEcsFailure(e, deps.region)),
  ]);
  const checks = [tablestore, ecs];
  return { ok: checks.every((c) => c.ok), checks };
}

/** The route: GET only, `deep=1` only, any valid bearer token; 200 when every check passed, else 503. */
export async function deepHealthRoute(
  deps: { store: BatchStore; ecs: EcsPort; tokens: readonly TokenScope[]; deepHealth?: DeepHealthTarget },
  req: HttpRequest,
): Promise<HttpResponse> {
  if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', `use GET on ${req.path}`, null, { allow: 'GET' });
  if (req.query.deep !== '1') throw badRequest('invalid query', [{ field: 'deep', message: 'must be 1 (or leave it out for the shallow check)' }]);
  if (!authenticate(deps.tokens, req.headers.authorization)) {
    throw new HttpError(401, 'unauthorized', 'the deep health check needs a bearer token', null, { 'www-authenticate': 'Bearer' });
  }
  if (!deps.deepHealth) throw new HttpError(404, 'not_found', 'no deep health check in this deployment');
  const report = await deepHealth({ ...deps.deepHealth, store: deps.store, ecs: deps.ecs });
  return json(report.ok ? 200 : 503, report);
}
