import type { Random } from '../common/random';
import { OtsError, rowOperationConflict, serverBusy } from './errors';

/**
 * Injected faults, each scoped to an operation (and optionally a table), for the next N matching
 * calls or with a probability drawn from the seeded generator, so a chaos run repeats exactly.
 *
 * - serverBusy / rowConflict / error: answer with that error and apply nothing.
 * - latency: delay the call, then carry on (other faults may still apply).
 * - noAnswer: hold the socket open and apply nothing, like a request lost on the way in.
 * - lostAnswer: apply the write, then destroy the socket: the client cannot know it happened.
 * - rowError: BatchGetRow only, decided per row: that row alone fails (`isOk` false with the error)
 *   inside an HTTP 200, as Tablestore does when one partition is busy.
 */

export type FaultKind = 'serverBusy' | 'rowConflict' | 'error' | 'latency' | 'noAnswer' | 'lostAnswer' | 'rowError';

export interface FaultSpec {
  kind: FaultKind;
  /** Operation name as in the path (`PutRow`), or '*' for every operation. */
  operation: string;
  table?: string;
  /** Apply to this many matching calls, then retire. Default 1 unless a probability is given. */
  times?: number;
  /** Apply to each matching call with this probability (0..1). */
  probability?: number;
  /** Let this many matching calls (rows, for rowError) through untouched first. Default 0. */
  skip?: number;
  latencyMs?: number;
  /** For kinds 'error' and 'rowError': the HTTP status and OTS code to answer with (default 503 OTSServerBusy). */
  status?: number;
  code?: string;
  message?: string;
}

export interface Fault extends FaultSpec {
  id: string;
  /** Calls this fault has been applied to. */
  hits: number;
  /** Matching calls let through because of `skip`. */
  skipped: number;
}

export interface FaultDecision {
  latencyMs: number;
  outcome?: { kind: 'error'; error: OtsError } | { kind: 'noAnswer' } | { kind: 'lostAnswer' };
}

export class Faults {
  private faults: Fault[] = [];
  private nextId = 1;

  constructor(private readonly random: Random) {}

  add(spec: FaultSpec): Fault {
    const times = spec.times ?? (spec.probability === undefined ? 1 : undefined);
    const fault: Fault = { ...spec, ...(times !== undefined ? { times } : {}), id: `fault-${this.nextId++}`, hits: 0, skipped: 0 };
    this.faults.push(fault);
    return fault;
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Decide what happens to one call. Latency faults add up; the first other match wins. */
  decide(operation: string, tables: readonly string[]): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const f of [...this.faults]) {
      if (f.kind === 'rowError') continue;
      if (f.kind !== 'latency' && decision.outcome) continue;
      if (!this.fires(f, operation, tables)) continue;
      if (f.kind === 'latency') decision.latencyMs += f.latencyMs ?? 0;
      else decision.outcome = outcomeOf(f);
    }
    return decision;
  }

  /** The error one row of a batch read fails with, if a rowError fault fires for it. */
  decideRow(operation: string, table: string): OtsError | undefined {
    for (const f of [...this.faults]) {
      if (f.kind === 'rowError' && this.fires(f, operation, [table])) return errorOf(f);
    }
    return undefined;
  }

  private fires(f: Fault, operation: string, tables: readonly string[]): boolean {
    if (f.operation !== '*' && f.operation !== operation) return false;
    if (f.table !== undefined && !tables.includes(f.table)) return false;
    if (f.skipped < (f.skip ?? 0)) {
      f.skipped++;
      return false;
    }
    if (f.probability !== undefined && this.random() >= f.probability) return false;
    f.hits++;
    if (f.times !== undefined && f.hits >= f.times) this.remove(f.id);
    return true;
  }
}

const errorOf = (f: Fault) => new OtsError(f.status ?? 503, f.code ?? 'OTSServerBusy', f.message ?? 'Injected fault.');

function outcomeOf(f: Fault): NonNullable<FaultDecision['outcome']> {
  switch (f.kind) {
    case 'serverBusy':
      return { kind: 'error', error: serverBusy() };
    case 'rowConflict':
      return { kind: 'error', error: rowOperationConflict() };
    case 'error':
      return { kind: 'error', error: errorOf(f) };
    case 'noAnswer':
      return { kind: 'noAnswer' };
    default:
      return { kind: 'lostAnswer' };
  }
}
