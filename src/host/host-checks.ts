import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import type { DockerCli } from '../docker/docker-cli.js';
import { timeoutSignal } from '../timeout-signal.js';

export interface HostCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What `doctor --fix` (scripts/setup-host.sh) does about it. */
  readonly fix: string;
}

export interface HostCheckOptions {
  readonly docker: DockerCli;
  readonly registryPort: number;
  readonly signal?: AbortSignal;
}

const PACKAGES = ['docker.io', 'docker-registry', 'mmdebstrap', 'arch-test', 'skopeo', 'chromium'] as const;
const BINFMT_ENTRY = '/proc/sys/fs/binfmt_misc/qemu-aarch64';

/** Everything a local multi-arch build needs from this host, checked without changing it. */
export async function checkHost(options: HostCheckOptions): Promise<HostCheck[]> {
  const checks: HostCheck[] = [];
  const uid = process.getuid?.() ?? -1;
  checks.push({ name: 'running as root', ok: uid === 0, detail: `uid ${uid}`, fix: 'run as root (sudo): setup installs packages and starts daemons' });
  for (const pkg of PACKAGES) {
    const version = await packageVersion(pkg);
    checks.push({ name: `package ${pkg}`, ok: version !== undefined, detail: version ?? 'not installed', fix: `apt-get install ${pkg}` });
  }
  const qemu = await packageVersion('qemu-user-static');
  const qemuMajor = Number(qemu?.replace(/^\d+:/, '').split('.')[0] ?? 0);
  checks.push({
    name: 'QEMU user-mode ≥ 10 (Chromium under arm64 emulation)',
    ok: qemuMajor >= 10,
    detail: qemu ?? 'not installed',
    fix: 'install qemu-user-static from trixie (pinned source)',
  });
  const binfmt = await readFile(BINFMT_ENTRY, 'utf8').catch(() => undefined);
  const binfmtOk = binfmt !== undefined && binfmt.startsWith('enabled') && /^flags: .*F/m.test(binfmt);
  checks.push({
    name: 'binfmt_misc qemu-aarch64 registered with F flag',
    ok: binfmtOk,
    detail: binfmt ? (binfmt.split('\n').find((l) => l.startsWith('flags')) ?? 'registered') : 'not registered',
    fix: 'mount binfmt_misc and register /usr/lib/binfmt.d/qemu-aarch64.conf',
  });
  const dockerUp = await options.docker.ping(options.signal);
  checks.push({ name: 'Docker engine reachable', ok: dockerUp, detail: options.docker.describe(), fix: 'start dockerd in the background' });
  const registry = await fetch(`http://127.0.0.1:${options.registryPort}/v2/`, { signal: timeoutSignal(2_000) }).then(
    (r) => r.headers.get('docker-distribution-api-version') ?? `HTTP ${r.status}`,
    () => undefined,
  );
  checks.push({
    name: `local registry on 127.0.0.1:${options.registryPort}`,
    ok: registry === 'registry/2.0',
    detail: registry ?? 'not answering',
    fix: 'start docker-registry with storage under .multiarch/registry',
  });
  return checks;
}

async function packageVersion(pkg: string): Promise<string | undefined> {
  const result = await execa('dpkg-query', ['-W', '-f=${Status} ${Version}', pkg], { reject: false });
  const out = typeof result.stdout === 'string' ? result.stdout : '';
  return result.exitCode === 0 && out.startsWith('install ok installed') ? out.split(' ').at(-1) : undefined;
}
