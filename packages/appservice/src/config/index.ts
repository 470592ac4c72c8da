export { loadConfig, parseConfig, parseByteSize } from './load';
export { validateSection, checkSection, describeExpected } from './schema';
export type { SectionSchema } from './schema';
export { parseYamlText, readTextFile } from './yaml-file';
export type { BridgeConfig } from './types';
export { defineConfigSection } from './section';
export type { ConfigSection, ConfigSectionSpec, RefineContext, SectionValue } from './section';
export { secretString, oneOf, mapOf } from './schema-helpers';
export type { CamelCase, CamelCased } from './camel-case';
