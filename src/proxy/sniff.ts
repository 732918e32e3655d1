// Reads the first bytes of a connection to tell the three modes apart without
// consuming them: a TLS ClientHello (transparent mode, host from SNI), an HTTP
// CONNECT (explicit proxy mode), or anything else (plain HTTP: refused).
import type net from 'node:net';
import { parseClientHello } from './sni.ts';

export type Sniffed =
  | { kind: 'tls'; serverName?: string; buffered: Buffer }
  | { kind: 'connect'; host: string; port: number; rest: Buffer }
  | { kind: 'plain'; buffered: Buffer }
  | { kind: 'closed' };

const MAX_CONNECT_HEAD = 8 * 1024;
const CONNECT = Buffer.from('CONNECT ');

/** `timeoutMs` 0: no timer of its own (the data plane's handshake deadline covers the sniff). */
export function sniff(socket: net.Socket, timeoutMs = 10_000): Promise<Sniffed> {
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = (result: Sniffed) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      socket.removeListener('error', onClose);
      socket.pause();
      resolve(result);
    };
    const onClose = () => done({ kind: 'closed' });
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            done({ kind: 'closed' });
            socket.destroy();
          }, timeoutMs)
        : undefined;
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (buf[0] === 0x16) {
        const hello = parseClientHello(buf);
        if (hello.kind === 'need-more') return;
        if (hello.kind === 'hello') return done({ kind: 'tls', serverName: hello.serverName, buffered: buf });
        return done({ kind: 'plain', buffered: buf });
      }
      const prefix = buf.subarray(0, CONNECT.length);
      if (CONNECT.subarray(0, prefix.length).equals(prefix)) {
        if (buf.length < CONNECT.length) return;
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > MAX_CONNECT_HEAD) done({ kind: 'plain', buffered: buf });
          return;
        }
        const target = parseConnectLine(buf.subarray(0, end).toString('latin1'));
        if (!target) return done({ kind: 'plain', buffered: buf });
        return done({ kind: 'connect', ...target, rest: buf.subarray(end + 4) });
      }
      done({ kind: 'plain', buffered: buf });
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
  });
}

/** `CONNECT host:port HTTP/1.1` → host (lowercase, brackets removed for IPv6) and port. */
export function parseConnectLine(head: string): { host: string; port: number } | undefined {
  const line = head.split('\r\n', 1)[0] ?? '';
  const [, authority] = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(line) ?? [];
  if (authority === undefined) return undefined;
  const [, host, portText] = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(authority) ?? [];
  if (host === undefined || portText === undefined) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  return { host: host.replace(/^\[|\]$/g, '').toLowerCase(), port };
}
