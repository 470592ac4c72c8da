export { PolicyLists } from './policy-lists';
export type { ModerationPolicy, PolicyListsOptions, PolicyRoomAccess } from './policy-lists';
export { PolicyRuleSet, compileGlob, policyKindOf } from './policy-rules';
export type { PolicyRule, PolicyEntityKind, PolicyStateEvent } from './policy-rules';
