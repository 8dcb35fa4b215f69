import { z } from 'zod';
import { ProfileNameSchema } from '../core/profile';

/**
 * The chat command grammar, the same on every platform:
 *
 *   scale-out <profile> <amount> [for <duration> | until <HH:MM>] [dry-run]
 *   status [<batchId>]
 *   list
 *   cancel <batchId> [release]
 *   release <batchId>
 *   extend <batchId> for <duration>
 *   help [<command>]
 *
 * Text goes through three steps: `tokenize` (Unicode clean-up, split on any kind of space, drop the bot
 * mention and slash command), a small recursive-descent parser that knows the shape of each command, and
 * zod schemas that turn each argument into its typed value with a message a person can act on.
 */

export const COMMAND_NAMES = ['scale-out', 'status', 'list', 'cancel', 'release', 'extend', 'help'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export const USAGE: Record<CommandName, string> = {
  'scale-out': 'scale-out <profile> <amount> [for <duration> | until <HH:MM>] [dry-run]   e.g. scale-out web 3 for 9h',
  status: 'status [<batchId>]   e.g. status b-1a2b3c',
  list: 'list',
  cancel: 'cancel <batchId> [release]   e.g. cancel b-1a2b3c release',
  release: 'release <batchId>   e.g. release b-1a2b3c',
  extend: 'extend <batchId> for <duration>   e.g. extend b-1a2b3c for 2h',
  help: 'help [<command>]',
};

export const HELP_LINES: readonly string[] = [
  'Commands: scale-out, status, list, cancel, release, extend, help. Try: scale-out web 3 for 9h',
  'scale-out <profile> <amount> [for <duration> | until <HH:MM>] [dry-run]: start <amount> instances of a launch profile; they are released after the duration (9h, 90m, 1h30m, 2d) or at the next HH:MM in the profile\'s time zone; dry-run only checks.',
  'status [<batchId>]: how a batch is doing (your latest one without an id).',
  'list: your recent batches.',
  'cancel <batchId> [release]: stop watching a batch; with release, also release its instances.',
  'release <batchId>: release the instances of a batch that are still there, whatever its state.',
  'extend <batchId> for <duration>: keep its instances longer: they are released that long from now.',
  'help [<command>]: this text.',
];

// ---------------------------------------------------------------------------------------------- values

/** A profile name as launch profiles define it; typed case is forgiven. */
export const TypedProfileNameSchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(ProfileNameSchema);

export const BatchIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'a batch id looks like b-1a2b3c');

/** Words a person typed, echoed back in an error, shortened so a pasted novel does not come back. */
const echo = (s: string) => (s.length > 24 ? `${s.slice(0, 21)}...` : s);

/** The upper bound is the caller's (profile and ACL limits); here only what can never be an amount. */
export const AmountSchema = z.string().transform((s, ctx) => {
  if (!/^\d+$/.test(s)) {
    ctx.addIssue({ code: 'custom', message: `the amount must be a whole number such as 3, not "${echo(s)}"` });
    return z.NEVER;
  }
  if (s.length > 6) {
    ctx.addIssue({ code: 'custom', message: `the amount "${echo(s)}" is far too large` });
    return z.NEVER;
  }
  const n = Number(s);
  if (n < 1) {
    ctx.addIssue({ code: 'custom', message: 'the amount must be at least 1' });
    return z.NEVER;
  }
  return n;
});

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;
type Unit = keyof typeof UNIT_MS;
/** ECS auto-release is for temporary capacity; anything past a year is a typo. */
export const MAX_DURATION_MS = 366 * UNIT_MS.d;

export interface Duration {
  /** ISO 8601, days folded into hours (`2d` -> `PT48H`) so it means exactly `ms` even across DST. */
  iso: string;
  ms: number;
}

/** `9h`, `90m`, `1h30m`, `2d`, `1d12h`: digits then a unit, units in d-h-m order, each at most once. */
export const DurationSchema = z.string().transform((s, ctx): Duration => {
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  const bad = () => fail(`"${echo(s)}" is not a duration; use something like 9h, 90m, 1h30m or 2d`);
  const order: Unit[] = ['d', 'h', 'm'];
  const parts: Partial<Record<Unit, number>> = {};
  let i = 0;
  let next = 0;
  while (i < s.length) {
    const start = i;
    while (i < s.length && s[i]! >= '0' && s[i]! <= '9') i++;
    if (i === start || i - start > 6 || i >= s.length) return bad();
    const unit = s[i] as Unit;
    const at = order.indexOf(unit, next);
    if (at < 0) return bad();
    parts[unit] = Number(s.slice(start, i));
    next = at + 1;
    i++;
  }
  if (i === 0) return bad();
  const ms = order.reduce((sum, u) => sum + (parts[u] ?? 0) * UNIT_MS[u], 0);
  if (ms <= 0) return fail('the duration must be longer than zero');
  if (ms > MAX_DURATION_MS) return fail('the duration can be at most 366d');
  const hours = (parts.d ?? 0) * 24 + (parts.h ?? 0);
  const iso = `PT${hours > 0 ? `${hours}H` : ''}${parts.m ? `${parts.m}M` : ''}`;
  return { iso, ms };
});

/** `18:00`, `9:30` -> `HH:MM`; the caller places it in the profile's time zone (core/time.ts `nextLocalTime`). */
export const LocalTimeSchema = z.string().transform((s, ctx) => {
  const [h, m, ...rest] = s.split(':');
  const ok =
    rest.length === 0 && h !== undefined && m !== undefined && /^\d{1,2}$/.test(h) && /^\d{2}$/.test(m) && Number(h) < 24 && Number(m) < 60;
  if (!ok) {
    ctx.addIssue({ code: 'custom', message: `"${echo(s)}" is not a time of day; use HH:MM such as 18:00` });
    return z.NEVER;
  }
  return `${h!.padStart(2, '0')}:${m}`;
});

// -------------------------------------------------------------------------------------------- commands

const LifetimeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('for'), duration: DurationSchema }),
  z.object({ kind: z.literal('until'), untilLocalTime: LocalTimeSchema }),
]);

export const CommandSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('scale-out'),
    profile: TypedProfileNameSchema,
    amount: AmountSchema,
    lifetime: LifetimeSchema.optional(),
    dryRun: z.boolean(),
  }),
  z.object({ kind: z.literal('status'), batchId: BatchIdSchema.optional() }),
  z.object({ kind: z.literal('list') }),
  z.object({ kind: z.literal('cancel'), batchId: BatchIdSchema, release: z.boolean() }),
  z.object({ kind: z.literal('release'), batchId: BatchIdSchema }),
  z.object({ kind: z.literal('extend'), batchId: BatchIdSchema, duration: DurationSchema }),
  z.object({ kind: z.literal('help'), topic: z.enum(COMMAND_NAMES).optional() }),
]);

export type Command = z.output<typeof CommandSchema>;
export type ScaleOutCommand = Extract<Command, { kind: 'scale-out' }>;
export type Lifetime = NonNullable<ScaleOutCommand['lifetime']>;

export interface CommandError {
  kind: 'error';
  /** One sentence saying what was wrong. */
  error: string;
  /** One line showing the form of the command that was attempted. */
  usage: string;
}

// ------------------------------------------------------------------------------------------- tokenizer

/** Zero-width characters that chat clients slip between words (and a soft hyphen). */
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;
/** Dashes that autocorrect and CJK keyboards produce in place of "-". */
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;

/**
 * NFKC turns full-width letters, digits, colons and the ideographic space into ASCII; `\s` then splits on
 * every Unicode space (no-break, ideographic, thin...). Backticks from copy-pasted code formatting go.
 */
export function tokenize(text: string): string[] {
  const clean = text.normalize('NFKC').replace(INVISIBLE, '').replace(DASHES, '-').replace(/`/g, ' ');
  const tokens = clean.split(/\s+/u).filter((t) => t !== '');
  // The bot mention (`@bot`, Slack's `<@U123|bot>`) and the slash command (`/ecs`) are not part of the grammar.
  while (tokens.length > 0 && /^(@|<@|\/)/.test(tokens[0]!)) tokens.shift();
  return tokens;
}

// ---------------------------------------------------------------------------------------------- parser

class Tokens {
  private i = 0;
  constructor(private readonly list: string[]) {}
  peek(): string | undefined {
    return this.list[this.i];
  }
  /** The next token lowercased, for keyword comparison. */
  peekWord(): string | undefined {
    return this.list[this.i]?.toLowerCase();
  }
  next(): string | undefined {
    return this.list[this.i++];
  }
  get done(): boolean {
    return this.i >= this.list.length;
  }
}

class Stop {
  constructor(readonly error: string) {}
}
function stop(error: string): never {
  throw new Stop(error);
}

const DRY_RUN = new Set(['dry-run', 'dryrun', '--dry-run']);

function expectEnd(t: Tokens): void {
  const extra = t.peek();
  if (extra !== undefined) stop(`I did not expect "${echo(extra)}" there.`);
}

/** Builds the untyped shape of each command; values are checked by `CommandSchema` afterwards. */
const grammar: Record<CommandName, (t: Tokens) => Record<string, unknown>> = {
  'scale-out': (t) => {
    const profile = t.next();
    const amount = t.next();
    if (profile === undefined || amount === undefined) stop('scale-out needs a profile and an amount.');
    let lifetime: Record<string, unknown> | undefined;
    let dryRun = false;
    while (!t.done) {
      const word = t.peekWord()!;
      if (DRY_RUN.has(word)) {
        t.next();
        dryRun = true;
      } else if (word === 'for' || word === 'until') {
        t.next();
        if (lifetime !== undefined) stop('say either "for <duration>" or "until <HH:MM>", once.');
        const value = t.next();
        if (word === 'for') lifetime = { kind: 'for', duration: value?.toLowerCase() ?? stop('"for" needs a duration such as 9h, 90m, 1h30m or 2d.') };
        else lifetime = { kind: 'until', untilLocalTime: value ?? stop('"until" needs a time of day such as 18:00.') };
      } else {
        stop(`I did not expect "${echo(t.peek()!)}" there.`);
      }
    }
    return { profile, amount, dryRun, ...(lifetime ? { lifetime } : {}) };
  },
  status: (t) => {
    const batchId = t.next();
    expectEnd(t);
    return batchId === undefined ? {} : { batchId };
  },
  list: (t) => {
    expectEnd(t);
    return {};
  },
  cancel: (t) => {
    const batchId = t.next() ?? stop('cancel needs a batch id.');
    let release = false;
    if (t.peekWord() === 'release') {
      t.next();
      release = true;
    }
    expectEnd(t);
    return { batchId, release };
  },
  release: (t) => {
    const batchId = t.next() ?? stop('release needs a batch id.');
    expectEnd(t);
    return { batchId };
  },
  extend: (t) => {
    const batchId = t.next() ?? stop('extend needs a batch id and "for <duration>".');
    if (t.peekWord() !== 'for') stop('say how much longer: "for <duration>", such as for 2h.');
    t.next();
    const duration = t.next()?.toLowerCase() ?? stop('"for" needs a duration such as 2h, 90m or 1d.');
    expectEnd(t);
    return { batchId, duration };
  },
  help: (t) => {
    const topic = t.next()?.toLowerCase();
    expectEnd(t);
    if (topic !== undefined && !(COMMAND_NAMES as readonly string[]).includes(topic)) stop(`there is no command "${echo(topic)}".`);
    return topic === undefined ? {} : { topic };
  },
};

const isCommandName = (w: string): w is CommandName => (COMMAND_NAMES as readonly string[]).includes(w);

/** A message to the bot -> a command, or what was wrong with it and the form it should take. */
export function parseCommand(text: string): Command | CommandError {
  const t = new Tokens(tokenize(text));
  // Mentioning the bot with nothing else is a request for help.
  if (t.done) return { kind: 'help' };
  const word = t.next()!.toLowerCase();
  if (!isCommandName(word)) return { kind: 'error', error: `I don't know "${echo(word)}".`, usage: HELP_LINES[0]! };
  const usage = `usage: ${USAGE[word]}`;
  let shape: Record<string, unknown>;
  try {
    shape = grammar[word](t);
  } catch (e) {
    if (e instanceof Stop) return { kind: 'error', error: e.error, usage };
    throw e;
  }
  const parsed = CommandSchema.safeParse({ kind: word, ...shape });
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'that did not parse';
    return { kind: 'error', error: `${message[0]!.toUpperCase()}${message.slice(1)}.`, usage };
  }
  return parsed.data;
}
