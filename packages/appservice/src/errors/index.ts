export { BridgeError, ConfigError, isBridgeError, isRetriable, errorMessage, userMessageOf } from './bridge-error';
export type { BridgeErrorOptions, ConfigProblem } from './bridge-error';
export { CHECK_THE_LOG, ERROR_CODES } from './codes';
export type { ErrorCode, ErrorCodeInfo } from './codes';
export { defineErrorCodes, errorCodeInfo, errorCodeTable, registeredErrorCodes } from './registry';
