// The injector's public surface, for the controller and for packaging.
export * from './config.ts';
export { mutate, injectionPatch, type AdmissionRequest, type AdmissionResponse, type Decision } from './mutate.ts';
export { createMutateHandler, startWebhookServer, readTlsDir, type WebhookServer } from './handler.ts';
export { buildMutatingWebhookConfiguration, INJECT_MATCH_CONDITION, WEBHOOK_NAME, WEBHOOK_PORT } from './webhook-config.ts';
export { buildAgentNetworkPolicy } from './network-policy.ts';
