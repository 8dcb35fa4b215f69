/**
 * ECS error codes with the HTTP status the real service answers them with. One table, so an action
 * can only raise a code that exists here, and tests can assert on real codes.
 */
const CATALOG = {
  // Gateway and protocol
  'InvalidAction.NotFound': [404, 'Specified api is not found, please check your url and method.'],
  InvalidVersion: [400, 'Specified parameter Version is not valid.'],
  MissingAuthorization: [400, 'The request is missing an Authorization header.'],
  InvalidAuthorization: [400, 'The Authorization header is not valid.'],
  'InvalidAccessKeyId.NotFound': [404, 'Specified access key is not found.'],
  'InvalidSecurityToken.Mismatch': [400, 'The security token does not match the AccessKey.'],
  SignatureDoesNotMatch: [400, 'Specified signature is not matched with our calculation.'],
  'InvalidTimeStamp.Expired': [400, 'Specified time stamp or date value is expired.'],
  // RPC signature version 1.0 (query or form parameters, HMAC-SHA1)
  'InvalidTimeStamp.Format': [400, 'Specified time stamp or date value is not well formatted.'],
  SignatureNonceUsed: [400, 'Specified signature nonce was used already.'],
  IncompleteSignature: [400, 'The request signature does not conform to Aliyun standards.'],
  'Throttling.User': [400, 'Request was denied due to user flow control.'],
  InternalError: [500, 'The request processing has failed due to some unknown error.'],
  ServiceUnavailable: [503, 'The request has failed due to a temporary failure of the server.'],
  // Parameters
  MissingParameter: [400, 'The input parameter that is mandatory for processing this request is not supplied.'],
  MissingParamter: [400, 'The input parameter "Period" that is mandatory for processing this request is not supplied.'],
  InvalidParameter: [400, 'The specified parameter is not valid.'],
  'InvalidParameter.Mismatch': [400, 'The specified vSwitch is not in the specified zone.'],
  InvalidPeriod: [400, 'The specified period is not valid.'],
  IdempotentParameterMismatch: [400, 'The request uses the same client token as a previous, but non-identical request.'],
  DryRunOperation: [400, 'Request validation has been passed with DryRun flag set.'],
  // StartInstances' own dry-run answer (doc-detail/155374), instead of DryRunOperation.
  'DRYRUN.SUCCESS': [400, 'This request is a dryrun request with successful result.'],
  'InvalidAutoReleaseTime.Malformed': [400, 'The specified AutoReleaseTime is not valid.'],
  ChargeTypeViolation: [403, 'The operation is not permitted due to charge type of the instance.'],
  NoSuchResource: [404, 'The specified resource is not found.'],
  'InvalidInstanceName.Malformed': [400, 'The specified InstanceName is not valid.'],
  'InvalidHostName.Malformed': [400, 'The specified HostName is not valid.'],
  'InvalidTagKey.Malformed': [400, 'The specified Tag.n.Key is not valid.'],
  InvalidTagCount: [400, 'The number of tags exceeds the limit of 20.'],
  InvalidSpotStrategy: [400, 'The specified SpotStrategy is not valid.'],
  'InvalidInternetChargeType.ValueNotSupported': [400, 'The specified InternetChargeType is not valid.'],
  'InvalidSystemDiskCategory.ValueNotSupported': [400, 'The specified SystemDisk.Category is not valid.'],
  'InvalidInstanceChargeType.NotFound': [400, 'The specified InstanceChargeType is not valid.'],
  'InvalidBatchOptimization.ValueNotSupported': [400, 'The specified BatchOptimization is not valid.'],
  // Resources
  'InvalidImageId.NotFound': [404, 'The specified ImageId does not exist.'],
  'InvalidInstanceType.ValueNotSupported': [400, 'The specified InstanceType does not exist or is beyond the permitted range.'],
  'InvalidVSwitchId.NotFound': [404, 'Specified virtual switch does not exist.'],
  'InvalidSecurityGroupId.NotFound': [400, 'The specified SecurityGroupId does not exist.'],
  'InvalidZoneId.NotFound': [404, 'The specified zone does not exist.'],
  'InvalidRegionId.NotFound': [404, 'The specified RegionId does not exist.'],
  'InvalidInstanceId.NotFound': [404, 'The specified InstanceId does not exist.'],
  // DeleteInstances names its missing ids with the plural code.
  'InvalidInstanceIds.NotFound': [404, 'The specified InstanceIds does not exist.'],
  'OperationDenied.NoStock': [403, 'The requested resource is sold out in the specified zone; try other types of resources or other regions and zones.'],
  'QuotaExceed.ElasticQuota': [403, 'The instance quota of the account is exceeded.'],
  IncorrectInstanceStatus: [403, 'The current status of the resource does not support this operation.'],
  // DeleteInstance(s) with Force on an instance that is still being created.
  'IncorrectInstanceStatus.Initializing': [403, 'The instance is being initialized. Please try again later.'],
  AllocatedAlready: [403, 'There is an IpAddress allocated already for the specified instance.'],
  // The real service refuses an allocation without bandwidth; the exact code is undocumented.
  'OperationDenied.NoBandwidth': [403, 'The instance has no public bandwidth (InternetMaxBandwidthOut is 0).'],
} as const satisfies Record<string, readonly [number, string]>;

export type EcsErrorCode = keyof typeof CATALOG;
export const isKnownCode = (code: string): code is EcsErrorCode => Object.prototype.hasOwnProperty.call(CATALOG, code);

export class EcsError extends Error {
  override readonly name = 'EcsError';
  readonly status: number;

  constructor(
    readonly code: EcsErrorCode,
    message?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? CATALOG[code][1]);
    this.status = CATALOG[code][0];
  }
}

export const ecsError = (code: EcsErrorCode, message?: string) => new EcsError(code, message);

/** The body every error carries; the SDK parses it as JSON for any status 400-599. */
export function errorBody(err: EcsError, requestId: string, host: string) {
  return {
    RequestId: requestId,
    HostId: host,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=Ecs`,
  };
}
