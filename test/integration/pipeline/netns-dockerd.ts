import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { DockerCli } from '../../../src/docker/docker-cli.js';

/**
 * A second dockerd — the "remote" engine — in a network namespace of its own.
 *
 * Why a namespace: a dockerd started with `--bridge none` deletes the `docker0` it finds
 * (moby's removeDefaultBridgeInterface); in the host namespace that is the shared engine's
 * bridge. Inside its own namespace it only ever sees its own `lo` and the veth end below,
 * and with `--iptables=false --ip-masq=false --ip-forward=false` it writes no firewall
 * rule or sysctl anywhere. It is started with `nsenter --net` + `unshare --mount
 * --propagation slave` rather than `ip netns exec`, which remounts /sys and so hides the
 * cgroup hierarchy dockerd needs ("Devices cgroup isn't mounted"); the private mount
 * namespace keeps its overlay mounts off the host all the same.
 *
 * How it reaches a registry: the test registry runs inside the same namespace, on the
 * namespace end of a veth pair with a /30 from 10.200.0.0/16 that exists only between the
 * host and this namespace (no route leaves either end). The engine pushes there itself,
 * as a real remote host pushes to the registry it can reach, and treats the /30 as an
 * insecure registry (plain HTTP); the pipeline's client reaches it from the host over the
 * veth, so every packet stays on loopback or goes into the namespace the test made. The
 * engine's API is its unix socket, reachable from the host through the filesystem.
 */
export interface NetnsDockerd {
  /** `unix:///tmp/ma-remote-…/docker.sock` */
  readonly host: string;
  readonly dir: string;
  /** The namespace end's address: where a registry for this engine listens (inside it). */
  readonly nsAddress: string;
  readonly namespace: string;
  stop(): Promise<void>;
}

const ip = (...args: string[]) => execa('ip', args);

/** A /30 in 10.200.0.0/16 that no address or route on the host uses yet. */
async function freeSubnet(): Promise<{ base: string; hostAddress: string; nsAddress: string }> {
  const inUse = `${(await ip('-4', 'addr')).stdout}\n${(await ip('-4', 'route')).stdout}`;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const prefix = `10.200.${randomInt(0, 256)}.`;
    const first = randomInt(0, 64) * 4;
    const base = `${prefix}${first}`;
    if (inUse.includes(prefix)) continue;
    return { base, hostAddress: `${prefix}${first + 1}`, nsAddress: `${prefix}${first + 2}` };
  }
  throw new Error('no free /30 in 10.200.0.0/16');
}

/** Starts the engine and loads the local base images into it (it has no network to pull). */
export async function startNetnsDockerd(baseImages: readonly string[]): Promise<NetnsDockerd> {
  const id = randomBytes(3).toString('hex');
  const namespace = `ma-remote-${id}`;
  const hostIf = `ma${id}h`;
  const nsIf = `ma${id}n`;
  const dir = await mkdtemp('/tmp/ma-remote-');
  const host = `unix://${dir}/docker.sock`;
  const subnet = await freeSubnet();
  let dockerd: ChildProcess | undefined;

  const stop = async (): Promise<void> => {
    if (dockerd && dockerd.exitCode === null && dockerd.signalCode === null) {
      const exited = new Promise((r) => dockerd?.once('exit', r));
      dockerd.kill('SIGTERM');
      const timer = setTimeout(() => dockerd?.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    // Mounts live in the engine's own mount namespace; anything that did reach ours goes
    // first, deepest first, so the rm below never walks into a mounted file system.
    const mounts = await execa('findmnt', ['-rn', '-o', 'TARGET'], { reject: false });
    for (const target of mounts.stdout.split('\n').filter((t) => t.startsWith(`${dir}/`)).reverse()) {
      await execa('umount', ['-R', '-l', target], { reject: false });
    }
    // Deleting the namespace deletes its veth end, and with it the host end.
    await execa('ip', ['netns', 'del', namespace], { reject: false });
    await execa('ip', ['link', 'del', hostIf], { reject: false });
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };

  try {
    await ip('netns', 'add', namespace);
    await ip('-n', namespace, 'link', 'set', 'lo', 'up');
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', namespace);
    await ip('addr', 'add', `${subnet.hostAddress}/30`, 'dev', hostIf);
    await ip('link', 'set', hostIf, 'up');
    await ip('-n', namespace, 'addr', 'add', `${subnet.nsAddress}/30`, 'dev', nsIf);
    await ip('-n', namespace, 'link', 'set', nsIf, 'up');

    // an empty config file, so /etc/docker/daemon.json (the shared engine's) never applies
    await writeFile(join(dir, 'daemon.json'), '{}\n');
    const log = await open(join(dir, 'dockerd.log'), 'a');
    dockerd = spawn('nsenter', [
      `--net=/run/netns/${namespace}`, 'unshare', '--mount', '--propagation', 'slave', 'dockerd',
      '--host', host, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'docker.pid'),
      '--config-file', join(dir, 'daemon.json'),
      '--bridge', 'none', '--iptables=false', '--ip-masq=false', '--ip-forward=false', '--ip6tables=false',
      '--insecure-registry', `${subnet.base}/30`,
    ], { stdio: ['ignore', log.fd, log.fd] });
    dockerd.once('exit', () => void log.close());

    const engine = new DockerCli({ host });
    for (let i = 0; i < 150 && !(await engine.ping()); i += 1) {
      if (dockerd.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!(await engine.ping())) {
      const tail = (await readFile(join(dir, 'dockerd.log'), 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' | ');
      throw new Error(`dockerd in ${namespace} did not start: ${tail}`);
    }
    await execa('bash', ['-o', 'pipefail', '-c', `/usr/bin/docker save ${baseImages.join(' ')} | /usr/bin/docker -H ${host} load -q`]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, dir, nsAddress: subnet.nsAddress, namespace, stop };
}

/** The shared engine's bridge is there and its default network runs a container. */
export async function hostEngineHealthy(): Promise<{ docker0: boolean; run: boolean }> {
  const docker0 = await execa('ip', ['link', 'show', 'docker0'], { reject: false });
  const run = await execa('/usr/bin/docker', ['run', '--rm', 'multiarch-base:trixie-amd64', 'true'], { reject: false });
  return { docker0: docker0.exitCode === 0, run: run.exitCode === 0 };
}
