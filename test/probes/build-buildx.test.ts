import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import buildBuildx, { otherPlatform, parseBuilderInspect } from '../../probes/build-buildx.js';
import type { CapabilityId } from '../../src/catalogue.js';
import { docker, expectedStatus, leftovers, runProbes, verdict } from '../support/harness.js';

const IDS: CapabilityId[] = ['build.buildx', 'build.buildx.multi-platform', 'build.buildx.push'];

describe('build-buildx probe against the real docker CLI', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('decides the buildx rows as the buildx plugin itself answers, and leaves nothing behind', async () => {
    const report = await runProbes([buildBuildx]);
    const version = await docker(['buildx', 'version']);

    if (!version.ok) {
      // Ground truth: the CLI has no buildx command at all.
      expect(version.stderr).toMatch(/unknown command|is not a docker command/);
      for (const id of IDS) {
        expect(verdict(report, id).status, id).toBe('unsupported');
        expect(verdict(report, id).reason, id).toBe('plugin-missing');
        expect(verdict(report, id).evidence.tried, id).toContain('docker buildx version');
      }
    } else {
      // Ground truth: the same FROM scratch build with the current builder, exported to a folder.
      const dir = mkdtempSync(join(tmpdir(), 'cap-probe-truth-buildx-'));
      dirs.push(dir);
      mkdirSync(join(dir, 'context'));
      writeFileSync(join(dir, 'context', 'Dockerfile'), 'FROM scratch\nCOPY token.txt /token.txt\n');
      writeFileSync(join(dir, 'context', 'token.txt'), 'truth\n');
      const build = await docker(['buildx', 'build', '--output', `type=local,dest=${join(dir, 'out')}`, join(dir, 'context')], { timeoutMs: 120_000 });
      const built = build.ok && existsSync(join(dir, 'out', 'token.txt')) && readFileSync(join(dir, 'out', 'token.txt'), 'utf8').trim() === 'truth';
      expect(verdict(report, 'build.buildx').status).toBe(expectedStatus(built));

      // Multi-platform is only ever supported when the builder lists the other platform (binfmt/QEMU present).
      const builder = parseBuilderInspect((await docker(['buildx', 'inspect'])).stdout);
      const other = otherPlatform(builder.platforms[0]?.split('/')[1] ?? 'amd64');
      if (!builder.platforms.includes(other)) expect(verdict(report, 'build.buildx.multi-platform').status).not.toBe('supported');

      // No --push-target in this run: never a push.
      expect(verdict(report, 'build.buildx.push').status).toBe('unknown');
      expect(verdict(report, 'build.buildx.push').reason).toBe('no-target');
    }
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('never pushes without buildx, even with a --push-target', async () => {
    const target = process.env.CAP_PROBE_TEST_REGISTRY_OPEN ? `${process.env.CAP_PROBE_TEST_REGISTRY_OPEN}/cap-probe-buildx-test` : '127.0.0.1:9/cap-probe-buildx-test';
    const report = await runProbes([buildBuildx], { extraOptions: { pushTarget: target } });
    const version = await docker(['buildx', 'version']);
    const push = verdict(report, 'build.buildx.push');
    if (!version.ok) {
      expect(push.status).toBe('unsupported');
      expect(push.reason).toBe('plugin-missing');
    } else {
      expect(push.reason).not.toBe('no-target');
    }
    expect(await leftovers(report.runId)).toEqual([]);
  });
});
