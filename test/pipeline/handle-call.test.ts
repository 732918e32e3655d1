// The whole pipeline in-process, one call at a time, over a real loopback HTTP
// response: what the agent is answered and what the audit row says. The kill
// check runs before the body is parsed: a killed proxy answers even an
// ambiguous body as killed, and audits it `killed` with its operation.
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../src/pipeline/context.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import type { Refusal } from '../../src/refusal/catalog.ts';
import { handleCall, type PipelineServices } from '../../src/pipeline/pipeline.ts';
import { arrivingCall, compileStripe, testServices } from './fixtures/call.ts';

interface Outcome {
  status: number;
  body: { error?: { code?: string } };
  audit: AuditRecord;
  forwarded: number;
}

let server: http.Server;
let port = 0;
/** The next call the server runs, with its services and an early refusal from reading the request. */
let next: { ctx: CallContext; services: PipelineServices; early?: Refusal } | undefined;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    const call = next!;
    next = undefined;
    void handleCall(call.ctx, call.services, res, call.early);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function run(c: { killed: boolean; form: string; early?: Refusal }): Promise<Outcome> {
  const stripe = compileStripe({});
  const audit: AuditRecord[] = [];
  let forwarded = 0;
  const killState = () => (c.killed ? { killed: true, reason: 'runaway loop', since: '2025-06-01T12:00:00.000Z' } : { killed: false });
  const services: PipelineServices = {
    ...testServices(),
    killState,
    upstreams: {
      forward: async (_host, _req, sink) => {
        forwarded++;
        sink.head(200, { 'content-type': 'application/json' });
        sink.data(Buffer.from('{"id":"ch_1","object":"charge"}'), () => undefined);
        sink.end();
      },
    },
    kill: { state: killState, epoch: 0, trackAbort: () => () => undefined },
    audit: { name: 'memory', write: (r) => void audit.push(r), flush: async () => undefined, close: async () => undefined },
    where: {},
  };
  next = { ctx: arrivingCall(stripe, { form: c.form }), services, early: c.early };
  const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' });
  const body = (await res.json()) as Outcome['body'];
  return { status: res.status, body, audit: audit[0]!, forwarded };
}

const AMBIGUOUS = 'amount=100&amount=200&currency=usd'; // two values for a cost field
const PLAIN = 'amount=100&currency=usd';
const TOO_LARGE: Refusal = { status: 413, code: 'keybrake_body_too_large', message: 'over the limit' };

describe('handleCall', () => {
  it.each([
    { name: 'killed, ambiguous body', killed: true, form: AMBIGUOUS, status: 403, code: 'keybrake_killed', decision: 'killed', operation: 'charges.create' },
    // Refused unparsed, the killed call still records the amount its body stated.
    {
      name: 'killed, plain body',
      killed: true,
      form: PLAIN,
      status: 403,
      code: 'keybrake_killed',
      decision: 'killed',
      operation: 'charges.create',
      amount: 100,
    },
    { name: 'killed, body over the limit', killed: true, form: '', early: TOO_LARGE, status: 403, code: 'keybrake_killed', decision: 'killed' },
    { name: 'alive, ambiguous body', killed: false, form: AMBIGUOUS, status: 400, code: 'keybrake_unparseable_body', decision: 'denied' },
    { name: 'alive, body over the limit', killed: false, form: '', early: TOO_LARGE, status: 413, code: 'keybrake_body_too_large', decision: 'denied' },
    { name: 'alive, plain body', killed: false, form: PLAIN, status: 200, decision: 'allowed', operation: 'charges.create', forwarded: 1, amount: 100 },
  ])('$name → $decision', async (c) => {
    const out = await run(c);
    expect(out.status).toBe(c.status);
    expect(out.body.error?.code).toBe(c.code);
    expect(out.audit.decision).toBe(c.decision);
    if (c.operation) expect(out.audit.operation).toBe(c.operation);
    expect(out.forwarded).toBe(c.forwarded ?? 0);
    expect(out.audit.amount).toBe(c.amount);
  });
});
