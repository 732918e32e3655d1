// A TCP relay between the proxy and a backing server (Redis) that a test can
// hold: while held, bytes from the client are kept back (and the test is told
// the moment some arrive), so a call can be parked inside a ledger operation
// and released on cue. Events, not sleeps.
import net from 'node:net';

export interface TcpRelay {
  port: number;
  /** Keep client→server bytes back from now on; resolves when the first held bytes arrive. */
  hold(): Promise<void>;
  /** Send what was held and stop holding. */
  release(): void;
  close(): Promise<void>;
}

export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  let holding = false;
  let held: Array<() => void> = [];
  let onHeld: (() => void) | undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.once('close', () => sockets.delete(s));
    }
    client.on('data', (chunk: Buffer) => {
      if (!holding) return void upstream.write(chunk);
      held.push(() => upstream.write(chunk));
      onHeld?.();
      onHeld = undefined;
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    hold: () => {
      holding = true;
      return new Promise<void>((resolve) => (onHeld = resolve));
    },
    release: () => {
      holding = false;
      const list = held;
      held = [];
      for (const send of list) send();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
