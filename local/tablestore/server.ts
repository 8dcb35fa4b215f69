import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { readBody } from '../common/http';
import { verifyRequest, type Credential } from './auth';
import type { OpContext } from './context';
import { handleControl, type TablestoreControl } from './control';
import { internalError, OtsError, parameterInvalid, unsupportedOperation } from './errors';
import type { Faults } from './faults';
import { operations } from './ops';

/**
 * The HTTP edge: `POST /<Operation>` with a protobuf body, authenticated, possibly faulted, then
 * handed to the operation. Errors leave as the real status plus an encoded `Error{code,message}`.
 */

/** The largest request body Tablestore takes (5 MB, its general limits). */
export const MAX_REQUEST_BODY = 5 * 1024 * 1024;

export interface ServerDeps {
  ctx: OpContext;
  control: TablestoreControl;
  faults: Faults;
  calls: Map<string, number>;
  credentials: ReadonlyMap<string, Credential>;
  instanceName: string;
  /** Wall-clock time for the x-ots-date check (the SDK stamps real time, not the emulator's clock). */
  wallClock(): number;
  log(message: string): void;
}

function answer(res: ServerResponse, status: number, body: Uint8Array): void {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  res.writeHead(status, {
    'content-type': 'application/x-protobuf',
    'content-length': buf.length,
    'x-ots-requestid': randomUUID(),
    'x-ots-date': new Date().toISOString(),
    'x-ots-contentmd5': createHash('md5').update(buf).digest('base64'),
  });
  res.end(buf);
}

const fail = (res: ServerResponse, e: OtsError) => answer(res, e.status, e.encode());

export function createTablestoreServer(d: ServerDeps): Server {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    let body: Buffer;
    try {
      body = await readBody(req, MAX_REQUEST_BODY);
    } catch {
      // The rest of the body is never read: close the connection after answering.
      res.setHeader('connection', 'close');
      return fail(res, parameterInvalid(`Request body size exceeds the limit: ${MAX_REQUEST_BODY} bytes.`));
    }
    if (path.startsWith('/__control/')) return handleControl(d.control, req, res, path, body);

    const name = path.slice(1);
    d.calls.set(name, (d.calls.get(name) ?? 0) + 1);
    if (req.method !== 'POST') return fail(res, new OtsError(405, 'OTSMethodNotAllowed', 'Only POST is allowed.'));
    const authError = verifyRequest({ path, headers: req.headers, body }, d.credentials, d.instanceName, d.wallClock());
    if (authError) return fail(res, authError);
    const operation = Object.prototype.hasOwnProperty.call(operations, name) ? operations[name] : undefined;
    if (!operation) return fail(res, unsupportedOperation(name));

    const request = operation.decode(body);
    const decision = d.faults.decide(name, request.tables);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.outcome?.kind === 'error') return fail(res, decision.outcome.error);
    // Lost on the way in: keep the socket open and never act; the client's timeout decides.
    if (decision.outcome?.kind === 'noAnswer') return;

    const result = request.run(d.ctx); // synchronous: check-and-write is atomic per request
    // Lost on the way out: the write is applied (and durable), the client only sees a reset.
    if (decision.outcome?.kind === 'lostAnswer') {
      req.socket.destroy();
      return;
    }
    answer(res, 200, result);
  }

  return createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof OtsError) return fail(res, e);
      d.log(`tablestore emulator: internal error on ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
      if (!res.headersSent) fail(res, internalError());
    });
  });
}
