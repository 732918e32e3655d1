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
    const [, header = '', lang = '', code = ''] = m; // all three groups take part in every match
    const [name = '', ...args] = header.trim().split(/\s+/);
    out.push({ name, args, lang, code });
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
