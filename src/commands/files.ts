// Files named on the command line: read, written and checked with errors that
// name the flag and say what to change (not a bare EISDIR or ENOENT).
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './usage.ts';

function why(err: NodeJS.ErrnoException, file: string): string {
  switch (err.code) {
    case 'ENOENT':
      return `${file} does not exist`;
    case 'EISDIR':
      return `${file} is a directory, not a file`;
    case 'EACCES':
    case 'EPERM':
      return `${file} is not readable by this user (uid ${process.getuid?.() ?? '?'})`;
    default:
      return `${file}: ${err.message}`;
  }
}

/** The text of the file a flag names; a ConfigError naming the flag when it cannot be read. */
export function readFlagFile(flag: string, file: string, hint = ''): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${flag}: ${why(err as NodeJS.ErrnoException, file)}${hint ? `; ${hint}` : ''}`);
  }
}

/** Creates `dir` if needed and proves it writable, so a read-only state dir fails at start with its flag. */
export function ensureWritableDir(flag: string, dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    const probe = path.join(dir, `.keybrake-write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason =
      e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS'
        ? `${dir} is not writable by this user (uid ${process.getuid?.() ?? '?'}); make it writable or point the flag elsewhere`
        : e.code === 'ENOTDIR' || e.code === 'EEXIST'
          ? `${dir} is not a directory`
          : `${dir}: ${e.message}`;
    throw new ConfigError(`${flag}: ${reason}`);
  }
}

/**
 * Writes a secret file (mode 0600), refusing to replace one that exists: a
 * second `ca new` or `keys admin-token` must not silently invalidate the first.
 */
export function writeSecretFile(flag: string, file: string, text: string, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, text, { mode, flag: 'wx' });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST') throw new ConfigError(`${file} already exists; keybrake never overwrites a key file. Remove it first, or pass another ${flag}`);
    throw new ConfigError(`${flag}: cannot write ${file}: ${e.message}`);
  }
}
