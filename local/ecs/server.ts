import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseQuery, verifyAcs3 } from '../common/acs3';
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
  const action = String(req.headers['x-acs-action'] ?? '');
  const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': requestId, ...headers });
    res.end(JSON.stringify(payload));
  };
  const fail = (err: EcsError) => send(err.status, errorBody(err, requestId, host), err.headers);

  rt.count(action || '(none)');
  const auth = verifyAcs3({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body }, rt.credentials, rt.gatewayNow());
  if (!auth.ok) return fail(ecsError(auth.failure.code));
  if (req.headers['x-acs-version'] !== API_VERSION) return fail(ecsError('InvalidVersion', `Specified parameter Version "${req.headers['x-acs-version'] ?? ''}" is not valid; this endpoint speaks ${API_VERSION}.`));
  const handler = ACTIONS.get(action);
  if (!handler) return fail(ecsError('InvalidAction.NotFound', `Specified api "${action}" is not found in the local ECS emulator.`));

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
    const result = rt.run(handler, new Params(parseQuery(req.url ?? '/')), requestId, auth.accessKeyId);
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
