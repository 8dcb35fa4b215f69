import type { BatchStore, EcsPort, Invoker } from '../core/ports';
import { credentialsKey, type Credentials } from './credentials';
import { ecsAdapter } from './ecs';
import type { CloudEnv } from './env';
import { fcInvoker, noInvoker } from './fc';
import { tablestoreBatchStore, tableNames } from './store';
import { Tablestore } from './tablestore';

const stores = new Map<string, BatchStore>();

/**
 * The cloud side of the dependencies object, built per invocation from that invocation's credentials
 * (FC's STS credentials rotate) and reusing SDK clients across warm invocations.
 */
export function cloudDeps(env: CloudEnv, credentials: Credentials, where: { region: string; accountId?: string }): { ecs: EcsPort; store: BatchStore; invoker: Invoker } {
  const key = `${env.TABLESTORE_ENDPOINT}|${credentialsKey(credentials)}`;
  let store = stores.get(key);
  if (!store) {
    if (stores.size > 16) stores.clear();
    store = tablestoreBatchStore(new Tablestore(credentials, { endpoint: env.TABLESTORE_ENDPOINT, instanceName: env.TABLESTORE_INSTANCE }), tableNames(env.TABLE_PREFIX));
    stores.set(key, store);
  }
  const ecs = ecsAdapter(credentials, {
    endpoint: env.ECS_ENDPOINT,
    protocol: env.ECS_PROTOCOL,
    retry: { name: 'ecs-transient', attempts: 4, baseMs: env.ECS_RETRY_BASE_MS, maxMs: 16 * env.ECS_RETRY_BASE_MS },
    rate: { perSecond: env.ECS_RATE_PER_SECOND, burst: Math.max(1, Math.ceil(env.ECS_RATE_PER_SECOND / 2)) },
  });
  const fcEndpoint = env.FUNCTION_COMPUTE_ENDPOINT ?? (where.accountId ? `${where.accountId}.${where.region}.fc.aliyuncs.com` : undefined);
  const invoker = fcEndpoint ? fcInvoker(credentials, { endpoint: fcEndpoint, protocol: env.FUNCTION_COMPUTE_ENDPOINT ? 'HTTP' : 'HTTPS', region: where.region }) : noInvoker;
  return { ecs, store, invoker };
}
