import type { BatchStore, EcsPort, EventStore, Invoker } from '../core/ports';
import { credentialsKey, type Credentials } from './credentials';
import { ecsAdapter } from './ecs';
import type { CloudEnv } from './env';
import { fcInvoker, noInvoker } from './fc';
import { tablestoreBatchStore, tablestoreEventStore, tableNames } from './store';
import { Tablestore } from './tablestore';

const stores = new Map<string, { store: BatchStore; events: EventStore }>();

/**
 * The cloud side of the dependencies object, built per invocation from that invocation's credentials
 * (FC's STS credentials rotate) and reusing SDK clients across warm invocations.
 */
export function cloudDeps(env: CloudEnv, credentials: Credentials, where: { region: string; accountId?: string }): { ecs: EcsPort; store: BatchStore; events: EventStore; invoker: Invoker } {
  const key = `${env.TABLESTORE_ENDPOINT}|${credentialsKey(credentials)}`;
  let tables = stores.get(key);
  if (!tables) {
    if (stores.size > 16) stores.clear();
    const ts = new Tablestore(credentials, { endpoint: env.TABLESTORE_ENDPOINT, instanceName: env.TABLESTORE_INSTANCE });
    const names = tableNames(env.TABLE_PREFIX);
    tables = { store: tablestoreBatchStore(ts, names), events: tablestoreEventStore(ts, names) };
    stores.set(key, tables);
  }
  const { store, events } = tables;
  const ecs = ecsAdapter(credentials, {
    endpoint: env.ECS_ENDPOINT,
    protocol: env.ECS_PROTOCOL,
    retry: { name: 'ecs-transient', attempts: 4, baseMs: env.ECS_RETRY_BASE_MS, maxMs: 16 * env.ECS_RETRY_BASE_MS },
    rate: { perSecond: env.ECS_RATE_PER_SECOND, burst: Math.max(1, Math.ceil(env.ECS_RATE_PER_SECOND / 2)) },
  });
  const fcEndpoint = env.FUNCTION_COMPUTE_ENDPOINT ?? (where.accountId ? `${where.accountId}.${where.region}.fc.aliyuncs.com` : undefined);
  const invoker = fcEndpoint ? fcInvoker(credentials, { endpoint: fcEndpoint, protocol: env.FUNCTION_COMPUTE_ENDPOINT ? 'HTTP' : 'HTTPS', region: where.region }) : noInvoker;
  return { ecs, store, events, invoker };
}
