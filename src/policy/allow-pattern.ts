// `METHOD /path` allow entries for operations a pack does not know:
// `*` matches one path segment, a trailing `**` one or more further segments.

export interface AllowPattern {
  method: string;
  /** Literal segments, or '*' for any one segment. */
  segments: readonly string[];
  /** Trailing `**`: at least one more segment of anything. */
  rest: boolean;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** An allow entry with a space is a method + path pattern; without one it is an operation id. */
export function isAllowPattern(entry: string): boolean {
  return /\s/.test(entry);
}

/** Parse `GET /v1/climate/**`; throws an Error saying what is wrong. */
export function parseAllowPattern(entry: string): AllowPattern {
  const [, method, path] = /^(\S+) (\/\S*)$/.exec(entry) ?? [];
  if (method === undefined || path === undefined) throw new Error(`${JSON.stringify(entry)} is not METHOD /path (one space, path starting with /)`);
  if (!METHODS.has(method)) {
    throw new Error(`${JSON.stringify(entry)}: method ${method} is not one of ${[...METHODS].join(', ')}`);
  }
  const parts = path === '/' ? [] : path.slice(1).split('/');
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === '') throw new Error(`${JSON.stringify(entry)}: empty path segment`);
    if (part === '**' && !last) throw new Error(`${JSON.stringify(entry)}: ** is allowed only as the last segment`);
    if (part.includes('*') && part !== '*' && part !== '**') {
      throw new Error(`${JSON.stringify(entry)}: * must be a whole segment (${part})`);
    }
    if (part.includes('?')) throw new Error(`${JSON.stringify(entry)}: patterns match the path only, not the query`);
  });
  const rest = parts.at(-1) === '**';
  return { method, segments: rest ? parts.slice(0, -1) : parts, rest };
}

export function patternMatches(pattern: AllowPattern, method: string, path: string): boolean {
  if (method.toUpperCase() !== pattern.method) return false;
  const parts = safeSegments(path);
  if (!parts) return false;
  const { segments, rest } = pattern;
  if (rest ? parts.length <= segments.length : parts.length !== segments.length) return false;
  return segments.every((seg, i) => seg === '*' || seg === parts[i]);
}

/**
 * Path segments, or undefined for a path a server might resolve differently
 * from how we match it (dot segments, encoded slashes, empty segments): such a
 * path is never covered by a pattern, so it cannot walk out of `/v1/climate/**`.
 */
function safeSegments(path: string): string[] | undefined {
  if (!path.startsWith('/')) return undefined;
  if (path === '/') return [];
  const parts = path.slice(1).split('/');
  for (const part of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (decoded === '' || decoded === '.' || decoded === '..' || /[/\\]/.test(decoded)) return undefined;
  }
  return parts;
}
