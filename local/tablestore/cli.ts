import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startTablestoreEmulator } from './index';

/**
 * `npm run emulator:tablestore -- --port 0 [--data DIR] [--seed N] [--instance NAME]`
 * Extra credentials come from TABLESTORE_EMULATOR_CREDENTIALS, a JSON array of
 * `{ accessKeyId, accessKeySecret, securityToken? }`.
 */

const credentialsSchema = z.array(
  z
    .object({
      accessKeyId: z.string().min(1),
      accessKeySecret: z.string().min(1).optional(),
      secretAccessKey: z.string().min(1).optional(),
      securityToken: z.string().min(1).optional(),
    })
    .refine((c) => c.accessKeySecret ?? c.secretAccessKey, 'accessKeySecret is required')
    .transform((c) => ({ accessKeyId: c.accessKeyId, accessKeySecret: (c.accessKeySecret ?? c.secretAccessKey)!, securityToken: c.securityToken })),
);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.TABLESTORE_EMULATOR_PORT ?? '0' },
      data: { type: 'string', default: process.env.TABLESTORE_EMULATOR_DATA },
      seed: { type: 'string' },
      instance: { type: 'string', default: 'local' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  const envCreds = process.env.TABLESTORE_EMULATOR_CREDENTIALS;
  const credentials = envCreds ? credentialsSchema.parse(JSON.parse(envCreds)) : [];

  const emulator = await startTablestoreEmulator({
    port,
    dataDir: values.data || undefined,
    seed: values.seed !== undefined ? Number(values.seed) : undefined,
    instanceName: values.instance,
    credentials,
  });
  process.stdout.write(`Tablestore emulator listening on ${emulator.url}\n`);
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`tablestore emulator: ${(e as Error).message}\n`);
  process.exit(1);
});
