// `npm run setup:tables`: create the Tablestore tables (real service or emulator). Safe to run again.
// Reads the environment and the `.env` beside s.yaml (README "Deploying"), with the deployer's credentials.
import { join } from 'node:path';
import { CloudEnvSchema, parseEnv } from '../functions/cloud/env';
import { resolveCredentials } from '../functions/cloud/credentials';
import { setupTables, tableNames } from '../functions/cloud/store';
import { Tablestore } from '../functions/cloud/tablestore';
import { withDotEnv } from './dotenv';

async function main(): Promise<void> {
  const all = withDotEnv(join(__dirname, '..'));
  const env = parseEnv(CloudEnvSchema.pick({ TABLESTORE_ENDPOINT: true, TABLESTORE_INSTANCE: true, TABLE_PREFIX: true }), all);
  const ts = new Tablestore(resolveCredentials(undefined, all), { endpoint: env.TABLESTORE_ENDPOINT, instanceName: env.TABLESTORE_INSTANCE });
  const created = await setupTables(ts, tableNames(env.TABLE_PREFIX));
  console.log(created.length ? `created ${created.join(', ')}` : 'all tables already exist');
}

main().catch((e) => {
  console.error(`setup:tables: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
