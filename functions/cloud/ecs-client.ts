import OpenApiClient, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import type { Config } from '@alicloud/openapi-core/dist/utils';
import * as $dara from '@darabonba/typescript';
import { DeleteInstancesRequest } from '@alicloud/ecs20140526/dist/models/DeleteInstancesRequest';
import { DeleteInstancesResponse } from '@alicloud/ecs20140526/dist/models/DeleteInstancesResponse';
import { DescribeInstancesRequest } from '@alicloud/ecs20140526/dist/models/DescribeInstancesRequest';
import { DescribeInstancesResponse } from '@alicloud/ecs20140526/dist/models/DescribeInstancesResponse';
import { ModifyInstanceAutoReleaseTimeRequest } from '@alicloud/ecs20140526/dist/models/ModifyInstanceAutoReleaseTimeRequest';
import { ModifyInstanceAutoReleaseTimeResponse } from '@alicloud/ecs20140526/dist/models/ModifyInstanceAutoReleaseTimeResponse';
import { RunInstancesRequest, RunInstancesRequestSystemDisk, RunInstancesRequestTag } from '@alicloud/ecs20140526/dist/models/RunInstancesRequest';
import { RunInstancesResponse } from '@alicloud/ecs20140526/dist/models/RunInstancesResponse';
import { StartInstancesRequest } from '@alicloud/ecs20140526/dist/models/StartInstancesRequest';
import { StartInstancesResponse } from '@alicloud/ecs20140526/dist/models/StartInstancesResponse';

export { DeleteInstancesRequest, DescribeInstancesRequest, ModifyInstanceAutoReleaseTimeRequest, RunInstancesRequest, RunInstancesRequestSystemDisk, RunInstancesRequestTag, StartInstancesRequest };

/** A request model of the generated SDK: its static `names()` maps each field to its wire name. */
type RequestModel = $dara.Model & { validate(): void };

/**
 * The ECS operations we call, and nothing else. `@alicloud/ecs20140526`'s client class holds every ECS
 * API (~3 MB, ~1 s to load on a cold start); this is the same OpenApiClient with the package's own request
 * and response models, so the wire protocol, the ACS3 signer and the errors thrown (ThrottlingError with
 * `retryAfter`, ClientError, ServerError) are exactly the SDK's. `rpc` does what each generated
 * `<op>WithOptions` does for these operations: every non-null field goes into the query under its wire
 * name (test/cloud/ecs-client.test.ts checks the requests match the full client's byte for byte).
 */
export class EcsRpcClient extends OpenApiClient {
  constructor(config: Config) {
    super(config);
    // As the generated client: a regional endpoint rule. We always pass an explicit endpoint, which wins.
    this._endpointRule = 'regional';
    this.checkConfig(config);
  }

  runInstances(request: RunInstancesRequest): Promise<RunInstancesResponse> {
    return this.rpc('RunInstances', request, new RunInstancesResponse({}));
  }

  describeInstances(request: DescribeInstancesRequest): Promise<DescribeInstancesResponse> {
    return this.rpc('DescribeInstances', request, new DescribeInstancesResponse({}));
  }

  startInstances(request: StartInstancesRequest): Promise<StartInstancesResponse> {
    return this.rpc('StartInstances', request, new StartInstancesResponse({}));
  }

  deleteInstances(request: DeleteInstancesRequest): Promise<DeleteInstancesResponse> {
    return this.rpc('DeleteInstances', request, new DeleteInstancesResponse({}));
  }

  modifyInstanceAutoReleaseTime(request: ModifyInstanceAutoReleaseTimeRequest): Promise<ModifyInstanceAutoReleaseTimeResponse> {
    return this.rpc('ModifyInstanceAutoReleaseTime', request, new ModifyInstanceAutoReleaseTimeResponse({}));
  }

  private async rpc<T extends $dara.Model>(action: string, request: RequestModel, response: T): Promise<T> {
    request.validate();
    const names = (request.constructor as unknown as { names(): Record<string, string> }).names();
    // The generated code lists plain fields first and single nested structs (SystemDisk, ...) last; the
    // signer sorts anyway, but keeping its order keeps the request identical to the SDK's.
    const fields = Object.entries(names).map(([field, wire]) => ({ wire, value: (request as unknown as Record<string, unknown>)[field] }));
    const query: Record<string, unknown> = {};
    for (const { wire, value } of [...fields.filter((f) => !(f.value instanceof $dara.Model)), ...fields.filter((f) => f.value instanceof $dara.Model)]) {
      if (!$dara.isNull(value)) query[wire] = value;
    }
    const req = new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query(query) });
    const params = new $OpenApiUtil.Params({
      action,
      version: '2014-05-26',
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    return $dara.cast(await this.callApi(params, req, new $dara.RuntimeOptions({})), response);
  }
}
