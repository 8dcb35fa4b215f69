import { Worker } from 'node:worker_threads';
import type { FunctionSpec } from './config';
import { WORKER_SOURCE } from './worker-source';

/**
 * Function instances: each one a worker thread holding the loaded handler module (warm across
 * invocations, like FC). A function scales out to more instances when all are busy, up to a cap.
 * A timed-out invocation recycles its instance; a crashed instance is replaced on the next call.
 */

export type EncodedResult =
  | { kind: 'undefined' }
  | { kind: 'bytes'; data: Uint8Array }
  | { kind: 'string'; data: string }
  | { kind: 'json'; data: string };

export interface InvocationError {
  errorType: string;
  errorMessage: string;
}

export type Outcome =
  | { ok: true; result: EncodedResult; durationMs: number }
  | { ok: false; error: InvocationError; durationMs: number };

export interface InvocationContext {
  requestId: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string };
  function: { name: string; handler: string; memory: number; timeout: number };
  region: string;
  accountId: string;
}

export type LogSink = (fn: string, requestId: string, level: string, line: string) => void;

interface Pending {
  resolve: (o: Outcome) => void;
  timer: NodeJS.Timeout;
  started: number;
  requestId: string;
}

let instanceSeq = 0;

class Instance {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  dead = false;
  private nextId = 1;

  constructor(
    private readonly spec: FunctionSpec,
    env: Record<string, string | undefined>,
    private readonly log: LogSink,
    private readonly onDeath: (instance: Instance) => void,
  ) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      env,
      workerData: { codeDir: spec.codeDir, handler: spec.handler, initializer: spec.initializer?.handler },
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, spec.memorySize) },
    });
    this.worker.on('message', (msg: WorkerMessage) => this.onMessage(msg));
    this.worker.on('error', (err) => this.die('ProcessExitedUnexpectedly', `instance crashed: ${err.message}`));
    this.worker.on('exit', (code) => this.die('ProcessExitedUnexpectedly', `instance exited with code ${code}`));
  }

  get busy(): number {
    return this.pending.size;
  }

  invoke(event: Buffer, context: InvocationContext, timeoutMs: number): Promise<Outcome> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const started = Date.now();
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({
          ok: false,
          error: { errorType: 'FunctionTimeoutError', errorMessage: `Function timed out after ${timeoutMs / 1000} seconds` },
          durationMs: Date.now() - started,
        });
        // FC semantics: the instance that timed out is recycled; its other work fails with it.
        this.die('FunctionTimeoutError', 'instance recycled after a timeout');
        void this.worker.terminate();
      }, timeoutMs);
      this.pending.set(id, { resolve, timer, started, requestId: context.requestId });
      const bytes = new Uint8Array(event.buffer, event.byteOffset, event.byteLength);
      this.worker.postMessage({ type: 'invoke', id, event: bytes, context });
    });
  }

  private onMessage(msg: WorkerMessage): void {
    const p = this.pending.get(msg.id);
    if (msg.type === 'log') {
      this.log(this.spec.functionName, p?.requestId ?? '-', msg.level, msg.line);
      return;
    }
    if (!p) return; // answered after its timeout
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    const durationMs = Date.now() - p.started;
    if (msg.ok) {
      p.resolve({ ok: true, result: msg.result, durationMs });
    } else {
      if (msg.stack) this.log(this.spec.functionName, p.requestId, 'error', msg.stack);
      p.resolve({ ok: false, error: msg.error, durationMs });
    }
  }

  die(errorType: string, errorMessage: string): void {
    if (!this.dead) {
      this.dead = true;
      this.onDeath(this);
    }
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: { errorType, errorMessage }, durationMs: Date.now() - p.started });
    }
  }
}

type WorkerMessage =
  | { type: 'log'; id: number; level: string; line: string }
  | { type: 'result'; id: number; ok: true; result: EncodedResult }
  | { type: 'result'; id: number; ok: false; error: InvocationError; stack?: string };

export interface PoolOptions {
  /** Base environment of every instance (process env plus extra variables); the function's own wins. */
  baseEnv: Record<string, string | undefined>;
  accountId: string;
  maxInstances: number;
  log: LogSink;
}

/** All instances of one function. */
export class FunctionPool {
  private readonly instances: Instance[] = [];
  private readonly waiting: Array<() => void> = [];
  private closed = false;

  constructor(readonly spec: FunctionSpec, private readonly options: PoolOptions) {}

  get instanceCount(): number {
    return this.instances.length;
  }

  async invoke(event: Buffer, context: InvocationContext): Promise<Outcome> {
    const instance = await this.acquire();
    if (!instance) {
      return { ok: false, error: { errorType: 'RuntimeClosed', errorMessage: 'the local runtime is closed' }, durationMs: 0 };
    }
    try {
      return await instance.invoke(event, context, this.spec.timeoutSeconds * 1000);
    } finally {
      this.waiting.shift()?.();
    }
  }

  private async acquire(): Promise<Instance | undefined> {
    while (!this.closed) {
      const free = this.instances.find((i) => !i.dead && i.busy < this.spec.instanceConcurrency);
      if (free) return free;
      if (this.instances.length < this.options.maxInstances) return this.spawn();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return undefined;
  }

  private spawn(): Instance {
    const s = this.spec;
    const env = {
      ...this.options.baseEnv,
      FC_FUNCTION_NAME: s.functionName,
      FC_FUNCTION_HANDLER: s.handler,
      FC_FUNCTION_MEMORY_SIZE: String(s.memorySize),
      FC_REGION: s.region,
      FC_ACCOUNT_ID: this.options.accountId,
      FC_INSTANCE_ID: `local-${s.functionName}-${++instanceSeq}`,
      ...s.environmentVariables,
    };
    const instance = new Instance(s, env, this.options.log, (dead) => {
      const i = this.instances.indexOf(dead);
      if (i >= 0) this.instances.splice(i, 1);
      this.waiting.shift()?.();
    });
    this.instances.push(instance);
    return instance;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = this.instances.splice(0);
    for (const i of all) i.die('RuntimeClosed', 'the local runtime is closing');
    await Promise.all(all.map((i) => i.worker.terminate()));
    for (const wake of this.waiting.splice(0)) wake();
  }
}
