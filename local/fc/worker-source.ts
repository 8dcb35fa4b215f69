/**
 * The code of one function instance, run as a `node:worker_threads` Worker with `eval: true`.
 * It is plain CommonJS JavaScript in a string so that it runs the same under jest (ts-jest), tsx, and
 * a bundled build, none of which can hand a .ts file to a Worker.
 *
 * Protocol (messages on parentPort):
 *   in : { type: 'invoke', id, event: Uint8Array, context: {...} }
 *   out: { type: 'log', id, level, line }
 *        { type: 'result', id, ok: true, result: { kind: 'undefined'|'bytes'|'string'|'json', data } }
 *        { type: 'result', id, ok: false, error: { errorType, errorMessage }, stack }
 * workerData: { codeDir, handler, initializer?: string }
 */
export const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const path = require('node:path');
const fs = require('node:fs');
const util = require('node:util');
const { pathToFileURL } = require('node:url');

const modules = new Map();

async function loadExport(handlerSpec) {
  const dot = handlerSpec.lastIndexOf('.');
  const modName = handlerSpec.slice(0, dot);
  const exportName = handlerSpec.slice(dot + 1);
  let mod = modules.get(modName);
  if (!mod) {
    const base = path.resolve(workerData.codeDir, modName);
    const file = ['.js', '.cjs', '.mjs', ''].map((ext) => base + ext).find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
    if (!file) {
      const e = new Error('cannot find module "' + modName + '" in ' + workerData.codeDir + ' for handler "' + handlerSpec + '"');
      e.name = 'HandlerNotFound';
      throw e;
    }
    if (file.endsWith('.mjs')) {
      mod = await import(pathToFileURL(file).href);
    } else {
      try {
        mod = require(file);
      } catch (err) {
        if (!err || err.code !== 'ERR_REQUIRE_ESM') throw err;
        mod = await import(pathToFileURL(file).href);
      }
    }
    modules.set(modName, mod);
  }
  const fn = mod[exportName] ?? (mod.default && mod.default[exportName]);
  if (typeof fn !== 'function') {
    const e = new Error('module "' + modName + '" has no exported function "' + exportName + '"');
    e.name = 'HandlerNotFound';
    throw e;
  }
  return fn;
}

function call(fn, args) {
  // FC Node.js handlers may return a value, return a promise, or take a callback(err, result).
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      err ? reject(err) : resolve(result);
    };
    try {
      const out = fn(...args, callback);
      if (fn.length <= args.length || (out && typeof out.then === 'function')) {
        Promise.resolve(out).then((v) => callback(null, v), (e) => callback(e || new Error('rejected')));
      }
    } catch (e) {
      callback(e);
    }
  });
}

function encode(value) {
  if (value === undefined || value === null) return { kind: 'undefined' };
  if (value instanceof Uint8Array) return { kind: 'bytes', data: new Uint8Array(value) };
  if (typeof value === 'string') return { kind: 'string', data: value };
  return { kind: 'json', data: JSON.stringify(value) };
}

function makeLogger(id) {
  const write = (level) => (...args) => parentPort.postMessage({ type: 'log', id, level, line: util.format(...args) });
  return { debug: write('debug'), info: write('info'), log: write('info'), warn: write('warn'), error: write('error') };
}

let initialized = false;

parentPort.on('message', async (msg) => {
  if (!msg || msg.type !== 'invoke') return;
  const { id } = msg;
  const logger = makeLogger(id);
  try {
    const context = Object.assign({}, msg.context, { logger });
    if (!initialized && workerData.initializer) {
      await call(await loadExport(workerData.initializer), [context]);
    }
    initialized = true;
    const handler = await loadExport(workerData.handler);
    const event = Buffer.from(msg.event.buffer, msg.event.byteOffset, msg.event.byteLength);
    const result = await call(handler, [event, context]);
    parentPort.postMessage({ type: 'result', id, ok: true, result: encode(result) });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(typeof err === 'string' ? err : util.inspect(err));
    parentPort.postMessage({
      type: 'result', id, ok: false,
      error: { errorType: e.name || 'Error', errorMessage: e.message || String(e) },
      stack: e.stack,
    });
  }
});
`;
