// The keybrake binary as a user runs it (node src/cli.ts …, under the pinned
// Node), with its exit code and both streams.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export const CLI = path.resolve(import.meta.dirname, '../../src/cli.ts');
const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function keybrake(...args: string[]): Promise<CliResult> {
  return keybrakeWith(args);
}

/** With extra environment, a working directory, or Node options (`--import` a hook). */
export async function keybrakeWith(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; nodeArgs?: string[] } = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...(opts.nodeArgs ?? []), CLI, ...args], {
      timeout: 60_000,
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
