export { loadConfig, parseConfig, parseByteSize } from './load';
export { validateSection, checkSection, describeExpected } from './schema';
export type { SectionSchema } from './schema';
export { parseYamlText, readTextFile } from './yaml-file';
export type { BridgeConfig } from './types';
