/** The words of whatever was thrown, for a stored `lastError` or a message to a person. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The few error kinds the core reasons about. Adapters turn SDK errors into these (keeping `cause`);
 * which provider codes fall into which kind is decided in one place, functions/cloud/ecs-errors.ts.
 */
export type EcsErrorKind =
  /** Throttling.*: retry later, honouring retryAfter. */
  | 'throttled'
  /** 5xx, timeout, no answer: the call may or may not have been applied; retry with the same ClientToken. */
  | 'unavailable'
  /** No stock / zone not on sale / type not in zone / that type's or zone's quota used up: try the next offering. */
  | 'capacity'
  /** A definitive refusal (bad parameter, balance, auth): retrying changes nothing. */
  | 'rejected'
  | 'notFound';

export class EcsError extends Error {
  override name = 'EcsError';
  constructor(
    readonly kind: EcsErrorKind,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  get transient(): boolean {
    return this.kind === 'throttled' || this.kind === 'unavailable';
  }
}

export type StoreErrorKind = 'conflict' | 'exists' | 'unavailable' | 'invalid';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly kind: StoreErrorKind,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A configuration value is missing or wrong; the message names the setting, never its secret value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A listing cursor that this API did not hand out (or that was altered). */
export class InvalidCursor extends Error {
  override name = 'InvalidCursor';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Someone else changed the batch since we read it: our view is stale, stop acting on it. */
export class VersionConflict extends Error {
  override name = 'VersionConflict';
  constructor(readonly batchId: string, options?: { cause?: unknown }) {
    super(`batch ${batchId} was changed by someone else`, options);
  }
}
