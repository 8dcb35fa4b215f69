// `npm start`: the whole app on 127.0.0.1 with nothing else installed. See README "Quick start".
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { startLocalStack, LOCAL_CREDENTIALS } from './local-stack';
import { LOCAL_TOKEN_NAME, localApiTokens, resolveLocalToken } from './local-token';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ephemeral: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('npm start [-- --ephemeral]   env: PORT, LOCAL_API_TOKEN (>= 8 printable characters), API_TOKENS, ECS_ENDPOINT, TABLESTORE_ENDPOINT, ECS_EMULATOR_BOOT_SECONDS, LOCAL_SWEEP_SECONDS; chat-ops: see npm run chat -- --help');
    return;
  }
  const env = process.env;
  const port = Number(env.PORT ?? 9000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const boot = env.ECS_EMULATOR_BOOT_SECONDS === undefined ? undefined : Number(env.ECS_EMULATOR_BOOT_SECONDS);
  if (boot !== undefined && !(boot >= 0)) throw new Error('ECS_EMULATOR_BOOT_SECONDS must be a number of seconds');
  const sweep = env.LOCAL_SWEEP_SECONDS === undefined ? undefined : Number(env.LOCAL_SWEEP_SECONDS);
  const dataDir = values.ephemeral ? undefined : resolve(join(__dirname, '..', '.local-data'));
  // Checked before anything starts: a token the API can never accept would only show up as 401 later.
  const { token, source } = resolveLocalToken({ envToken: env.LOCAL_API_TOKEN || undefined, dataDir });
  const scoped = localApiTokens(token, env.API_TOKENS || undefined).slice(1);
  const stack = await startLocalStack({
    port,
    token,
    apiTokens: env.API_TOKENS || undefined,
    dataDir,
    bootSeconds: boot,
    sweepSeconds: sweep,
    ecsEndpoint: env.ECS_ENDPOINT || undefined,
    tablestoreEndpoint: env.TABLESTORE_ENDPOINT || undefined,
  });
  const url = stack.apiUrl;
  const origin = { env: 'LOCAL_API_TOKEN', saved: 'kept in .local-data/api-token; --ephemeral for a fresh one', new: dataDir ? 'new, kept in .local-data/api-token' : 'new (--ephemeral)' }[source];
  console.log(`ECS endpoint:        ${stack.ecsEndpoint}${env.ECS_ENDPOINT ? '' : ' (emulator)'}`);
  console.log(`Tablestore endpoint: ${stack.tablestoreEndpoint}${env.TABLESTORE_ENDPOINT ? '' : ' (emulator, instance "local")'}`);
  console.log(`Data:                ${dataDir ? '.local-data/' : 'in memory (--ephemeral)'}`);
  console.log(`API token:           ${token}   (admin "${LOCAL_TOKEN_NAME}": ${origin})`);
  if (scoped.length > 0) console.log(`More tokens:         ${scoped.map((t) => `${t.name}${t.admin ? ' (admin)' : ''}`).join(', ')}   (API_TOKENS)`);
  console.log(`API listening on ${url}`);
  console.log(`Status page:         ${url}/   (sign in with the API token)`);
  console.log('\nTry (the CLI; plain curl below):');
  console.log(`  export ECS_BATCH_URL=${url} ECS_BATCH_TOKEN=${token}`);
  console.log('  npm run cli -- up demo 3 --for 2h --wait');
  console.log('  npm run cli -- ls');
  console.log(`  curl -s -X POST ${url}/batches -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' -H 'Idempotency-Key: try-1' -d '{"profile":"demo","amount":3}'`);
  console.log(`  curl -s "${url}/batches/<id>?wait=20" -H "Authorization: Bearer ${token}"`);
  const chatApi = url === 'http://127.0.0.1:9000' ? '' : `LOCAL_API_URL=${url} `;
  console.log(`  ${chatApi}npm run chat -- dingtalk "scale-out demo 3 for 2h"   (or slack, feishu: signed as the platform would, replies printed)`);
  if (!env.TABLESTORE_ENDPOINT) {
    console.log('\nThe tables are created already; to point npm run setup:tables at this Tablestore:');
    console.log(`  TABLESTORE_ENDPOINT=${stack.tablestoreEndpoint} TABLESTORE_INSTANCE=local ALIBABA_CLOUD_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} ALIBABA_CLOUD_ACCESS_KEY_SECRET=${LOCAL_CREDENTIALS.accessKeySecret} npm run setup:tables`);
  }
  const stop = () => void stack.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e) => {
  console.error(`npm start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
