// Reads the repository's Dockerfile into stages and instructions, so the tests check (and the runtime
// test reproduces) what the Dockerfile really says instead of a copy of it.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DOCKERFILE = `${ROOT}Dockerfile`;

export interface Instruction {
  keyword: string; // upper case
  args: string;
}
export interface Stage {
  from: string;
  name: string;
  instructions: Instruction[];
}

/** Joins backslash continuations, drops comments, splits into stages at each FROM. */
export function parseDockerfile(text: string = fs.readFileSync(DOCKERFILE, 'utf8')): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  const stages: Stage[] = [];
  for (const l of logical) {
    const [, word = '', args = ''] = /^(\S+)\s*(.*)$/.exec(l)!; // both groups always take part in a match
    const keyword = word.toUpperCase();
    if (keyword === 'FROM') {
      const [from = '', , name = ''] = args.split(/\s+/);
      stages.push({ from, name, instructions: [] });
    } else if (stages.length) {
      stages.at(-1)!.instructions.push({ keyword, args });
    }
  }
  return stages;
}

/** The shell commands of a stage's RUN instructions, split at `&&`. */
export function runCommands(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === 'RUN')
    .flatMap((i) => i.args.split('&&').map((c) => c.trim()));
}
