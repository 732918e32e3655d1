// Why a proxy could not start, said in terms of the flag to change.
import type { HostPort } from './values.ts';

interface Listeners {
  listen: HostPort;
  adminListen: HostPort;
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use (another process listens there: stop it or choose another port)',
  EACCES: 'permission denied (ports below 1024 need privileges: choose a higher port)',
  EADDRNOTAVAIL: 'no such address on this machine',
};

function show(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** One line naming the flag (when known) and the cause. */
export function startupError(err: unknown, o: Listeners): string {
  const e = err as NodeJS.ErrnoException & { port?: number; flag?: string };
  if (e.code && e.syscall === 'listen' && LISTEN_ERRORS[e.code]) {
    // Both listeners may share a port number only when one is 0, so the port tells them apart.
    const flag = e.port === o.adminListen.port ? '--admin-listen' : '--listen';
    const addr = flag === '--admin-listen' ? o.adminListen : o.listen;
    return `${flag} ${show(addr)}: ${LISTEN_ERRORS[e.code]}`;
  }
  const text = e.message ?? String(err);
  return e.flag ? `${e.flag}: ${text}` : text;
}
