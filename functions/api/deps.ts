import type { ChatOpsConfig } from '../chatops';
import type { IntakeDeps } from '../core/intake';
import type { Invoker, Poster } from '../core/ports';
import type { Sleep } from '../core/time';
import type { TokenScope } from './auth';
import type { DeepHealthTarget } from './deep-health';

/** Everything the HTTP function's routes use: one dependencies object, built per invocation in index.ts. */
export interface AppDeps extends IntakeDeps {
  invoker: Invoker;
  sleep: Sleep;
  tokens: readonly TokenScope[];
  /** Long-poll granularity for `?wait=`. */
  pollMs: number;
  /** Chat webhooks (`/chatops/...`); unset = those routes answer 404. */
  chatops?: ChatOpsConfig;
  /** Outbound POST for chat replies (Feishu's acknowledgement goes through the bot webhook). */
  post?: Poster;
  /** How long a chat webhook waits for a submission before acknowledging anyway (default 2 s). */
  chatAckMs?: number;
  /** The status page's files (`ui/` in the code folder); unset = `GET /` answers 404. */
  pageDir?: string;
  /** What `GET /healthz?deep=1` checks (./deep-health.ts); unset = that check answers 404. */
  deepHealth?: DeepHealthTarget;
}
