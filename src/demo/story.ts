// Printing for the demo: one line per step, and the audit as a small table.

export function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

export async function step(title: string, run: () => Promise<string>): Promise<void> {
  say(title);
  try {
    say(`   → ${await run()}`);
  } catch (err) {
    const e = err as { code?: string; message?: string; type?: string };
    say(`   → refused${e.code ? ` [${e.code}]` : ''}: ${e.message}`);
  }
}

export function printAudit(lines: Array<Record<string, unknown>>): void {
  say('\nAudit (one JSON line per call on stdout; here the fields that matter):');
  say(`  ${'decision'.padEnd(10)} ${'operation'.padEnd(16)} ${'amount'.padStart(8)}  ${'rule / reason'}`);
  for (const l of lines) {
    const amount = typeof l.amount === 'number' ? `$${(l.amount / 100).toFixed(2)}` : '';
    const why = [l.rule, l.reason].filter(Boolean).join(' — ');
    say(`  ${String(l.decision).padEnd(10)} ${String(l.operation ?? '').padEnd(16)} ${amount.padStart(8)}  ${why.slice(0, 110)}`);
  }
}
