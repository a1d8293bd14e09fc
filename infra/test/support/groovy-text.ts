/**
 * Just enough Groovy reading for the Jenkinsfile test (no Jenkins here): find the block
 * that follows a header such as `stage('Build')`, skipping braces inside strings and
 * comments (the plugin's `envVariables` string is full of them).
 */

/** The source with comments blanked out (same length, so offsets stay valid). */
export function stripComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "'" || c === '"') {
      const end = stringEnd(source, i);
      out += source.slice(i, end);
      i = end;
    } else if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && next === '*') {
      const stop = source.indexOf('*/', i) + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function stringEnd(source: string, start: number): number {
  const quote = source[start]!;
  let i = start + 1;
  while (i < source.length && source[i] !== quote) i += source[i] === '\\' ? 2 : 1;
  if (i >= source.length) throw new Error(`unterminated string at offset ${start}`);
  return i + 1;
}

/** The text between the `{` that follows `header` and its matching `}` (comments removed). */
export function blockAfter(source: string, header: string, from = 0): string {
  const code = stripComments(source);
  const at = code.indexOf(header, from);
  if (at === -1) throw new Error(`"${header}" not found`);
  const open = code.indexOf('{', at + header.length);
  let depth = 0;
  let i = open;
  while (i < code.length) {
    const c = code[i]!;
    if (c === "'" || c === '"') {
      i = stringEnd(code, i);
      continue;
    }
    if (c === '{') depth += 1;
    if (c === '}') {
      depth -= 1;
      if (depth === 0) return code.slice(open + 1, i);
    }
    i += 1;
  }
  throw new Error(`unbalanced braces after "${header}"`);
}

/** `[{IMAGE_TAG, latest-arm64v8}, {IMAGE_ARCH, arm64v8}]` → a record (the plugin's syntax). */
export function parsePluginEnvVariables(value: string): Record<string, string> {
  const trimmed = value.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) throw new Error(`not a plugin variable list: ${value}`);
  const pairs = [...trimmed.slice(1, -1).matchAll(/\{\s*([A-Z_][A-Z0-9_]*)\s*,\s*([^{}]*?)\s*\}/g)];
  return Object.fromEntries(pairs.map((m) => [m[1]!, m[2]!]));
}

/** The named arguments of a `step(name: value, …)` call, values as written (quotes kept). */
export function namedArguments(block: string, step: string): Record<string, string> {
  const at = block.indexOf(`${step}(`);
  if (at === -1) throw new Error(`${step}( not found`);
  let depth = 0;
  let i = at + step.length;
  let start = i + 1;
  const args: string[] = [];
  while (i < block.length) {
    const c = block[i]!;
    if (c === "'" || c === '"') {
      i = stringEnd(block, i);
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth += 1;
    if (c === ')' || c === ']' || c === '}') {
      depth -= 1;
      if (depth === 0) {
        args.push(block.slice(start, i));
        break;
      }
    }
    if (c === ',' && depth === 1) {
      args.push(block.slice(start, i));
      start = i + 1;
    }
    i += 1;
  }
  return Object.fromEntries(
    args
      .map((a) => a.trim())
      .filter(Boolean)
      .map((a) => {
        const colon = a.indexOf(':');
        return [a.slice(0, colon).trim(), a.slice(colon + 1).trim()];
      }),
  );
}
