// Pulls the README's runnable parts out of README.md: each fenced block that
// follows a `<!-- readme-test: NAME ARGS… -->` marker.
export interface Snippet {
  name: string;
  args: string[];
  lang: string;
  code: string;
}

export function extractSnippets(markdown: string): Snippet[] {
  const out: Snippet[] = [];
  const re = /<!-- readme-test: ([^>]*?) -->\s*\n```(\w*)\n([\s\S]*?)\n```/g;
  for (const m of markdown.matchAll(re)) {
    const [name, ...args] = m[1].trim().split(/\s+/);
    out.push({ name, args, lang: m[2], code: m[3] });
  }
  return out;
}

/** The commands of a shell block: one per line, comments and blank lines dropped, `\` continuations joined. */
export function commands(code: string): string[] {
  return code
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}
