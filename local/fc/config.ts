import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseCron } from './cron';
import { compilePattern, type Matcher } from './event-pattern';

/**
 * Reading a Serverless Devs v3 s.yaml (`edition: 3.0.0`) for the fc3 component: resolve the
 * `${...}` references we can resolve locally, validate each function's props with zod, and hand back
 * what the local runtime needs. Other components are ignored; unknown references are errors.
 */

export interface HttpTriggerSpec {
  triggerName: string;
  authType: string;
  /** Upper-case HTTP methods the trigger accepts. */
  methods: string[];
}

export interface TimerTriggerSpec {
  triggerName: string;
  cronExpression: string;
  enable: boolean;
  /** Handed to the function verbatim as the event's `payload` string. */
  payload: string;
}

/** An EventBridge trigger: a rule on the default bus whose matching events invoke the function, one each. */
export interface EventBridgeTriggerSpec {
  triggerName: string;
  enabled: boolean;
  /** `asyncInvocationType`: true = async invocation (retried per asyncInvokeConfig), false = sync. */
  async: boolean;
  /** The rule's `eventRuleFilterPattern`, as written and compiled. */
  pattern: string;
  matches: Matcher;
  /** `eventSourceConfig.eventSourceType`: only `Default` (the default bus) has a local source. */
  sourceType: string;
}

export interface FunctionSpec {
  /** The key under `resources:`. */
  resourceName: string;
  functionName: string;
  runtime: string;
  region: string;
  /** `index.handler`: module `index` in `codeDir`, export `handler`. */
  handler: string;
  /** Absolute directory holding the function code. */
  codeDir: string;
  timeoutSeconds: number;
  memorySize: number;
  environmentVariables: Record<string, string>;
  httpTrigger?: HttpTriggerSpec;
  timers: TimerTriggerSpec[];
  eventbridge: EventBridgeTriggerSpec[];
  maxAsyncRetryAttempts: number;
  /** Concurrent requests one instance takes (FC `instanceConcurrency`, default 1). */
  instanceConcurrency: number;
  /** `instanceLifecycleConfig.initializer`: run once per instance before its first invocation. */
  initializer?: { handler: string; timeoutSeconds: number };
}

export interface LoadedSYaml {
  name?: string;
  functions: FunctionSpec[];
}

export interface LoadOptions {
  /** Directory the `code` paths are relative to (default: the s.yaml's directory). */
  codeRoot?: string;
  /** Variables for `${env('NAME')}`; consulted before process.env. */
  env?: Record<string, string | undefined>;
  /** For `${config('AccountID')}`. */
  accountId?: string;
}

export class SYamlError extends Error {
  override name = 'SYamlError';
}

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const httpTriggerConfig = z.object({
  authType: z.enum(['anonymous', 'function', 'jwt']).default('anonymous'),
  methods: z.array(z.string().transform((m) => m.toUpperCase())).min(1).default(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS']),
}).loose();

const timerTriggerConfig = z.object({
  cronExpression: z.string().superRefine((value, ctx) => {
    try {
      parseCron(value);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  }),
  enable: z.boolean(),
  payload: z.string().max(128 * 1024, 'payload is limited to 128 KB').default(''),
}).loose();

// fc3's shape (devsapp/fc3 src/interface/base.ts IEventBridge; FC 2023-03-30 EventBridgeTriggerConfig).
const eventBridgeTriggerConfig = z.object({
  triggerEnable: z.boolean().default(true),
  asyncInvocationType: z.boolean().default(false),
  eventRuleFilterPattern: z.string().superRefine((value, ctx) => {
    try {
      compilePattern(value);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  }),
  eventSourceConfig: z.object({ eventSourceType: z.string().default('Default') }).loose().default({ eventSourceType: 'Default' }),
}).loose();

const trigger = z.object({
  triggerName: z.string().min(1),
  triggerType: z.string().min(1),
  triggerConfig: z.unknown(),
}).loose();

const propsSchema = z.object({
  functionName: z.string().regex(/^[A-Za-z_][-A-Za-z0-9_]{0,127}$/, 'must start with a letter or _ and hold only letters, digits, _ and -'),
  region: z.string().default('cn-hangzhou'),
  runtime: z.string().regex(/^nodejs\d+$/, 'local/fc runs Node.js runtimes only (nodejs20, ...)'),
  handler: z.string().regex(/^[^.\s]+(\.[^.\s]+)+$/, 'must look like index.handler'),
  code: z.union([z.string(), z.object({ src: z.string() }).loose()]),
  timeout: z.number().int().min(1).max(86400).default(3),
  memorySize: z.number().int().min(128).max(32768).default(512),
  instanceConcurrency: z.number().int().min(1).max(200).default(1),
  environmentVariables: z.record(z.string(), scalar).default({}),
  triggers: z.array(trigger).default([]),
  asyncInvokeConfig: z.object({ maxAsyncRetryAttempts: z.number().int().min(0).max(8).default(3) }).loose().optional(),
  instanceLifecycleConfig: z.object({
    initializer: z.object({ handler: z.string(), timeout: z.number().int().min(1).max(600).default(3) }).loose().optional(),
  }).loose().optional(),
}).loose();

const documentSchema = z.object({
  edition: z.literal('3.0.0', 'must be 3.0.0 (Serverless Devs v3)'),
  name: z.string().optional(),
  vars: z.record(z.string(), z.unknown()).default({}),
  resources: z.record(z.string(), z.object({ component: z.string(), props: z.unknown() }).loose()),
}).loose();

function issuesText(prefix: string, error: z.ZodError): string {
  return error.issues
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.')}: ${i.message}`)
    .join('; ');
}

function getPath(root: unknown, path: string[], what: string): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !(key in cur)) throw new SYamlError(`${what}: no such value`);
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

interface ResolveContext {
  doc: { vars: Record<string, unknown>; resources: Record<string, { props?: unknown }> };
  env: Record<string, string | undefined>;
  accountId: string;
  /** The resource whose props are being resolved, for `${this.props.x}`. */
  self: string;
  depth: number;
}

const REF = /\$\{([^}]*)\}/g;
const ENV_CALL = /^env\(\s*(?:'([^']*)'|"([^"]*)"|([A-Za-z_][A-Za-z0-9_]*))\s*(?:,\s*(?:'([^']*)'|"([^"]*)"))?\s*\)$/;

function evaluate(expr: string, at: string, ctx: ResolveContext): unknown {
  const e = expr.trim();
  const env = ENV_CALL.exec(e) ?? (/^env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(e) && [e, undefined, undefined, e.slice(4)]);
  if (env) {
    const name = env[1] ?? env[2] ?? env[3];
    const fallback = env[4] ?? env[5];
    const value = ctx.env[name] ?? fallback;
    if (value === undefined) throw new SYamlError(`${at}: environment variable ${name} is not set (\${${e}})`);
    return value;
  }
  const config = /^config\(\s*['"]?(\w+)['"]?\s*\)$/.exec(e);
  if (config) {
    if (config[1] === 'AccountID') return ctx.accountId;
    throw new SYamlError(`${at}: \${${e}} is not available locally (only config('AccountID'))`);
  }
  if (ctx.depth > 20) throw new SYamlError(`${at}: references nest too deep (a cycle?)`);
  const parts = e.split('.');
  const deeper = { ...ctx, depth: ctx.depth + 1 };
  if (parts[0] === 'vars' && parts.length > 1) {
    return resolveValue(getPath(ctx.doc.vars, parts.slice(1), `${at}: \${${e}}`), at, deeper);
  }
  if (parts[0] === 'this' && parts[1] === 'props' && parts.length > 2) parts.splice(0, 1, 'resources', ctx.self);
  if (parts[0] === 'resources' && parts[2] === 'props' && parts.length > 3) {
    const value = getPath(ctx.doc.resources, [parts[1], 'props', ...parts.slice(3)], `${at}: \${${e}}`);
    return resolveValue(value, at, { ...deeper, self: parts[1] });
  }
  if (parts[0] === 'this' && parts[1] === 'name' && parts.length === 2) return ctx.self;
  throw new SYamlError(`${at}: unsupported reference \${${e}} (local/fc resolves env(), vars.*, resources.<name>.props.*, this.props.*, config('AccountID'))`);
}

function resolveValue(value: unknown, at: string, ctx: ResolveContext): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{([^}]*)\}$/.exec(value);
    if (whole) return evaluate(whole[1], at, ctx); // keeps the referenced value's type
    return value.replace(REF, (_, expr: string) => {
      const v = evaluate(expr, at, ctx);
      return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveValue(v, `${at}[${i}]`, ctx));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, `${at}.${k}`, ctx)]));
  }
  return value;
}

/** Parse and validate s.yaml text. `baseDir` anchors relative `code` paths. */
export function parseSYaml(text: string, baseDir: string, options: LoadOptions = {}): LoadedSYaml {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new SYamlError(`s.yaml is not valid YAML: ${(e as Error).message}`);
  }
  const docResult = documentSchema.safeParse(raw);
  if (!docResult.success) throw new SYamlError(`s.yaml ${issuesText('', docResult.error)}`);
  const doc = docResult.data;
  const env = { ...process.env, ...options.env };
  const functions: FunctionSpec[] = [];
  const seen = new Set<string>();

  for (const [resourceName, resource] of Object.entries(doc.resources)) {
    if (resource.component !== 'fc3' && !/^fc3@/.test(resource.component)) continue;
    const at = `resources.${resourceName}.props`;
    const ctx: ResolveContext = {
      doc: doc as ResolveContext['doc'], env, accountId: options.accountId ?? '', self: resourceName, depth: 0,
    };
    const parsed = propsSchema.safeParse(resolveValue(resource.props, at, ctx));
    if (!parsed.success) throw new SYamlError(`s.yaml ${issuesText(at, parsed.error)}`);
    const p = parsed.data;
    if (seen.has(p.functionName)) throw new SYamlError(`s.yaml ${at}.functionName: "${p.functionName}" is used twice`);
    seen.add(p.functionName);

    let httpTrigger: HttpTriggerSpec | undefined;
    const timers: TimerTriggerSpec[] = [];
    const eventbridge: EventBridgeTriggerSpec[] = [];
    p.triggers.forEach((t, i) => {
      const tat = `${at}.triggers[${i}].triggerConfig`;
      if (t.triggerType === 'http') {
        const c = httpTriggerConfig.safeParse(t.triggerConfig ?? {});
        if (!c.success) throw new SYamlError(`s.yaml ${issuesText(tat, c.error)}`);
        if (httpTrigger) throw new SYamlError(`s.yaml ${at}.triggers[${i}]: a function has at most one http trigger`);
        httpTrigger = { triggerName: t.triggerName, authType: c.data.authType, methods: c.data.methods };
      } else if (t.triggerType === 'timer') {
        const c = timerTriggerConfig.safeParse(t.triggerConfig);
        if (!c.success) throw new SYamlError(`s.yaml ${issuesText(tat, c.error)}`);
        timers.push({ triggerName: t.triggerName, ...c.data });
      } else if (t.triggerType === 'eventbridge') {
        const c = eventBridgeTriggerConfig.safeParse(t.triggerConfig);
        if (!c.success) throw new SYamlError(`s.yaml ${issuesText(tat, c.error)}`);
        eventbridge.push({
          triggerName: t.triggerName,
          enabled: c.data.triggerEnable,
          async: c.data.asyncInvocationType,
          pattern: c.data.eventRuleFilterPattern,
          matches: compilePattern(c.data.eventRuleFilterPattern),
          sourceType: c.data.eventSourceConfig.eventSourceType,
        });
      }
      // Other trigger types (oss, mns, ...) have no local source: ignored.
    });

    const codePath = typeof p.code === 'string' ? p.code : p.code.src;
    const init = p.instanceLifecycleConfig?.initializer;
    functions.push({
      resourceName,
      functionName: p.functionName,
      runtime: p.runtime,
      region: p.region,
      handler: p.handler,
      codeDir: resolve(options.codeRoot ?? baseDir, codePath),
      timeoutSeconds: p.timeout,
      memorySize: p.memorySize,
      environmentVariables: p.environmentVariables,
      httpTrigger,
      timers,
      eventbridge,
      maxAsyncRetryAttempts: p.asyncInvokeConfig?.maxAsyncRetryAttempts ?? 3,
      instanceConcurrency: p.instanceConcurrency,
      initializer: init ? { handler: init.handler, timeoutSeconds: init.timeout } : undefined,
    });
  }
  if (functions.length === 0) throw new SYamlError('s.yaml resources: no resource with component fc3');
  return { name: doc.name, functions };
}

export function loadSYaml(path: string, options: LoadOptions = {}): LoadedSYaml {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SYamlError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseSYaml(text, dirname(resolve(path)), options);
}
