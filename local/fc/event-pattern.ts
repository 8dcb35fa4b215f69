/**
 * EventBridge event patterns, as far as a local rule needs them
 * (https://www.alibabacloud.com/help/en/eventbridge/latest/event-patterns, doc-detail/181432):
 * - the event must hold every field of the pattern, with the same nesting; other fields are ignored;
 * - keys combine with AND, the values listed for one key with OR;
 * - an exact value matches character for character, case-sensitive; numbers compare as their JSON text
 *   (300 and 300.0 differ), and true, false and null as themselves;
 * - `{"prefix": "acs."}` and `{"suffix": ".jpg"}` match the start or end of a string.
 * Other operators (anything-but, numeric, cidr, exists, contains) are refused with the field named, so a
 * rule never silently matches more or less than it would on EventBridge.
 */
export type Matcher = (event: unknown) => boolean;

export class PatternError extends Error {
  override name = 'PatternError';
}

type Leaf = (value: unknown) => boolean;

const jsonText = (v: unknown) => JSON.stringify(v);

function leaf(at: string, condition: unknown): Leaf {
  if (condition === null || typeof condition === 'string' || typeof condition === 'number' || typeof condition === 'boolean') {
    const want = jsonText(condition);
    return (v) => (v === null || typeof v !== 'object') && jsonText(v) === want;
  }
  if (typeof condition === 'object' && !Array.isArray(condition)) {
    const entries = Object.entries(condition);
    if (entries.length === 1) {
      const [op, arg] = entries[0];
      if (op === 'prefix' && typeof arg === 'string') return (v) => typeof v === 'string' && v.startsWith(arg);
      if (op === 'suffix' && typeof arg === 'string') return (v) => typeof v === 'string' && v.endsWith(arg);
      throw new PatternError(`${at}: operator "${op}" is not supported locally (exact values, lists, prefix, suffix)`);
    }
  }
  throw new PatternError(`${at}: must be a value or {"prefix"|"suffix": "..."}`);
}

function compileAt(at: string, pattern: unknown): Matcher {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) throw new PatternError(`${at || 'pattern'}: must be a JSON object`);
  const checks = Object.entries(pattern).map(([key, want]): Matcher => {
    const path = at ? `${at}.${key}` : key;
    if (Array.isArray(want)) {
      if (want.length === 0) throw new PatternError(`${path}: an empty list matches nothing`);
      const options = want.map((c, i) => leaf(`${path}[${i}]`, c));
      return (obj) => {
        const v = (obj as Record<string, unknown>)[key];
        // A list field in the event matches when any of its elements does.
        return Array.isArray(v) ? v.some((x) => options.some((o) => o(x))) : options.some((o) => o(v));
      };
    }
    if (want !== null && typeof want === 'object') {
      const inner = compileAt(path, want);
      return (obj) => inner((obj as Record<string, unknown>)[key]);
    }
    throw new PatternError(`${path}: must be a list of values or a nested object`);
  });
  return (event) => event !== null && typeof event === 'object' && !Array.isArray(event) && checks.every((c) => c(event));
}

/** Compile a rule's `eventRuleFilterPattern` (JSON text). `{}` matches every event. */
export function compilePattern(text: string): Matcher {
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch (e) {
    throw new PatternError(`not JSON: ${(e as Error).message}`);
  }
  return compileAt('', pattern);
}
