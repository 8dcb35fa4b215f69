// `npm start`: the whole app on 127.0.0.1 with nothing else installed. See README "Run it locally".
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { newToken, startLocalStack } from './local-stack';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ephemeral: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('npm start [-- --ephemeral]   env: PORT, LOCAL_API_TOKEN, ECS_ENDPOINT, TABLESTORE_ENDPOINT, ECS_EMULATOR_BOOT_SECONDS, LOCAL_SWEEP_SECONDS; chat-ops: see npm run chat -- --help');
    return;
  }
  const env = process.env;
  const port = Number(env.PORT ?? 9000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const boot = env.ECS_EMULATOR_BOOT_SECONDS === undefined ? undefined : Number(env.ECS_EMULATOR_BOOT_SECONDS);
  if (boot !== undefined && !(boot >= 0)) throw new Error('ECS_EMULATOR_BOOT_SECONDS must be a number of seconds');
  const sweep = env.LOCAL_SWEEP_SECONDS === undefined ? undefined : Number(env.LOCAL_SWEEP_SECONDS);
  const token = env.LOCAL_API_TOKEN || newToken();
  const stack = await startLocalStack({
    port,
    token,
    dataDir: values.ephemeral ? undefined : resolve(join(__dirname, '..', '.local-data')),
    bootSeconds: boot,
    sweepSeconds: sweep,
    ecsEndpoint: env.ECS_ENDPOINT || undefined,
    tablestoreEndpoint: env.TABLESTORE_ENDPOINT || undefined,
  });
  console.log(`ECS endpoint:        ${stack.ecsEndpoint}${env.ECS_ENDPOINT ? '' : ' (emulator)'}`);
  console.log(`Tablestore endpoint: ${stack.tablestoreEndpoint}${env.TABLESTORE_ENDPOINT ? '' : ' (emulator)'}`);
  console.log(`Data:                ${values.ephemeral ? 'in memory (--ephemeral)' : '.local-data/'}`);
  if (!env.LOCAL_API_TOKEN) console.log(`API token:           ${token}   (set LOCAL_API_TOKEN to choose your own)`);
  console.log(`API listening on ${stack.apiUrl}`);
  console.log(`Status page:         ${stack.apiUrl}/   (sign in with the API token)`);
  console.log('\nTry:');
  const auth = env.LOCAL_API_TOKEN ? '$LOCAL_API_TOKEN' : token;
  console.log(`  curl -s -X POST ${stack.apiUrl}/batches -H "Authorization: Bearer ${auth}" -H 'Content-Type: application/json' -H 'Idempotency-Key: try-1' -d '{"profile":"demo","amount":3}'`);
  console.log(`  curl -s "${stack.apiUrl}/batches/<id>?wait=20" -H "Authorization: Bearer ${auth}"`);
  const chatApi = stack.apiUrl === 'http://127.0.0.1:9000' ? '' : `LOCAL_API_URL=${stack.apiUrl} `;
  console.log(`  ${chatApi}npm run chat -- dingtalk "scale-out demo 3 for 2h"   (or slack, feishu: signed as the platform would, replies printed)`);
  const stop = () => void stack.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e) => {
  console.error(`npm start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
