// Issue 11's bounds, measured: (a) the proxy's RSS with 10,000 idle agent
// connections (TLS done, no request) held open at once, and after they go
// (the deadlines that close them are shown by test/hardening/deadlines.test.ts;
// here they are set long so none closes while the rest are still opening); (b) a slowloris flood (connections
// sending one header byte a second) while normal calls run at a fixed rate:
// their p99 with and without the flood, and how many flood connections the
// header deadline closed. Runs under `npm run bench` only, never in tests.
import fs from 'node:fs';
import tls from 'node:tls';
import {
  BENCH_SECRETS,
  benchAgentKey,
  benchSeconds,
  chargeHeaders,
  ms,
  printTable,
  runOpenLoop,
  startKeybrake,
  startUpstream,
  tenRulePolicy,
  type KeybrakeProcess,
} from './lib.ts';

// Overridable for a quick dry run of the bench itself.
const IDLE_CONNECTIONS = Number(process.env.KEYBRAKE_BENCH_IDLE ?? 10_000);
const FLOOD_CONNECTIONS = Number(process.env.KEYBRAKE_BENCH_FLOOD ?? 2_000);
const RATE = 200;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function metric(kb: KeybrakeProcess, name: string, reason?: string): Promise<number> {
  const text = await (await fetch(`${kb.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name) && (!reason || l.includes(`reason="${reason}"`)));
  return line ? Number(line.split(' ').at(-1)) : Number.NaN;
}

/** Opens `n` TLS connections to the proxy, at most `parallel` handshakes at a time. */
async function openIdle(kb: KeybrakeProcess, n: number, parallel = 200): Promise<tls.TLSSocket[]> {
  const sockets: tls.TLSSocket[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const s = tls.connect({ host: '127.0.0.1', port: kb.port, servername: 'api.stripe.com', rejectUnauthorized: false });
      s.on('error', () => {});
      // Flowing, so the proxy's close reaches us as 'end' then 'close' (a paused socket never ends).
      s.resume();
      await new Promise<void>((resolve) => {
        s.once('secureConnect', () => resolve());
        s.once('close', () => resolve());
      });
      sockets.push(s);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return sockets;
}

async function idleBench(): Promise<void> {
  const upstream = await startUpstream();
  const agent = benchAgentKey();
  const idleMs = Number(process.env.KEYBRAKE_BENCH_IDLE_MS ?? 900_000);
  const kb = await startKeybrake({
    policyYaml: tenRulePolicy(agent.sha256),
    upstream,
    secrets: BENCH_SECRETS,
    core: null,
    args: [
      '--max-connections',
      '20000',
      '--handshake-timeout-ms',
      '60000',
      '--header-timeout-ms',
      String(idleMs),
      '--body-timeout-ms',
      String(idleMs),
      '--idle-timeout-ms',
      String(idleMs),
    ],
  });
  try {
    const before = rssMiB(kb.pid);
    const t0 = performance.now();
    const sockets = await openIdle(kb, IDLE_CONNECTIONS);
    const open = sockets.filter((s) => !s.destroyed).length;
    const opened = (performance.now() - t0) / 1000;
    const during = rssMiB(kb.pid);
    const closedEarly = await metric(kb, 'keybrake_connections_closed_total', 'header');
    for (const s of sockets) s.destroy();
    // Give the proxy a moment to see the closes and its allocator to return the memory.
    await new Promise((r) => setTimeout(r, 5000));
    const after = rssMiB(kb.pid);
    console.log(`\n== ${IDLE_CONNECTIONS.toLocaleString('en-US')} idle TLS connections (opened in ${opened.toFixed(1)} s)`);
    printTable(
      ['connections open', 'RSS before', 'RSS with them open', 'per connection', 'closed while opening', 'RSS after they closed'],
      [
        [
          String(open),
          `${before.toFixed(0)} MiB`,
          `${during.toFixed(0)} MiB`,
          `${(((during - before) * 1024) / Math.max(open, 1)).toFixed(1)} KiB`,
          String(closedEarly),
          `${after.toFixed(0)} MiB`,
        ],
      ],
    );
  } finally {
    await kb.close();
    await upstream.close();
  }
}

async function slowlorisBench(): Promise<void> {
  const seconds = benchSeconds(10);
  const upstream = await startUpstream();
  const agent = benchAgentKey();
  // Default deadlines: the flood meets the limits a real sidecar runs with.
  const kb = await startKeybrake({ policyYaml: tenRulePolicy(agent.sha256), upstream, secrets: BENCH_SECRETS });
  const flood: tls.TLSSocket[] = [];
  let drip: NodeJS.Timeout | undefined;
  try {
    const load = () => runOpenLoop({ port: kb.port, headers: chargeHeaders(agent.key), rate: RATE, durationSec: seconds, warmupSec: 1 });
    const quiet = await load();
    flood.push(...(await openIdle(kb, FLOOD_CONNECTIONS)));
    for (const s of flood) s.write('POST /v1/charges HTTP/1.1\r\nHost: api.stripe.com\r\n');
    // One more header byte a second on every flood connection: a classic slowloris.
    drip = setInterval(() => {
      for (const s of flood) if (!s.destroyed) s.write('X');
    }, 1000);
    const loud = await load();
    const closed = await metric(kb, 'keybrake_connections_closed_total', 'header');
    const rss = rssMiB(kb.pid);
    console.log(
      `\n== slowloris: ${FLOOD_CONNECTIONS.toLocaleString('en-US')} connections dripping headers, normal charges at ${RATE}/s for ${seconds} s (default deadlines)`,
    );
    printTable(
      ['run', 'sent', 'non-2xx', 'errors', 'p50', 'p99', 'flood closed by header deadline', 'proxy RSS'],
      [
        ['no flood', String(quiet.sent), String(quiet.non2xx), String(quiet.errors), ms(quiet.latency.p50Ms), ms(quiet.latency.p99Ms), '-', '-'],
        [
          'under flood',
          String(loud.sent),
          String(loud.non2xx),
          String(loud.errors),
          ms(loud.latency.p50Ms),
          ms(loud.latency.p99Ms),
          String(closed),
          `${rss.toFixed(0)} MiB`,
        ],
      ],
    );
  } finally {
    clearInterval(drip);
    for (const s of flood) s.destroy();
    await kb.close();
    await upstream.close();
  }
}

export async function run(): Promise<void> {
  await idleBench();
  await slowlorisBench();
}
