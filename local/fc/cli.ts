import { parseArgs } from 'node:util';
import { startLocalFc } from './index';

const HELP = `Local Function Compute 3.0 runtime: serves the fc3 functions of an s.yaml.

  node --import tsx local/fc/cli.ts [--s-yaml s.yaml] [--code-root DIR] [--http-port N] [--api-port N]
                                    [--no-timers] [--sweep-seconds S] [--api-credential ID:SECRET]

Env: LOCAL_FC_S_YAML, LOCAL_FC_HTTP_PORT (default 9000), LOCAL_FC_API_PORT (default 9001),
     LOCAL_SWEEP_SECONDS (fire "sweep" timers at that interval instead of their cron).
Flags win over env. The InvokeFunction API accepts local / local-secret unless told otherwise.
See local/fc/README.md.`;

function port(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      's-yaml': { type: 'string' },
      'code-root': { type: 'string' },
      'http-port': { type: 'string' },
      'api-port': { type: 'string' },
      'no-timers': { type: 'boolean' },
      'sweep-seconds': { type: 'string' },
      'api-credential': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(HELP);
  const env = process.env;
  let apiCredentials: Record<string, string> | undefined;
  if (values['api-credential']) {
    const [id, ...secret] = values['api-credential'].split(':');
    if (!id || secret.length === 0) throw new Error('--api-credential must be ID:SECRET');
    apiCredentials = { [id]: secret.join(':') };
  }
  const sweep = values['sweep-seconds'];
  const fc = await startLocalFc({
    sYamlPath: values['s-yaml'] ?? env.LOCAL_FC_S_YAML ?? 's.yaml',
    codeRoot: values['code-root'],
    httpPort: port('--http-port', values['http-port'] ?? env.LOCAL_FC_HTTP_PORT, 9000),
    apiPort: port('--api-port', values['api-port'] ?? env.LOCAL_FC_API_PORT, 9001),
    timers: !values['no-timers'],
    timerIntervalOverrideSeconds: sweep === undefined ? undefined : Number(sweep),
    apiCredentials,
  });
  const http = fc.functions.filter((f) => f.httpTrigger).map((f) => f.functionName);
  console.log(`Local FC: HTTP triggers on ${fc.httpUrl} (${http.map((n, i) => (i === 0 ? `${n} at / and /${n}/` : `/${n}/`)).join(', ') || 'none'})`);
  console.log(`Local FC: InvokeFunction API at http://${fc.apiEndpoint} (endpoint "${fc.apiEndpoint}", protocol HTTP)`);
  const stop = () => void fc.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e) => {
  console.error(`Local FC: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
