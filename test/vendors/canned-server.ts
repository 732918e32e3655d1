// A loopback HTTP server that answers every request with one canned vendor
// response, so a pack's error shape can be read by the vendor's real SDK.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VendorResponse } from '../../src/vendors/pack.ts';

export interface CannedServer {
  host: string; // 127.0.0.1:PORT
  answer(response: VendorResponse): void;
  close(): Promise<void>;
}

export async function cannedServer(): Promise<CannedServer> {
  let current: VendorResponse = { status: 500, headers: {}, body: '' };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(current.status, current.headers);
      res.end(current.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    answer: (response) => {
      current = response;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
