import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * The environment as `s` sees it: the `.env` beside s.yaml laid under the process environment (a variable
 * set in the shell wins, as with `s`, which loads that file through dotenv without overriding). For the
 * scripts that run next to `s deploy` (setup:tables, preflight's credential check), so one `.env`
 * configures them all. Parsed by node's own `util.parseEnv`.
 */
export function withDotEnv(dir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const file = join(dir, '.env');
  if (!existsSync(file)) return { ...env };
  const fromFile = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  return { ...fromFile, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) };
}
