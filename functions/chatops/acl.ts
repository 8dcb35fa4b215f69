import { z } from 'zod';
import { allowsProfile } from '../core/profile';
import { formatIssues } from '../core/validation';
import { TypedProfileNameSchema, type Command } from './command';
import type { Platform } from './types';

/**
 * Who may do what from chat. Configuration (env `CHATOPS_ACL`, JSON):
 *
 *   { "slack":    { "users":         { "U024BE7LH": { "profiles": "*",     "maxAmount": 50, "dailyLimit": 200 } },
 *                   "conversations": { "C0OPSROOM": { "profiles": ["web"], "maxAmount": 5,  "dailyLimit": 20 } } },
 *     "dingtalk": { ... }, "feishu": { ... } }
 *
 * Keys are the ids ChatRequest carries (DingTalk staff id / conversationId, Slack user_id / channel_id,
 * Feishu open_id / chat_id). Every entry is a grant and grants add up: a listed user has their scope in any
 * conversation, everyone in a listed conversation has its scope, and someone matching both gets the more
 * generous of each field. Nobody else may do anything. `maxAmount: 0` makes a viewer (status, list, help).
 */

export const ScopeSchema = z.strictObject({
  profiles: z.union([z.literal('*'), z.array(TypedProfileNameSchema).min(1)]),
  /** Instances in one scale-out. */
  maxAmount: z.number().int().min(0).max(100_000),
  /** Instances per person per day, counted by the store's rolling 24 h allowance (`reserveDaily`). */
  dailyLimit: z.number().int().min(0).max(1_000_000),
});
export type Scope = z.output<typeof ScopeSchema>;

const PlatformAclSchema = z.strictObject({
  users: z.record(z.string().min(1), ScopeSchema).default({}),
  conversations: z.record(z.string().min(1), ScopeSchema).default({}),
});

export const AclSchema = z.strictObject({
  dingtalk: PlatformAclSchema.optional(),
  slack: PlatformAclSchema.optional(),
  feishu: PlatformAclSchema.optional(),
});
export type Acl = z.output<typeof AclSchema>;

/** `CHATOPS_ACL` -> the ACL. Unset means nobody is allowed; malformed is an error so the wiring fails closed. */
export function parseAcl(json: string | undefined): { ok: true; acl: Acl } | { ok: false; error: string } {
  if (json === undefined || json.trim() === '') return { ok: true, acl: {} };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, error: 'CHATOPS_ACL is not JSON' };
  }
  const parsed = AclSchema.safeParse(value);
  if (!parsed.success) return { ok: false, error: `CHATOPS_ACL ${formatIssues(parsed.error.issues, { max: 1, root: '(root)' })}` };
  return { ok: true, acl: parsed.data };
}

export type Authorization =
  | { ok: true; scope: Scope }
  /** `reason` is addressed to the person, politely, and names nothing secret. */
  | { ok: false; reason: string };

function merge(a: Scope, b: Scope): Scope {
  const profiles = a.profiles === '*' || b.profiles === '*' ? '*' : [...new Set([...a.profiles, ...b.profiles])];
  return { profiles, maxAmount: Math.max(a.maxAmount, b.maxAmount), dailyLimit: Math.max(a.dailyLimit, b.dailyLimit) };
}

/** The combined grant for this person in this conversation, if any. */
export function scopeFor(acl: Acl, platform: Platform, userId: string, conversationId: string): Scope | undefined {
  const entry = acl[platform];
  if (!entry) return undefined;
  // Own-property lookups only: an id such as "__proto__" must not find Object.prototype.
  const own = (r: Record<string, Scope>, k: string) => (Object.prototype.hasOwnProperty.call(r, k) ? r[k] : undefined);
  const grants = [own(entry.users, userId), own(entry.conversations, conversationId)].filter((s): s is Scope => s !== undefined);
  return grants.length === 0 ? undefined : grants.reduce(merge);
}

export function authorize(acl: Acl, platform: Platform, userId: string, conversationId: string, command: Command): Authorization {
  const scope = scopeFor(acl, platform, userId, conversationId);
  if (!scope) {
    return {
      ok: false,
      reason: `You are not on this bot's list yet. Ask an administrator to add your user id ${userId} or this conversation (${conversationId}).`,
    };
  }
  switch (command.kind) {
    case 'help':
    case 'status':
    case 'list':
      return { ok: true, scope };
    case 'cancel':
    case 'release':
    case 'extend':
      // Cancelling, releasing and keeping longer change someone's capacity: only people who may create it may.
      return scope.maxAmount > 0 ? { ok: true, scope } : { ok: false, reason: `You may look at batches here but not ${command.kind} them.` };
    case 'scale-out': {
      if (scope.maxAmount === 0) return { ok: false, reason: 'You may look at batches here but not start instances.' };
      if (!allowsProfile(scope.profiles, command.profile)) {
        const yours = scope.profiles === '*' ? '' : ` Your profiles: ${scope.profiles.join(', ')}.`;
        return { ok: false, reason: `You may not use the profile "${command.profile}".${yours}` };
      }
      const cap = Math.min(scope.maxAmount, scope.dailyLimit);
      if (command.amount > cap) {
        return { ok: false, reason: `You may start at most ${cap} at once; you asked for ${command.amount}.` };
      }
      return { ok: true, scope };
    }
  }
}
