// The data-plane table: every figure of every row, then each as a ratio to
// nginx and to the forwarder (node request), all from the same run.
import os from 'node:os';
import type { LoadResult, OpenLoopResult } from './lib.ts';
import { ms, printTable, rate, us } from './report.ts';

export interface Row {
  name: string;
  note: string;
  max: LoadResult;
  paced: OpenLoopResult;
  rssMiB: number;
}

const FORWARDER = 'node request';

const x = (a: number, b: number | undefined): string => (b !== undefined && b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : 'n/a');

export function reportDataPlane(rows: Row[], o: { rate: number; seconds: number }): void {
  const [load1 = 0] = os.loadavg();
  console.log(`\nload average at the end of the run: ${load1.toFixed(2)} (2 cores; above ~1 the figures are depressed and noisy: compare ratios)`);
  printTable(
    ['target', 'req/s', 'CPU/req', 'p50', 'p99', `p99 @${o.rate}/s`, 'RSS', 'non-2xx', 'errors'],
    rows.map((r) => [
      r.name,
      rate(r.max.rps),
      us(r.max.cpuUsPerRequest),
      ms(r.max.p50Ms),
      ms(r.max.p99Ms),
      ms(r.paced.latency.p99Ms),
      Number.isFinite(r.rssMiB) ? `${r.rssMiB.toFixed(0)} MiB` : 'n/a',
      String(r.max.non2xx + r.paced.non2xx),
      String(r.max.socketErrors + r.paced.errors),
    ]),
  );
  const nginx = rows.find((r) => r.name === 'nginx');
  const fwd = rows.find((r) => r.name === FORWARDER);
  console.log(`\nratios (req/s and paced p99: row ÷ reference; CPU/req: reference ÷ row, so above 1× is better for all three)`);
  printTable(
    ['target', 'req/s ÷ nginx', 'req/s ÷ fwd', 'CPU ÷ nginx', 'CPU ÷ fwd', 'paced p99 − fwd', 'note'],
    rows.map((r) => [
      r.name,
      x(r.max.rps, nginx?.max.rps),
      x(r.max.rps, fwd?.max.rps),
      x(nginx?.max.cpuUsPerRequest ?? NaN, r.max.cpuUsPerRequest),
      x(fwd?.max.cpuUsPerRequest ?? NaN, r.max.cpuUsPerRequest),
      fwd ? ms(r.paced.latency.p99Ms - fwd.paced.latency.p99Ms) : 'n/a',
      r.note,
    ]),
  );
  console.log(`(req/s: wrk closed loop; p99 @${o.rate}/s: open loop, ${o.seconds} s; RSS after the wrk run, workers included; fwd = ${FORWARDER})`);
  if (rows.some((r) => r.max.non2xx + r.paced.non2xx > 0)) console.log('WARNING: some responses were not 2xx: those figures are not of forwarded calls.');
}
