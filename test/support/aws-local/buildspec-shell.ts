import { spawn } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * One build's shell session, with CodeBuild 0.2 semantics: every command runs in bash,
 * and the variables (exported or not) and working directory it leaves behind are what
 * the next command starts with — across phases too. Shell options and functions do not
 * carry over (a buildspec must not rely on them).
 *
 * Each command is its own `bash` process in its own process group (so a stop or timeout
 * can kill everything it started); continuity comes from a state file that the previous
 * command wrote from an EXIT trap (so `exit 1` and `set -e` still save it) and the next
 * sources. The process starts with an empty environment: the state file is the
 * environment, so `unset` in one command really unsets for the next.
 */
export class BuildShell {
  private readonly statePath: string;

  private constructor(private readonly workDir: string) {
    this.statePath = join(workDir, 'shell-state.sh');
  }

  /** Starts a session in `cwd` with exactly `env` as its environment. */
  static async create(workDir: string, cwd: string, env: Readonly<Record<string, string>>): Promise<BuildShell> {
    const shell = new BuildShell(workDir);
    const lines = Object.entries(env)
      .filter(([name]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      .map(([name, value]) => `declare -x ${name}=${quote(value)}`);
    lines.push(`cd ${quote(cwd)}`);
    await writeFile(shell.statePath, `${lines.join('\n')}\n`);
    return shell;
  }

  /** Sets (and exports) a variable for the following commands, as CodeBuild does for CODEBUILD_BUILD_SUCCEEDING. */
  async setVariable(name: string, value: string): Promise<void> {
    await appendFile(this.statePath, `declare -x ${name}=${quote(value)}\n`);
  }

  /**
   * Runs one buildspec command; resolves with its exit status (or the signal's name when
   * killed). Output lines go to `onLine` as they come. Aborting `signal` kills the
   * command's whole process group (SIGTERM, then SIGKILL after `killGraceMs`).
   */
  async run(command: string, onLine: (line: string) => void, signal: AbortSignal, killGraceMs = 3_000): Promise<number | string> {
    const scriptPath = join(this.workDir, 'command.sh');
    await writeFile(scriptPath, wrapperScript(this.statePath, command));
    const child = spawn('/bin/bash', [scriptPath], { env: {}, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', onLine);
    const kill = (): void => {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, killGraceMs).unref();
    };
    if (signal.aborted) kill();
    signal.addEventListener('abort', kill, { once: true });
    try {
      const status = await new Promise<number | string>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, killedBy) => resolve(code ?? killedBy ?? 'UNKNOWN'));
      });
      // As CodeBuild reports STOPPED only once the container is gone: after a kill, wait
      // until every process of the command's group has exited, not just its shell.
      if (signal.aborted && child.pid !== undefined) await groupGone(child.pid, killGraceMs + 10_000);
      return status;
    } finally {
      signal.removeEventListener('abort', kill);
    }
  }

  /** The current values of `names` in the session (unset ones are left out). */
  async values(names: readonly string[]): Promise<Record<string, string>> {
    const probe = names.map((name) => `if [ -n "\${${name}+set}" ]; then printf '%s\\0%s\\0' ${name} "$${name}"; fi`).join('\n');
    const script = `source ${quote(this.statePath)} >/dev/null 2>&1\n${probe}\n`;
    const child = spawn('/bin/bash', ['-c', script], { env: {}, stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise((resolve) => child.once('close', resolve));
    const fields = Buffer.concat(chunks).toString('utf8').split('\0');
    const result: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) result[fields[i] as string] = fields[i + 1] as string;
    return result;
  }

  /** For diagnostics: the raw state file. */
  async state(): Promise<string> {
    return readFile(this.statePath, 'utf8');
  }
}

/** Single-quotes a value for bash. */
function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

// Variables bash manages itself; restoring them would be wrong or fail (read-only).
const SKIPPED = 'BASH*|EUID|UID|PPID|SHELLOPTS|PIPESTATUS|FUNCNAME|GROUPS|LINENO|RANDOM|SRANDOM|SECONDS|EPOCHREALTIME|EPOCHSECONDS|HISTCMD|PWD|OLDPWD|SHLVL|_|__cb_*|DIRSTACK|COMP_*|OPTIND|OPTERR|OPTARG|IFS|PS1|PS2|PS4|HOSTNAME|HOSTTYPE|MACHTYPE|OSTYPE|MAILCHECK';

function wrapperScript(statePath: string, command: string): string {
  return `__cb_state=${quote(statePath)}
source "$__cb_state" >/dev/null 2>&1
__cb_save() {
  local __cb_name
  {
    for __cb_name in $(compgen -v); do
      case "$__cb_name" in ${SKIPPED}) continue ;; esac
      declare -p "$__cb_name" 2>/dev/null
    done
    printf 'cd %q\\n' "$PWD"
  } > "$__cb_state.tmp" && mv -f "$__cb_state.tmp" "$__cb_state"
}
trap '__cb_rc=$?; __cb_save; exit $__cb_rc' EXIT
${command}
`;
}

/** Resolves when no process of group `pgid` is left (or after `limitMs`, whatever remains). */
async function groupGone(pgid: number, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
