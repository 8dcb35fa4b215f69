import type { OpContext } from './context';
import { parameterInvalid } from './errors';
import { mainProto } from './sdk';

/**
 * One Tablestore API operation. `decode` parses the protobuf request (a malformed one is 400
 * OTSParameterInvalid) and names the tables it touches, so a fault can be scoped to a table before
 * anything runs; `run` acts and returns the encoded `<Op>Response`.
 */
export interface Operation {
  decode(body: Buffer): DecodedRequest;
}
export interface DecodedRequest {
  tables: string[];
  run(ctx: OpContext): Uint8Array;
}

export function decodeMessage<T>(type: string, body: Buffer): T {
  try {
    return mainProto[type].decode(body) as T;
  } catch (e) {
    throw parameterInvalid(`Invalid ${type}: ${(e as Error).message}.`);
  }
}

export function encodeMessage(type: string, message: object): Uint8Array {
  const proto = mainProto[type];
  return proto.encode(proto.create(message)).finish();
}
