// A real PostgreSQL 15 (Debian's binaries) on a free loopback port, in a temp
// dir, for tests. Tests run as root and initdb refuses root, so the cluster is
// owned by the `postgres` system user and the server binaries run as it.
// stop()/start() keep the port and the data: that is how outage tests work.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const SERVICE_USER = 'postgres';

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/DB` — trust auth, no password. */
  readonly url: string;
  readonly port: number;
  /** Fast shutdown; the data and the port stay. */
  stop(): Promise<void>;
  /** Starts again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops the server (if running) and removes the temp dir. */
  cleanup(): Promise<void>;
}

/** Runs a PostgreSQL binary as the service user when we are root, else as ourselves. */
async function asServiceUser(binary: string, args: string[]): Promise<void> {
  const file = path.join(BIN, binary);
  if (process.getuid?.() !== 0) {
    await run(file, args);
    return;
  }
  try {
    await run('runuser', ['-u', SERVICE_USER, '--', file, ...args]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // No runuser (minimal images): su with an explicit shell, arguments quoted.
    const quoted = [file, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
    await run('su', [SERVICE_USER, '-s', '/bin/sh', '-c', quoted]);
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function giveToServiceUser(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const { stdout } = await run('id', ['-u', SERVICE_USER]);
  const { stdout: gid } = await run('id', ['-g', SERVICE_USER]);
  await fs.chown(dir, Number(stdout.trim()), Number(gid.trim()));
}

export async function startPostgres(database = 'keybrake_test'): Promise<TestPostgres> {
  await fs.access(path.join(BIN, 'initdb')).catch(() => {
    throw new Error(`PostgreSQL 15 binaries not found in ${BIN} (apt-get install postgresql-15)`);
  });
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'keybrake-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'sock');
  const logFile = path.join(root, 'server.log');
  await Promise.all([fs.mkdir(dataDir, { mode: 0o700 }), fs.mkdir(socketDir)]);
  for (const dir of [root, dataDir, socketDir]) await giveToServiceUser(dir);

  // --no-sync and fsync=off: a test cluster need not survive a power cut; stop()/start() still keep the data.
  await asServiceUser('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const serverOptions = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off`;

  let running = false;
  const start = async (): Promise<void> => {
    // -t is a hang guard: on a loaded machine crash recovery can take a while.
    await asServiceUser('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', serverOptions, '-w', '-t', '120', 'start']).catch(async (err: Error) => {
      const log = await fs.readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`${err.message}\nserver log (last lines):\n${log.split('\n').slice(-15).join('\n')}`, { cause: err });
    });
    running = true;
  };
  const stop = async (): Promise<void> => {
    await asServiceUser('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    running = false;
  };

  try {
    await start();
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
  } catch (err) {
    const log = await fs.readFile(logFile, 'utf8').catch(() => '');
    if (running) await stop().catch(() => {});
    await fs.rm(root, { recursive: true, force: true });
    throw new Error(`could not start test PostgreSQL: ${(err as Error).message}\n${log}`, { cause: err });
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    port,
    stop,
    start,
    async cleanup() {
      if (running) await stop().catch(() => {});
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}
