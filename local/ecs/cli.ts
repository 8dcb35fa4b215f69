import { parseArgs } from 'node:util';
import { parseCredentialFlag, parseCredentialsJson } from './credentials';
import { startEcsEmulator } from './index';

const HELP = `Local Alibaba Cloud ECS OpenAPI emulator (2014-05-26) for @alicloud/ecs20140526.

  npm run emulator:ecs -- [--port N] [--boot-seconds S] [--world FILE] [--seed N] [--data DIR]
                          [--credential ID:SECRET[:STS_TOKEN]]... [--events-sink URL]

Env: ECS_EMULATOR_PORT, ECS_EMULATOR_BOOT_SECONDS, ECS_EMULATOR_WORLD, ECS_EMULATOR_SEED,
     ECS_EMULATOR_DATA, ECS_EMULATOR_EVENTS_SINK (POST each ECS event there, e.g. local/fc's
     http://127.0.0.1:9001/__eventbridge/events), ECS_EMULATOR_CREDENTIALS (JSON [{accessKeyId, accessKeySecret, securityToken?}]).
Flags win over env. Default credentials: local / local-secret. See local/ecs/README.md.`;

function numberOf(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'boot-seconds': { type: 'string' },
      world: { type: 'string' },
      seed: { type: 'string' },
      data: { type: 'string' },
      credential: { type: 'string', multiple: true },
      'events-sink': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(HELP);
  const env = process.env;
  const emulator = await startEcsEmulator({
    port: numberOf('--port', values.port ?? env.ECS_EMULATOR_PORT) ?? 0,
    bootSeconds: numberOf('--boot-seconds', values['boot-seconds'] ?? env.ECS_EMULATOR_BOOT_SECONDS),
    world: values.world ?? env.ECS_EMULATOR_WORLD,
    seed: numberOf('--seed', values.seed ?? env.ECS_EMULATOR_SEED),
    dataDir: values.data ?? env.ECS_EMULATOR_DATA,
    eventSink: values['events-sink'] ?? (env.ECS_EMULATOR_EVENTS_SINK || undefined),
    credentials: [...parseCredentialsJson(env.ECS_EMULATOR_CREDENTIALS), ...(values.credential ?? []).map(parseCredentialFlag)],
  });
  console.log(`ECS emulator listening on ${emulator.url}`);
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e) => {
  console.error(`ECS emulator: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
