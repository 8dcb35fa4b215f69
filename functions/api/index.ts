import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { resolveCredentials } from '../cloud/credentials';
import { cloudDeps } from '../cloud/deps';
import { jsonLog } from '../cloud/log';
import { realSleep } from '../cloud/retry';
import { httpPoster } from '../cloud/webhook';
import { systemClock } from '../core/time';
import { handle } from './app';
import { loadApiConfig } from './config';
import { errorResponse, HttpError, toHttpRequest } from './http';

// Cold start: configuration is read and checked once; a bad value stops the function here, by name.
// __dirname: the code folder FC unpacked (dist/api in the bundle), where a relative profiles file is.
const config = loadApiConfig(process.env, __dirname);
// Chat replies must leave before the platform's 3 s deadline: a short timeout.
const post = httpPoster(1_500);

interface FcContext {
  requestId?: string;
  region?: string;
  accountId?: string;
  credentials?: unknown;
}

/** FC 3.0 HTTP trigger: event -> request -> route -> response. */
export async function handler(event: unknown, context: FcContext) {
  const requestId = context?.requestId ?? randomUUID();
  const req = toHttpRequest(event, requestId);
  if (!req) return errorResponse(new HttpError(400, 'invalid_request', 'not an HTTP trigger event'), requestId);
  const log = jsonLog({ fn: 'api', requestId: req.requestId }, undefined, config.cloud.LOG_LEVEL);
  const region = context?.region ?? process.env.ALIBABA_CLOUD_REGION ?? 'cn-hangzhou';
  let cloud;
  try {
    cloud = cloudDeps(config.cloud, resolveCredentials(context, process.env), { region, accountId: context?.accountId });
  } catch (e) {
    log.error('no credentials', { error: e });
    return errorResponse(e, req.requestId);
  }
  return handle(
    {
      ...cloud,
      clock: systemClock,
      log,
      sleep: realSleep,
      profiles: config.profiles,
      tokens: config.tokens,
      sweeperFunction: config.cloud.SWEEPER_FUNCTION,
      submitLeaseMs: config.submitLeaseMs,
      pollMs: config.pollMs,
      chatops: config.chatops,
      post,
      pageDir: join(__dirname, 'ui'),
      deepHealth: { region, tablestoreInstance: config.cloud.TABLESTORE_INSTANCE },
    },
    req,
  );
}
