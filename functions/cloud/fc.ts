import { Config } from '@alicloud/openapi-core/dist/utils';
import * as $dara from '@darabonba/typescript';
import { Readable } from 'node:stream';
import { credentialsKey, type Credentials } from './credentials';
import type { Invoker } from '../core/ports';
import * as $FC from './fc-client';


type FcClient = $FC.FcInvokeClient;
const clients = new Map<string, FcClient>();

/** The Invoker port over FC 3.0's InvokeFunction (asynchronous self-invocation: the fast-path watch). */
export function fcInvoker(credentials: Credentials, where: { endpoint: string; protocol?: 'HTTP' | 'HTTPS'; region: string }): Invoker {
  const key = `${where.endpoint}|${credentialsKey(credentials)}`;
  let client = clients.get(key);
  if (!client) {
    if (clients.size > 16) clients.clear();
    client = new $FC.FcInvokeClient(
      new Config({
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
        endpoint: where.endpoint,
        protocol: where.protocol ?? 'HTTPS',
        regionId: where.region,
        readTimeout: 3_000,
        connectTimeout: 2_000,
      }),
    );
    clients.set(key, client);
  }
  const c = client;
  return {
    async invokeAsync(functionName, payload, taskId) {
      await c.invokeFunctionWithOptions(
        functionName,
        new $FC.InvokeFunctionRequest({ body: Readable.from([Buffer.from(JSON.stringify(payload))]) }),
        // The task id names the invocation; FC drops a repeat only for a function in async-task mode
        // (asyncInvokeConfig.asyncTask). Without it a repeated watch runs, and its named lease makes it exit.
        new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcAsyncTaskId: taskId }),
        new $dara.RuntimeOptions({}),
      );
    },
  };
}

export const noInvoker: Invoker = { invokeAsync: async () => undefined };
