import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import FCModule, * as $FC from '@alicloud/fc20230330';
import { Config } from '@alicloud/openapi-core/dist/utils';
import { startLocalFc, type LocalFc, type LocalFcOptions } from '../../../local/fc';

export const FIXTURES = join(__dirname, 'fixtures');
export const S_YAML = join(FIXTURES, 's.yaml');

/** Start the local FC on the fixture s.yaml, quietly; log lines are kept in `logs`. */
export async function startFixture(options: Partial<LocalFcOptions> = {}): Promise<{ fc: LocalFc; logs: string[] }> {
  const logs: string[] = [];
  const fc = await startLocalFc({
    sYamlPath: S_YAML,
    env: { FIXTURE_SECRET: 'from-options-env' },
    credentials: { accessKeyId: 'STS.role', accessKeySecret: 'role-secret', securityToken: 'role-token' },
    timers: false,
    asyncRetryBaseDelayMs: 50,
    log: (line) => logs.push(line),
    ...options,
  });
  return { fc, logs };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json: () => any;
}

/** A plain node:http request, so repeated headers go out as separate lines. */
export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const FCClient = ((FCModule as unknown as { default?: typeof FCModule }).default ?? FCModule) as typeof FCModule;
export { $FC };

/** The real FC 3.0 SDK client pointed at the local API. */
export function fcClient(apiEndpoint: string, accessKeySecret = 'local-secret'): FCModule {
  return new FCClient(new Config({
    accessKeyId: 'local', accessKeySecret, endpoint: apiEndpoint, protocol: 'HTTP', regionId: 'cn-hangzhou',
  }));
}

export async function readStream(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * InvokeFunction through the real SDK. Note: @alicloud/fc20230330 4.7.6 needs the body as a Readable
 * (a bare Buffer fails inside the SDK with "readable.on is not a function").
 */
export function invokeWithSdk(
  client: FCModule,
  functionName: string,
  body: Buffer | string,
  headers: { xFcInvocationType?: 'Sync' | 'Async'; xFcAsyncTaskId?: string } = {},
): Promise<$FC.InvokeFunctionResponse> {
  return client.invokeFunctionWithOptions(
    functionName,
    new $FC.InvokeFunctionRequest({ body: Readable.from([Buffer.from(body)]) }),
    new $FC.InvokeFunctionHeaders(headers),
    {} as Parameters<FCModule['invokeFunctionWithOptions']>[3],
  );
}
