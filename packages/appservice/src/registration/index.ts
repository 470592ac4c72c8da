export { generateRegistration } from './generate';
export type { GenerateRegistrationOptions } from './generate';
export { loadRegistration, parseRegistration, registrationToYaml, saveRegistration } from './file';
export { validateRegistration } from './validate';
export type { RegistrationWire } from './validate';
export { NamespaceMatcher } from './namespaces';
export { compilePythonRegex, escapeRegex } from './python-regex';
export type { Registration, NamespaceEntry } from './types';
