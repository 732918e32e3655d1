// On a cluster a kill reaches the sidecar through the API server's pods/proxy:
// from the API server's address (never loopback) and with the caller's
// Authorization header dropped. The sidecar used to ask such callers for the
// admin token, so the controller's fan-out and `kubectl keybrake kill pod/…`
// got 401. A kill needs no credential; revive still does.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAdminServer } from '../../src/admin/server.ts';

const TOKEN = 'admin-token-0123456789abcdef';
const kills: string[] = [];
let admin: http.Server;
let relay: net.Server;

beforeAll(async () => {
  admin = createAdminServer({
    ready: () => ({ ready: true, problems: [] }),
    status: async () => ({}),
    kill: (reason) => (kills.push(reason), { killed: true }),
    revive: () => ({ ok: true, message: 'revived' }),
    adminToken: () => TOKEN,
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    alertmanager: async () => ({ status: 200, body: '{}' }),
  });
  // Hand the admin server real sockets that report the API server's pod-network
  // address as their peer, as a connection from outside the pod does.
  relay = net.createServer((socket) => {
    Object.defineProperty(socket, 'remoteAddress', { value: '10.96.0.1' });
    admin.emit('connection', socket);
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise((r) => relay.close(r));
  admin.close();
});

const post = (path: string, headers: Record<string, string>, body?: string) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: (relay.address() as net.AddressInfo).port, method: 'POST', path, headers }, (res) => {
      let text = '';
      res
        .setEncoding('utf8')
        .on('data', (c) => (text += c))
        .on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject).end(body);
  });

it('a kill from a non-loopback address with no Authorization (as pods/proxy delivers it) is honoured', async () => {
  const r = await post('/kill', { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.10' }, JSON.stringify({ reason: 'incident 42' }));
  expect(r.status).toBe(200);
  expect(kills).toContain('incident 42');
});

it('a wrong bearer token never blocks a kill', async () => {
  const r = await post('/kill', { authorization: 'Bearer wrong', 'content-type': 'application/json' }, JSON.stringify({ reason: 'second' }));
  expect(r.status).toBe(200);
  expect(kills).toContain('second');
});

it('revive from the same address still needs the admin token', async () => {
  expect((await post('/revive', {})).status).toBe(401);
  expect((await post('/revive', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
});
