// "The world" for the only-egress test, run inside the world network namespace
// (`node world.ts CONFIG_JSON`): the fake vendors behind HTTPS, plain TCP and
// UDP listeners, and two DNS servers (the cluster resolver and another one).
// Everything that arrives is printed as one JSON line, so the test sees what
// left the pod and what did not.
import dgram from 'node:dgram';
import https from 'node:https';
import net from 'node:net';
import { generateCa, loadCa } from '../../src/pki/ca.ts';
import { LeafMinter } from '../../src/pki/certs.ts';
import { stripeHandler } from '../../src/demo/fake-stripe.ts';
import type { Handler } from '../../src/demo/fake-vendor.ts';
import { twilioHandler } from '../e2e/fakes/twilio.ts';
import { resendHandler } from '../e2e/fakes/resend.ts';

export interface WorldConfig {
  /** The vendors' upstream (HTTPS) and the port 443 an unredirected SDK would reach. */
  vendorIp: string;
  vendorPort: number;
  /** Plain TCP listeners: [address, port]. */
  tcp: Array<[string, number]>;
  /** UDP listeners that only record. */
  udp: Array<[string, number]>;
  /** DNS servers answering every A query with `answer`. */
  dns: string[];
  answer: string;
}

const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

function route(path: string): Handler {
  if (path.startsWith('/v1/')) return stripeHandler;
  if (path.startsWith('/2010-04-01/')) return twilioHandler;
  return resendHandler;
}

/** A minimal DNS answer: the question echoed, one A record. */
export function dnsAnswer(query: Buffer, ipv4: string): Buffer {
  let end = 12;
  while (end < query.length && query[end] !== 0) end += query[end]! + 1;
  const question = query.subarray(12, end + 5);
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180, 2); // response, recursion desired + available, no error
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 6);
  header.writeUInt32BE(0, 8);
  const answer = Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]), Buffer.from(ipv4.split('.').map(Number))]);
  return Buffer.concat([header, question, answer]);
}

async function main(cfg: WorldConfig): Promise<void> {
  const ca = generateCa({ commonName: 'world vendor CA' });
  const minter = new LeafMinter(loadCa(ca.certPem, ca.keyPem));
  const listening: Array<Promise<void>> = [];
  const listen = (server: net.Server, host: string, port: number) =>
    listening.push(new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve)));

  const vendors = https.createServer({ SNICallback: minter.sniCallback }, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    emit({
      event: 'https',
      from: req.socket.remoteAddress,
      host: req.headers.host,
      method: received.method,
      path: received.path,
      authorization: req.headers.authorization,
    });
    const out = route(received.path)(received);
    res.writeHead(out.status ?? 200, { 'content-type': 'application/json', ...out.headers }).end(JSON.stringify(out.body));
  });
  listen(vendors, cfg.vendorIp, cfg.vendorPort);

  for (const [host, port] of cfg.tcp) {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      // Record the first bytes (or the bare connection), then answer so the client sees it got through.
      let logged = false;
      const log = (data: string) => {
        if (logged) return;
        logged = true;
        emit({ event: 'tcp', local: `${host}:${port}`, from: socket.remoteAddress, data });
      };
      socket.once('data', (d) => (log(d.toString('utf8')), socket.end('world says hello\n')));
      socket.once('end', () => log(''));
    });
    listen(server, host, port);
  }

  const udp = (host: string, port: number, onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo, s: dgram.Socket) => void) => {
    const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    s.on('message', (msg, rinfo) => onMessage(msg, rinfo, s));
    listening.push(new Promise((resolve, reject) => s.once('error', reject).bind(port, host, resolve)));
  };
  for (const [host, port] of cfg.udp)
    udp(host, port, (msg, r) => emit({ event: 'udp', local: `${host}:${port}`, from: r.address, data: msg.toString('utf8') }));
  for (const host of cfg.dns) {
    udp(host, 53, (msg, r, s) => {
      emit({ event: 'dns', local: host, from: r.address });
      s.send(dnsAnswer(msg, cfg.answer), r.port, r.address);
    });
  }

  await Promise.all(listening);
  emit({ event: 'ready', caPem: ca.certPem });
}

main(JSON.parse(process.argv[2]!)).catch((err: Error) => {
  emit({ event: 'error', message: err.message });
  process.exit(1);
});
