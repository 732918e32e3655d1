// `keybrake scope …` in-process: the command's own code and streams, without
// the seconds a spawned CLI costs on a busy machine (test/scope/cli.test.ts
// covers the spawned binary).
import { Writable } from 'node:stream';
import { runScopeCommand } from '../../src/commands/scope.ts';

export function scope(...args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) => new Writable({ write: (chunk, _e, done) => (add(String(chunk)), done()) });
  const code = runScopeCommand(
    args,
    sink((x) => (stdout += x)),
    sink((x) => (stderr += x)),
  );
  return { code, stdout, stderr };
}
