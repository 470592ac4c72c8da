export { BridgeError, ConfigError, isBridgeError, errorMessage, userMessageOf } from './bridge-error';
export type { BridgeErrorOptions, ConfigProblem } from './bridge-error';
export { CHECK_THE_LOG, ERROR_CODES, errorCodeTable } from './codes';
export type { ErrorCode, ErrorCodeInfo } from './codes';
