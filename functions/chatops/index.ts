/** Chat-ops as the HTTP function sees it: configuration, and one call per webhook. */
export * from './types';
export { parseCommand, type Command, type CommandError } from './command';
export { authorize, parseAcl, scopeFor, type Acl, type Scope } from './acl';
export { loadChatOpsConfig, type ChatOpsConfig } from './config';
export { handleWebhook, PushAgain, type ChatDeps, type WebhookAnswer } from './commands';
export { receive } from './receive';
export { isLoopbackUrl } from './webhook';
