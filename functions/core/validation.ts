import type { z } from 'zod';

export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * zod issues as `{field, message}` pairs, the field a dotted path such as `tags.0.key` (`root` when the
 * issue is about the whole value). An unknown key is named as the field itself, one pair each, with the
 * message `unknown` (a query says "unknown query parameter"). The one translation of zod's issues: every
 * edge words its errors from it.
 */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[], root = '(body)', unknown = 'unknown field'): FieldIssue[] {
  const path = (p: readonly PropertyKey[]) => (p.length ? p.map(String).join('.') : root);
  return issues.flatMap((i) =>
    i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ field: path([...i.path, k]), message: unknown })) : [{ field: path(i.path), message: i.message }],
  );
}

export const fieldLine = (i: FieldIssue): string => `${i.field}: ${i.message}`;

/** The first `max` issues on one line: field paths and messages only, never the offending values. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], opts: { max?: number; root?: string } = {}): string {
  return toFieldIssues(issues.slice(0, opts.max ?? issues.length), opts.root)
    .map(fieldLine)
    .join('; ');
}
