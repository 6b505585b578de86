/**
 * The buildx probe's decisions where this machine cannot show them (it has no buildx): a scripted docker CLI
 * plays the plugin, the builder and the registry; the real runner runs the probe.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import buildBuildx, { buildxVersion, otherPlatform, parseBuilderInspect, pushRef, unameFor } from '../../probes/build-buildx.js';
import { composeVersion, discoverCompose } from '../../probes/compose.js';
import type { CapabilityId } from '../../src/catalogue.js';
import type { CliResult, DockerCli } from '../../src/docker-cli.js';
import { CleanupLedger } from '../../src/ledger.js';
import { runProbes, type Decided } from '../../src/runner.js';

type Answer = Partial<CliResult> | ((args: readonly string[]) => Partial<CliResult>);

/** A docker CLI answering by the first args that match; anything unscripted is an unknown command. */
function fakeCli(script: Array<[string, Answer]>, calls: string[] = []): DockerCli {
  const answer = (file: string, args: readonly string[]): CliResult => {
    const command = [file, ...args].join(' ');
    calls.push(command);
    const hit = script.find(([prefix]) => command.startsWith(prefix));
    const partial = hit ? (typeof hit[1] === 'function' ? hit[1](args) : hit[1]) : { exitCode: 1, stderr: `docker: unknown command: ${command}` };
    return { command, exitCode: 0, stdout: '', stderr: '', missing: false, timedOut: false, ...partial };
  };
  return { env: {}, configDir: '/nonexistent', run: async (args) => answer('docker', args), exec: async (file, args) => answer(file, args), dispose: () => undefined };
}

/** Plays a local exporter: copies the context's token into dest (one folder per platform with --platform a,b). */
function exportLocally(archByPlatform: Record<string, string> = {}): (args: readonly string[]) => Partial<CliResult> {
  return (args) => {
    const output = args[args.indexOf('--output') + 1] ?? '';
    const dest = /dest=(.+)$/.exec(output)?.[1] ?? '';
    const context = args[args.length - 1] ?? '';
    const platforms = args.includes('--platform') ? (args[args.indexOf('--platform') + 1] ?? '').split(',') : [];
    if (platforms.length > 1) {
      for (const p of platforms) {
        mkdirSync(join(dest, p.replace('/', '_')), { recursive: true });
        writeFileSync(join(dest, p.replace('/', '_'), 'arch.txt'), `${archByPlatform[p] ?? ''}\n`);
      }
    } else {
      mkdirSync(dest, { recursive: true });
      writeFileSync(join(dest, 'token.txt'), readFileSync(join(context, 'token.txt')));
    }
    return { exitCode: 0 };
  };
}

const INSPECT = (platforms: string, status = 'running', driver = 'docker') => ({ stdout: `Name:   default\nDriver: ${driver}\n\nNodes:\nName:      default\nEndpoint:  default\nStatus:    ${status}\nBuildkit:  v0.12.5\nPlatforms: ${platforms}\n` });

async function decide(cli: DockerCli, extra: Record<string, unknown> = {}): Promise<Map<CapabilityId, Decided>> {
  return runProbes({
    probes: [buildBuildx],
    selected: new Set<CapabilityId>(buildBuildx.decides),
    engine: null,
    engineUnreachable: { detail: '', tried: [] },
    image: null,
    imageUnavailable: { detail: '', tried: [] },
    cliAvailable: true,
    cli,
    resources: new CleanupLedger('feedf00d'),
    runId: 'feedf00d',
    options: { publishedPortHost: '127.0.0.1', binfmtDir: '/nonexistent/binfmt_misc', ...extra },
    concurrency: 1,
    probeTimeoutMs: 30_000,
    signal: new AbortController().signal,
  });
}

describe('build-buildx verdicts from a scripted CLI', () => {
  const status = (d: Map<CapabilityId, Decided>, id: CapabilityId) => [d.get(id)?.outcome.status, d.get(id)?.outcome.reason];

  it('a missing plugin is unsupported/plugin-missing for every row, push included', async () => {
    const d = await decide(fakeCli([]), { pushTarget: '127.0.0.1:5000/x' });
    for (const id of buildBuildx.decides) expect(status(d, id)).toEqual(['unsupported', 'plugin-missing']);
  });

  it('a plugin without a usable builder is builder-unavailable', async () => {
    const d = await decide(fakeCli([['docker buildx version', { stdout: 'github.com/docker/buildx v0.12.1 30feaa1' }], ['docker buildx inspect', { exitCode: 1, stderr: 'ERROR: no builder "gone" found' }]]));
    for (const id of buildBuildx.decides) expect(status(d, id)).toEqual(['unsupported', 'builder-unavailable']);
  });

  it('an inactive builder that cannot build is builder-unavailable; the rest follow from it', async () => {
    const d = await decide(fakeCli([
      ['docker buildx version', { stdout: 'github.com/docker/buildx v0.12.1 30feaa1' }],
      ['docker buildx inspect', INSPECT('', 'inactive', 'docker-container')],
      ['docker buildx build', { exitCode: 1, stderr: 'ERROR: failed to initialize builder: error while booting' }],
    ]));
    expect(status(d, 'build.buildx')).toEqual(['unsupported', 'builder-unavailable']);
    expect(status(d, 'build.buildx.multi-platform')).toEqual(['unknown', 'dependency-failed']);
    expect(status(d, 'build.buildx.push')).toEqual(['unknown', 'no-target']);
  });

  it('a working builder without emulation: build supported, multi-platform unsupported, push only to the named target', async () => {
    const calls: string[] = [];
    const d = await decide(fakeCli([
      ['docker buildx version', { stdout: 'github.com/docker/buildx v0.12.1 30feaa1' }],
      ['docker buildx inspect', INSPECT('linux/amd64, linux/386')],
      ['docker buildx build --push', { exitCode: 0 }],
      ['docker buildx build', exportLocally()],
      ['docker buildx imagetools inspect', { stdout: 'Name: x' }],
    ], calls), { pushTarget: '127.0.0.1:5000/team/app:v1' });
    expect(status(d, 'build.buildx')).toEqual(['supported', undefined]);
    expect(status(d, 'build.buildx.multi-platform')).toEqual(['unsupported', 'platform-mismatch']);
    expect(status(d, 'build.buildx.push')).toEqual(['supported', undefined]);
    // The user's repository with a tag of the run's own: nothing of theirs is overwritten.
    expect(calls.some((c) => c.startsWith('docker buildx build --push -t 127.0.0.1:5000/team/app:cap-probe-feedf00d-buildx '))).toBe(true);
    expect(calls.some((c) => c.includes('--platform'))).toBe(false);
  });

  it('with emulation, multi-platform is supported only when the other architecture\'s RUN reports its own uname', async () => {
    const script = (armUname: string): Array<[string, Answer]> => [
      ['docker buildx version', { stdout: 'github.com/docker/buildx v0.12.1 30feaa1' }],
      ['docker buildx inspect', INSPECT('linux/amd64*, linux/arm64, linux/arm/v7')],
      ['docker buildx build', exportLocally({ 'linux/amd64': 'x86_64', 'linux/arm64': armUname })],
    ];
    expect(status(await decide(fakeCli(script('aarch64'))), 'build.buildx.multi-platform')).toEqual(['supported', undefined]);
    expect(status(await decide(fakeCli(script('x86_64'))), 'build.buildx.multi-platform')).toEqual(['unsupported', 'unexpected-result']);
  });

  it('a base image that cannot be fetched leaves multi-platform open; exec format error is a mismatch', async () => {
    const script = (stderr: string): Array<[string, Answer]> => [
      ['docker buildx version', { stdout: 'github.com/docker/buildx v0.12.1 30feaa1' }],
      ['docker buildx inspect', INSPECT('linux/amd64, linux/arm64')],
      ['docker buildx build --platform', { exitCode: 1, stderr }],
      ['docker buildx build', exportLocally()],
    ];
    expect(status(await decide(fakeCli(script('ERROR: failed to solve: busybox:latest: dial tcp: lookup registry-1.docker.io: no such host'))), 'build.buildx.multi-platform')).toEqual(['unknown', 'dns']);
    expect(status(await decide(fakeCli(script('#5 0.1 exec /bin/sh: exec format error\nERROR: process "/bin/sh -c uname -m" did not complete successfully'))), 'build.buildx.multi-platform')).toEqual(['unsupported', 'platform-mismatch']);
  });
});

describe('buildx and compose parsing', () => {
  it('reads versions, builders, platforms and push references', () => {
    expect(buildxVersion('github.com/docker/buildx v0.12.1 30feaa1')).toBe('0.12.1');
    expect(parseBuilderInspect(INSPECT('linux/amd64*, linux/arm64').stdout)).toEqual({ name: 'default', driver: 'docker', status: 'running', platforms: ['linux/amd64', 'linux/arm64'] });
    expect(otherPlatform('amd64')).toBe('linux/arm64');
    expect(otherPlatform('aarch64')).toBe('linux/amd64');
    expect(unameFor('linux/arm64')).toBe('aarch64');
    expect(pushRef('127.0.0.1:5000/app', 'r1')).toBe('127.0.0.1:5000/app:cap-probe-r1-buildx');
    expect(pushRef('127.0.0.1:5000/app:v2', 'r1')).toBe('127.0.0.1:5000/app:cap-probe-r1-buildx');
    expect(composeVersion('docker-compose version 1.29.2, build unknown\ndocker-py version: 5.0.3')).toBe('1.29.2');
    expect(composeVersion('Docker Compose version v2.27.0')).toBe('2.27.0');
  });

  it('prefers the Compose v2 plugin, falls back to the standalone binary, and says when there is neither', async () => {
    const v1 = ['docker-compose version', { stdout: 'docker-compose version 1.29.2, build unknown' }] as [string, Answer];
    const plugin = ['docker compose version', { stdout: 'Docker Compose version v2.27.0' }] as [string, Answer];
    expect((await discoverCompose(fakeCli([plugin, v1]))).variant?.kind).toBe('plugin');
    expect((await discoverCompose(fakeCli([v1]))).variant).toMatchObject({ kind: 'standalone', version: '1.29.2' });
    expect((await discoverCompose(fakeCli([['docker-compose version', { exitCode: undefined, missing: true, stderr: 'docker-compose: command not found' }]]))).variant).toBeNull();
  });
});
