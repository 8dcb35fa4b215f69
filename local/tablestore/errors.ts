import { mainProto } from './sdk';

/**
 * A Tablestore service error: the HTTP status plus the `Error{code,message}` protobuf the cloud
 * sends. The SDK surfaces the status as a numeric `err.code` and the raw bytes in `err.message`,
 * so callers find the OTS code with /\bOTS\w+/ — the same as against the cloud.
 */
export class OtsError extends Error {
  override readonly name = 'OtsError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  encode(): Buffer {
    return Buffer.from(mainProto.Error.encode({ code: this.code, message: this.message }).finish());
  }
}

export const parameterInvalid = (message: string) => new OtsError(400, 'OTSParameterInvalid', message);
export const tableNotExist = () => new OtsError(404, 'OTSObjectNotExist', 'Requested table does not exist.');
export const tableAlreadyExist = () => new OtsError(409, 'OTSObjectAlreadyExist', 'Requested table already exists.');
export const conditionCheckFail = () => new OtsError(403, 'OTSConditionCheckFail', 'Condition check failed.');
export const authFailed = (message: string) => new OtsError(403, 'OTSAuthFailed', message);
export const unsupportedOperation = (op: string) =>
  new OtsError(400, 'OTSUnsupportOperation', `Unsupported operation: '${op}'.`);
export const internalError = () => new OtsError(500, 'OTSInternalServerError', 'An internal error occurred.');
/** Fault presets: what a busy partition and a hot row look like in the cloud. */
export const serverBusy = () => new OtsError(503, 'OTSServerBusy', 'Server is busy.');
export const rowOperationConflict = () =>
  new OtsError(409, 'OTSRowOperationConflict', 'Data is being modified by the other request.');
