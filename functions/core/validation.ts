import type { z } from 'zod';

export interface FieldIssue {
  field: string;
  message: string;
}

/** zod issues as `{field, message}` pairs, the field a dotted path such as `tags.0.key`. */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.map((i) => ({
    field: i.path.length ? i.path.map(String).join('.') : '(body)',
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return toFieldIssues(issues)
    .map((i) => `${i.field}: ${i.message}`)
    .join('; ');
}
