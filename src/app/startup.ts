// Startup steps tagged with the flag that configures them, so a failure reads
// "--state-dir: cannot open the SQLite ledger …" instead of a bare
// "unable to open database file".

/** Runs `step`; an error it throws leaves with `flag` attached (the CLI prints `flag: message`). */
export async function underFlag<T>(flag: string, what: string, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    if ((e as { flag?: string }).flag) throw e;
    throw Object.assign(new Error(`${what}: ${e.message}`, { cause: e }), { flag });
  }
}
