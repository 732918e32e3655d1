// Step: build the upstream headers with the real credential from the Secret in
// place of the agent's key. The real key never leaves the sidecar otherwise.
import type { Step } from './context.ts';
import { upstreamHeaders } from '../http/headers.ts';
import { refuse } from '../refusal/catalog.ts';

export const swapCredential: Step = (ctx, services) => {
  let secret: string;
  try {
    secret = services.secrets.read(ctx.vendor.entry.credential.secretRef);
  } catch (err) {
    services.log.error({ err, policy: ctx.vendor.policyName }, 'credential unavailable');
    return refuse('credentialUnavailable', ctx.vendor.pack.id, ctx.vendor.policyName);
  }
  const swapped = ctx.vendor.pack.applyCredential(upstreamHeaders(ctx.request.headers, ctx.host), secret, {
    path: ctx.request.path,
    op: ctx.operation ?? { id: '', billable: false, params: {} },
    presented: ctx.presented ?? { key: '' },
  });
  if (!swapped.ok) return swapped.refusal;
  ctx.outboundHeaders = swapped.headers;
  return undefined;
};
