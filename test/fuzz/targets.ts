// The fuzz targets: every parser an agent's bytes reach on the request path,
// each with its oracle. Shared by the seeded pass in `npm test`
// (test/fuzz/fuzz.test.ts) and the long run (`npm run fuzz`).
//
// Oracles: no exception escapes a parser; a request the proxy judges is the
// request it would forward (a form accepted here decodes to the same tree in
// a reference decoder, and re-encoding it the way stripe-node does reads back
// the same); rules and CEL finish within their budget.
import http from 'node:http';
import { Duplex } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import qs from 'qs';
import type { FuzzTarget } from './engine.ts';
import { parseClientHello } from '../../src/proxy/sni.ts';
import { readRequest } from '../../src/proxy/request.ts';
import { upstreamHeaders } from '../../src/http/headers.ts';
import { BodyBudget } from '../../src/limits/body-budget.ts';
import { parseForm } from '../../src/vendors/form.ts';
import { decodeJsonBody } from '../../src/vendors/email/json-body.ts';
import { listPacks } from '../../src/vendors/registry.ts';
import { compileRule } from '../../src/policy/rules.ts';
import { celBudgetExceeded } from '../../src/policy/cel.ts';
import { encodeStripeForm, fromQs } from './stripe-form.ts';
import { graphqlRequest } from './graphql.ts';

const HTTP_TOKENS = [
  '\r\n',
  '\r\n\r\n',
  'Content-Length: ',
  'Transfer-Encoding: chunked',
  '0\r\n\r\n',
  'Host: api.stripe.com',
  'POST ',
  'GET ',
  ' HTTP/1.1',
  ':',
  ' ',
  '\n',
  'Content-Encoding: gzip',
  'X-HTTP-Method-Override: DELETE',
  'Connection: close',
  'Expect: 100-continue',
  'ffffffff',
  ';ext=1',
  '\t',
  '\0',
];
const FORM_TOKENS = [
  '[',
  ']',
  '[]',
  '[0]',
  '[1]',
  '%5B',
  '%5D',
  '=',
  '&',
  '+',
  '%20',
  '%',
  '%zz',
  '%C3%A9',
  '%EF%BB%BF',
  '__proto__',
  'constructor',
  'amount',
  'metadata',
  '.',
  '999',
  '\uFEFF',
];
const JSON_TOKENS = ['{', '}', '[', ']', '"', ':', ',', 'null', 'true', '1e999', '-0', '"to"', '"from"', '"To"', '\\u0000', '\\ud800', '"__proto__"', '\uFEFF'];

/** Every error the oracle raises names what broke. */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`oracle: ${what}`);
}

export const clientHello: FuzzTarget = {
  name: 'clienthello',
  cover: ['src/proxy/sni.ts'],
  dictionary: ['\x16\x03\x01', '\x16\x03\x03', '\x00\x00', '\x00\x10', '\x01\x00', 'api.stripe.com', '\xff\xff', '\x00'],
  run(input) {
    const v = parseClientHello(input);
    check(['need-more', 'not-tls', 'hello'].includes(v.kind), `unknown verdict ${v.kind}`);
    if (v.kind === 'hello' && v.serverName !== undefined)
      check(typeof v.serverName === 'string' && !/[\0\r\n]/.test(v.serverName), 'server name with control bytes');
  },
};

/** Node's HTTP parser in front of readRequest, as in the data plane (one server, a socket that is a plain stream). */
const framingServer = http.createServer({ maxHeaderSize: 32 * 1024 });
framingServer.on('clientError', (_err, socket) => socket.destroy());

export const httpFraming: FuzzTarget = {
  name: 'http',
  cover: ['src/proxy/request.ts', 'src/http/headers.ts'],
  dictionary: HTTP_TOKENS,
  async run(input) {
    const budget = new BodyBudget(1 << 20);
    const results: Array<Promise<void>> = [];
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const lease = budget.lease();
      results.push(
        readRequest(req, 'api.stripe.com', { maxBody: 4096, lease }).then((read) => {
          lease.release();
          res.destroy();
          if (!read.ok) return;
          const r = read.request;
          const declared = r.headers['content-length'];
          if (declared !== undefined && !r.headers['transfer-encoding']) check(r.body.length === Number(declared), 'body length differs from Content-Length');
          check(!/[\s]/.test(r.path) && !r.query.includes(' '), 'path or query with whitespace');
          check(!['x-http-method-override', 'x-http-method', 'x-method-override'].some((h) => h in r.headers), 'method override accepted');
          const up = upstreamHeaders(r.headers, 'api.stripe.com');
          for (const h of ['transfer-encoding', 'content-length', 'connection', 'te', 'upgrade', 'expect']) check(!(h in up), `${h} would be forwarded`);
          check(up.host === 'api.stripe.com', 'upstream Host is not the vendor host');
        }),
      );
    };
    framingServer.on('request', onRequest);
    const socket = new Duplex({ read() {}, write: (_c, _e, cb) => cb() });
    const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    try {
      framingServer.emit('connection', socket);
      socket.push(input);
      socket.push(null);
      await Promise.race([gone, new Promise((r) => setTimeout(r, 50))]);
      socket.destroy();
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('oracle: readRequest did not settle')), 2000)));
      await Promise.race([Promise.all(results), hang]).finally(() => clearTimeout(timer));
      check(budget.used === 0, `body budget leaked ${budget.used} bytes`);
    } finally {
      framingServer.removeListener('request', onRequest);
    }
  },
};

const QS_OPTIONS = { depth: 8, arrayLimit: 1000, parameterLimit: 2000, allowPrototypes: true, plainObjects: true, duplicates: 'combine' } as const;

export const form: FuzzTarget = {
  name: 'form',
  cover: ['src/vendors/form.ts', 'src/vendors/body-text.ts'],
  dictionary: FORM_TOKENS,
  run(input) {
    const text = input.toString('utf8');
    const parsed = parseForm(text);
    if (!parsed.ok) return;
    // What the proxy judged is what a reference decoder reads from the same bytes…
    // (qs drops every `__proto__` key whatever its options; Stripe's server keeps it as a plain key, as keybrake does.)
    const reference = fromQs(qs.parse(text, QS_OPTIONS));
    check(
      isDeepStrictEqual(withoutProtoKeys(parsed.value), reference),
      `qs reads ${JSON.stringify(reference)} where keybrake judged ${JSON.stringify(parsed.value)}`,
    );
    // …and what stripe-node would send for that tree reads back the same (empty lists aside: Stripe drops them).
    const again = parseForm(encodeStripeForm(parsed.value));
    check(again.ok && isDeepStrictEqual(again.value, withoutEmptyLists(parsed.value)), 're-encoding the judged tree reads back differently');
  },
};

function withoutProtoKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutProtoKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== '__proto__') out[k] = withoutProtoKeys(v);
    return out;
  }
  return value;
}

function withoutEmptyLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyLists);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) {
      if (Array.isArray(v) && v.length === 0) continue;
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
      const inner = withoutEmptyLists(v);
      if (inner !== null && typeof inner === 'object' && !Array.isArray(inner) && Object.keys(inner).length === 0) continue;
      out[k] = inner;
    }
    return { ...out };
  }
  return value;
}

export const json: FuzzTarget = {
  name: 'json',
  cover: ['src/vendors/email/json-body.ts', 'src/vendors/body-text.ts'],
  dictionary: JSON_TOKENS,
  run(input) {
    const r = decodeJsonBody({ method: 'POST', path: '/emails', query: '', headers: { 'content-type': 'application/json' }, body: input });
    if (r.ok) check(input.length === 0 || (input[0] !== 0xef && r.value !== undefined), 'a BOM-prefixed or empty JSON body was accepted as a value');
  },
};

/** Rules the packs target runs on every parsed body: a regex that backtracks in JS engines and a nested comprehension. */
const HOSTILE_RULES = [
  compileRule({ name: 'regex', allow: ['*'], where: { to: { matches: '^(a+)+$' }, Body: { matches: '^(a|aa)+$' } } } as never),
  compileRule({ name: 'cel', allow: ['*'], cel: 'request.body.all(k, request.body.all(j, k == j || k != j))' } as never),
];

const PACK_OPS = listPacks().flatMap((pack) => pack.operations.map((def) => ({ pack, def })));

export const packs: FuzzTarget = {
  name: 'packs',
  cover: ['src/vendors'],
  dictionary: [...FORM_TOKENS, ...JSON_TOKENS],
  run(input) {
    if (input.length === 0) return;
    const { pack, def } = PACK_OPS[input[0]! % PACK_OPS.length]!;
    const path = def.path.replace(/\{[^}]+\}/g, (m) => (m.toLowerCase().includes('sid') ? 'AC00000000000000000000000000000000' : 'x_1'));
    const op = pack.identify(def.method, path);
    const body = input.subarray(1);
    const isJson = body[0] === 0x7b || body[0] === 0x5b;
    const bodiless = def.method === 'GET' || def.method === 'DELETE';
    const req = {
      method: def.method,
      path,
      query: bodiless ? body.toString('latin1') : '',
      headers: { 'content-type': isJson ? 'application/json' : 'application/x-www-form-urlencoded' },
      body: bodiless ? Buffer.alloc(0) : body,
    };
    const parsed = pack.parse(req, op);
    if (!parsed.ok) return;
    pack.estimateCost(op, parsed.body, {}, req);
    const input2 = { operation: op.id, method: def.method, path, body: parsed.body, headers: {} };
    for (const rule of HOSTILE_RULES) rule.check(input2);
    // The nested comprehension either finished within the budget or stopped at it; either way it returned.
    void celBudgetExceeded(input2);
  },
};

export const TARGETS: FuzzTarget[] = [clientHello, httpFraming, form, json, packs, graphqlRequest];
