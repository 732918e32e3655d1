// A refusal answered before the client finished sending its body (413, a bad
// header) closes the connection. Node closes it with destroySoon(): a FIN after
// the answer, then destroy, and the rest of the body the client is still writing
// meets a reset — a client that writes its whole body before it reads (Python
// requests, many SDKs) gets EPIPE instead of the refusal, and may retry. So the
// close lingers (RFC 9112 §9.6): FIN after the answer, then read and drop what
// still arrives until the client closes its side, or for a bounded time and
// number of bytes, whichever comes first.
import type net from 'node:net';

export interface LingerLimits {
  ms: number;
  maxBytes: number;
}

export const LINGER: LingerLimits = { ms: 5_000, maxBytes: 16 * 1024 * 1024 };

/** Makes the server's close of `socket` (destroySoon, after the answer) a lingering one. */
export function lingerOnClose(socket: net.Socket, limits: LingerLimits = LINGER): void {
  socket.destroySoon = () => {
    let dropped = 0;
    const close = () => {
      clearTimeout(timer);
      socket.off('data', count);
      socket.destroy();
    };
    const count = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > limits.maxBytes) close();
    };
    const timer = setTimeout(close, limits.ms).unref();
    socket.on('data', count);
    socket.once('end', close);
    socket.once('close', () => clearTimeout(timer));
    socket.resume();
    socket.end();
  };
}
