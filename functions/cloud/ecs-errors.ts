import { EcsError, type EcsErrorKind } from '../core/errors';

/** ECS error codes by what they mean for us. The one place that knows provider codes. */
const CAPACITY = new Set([
  'OperationDenied.NoStock',
  'Zone.NotOnSale',
  'InvalidInstanceType.ZoneNotSupported',
  'InvalidResourceType.NotSupported',
  'OperationDenied.ZoneNotAllowed',
  'InvalidZoneId.NotSupportShareEncryptedImage',
  // Counts instances of one type per region or vCPUs of all types per zone, and ECS says to try another
  // instance type (CreateInstance/RunInstances docs, alibabacloud.com/help/doc-detail/25499.html): we
  // cannot tell which from the answer, so it fails this offering only and the next zone or type is tried.
  'QuotaExceed.ElasticQuota',
]);
/** Retrying later with the same ClientToken is safe and may succeed. */
const UNAVAILABLE = new Set(['InternalError', 'ServiceUnavailable', 'UnknownError', 'LastTokenProcessing']);
// NoSuchResource: what ModifyInstanceAutoReleaseTime answers for an instance that does not exist.
const NOT_FOUND = new Set(['InvalidInstanceId.NotFound', 'InvalidInstanceIds.NotFound', 'NoSuchResource']);

export const isThrottling = (code: string) => code.includes('Throttling');
export const isCapacity = (code: string) => CAPACITY.has(code);
export const isNotFound = (code: string) => NOT_FOUND.has(code);

interface SdkErrorLike {
  name?: string;
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  requestId?: unknown;
  retryAfter?: unknown;
  data?: { Message?: unknown; message?: unknown } | unknown;
}

/** Turn whatever the SDK threw into an EcsError (kept as `cause`). */
export function classifyEcsError(err: unknown): EcsError {
  if (err instanceof EcsError) return err;
  const e = (err ?? {}) as SdkErrorLike;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e.code === 'string' ? e.code : 'NoResponse';
  const requestId = typeof e.requestId === 'string' ? e.requestId : undefined;
  const data = e.data as { Message?: unknown } | undefined;
  const message = typeof data?.Message === 'string' ? data.Message : typeof e.message === 'string' ? e.message.slice(0, 500) : 'ECS call failed';
  let kind: EcsErrorKind;
  if (status === undefined) kind = 'unavailable'; // timeout, reset, refused, unparsable answer
  else if (e.name === 'ThrottlingError' || isThrottling(code)) kind = 'throttled';
  else if (isCapacity(code)) kind = 'capacity';
  else if (isNotFound(code)) kind = 'notFound';
  else if (status >= 500 || UNAVAILABLE.has(code)) kind = 'unavailable';
  else kind = 'rejected';
  const retryAfterMs = typeof e.retryAfter === 'number' && e.retryAfter > 0 ? e.retryAfter : undefined;
  return new EcsError(kind, status === undefined ? 'NoResponse' : code, message, requestId, retryAfterMs, { cause: err });
}
