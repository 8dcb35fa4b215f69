import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What the command line asked for. Pure: parsing never touches the network. */
export type Command =
  | { kind: 'help' }
  | { kind: 'up'; profile: string; amount: number; releaseAfter?: string; until?: string; name?: string; dryRun: boolean; wait: boolean; key?: string }
  | { kind: 'ls'; status?: string; owner?: string; limit?: number }
  | { kind: 'show'; id: string; wait: boolean }
  | { kind: 'cancel'; id: string; release: boolean }
  | { kind: 'release'; id: string }
  | { kind: 'extend'; id: string; releaseAfter?: string; until?: string };

export interface Global {
  url?: string;
  token?: string;
  json: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage: ecs-batch <command> [options]

  up <profile> <amount> [--for 9h | --until 18:00] [--name web-[1,3]] [--dry-run] [--wait] [--key K]
                              launch a batch; --key makes a rerun of the same line return the same batch
  ls [--status S] [--owner O] [--limit N]
                              your batches, newest first (an admin token: everyone's; --owner filters)
  show <id> [--wait]          one batch and its instances; --wait follows it to its end
  cancel <id> [--release]     stop tracking it; --release also deletes its instances
  release <id>                delete the instances that still exist
  extend <id> --for 2h | --until 18:00
                              move the instances' automatic release time

options: --url URL (env ECS_BATCH_URL)  --token T (env ECS_BATCH_TOKEN)  --json  -h, --help
exit codes: 0 ok/RUNNING, 1 refused by the API, 2 usage, 3 PARTIAL, 4 FAILED, 5 TIMED_OUT, 6 CANCELLED,
            7 authentication, 8 API unreachable`;

const COMMON: ParseArgsConfig['options'] = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const OPTIONS: Record<Exclude<Command['kind'], 'help'>, ParseArgsConfig['options']> = {
  up: { for: { type: 'string' }, until: { type: 'string' }, name: { type: 'string' }, 'dry-run': { type: 'boolean' }, wait: { type: 'boolean' }, key: { type: 'string' } },
  ls: { status: { type: 'string' }, owner: { type: 'string' }, limit: { type: 'string' } },
  show: { wait: { type: 'boolean' } },
  cancel: { release: { type: 'boolean' } },
  release: {},
  extend: { for: { type: 'string' }, until: { type: 'string' } },
};

const POSITIONALS: Record<Exclude<Command['kind'], 'help'>, string[]> = {
  up: ['profile', 'amount'],
  ls: [],
  show: ['id'],
  cancel: ['id'],
  release: ['id'],
  extend: ['id'],
};

/** `9h`, `90m`, `1h30m`, `2d` -> an ISO 8601 duration the API takes (`PT9H`); days folded into hours. */
export function durationToIso(text: string): string {
  const m = /^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?$/.exec(text);
  if (!m || text === '') throw new UsageError(`--for "${text}" is not a duration; use something like 9h, 90m, 1h30m or 2d`);
  const hours = Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0);
  const minutes = Number(m[3] ?? 0);
  if (hours * 60 + minutes <= 0) throw new UsageError('--for must be longer than zero');
  return `PT${hours > 0 ? `${hours}H` : ''}${minutes > 0 ? `${minutes}M` : ''}`;
}

/** `18:00` -> the next time this machine's clock shows it (today, else tomorrow), as an ISO time with offset. */
export function untilToIso(text: string, now: Date): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new UsageError(`--until "${text}" is not a time of day; use HH:MM such as 18:00`);
  const at = new Date(now);
  at.setHours(Number(m[1]), Number(m[2]), 0, 0);
  if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
  return at.toISOString();
}

function lifetime(values: Record<string, unknown>, required: boolean): { releaseAfter?: string; until?: string } {
  const f = values.for as string | undefined;
  const u = values.until as string | undefined;
  if (f !== undefined && u !== undefined) throw new UsageError('give --for or --until, not both');
  if (required && f === undefined && u === undefined) throw new UsageError('give --for <duration> or --until <HH:MM>');
  if (f !== undefined) return { releaseAfter: durationToIso(f) };
  if (u !== undefined) {
    untilToIso(u, new Date()); // checked now, resolved when sent
    return { until: u };
  }
  return {};
}

/** argv (without `node` and the script) -> the command and the global options. Throws UsageError. */
export function parseCommandLine(argv: string[]): { command: Command; global: Global } {
  const name = argv[0];
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return { command: { kind: 'help' }, global: { json: false } };
  if (!(name in OPTIONS)) throw new UsageError(`unknown command "${name}"`);
  const kind = name as Exclude<Command['kind'], 'help'>;
  let parsed;
  try {
    parsed = parseArgs({ args: argv.slice(1), options: { ...COMMON, ...OPTIONS[kind] }, allowPositionals: true, strict: true });
  } catch (e) {
    // node:util names the flag ("Unknown option '--fro'"): pass its message on.
    throw new UsageError(e instanceof Error ? e.message.split('. ')[0]! : String(e));
  }
  const { values, positionals } = parsed;
  const global: Global = { url: values.url as string | undefined, token: values.token as string | undefined, json: values.json === true };
  if (values.help) return { command: { kind: 'help' }, global };
  const want = POSITIONALS[kind];
  if (positionals.length < want.length) throw new UsageError(`${kind} needs ${want.map((w) => `<${w}>`).join(' ')}`);
  if (positionals.length > want.length) throw new UsageError(`unexpected argument "${positionals[want.length]}"`);
  switch (kind) {
    case 'up': {
      const [profile, amountText] = positionals as [string, string];
      if (!/^\d{1,4}$/.test(amountText) || Number(amountText) < 1) throw new UsageError(`<amount> must be a whole number from 1, not "${amountText}"`);
      return {
        command: {
          kind,
          profile,
          amount: Number(amountText),
          ...lifetime(values, false),
          ...(values.name !== undefined ? { name: values.name as string } : {}),
          dryRun: values['dry-run'] === true,
          wait: values.wait === true,
          ...(values.key !== undefined ? { key: values.key as string } : {}),
        },
        global,
      };
    }
    case 'ls': {
      const limit = values.limit as string | undefined;
      if (limit !== undefined && !/^\d{1,3}$/.test(limit)) throw new UsageError(`--limit must be a whole number, not "${limit}"`);
      return {
        command: { kind, ...(values.status !== undefined ? { status: String(values.status).toUpperCase() } : {}), ...(values.owner !== undefined ? { owner: values.owner as string } : {}), ...(limit !== undefined ? { limit: Number(limit) } : {}) },
        global,
      };
    }
    case 'show':
      return { command: { kind, id: positionals[0]!, wait: values.wait === true }, global };
    case 'cancel':
      return { command: { kind, id: positionals[0]!, release: values.release === true }, global };
    case 'release':
      return { command: { kind, id: positionals[0]! }, global };
    case 'extend':
      return { command: { kind, id: positionals[0]!, ...lifetime(values, true) }, global };
  }
}
