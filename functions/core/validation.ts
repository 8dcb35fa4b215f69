import type { z } from 'zod';

export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * zod issues as `{field, message}` pairs, the field a dotted path such as `tags.0.key` (`root` when the
 * issue is about the whole value). The one translation of zod's issues: every edge words its errors from it.
 */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[], root = '(body)'): FieldIssue[] {
  return issues.map((i) => ({
    field: i.path.length ? i.path.map(String).join('.') : root,
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
}

export const fieldLine = (i: FieldIssue): string => `${i.field}: ${i.message}`;

/** The first `max` issues on one line: field paths and messages only, never the offending values. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], opts: { max?: number; root?: string } = {}): string {
  return toFieldIssues(issues.slice(0, opts.max ?? issues.length), opts.root)
    .map(fieldLine)
    .join('; ');
}
