// "Did you mean" for unknown fields: `wher` → `where`, `kiled` → `killed`,
// `timezone` → `timeZone`, `pre` → `per`, `maximum` → `max`. Case is ignored and a swap of two
// neighbouring letters counts as one edit (optimal string alignment distance).

export function closestName(typed: string, candidates: readonly string[]): string | undefined {
  const word = typed.toLowerCase();
  // Short names tolerate one edit, longer ones two: `loopBreak` → `loopBrake` is two.
  const limit = word.length <= 4 ? 1 : 2;
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word, name.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  // `maximum` → `max`, `matchesRegex` → `matches`: a known name the typed one starts with.
  return best?.name ?? candidates.find((name) => name.length >= 3 && word.startsWith(name.toLowerCase()));
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return Infinity;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
