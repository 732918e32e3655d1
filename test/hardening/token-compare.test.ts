// Issue 11, defect 11: the admin token comparison returned early when the
// lengths differed, so response timing told a caller the token's length. Every
// secret comparison now goes through bearerMatches/secretEquals: both sides are
// hashed and timingSafeEqual always runs on two 32-byte digests, whatever was
// sent. The admin server runs in-process on a real socket so the test can see
// every comparison crypto makes.
import type http from 'node:http';
import type net from 'node:net';
import type * as Crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const compared: Array<[number, number]> = [];
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof Crypto>();
  const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    compared.push([a.byteLength, b.byteLength]);
    return real.timingSafeEqual(a, b);
  };
  return { ...real, default: { ...real, timingSafeEqual }, timingSafeEqual };
});

// Test files share a worker's module cache: evaluate the admin modules afresh so
// they bind the mocked crypto above.
vi.resetModules();
const { createAdminServer, listen } = await import('../../src/admin/server.ts');
const { handleAlertmanager } = await import('../../src/admin/alertmanager.ts');

const TOKEN = 'admin-token-0123456789abcdef';
let server: http.Server;
let url: string;
let revived = 0;

beforeAll(async () => {
  server = createAdminServer({
    ready: () => ({ ready: true, problems: [] }),
    status: async () => ({}),
    kill: () => ({ killed: true }),
    revive: () => (revived++, { ok: true, message: 'revived' }),
    adminToken: () => TOKEN,
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    alertmanager: async (authorization, body) => handleAlertmanager({ authorization, body, expectedToken: TOKEN, self: { policies: ['p'] } }),
  });
  const address: net.AddressInfo = await listen(server, '127.0.0.1', 0);
  url = `http://127.0.0.1:${address.port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const GIVEN = ['x', TOKEN.slice(0, -1), `${TOKEN}x`, 'y'.repeat(TOKEN.length), 'z'.repeat(500)];

describe('one constant-time comparison for every token', () => {
  for (const [path, label] of [
    ['/revive', 'admin /revive'],
    ['/alertmanager', 'Alertmanager receiver'],
  ] as const) {
    it(`${label}: a wrong token of any length is compared as two 32-byte digests and refused`, async () => {
      for (const given of GIVEN) {
        compared.length = 0;
        const r = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${given}` },
          body: '{"version":"4","status":"firing","alerts":[]}',
        });
        expect(r.status).toBe(401);
        expect(compared).toEqual([[32, 32]]);
      }
    });
  }

  it('the right token passes through the same comparison', async () => {
    compared.length = 0;
    const r = await fetch(`${url}/revive`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
    expect(revived).toBe(1);
    expect(compared).toEqual([[32, 32]]);
  });
});
