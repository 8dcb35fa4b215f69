import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseQuery, verifyAcs3 } from '../common/acs3';
import { RPC_V1_COMMON, verifyRpcV1 } from '../common/rpc-v1';
import { readBody } from '../common/http';
import { ACTIONS } from './actions';
import { handleControl, type EcsControl } from './control';
import { EcsError, ecsError, errorBody, isKnownCode } from './errors';
import type { FaultRule } from './faults';
import { Params } from './params';
import type { EcsRuntime } from './runtime';

const API_VERSION = '2014-05-26';

/**
 * The HTTP face: `/__control/...` goes to the control API; everything else is an ECS RPC call
 * routed on `x-acs-action`, answered as JSON, errors included (the SDK cannot parse anything else).
 */
export function createEcsServer(rt: EcsRuntime, control: EcsControl, log: (line: string) => void): Server {
  return createServer((req, res) => {
    const handled = (req.url ?? '').startsWith('/__control') ? handleControl(control, req, res) : handleRpc(rt, req, res);
    handled.catch((e) => {
      log(`ECS emulator: unexpected failure: ${e instanceof Error ? e.stack : String(e)}`);
      if (res.headersSent) return void res.destroy();
      const body = errorBody(ecsError('InternalError'), 'local-emulator-failure', String(req.headers.host ?? ''));
      res.writeHead(500, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify(body));
    });
  });
}

async function handleRpc(rt: EcsRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const requestId = rt.ids.requestId();
  const host = String(req.headers.host ?? 'ecs.aliyuncs.com');
  const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': requestId, ...headers });
    res.end(JSON.stringify(payload));
  };
  const fail = (err: EcsError) => send(err.status, errorBody(err, requestId, host), err.headers);

  // Two signature styles, as ECS accepts both: ACS3-HMAC-SHA256 (the Authorization header; Action and
  // Version in x-acs-* headers, parameters in the query) and the older RPC v1 (HMAC-SHA1; every parameter,
  // Action and Version included, in the query string or a form body, signed as a whole).
  const query = parseQuery(req.url ?? '/');
  const form = /^application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? '')) ? new URLSearchParams(body.toString('utf8')) : undefined;
  const all = new Map([...query, ...(form ?? [])]);
  const v1 = req.headers.authorization === undefined && all.has('Signature');
  const action = String(req.headers['x-acs-action'] ?? (v1 ? (all.get('Action') ?? '') : ''));
  const version = req.headers['x-acs-version'] ?? (v1 ? all.get('Version') : undefined);
  rt.count(action || '(none)');
  let accessKeyId: string;
  if (v1) {
    const auth = verifyRpcV1({ method: req.method ?? 'GET', params: all }, rt.credentials, rt.gatewayNow(), rt.nonces);
    if (!auth.ok) return fail(new EcsError(auth.failure.code, auth.failure.message));
    accessKeyId = auth.accessKeyId;
  } else {
    const auth = verifyAcs3({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body }, rt.credentials, rt.gatewayNow());
    if (!auth.ok) return fail(ecsError(auth.failure.code));
    accessKeyId = auth.accessKeyId;
  }
  if (version !== API_VERSION) return fail(ecsError('InvalidVersion', `Specified parameter Version "${version ?? ''}" is not valid; this endpoint speaks ${API_VERSION}.`));
  const handler = ACTIONS.get(action);
  if (!handler) return fail(ecsError('InvalidAction.NotFound', `Specified api "${action}" is not found in the local ECS emulator.`));
  // The signing parameters are not the call's: a retry re-signed with a new nonce is the same call.
  const params = v1 ? new Map([...all].filter(([k]) => !RPC_V1_COMMON.includes(k))) : query;

  // Flow control comes before everything the service does: a throttled call is not processed.
  const retryAfterMs = rt.rateLimits.take(action);
  if (retryAfterMs !== undefined) return fail(new EcsError('Throttling.User', undefined, { 'x-acs-retry-after': String(retryAfterMs) }));

  const faults = rt.faults.pick(action);
  if (faults.latencyMs > 0) await sleep(faults.latencyMs);
  const outcome = faults.outcome?.kind;
  // Leave the socket open and unanswered: the client times out; closing the server drops it.
  if (outcome === 'noAnswer') return;
  if (outcome === 'throttle' || outcome === 'internalError' || outcome === 'serviceUnavailable' || outcome === 'error') return fail(faultError(faults.outcome!));

  let answer: () => void;
  try {
    const result = rt.run(handler, new Params(params), requestId, accessKeyId);
    answer = () => send(200, { RequestId: requestId, ...result });
  } catch (e) {
    if (!(e instanceof EcsError)) throw e;
    answer = () => fail(e);
  }
  // The call took effect; the caller must not learn it. This is the case ClientTokens exist for.
  if (outcome === 'answerLost') return void req.socket.destroy();
  answer();
}

function faultError(rule: FaultRule): EcsError {
  if (rule.kind === 'throttle') return new EcsError('Throttling.User', undefined, { 'x-acs-retry-after': String(rule.retryAfterMs ?? 1000) });
  const code = rule.kind === 'error' && rule.code && isKnownCode(rule.code) ? rule.code : rule.kind === 'internalError' ? 'InternalError' : 'ServiceUnavailable';
  return new EcsError(code, undefined, rule.retryAfterMs === undefined ? {} : { 'x-acs-retry-after': String(rule.retryAfterMs) });
}
