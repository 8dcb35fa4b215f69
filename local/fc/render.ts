import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * The one reading of s.yaml: Serverless Devs' own template engine, run as `s preview -o json` from the
 * pinned `@serverless-devs/s` devDependency (one self-contained package: its `lib/index.js` bundles
 * `@serverless-devs/parse-spec` and its art-template fork, the code `s deploy` renders with). A
 * hand-written resolver drifted from it (issue 11): under `s`, an EMPTY variable counts as unset and
 * takes the default, `${env.X}` is invalid, and an unset variable without a default aborts the render
 * naming it. Rendering through `s` itself makes every local run and test see what a deploy sees.
 *
 * `s` also loads a `.env` beside the template (process variables win over it). Local runs and tests
 * render a copy of the template in a private folder so an operator's `.env` never leaks into them;
 * `npm run preflight` renders in place, as `s deploy` will.
 */

export class SYamlError extends Error {
  override name = 'SYamlError';
}

export interface RenderOptions {
  /** Variables for `${env('NAME')}`, laid over process.env; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** Render where the template is, so `s` reads the `.env` beside it (as `s deploy` does). Default false. */
  inPlace?: boolean;
}

const S_BIN = require.resolve('@serverless-devs/s/bin/s');

let privateHome: string | undefined;
/**
 * A HOME for `s` with nothing in it but two settings: no error report sent to Serverless Devs'
 * metrics endpoint (`analysis: disable`, what `s set analysis disable` writes) and an update check
 * that is not due (so no detached daemon). Credentials are not needed to render.
 */
function sHome(): string {
  if (privateHome) return privateHome;
  const home = mkdtempSync(join(tmpdir(), 'ecs-batch-s-home-'));
  mkdirSync(join(home, '.s', 'config'), { recursive: true });
  writeFileSync(join(home, '.s', 'set-config.yml'), 'analysis: disable\n');
  writeFileSync(join(home, '.s', 'config', 'update-notifier.json'), JSON.stringify({ lastUpdateCheck: Date.now() + 365 * 86_400_000 }));
  process.once('exit', () => rmSync(home, { recursive: true, force: true }));
  privateHome = home;
  return home;
}

/** The words of `s`'s own error, without its banner, log path and feedback link. */
function sErrorText(output: string): string {
  const clean = output.replace(/\x1b\[[0-9;]*m/g, '');
  const m = /Error Message:\s*\n([\s\S]*?)(?:\n\s*A complete log|\n\s*Env:|$)/.exec(clean);
  const text = (m ? m[1] : clean).split('\n').map((l) => l.trim()).filter(Boolean);
  // `RuntimeError: env('X') not found` is the line that says what; the lines above quote the template.
  return text.join(' | ').slice(0, 2000) || 'no output';
}

/**
 * Render an s.yaml the way `s deploy` does: every `${...}` resolved by Serverless Devs' engine.
 * Rejects with SYamlError carrying `s`'s own words (e.g. `env('FC_ROLE_ARN') not found`).
 */
export async function renderSYaml(path: string, options: RenderOptions = {}): Promise<Record<string, unknown>> {
  const template = resolve(path);
  if (options.inPlace) return runPreview(template, options.env);
  let text: string;
  try {
    text = readFileSync(template, 'utf8');
  } catch (e) {
    throw new SYamlError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return renderSYamlText(text, options.env);
}

/**
 * Renders already done in this process, by template text and the whole environment `s` would see: the
 * same inputs give the same output, so a test file that starts the local FC five times spawns `s` once.
 */
const rendered = new Map<string, Promise<Record<string, unknown>>>();

/** Render s.yaml text in a private folder (no `.env` beside it). */
export async function renderSYamlText(text: string, env?: RenderOptions['env']): Promise<Record<string, unknown>> {
  const key = JSON.stringify([text, childEnv(env)]);
  let result = rendered.get(key);
  if (!result) {
    result = (async () => {
      const scratch = mkdtempSync(join(tmpdir(), 'ecs-batch-s-render-'));
      try {
        writeFileSync(join(scratch, 's.yaml'), text);
        return await runPreview(join(scratch, 's.yaml'), env);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    })();
    rendered.set(key, result);
    result.catch(() => rendered.delete(key));
  }
  return structuredClone(await result);
}

function childEnv(extra: RenderOptions['env'] = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: sHome(), USERPROFILE: sHome(), NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.NODE_OPTIONS; // jest/tsx loaders are not for `s`
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

async function runPreview(file: string, extra: RenderOptions['env'] = {}): Promise<Record<string, unknown>> {
  const env = childEnv(extra);
  const { stdout, failed } = await new Promise<{ stdout: string; failed: boolean }>((done) => {
    execFile(process.execPath, [S_BIN, 'preview', '-o', 'json', '--silent', '-t', file],
      { cwd: dirname(file), env, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
      (error, out, err) => done({ stdout: error ? `${out}\n${err}` : out, failed: Boolean(error) }));
  });
  if (failed) {
    const words = sErrorText(stdout);
    const unset = /env\(\s*['"]?(\w+)['"]?\s*\) not found/.exec(words);
    const hint = unset ? `environment variable ${unset[1]} is not set (an empty value counts as unset) and has no default: ` : '';
    throw new SYamlError(`s.yaml does not render: ${hint}${words} (Serverless Devs ${sVersion()} \`s preview\`)`);
  }
  // `s` v3 renders nothing, and says nothing, for a template that is not `edition: 3.0.0`.
  const start = stdout.indexOf('{');
  if (start < 0) throw new SYamlError('s.yaml rendered to nothing: s v3 reads only templates with edition: 3.0.0');
  try {
    return JSON.parse(stdout.slice(start)) as Record<string, unknown>;
  } catch {
    throw new SYamlError(`s preview printed no JSON: ${sErrorText(stdout)}`);
  }
}

export function sVersion(): string {
  return (require('@serverless-devs/s/package.json') as { version: string }).version;
}
