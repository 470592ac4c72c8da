export { BridgeError, ConfigError, isBridgeError, errorMessage } from './bridge-error';
export type { BridgeErrorOptions, ConfigProblem } from './bridge-error';
export { ERROR_CODES, errorCodeTable } from './codes';
export type { ErrorCode, ErrorCodeInfo } from './codes';
