// A durable spool of audit records: JSON lines appended and fsynced per
// batch, read back in order, deleted once everything in it was replayed.
// Only this process writes it. The replayed offset is kept in memory only: a
// restart replays the file from its start, which is harmless because stores
// insert idempotently by event id.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AuditRecord } from './record.ts';

const TAIL_BLOCK = 64 * 1024;
const READ_BYTES = 1024 * 1024;

/** Appends records as JSON lines and fsyncs them (and the directory when the file is new). */
export async function appendJsonLines(file: string, records: readonly AuditRecord[]): Promise<number> {
  const data = records.map((r) => `${JSON.stringify(r)}\n`).join('');
  const handle = await fs.open(file, 'a', 0o600);
  let created: boolean;
  try {
    created = (await handle.stat()).size === 0;
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) await syncDir(path.dirname(file));
  return Buffer.byteLength(data);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Length of the file up to and including its last newline. */
async function completeLength(handle: fs.FileHandle, size: number): Promise<number> {
  const buf = Buffer.alloc(TAIL_BLOCK);
  for (let end = size; end > 0; end -= TAIL_BLOCK) {
    const start = Math.max(0, end - TAIL_BLOCK);
    const { bytesRead } = await handle.read(buf, 0, end - start, start);
    const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl >= 0) return start + nl + 1;
  }
  return 0;
}

export interface SpoolChunk {
  records: AuditRecord[];
  /** Lines that were not valid JSON (counted, skipped). */
  corrupt: number;
  /** Offset to commit once the records are stored. */
  end: number;
}

export class Spool {
  readonly file: string;
  #size = 0;
  #offset = 0;
  /** Serializes file operations: an append never interleaves with a delete. */
  #lock: Promise<unknown> = Promise.resolve();

  private constructor(file: string) {
    this.file = file;
  }

  /**
   * Opens the spool left by an earlier process, if any. A crash mid-append can
   * leave a partial last line; it is cut off (it was never fsynced) and its
   * byte count returned so the caller can say so.
   */
  static async open(file: string): Promise<{ spool: Spool; tornBytes: number }> {
    const spool = new Spool(file);
    let tornBytes = 0;
    const handle = await fs.open(file, 'r+').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (handle) {
      try {
        const { size } = await handle.stat();
        spool.#size = await completeLength(handle, size);
        tornBytes = size - spool.#size;
        if (tornBytes > 0) await handle.truncate(spool.#size);
      } finally {
        await handle.close();
      }
    }
    return { spool, tornBytes };
  }

  /** Bytes appended but not yet replayed. */
  get backlog(): number {
    return this.#size - this.#offset;
  }

  append(records: readonly AuditRecord[]): Promise<void> {
    return this.#locked(async () => {
      try {
        this.#size += await appendJsonLines(this.file, records);
      } catch (err) {
        // A half-written batch (disk full) would glue onto the next line: cut it off.
        await fs.truncate(this.file, this.#size).catch(() => {});
        throw err;
      }
    });
  }

  /** Up to `max` records from the replay offset, in the order they were appended. */
  read(max: number): Promise<SpoolChunk> {
    return this.#locked(async () => {
      const chunk: SpoolChunk = { records: [], corrupt: 0, end: this.#offset };
      if (this.backlog === 0) return chunk;
      const handle = await fs.open(this.file, 'r');
      try {
        let want = Math.min(READ_BYTES, this.backlog);
        for (;;) {
          const buf = Buffer.alloc(want);
          const { bytesRead } = await handle.read(buf, 0, want, this.#offset);
          const text = buf.subarray(0, bytesRead).toString('utf8');
          const lines = text
            .slice(0, text.lastIndexOf('\n') + 1)
            .split('\n')
            .slice(0, -1);
          // A single line longer than the read: read more rather than stall.
          if (lines.length === 0 && want < this.backlog) {
            want = Math.min(want * 2, this.backlog);
            continue;
          }
          for (const line of lines.slice(0, max)) {
            chunk.end += Buffer.byteLength(line) + 1;
            try {
              chunk.records.push(JSON.parse(line) as AuditRecord);
            } catch {
              chunk.corrupt++;
            }
          }
          return chunk;
        }
      } finally {
        await handle.close();
      }
    });
  }

  /** Marks everything before `end` as replayed; an empty spool's file is deleted. */
  commit(end: number): Promise<void> {
    return this.#locked(async () => {
      this.#offset = Math.max(this.#offset, end);
      if (this.#offset < this.#size) return;
      await fs.rm(this.file, { force: true });
      this.#offset = 0;
      this.#size = 0;
    });
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#lock.then(fn);
    this.#lock = result.catch(() => {});
    return result;
  }
}
