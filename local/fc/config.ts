import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { parseCron } from './cron';
import { compilePattern, type Matcher } from './event-pattern';
import { renderSYaml, renderSYamlText, SYamlError, type RenderOptions } from './render';

export { SYamlError } from './render';

/**
 * Reading a Serverless Devs v3 s.yaml (`edition: 3.0.0`) for the fc3 component: rendered by Serverless
 * Devs' own engine (./render.ts, `s preview`), then each function's props validated with zod for what the
 * local runtime needs. Other components are ignored; a reference `s` leaves for deploy time (a
 * resource's output) is an error here.
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
  /** `asyncInvokeConfig.asyncTask`: async-task mode, the only mode in which FC de-duplicates x-fc-async-task-id. */
  asyncTask: boolean;
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
  /** Variables for `${env('NAME')}`, laid over process.env (`undefined` removes one). */
  env?: RenderOptions['env'];
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
  asyncInvokeConfig: z
    .object({ maxAsyncRetryAttempts: z.number().int().min(0).max(8).default(3), asyncTask: z.boolean().default(false) })
    .loose()
    .optional(),
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

/** The first string in a rendered value that still holds `${`: `s` resolves those only at deploy time. */
function unresolved(value: unknown, at: string): string | undefined {
  if (typeof value === 'string') return value.includes('${') ? `${at}: ${value}` : undefined;
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = unresolved(v, Array.isArray(value) ? `${at}[${k}]` : `${at}.${k}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** Render (without any `.env`) and validate s.yaml text. `baseDir` anchors relative `code` paths. */
export async function parseSYaml(text: string, baseDir: string, options: LoadOptions = {}): Promise<LoadedSYaml> {
  return fromRendered(await renderSYamlText(text, options.env), baseDir, options);
}

/** Validate an s.yaml that `s` has rendered. */
export function fromRendered(raw: unknown, baseDir: string, options: Pick<LoadOptions, 'codeRoot'> = {}): LoadedSYaml {
  const docResult = documentSchema.safeParse(raw);
  if (!docResult.success) throw new SYamlError(`s.yaml ${issuesText('', docResult.error)}`);
  const doc = docResult.data;
  const functions: FunctionSpec[] = [];
  const seen = new Set<string>();

  for (const [resourceName, resource] of Object.entries(doc.resources)) {
    if (resource.component !== 'fc3' && !/^fc3@/.test(resource.component)) continue;
    const at = `resources.${resourceName}.props`;
    const left = unresolved(resource.props, at);
    if (left) throw new SYamlError(`s.yaml ${left}: a reference that s resolves only at deploy time; local/fc cannot run it`);
    const parsed = propsSchema.safeParse(resource.props);
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
      asyncTask: p.asyncInvokeConfig?.asyncTask ?? false,
      instanceConcurrency: p.instanceConcurrency,
      initializer: init ? { handler: init.handler, timeoutSeconds: init.timeout } : undefined,
    });
  }
  if (functions.length === 0) throw new SYamlError('s.yaml resources: no resource with component fc3');
  return { name: doc.name, functions };
}

/** Render (Serverless Devs' engine, no `.env`) and validate the s.yaml at `path`. */
export async function loadSYaml(path: string, options: LoadOptions = {}): Promise<LoadedSYaml> {
  const rendered = await renderSYaml(path, { env: options.env });
  return fromRendered(rendered, dirname(resolve(path)), options);
}
