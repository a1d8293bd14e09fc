/**
 * `WWW-Authenticate` parsing and token scope arithmetic (RFC 7235 challenges; the scope
 * grammar of the Docker registry token spec: `repository:<name>:<action>[,<action>…]`).
 */
export interface Challenge {
  /** Lower-cased scheme: `basic` or `bearer` (anything else is reported as unsupported). */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Parses the first challenge of a `WWW-Authenticate` value; undefined when empty. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = (match[1] ?? '').toLowerCase();
  const rest = match[2] ?? '';
  const params: Record<string, string> = {};
  const paramRe = /\s*([A-Za-z][A-Za-z0-9_.-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/gy;
  for (let m = paramRe.exec(rest); m; m = paramRe.exec(rest)) {
    const name = (m[1] ?? '').toLowerCase();
    params[name] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    if (paramRe.lastIndex >= rest.length) break;
  }
  return { scheme, params };
}

/** `repository:app:pull,push` → [`repository:app:pull`, `repository:app:push`]. */
export function scopeAtoms(scopes: readonly string[] | string | undefined): string[] {
  const list = typeof scopes === 'string' ? scopes.split(' ') : (scopes ?? []);
  const atoms: string[] = [];
  for (const scope of list) {
    const trimmed = scope.trim();
    if (!trimmed) continue;
    const first = trimmed.indexOf(':');
    const last = trimmed.lastIndexOf(':');
    if (first === -1 || last === first) {
      atoms.push(trimmed);
      continue;
    }
    const resource = trimmed.slice(0, last);
    for (const action of trimmed.slice(last + 1).split(',')) if (action) atoms.push(`${resource}:${action}`);
  }
  return atoms;
}

/** Merges atoms back into one scope string per resource, actions sorted (`pull,push`). */
export function mergeScopes(atoms: Iterable<string>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const atom of atoms) {
    const last = atom.lastIndexOf(':');
    const resource = last === -1 ? atom : atom.slice(0, last);
    const action = last === -1 ? '' : atom.slice(last + 1);
    const actions = byResource.get(resource) ?? new Set<string>();
    if (action) actions.add(action);
    byResource.set(resource, actions);
  }
  return [...byResource.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([resource, actions]) => (actions.size ? `${resource}:${[...actions].sort().join(',')}` : resource));
}

export function repositoryScope(repository: string, actions: readonly ('pull' | 'push' | 'delete')[]): string {
  return `repository:${repository}:${[...actions].sort().join(',')}`;
}
