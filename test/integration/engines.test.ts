/**
 * Two real engines, two matrices, one diff: `cap-probe all --json` against dockerd and against Podman's
 * Docker-compatible API (started by scripts/env/40-podman.sh), then `cap-probe diff` of the two.
 * Each matrix names its engine (checked against the engine's own /version through the docker CLI), every
 * difference is explained by evidence in both matrices, and `check --expect document` names exactly the rows
 * where this machine differs from the source document — all derived from the matrices, not from beliefs.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CapabilityResult, Report } from '../../src/report.js';
import { docker, leftovers, TEST_IMAGE } from '../support/harness.js';
import { cli, matrixValidator, readMatrix, scratch } from '../support/cli.js';

const PODMAN_HOST = process.env.CAP_PROBE_PODMAN_HOST;
const PODMAN_IMAGE = process.env.CAP_PROBE_PODMAN_IMAGE ?? 'localhost/cap-probe-test/busybox:latest';
const DOCKER_HOST = 'unix:///var/run/docker.sock';

const dir = scratch('engines');
const dockerPath = join(dir, 'dockerd.json');
const podmanPath = join(dir, 'podman.json');
let dockerd: Report;
let podman: Report;

/** What the engine at `host` says it is, asked through the docker CLI rather than cap-probe. */
async function engineTruth(host: string): Promise<{ podman: boolean; version: string }> {
  const answer = await docker(['--host', host, 'version', '--format', '{{json .Server}}']);
  expect(answer.ok, answer.stderr).toBe(true);
  const server = JSON.parse(answer.stdout) as { Version: string; Components?: Array<{ Name: string }> };
  return { podman: (server.Components ?? []).some((c) => /podman/i.test(c.Name)), version: server.Version };
}

/** Leftovers of a run on another engine than the default one. */
async function leftoversOn(host: string, runId: string): Promise<string[]> {
  const label = `label=io.cap-probe.run=${runId}`;
  const env = { DOCKER_HOST: host };
  const lists = await Promise.all([
    docker(['ps', '-aq', '--filter', label], { env }),
    docker(['network', 'ls', '-q', '--filter', label], { env }),
    docker(['volume', 'ls', '-q', '--filter', label], { env }),
    docker(['images', '-q', '--filter', label], { env }),
  ]);
  return lists.flatMap((l) => l.stdout.split('\n').filter(Boolean));
}

const verdict = (r: CapabilityResult | undefined) => (r ? `${r.status}/${r.reason ?? ''}` : 'absent');

beforeAll(async () => {
  if (!PODMAN_HOST) throw new Error('CAP_PROBE_PODMAN_HOST is not set: run `bash scripts/env/40-podman.sh up` and source $CAP_PROBE_TEST_STATE/env.sh');
  // One engine after the other: some probes use host ports and loopback services.
  const onDocker = await cli(['all', '--json', '-o', dockerPath, '--host', DOCKER_HOST, '--image', TEST_IMAGE], { timeoutMs: 600_000 });
  expect(onDocker.exitCode, onDocker.stderr).toBe(0);
  const onPodman = await cli(['all', '--json', '-o', podmanPath, '--host', PODMAN_HOST, '--image', PODMAN_IMAGE], { timeoutMs: 600_000 });
  expect(onPodman.exitCode, onPodman.stderr).toBe(0);
  dockerd = readMatrix(dockerPath);
  podman = readMatrix(podmanPath);
}, 1_300_000);

describe('two engines', () => {
  it('each matrix names the engine that answered, as the engine itself reports it, and left nothing behind', async () => {
    if (!PODMAN_HOST) throw new Error('no podman');
    for (const [report, host] of [[dockerd, DOCKER_HOST], [podman, PODMAN_HOST]] as const) {
      const truth = await engineTruth(host);
      const facts = report.environment.engine.facts;
      expect(report.environment.engine.endpoint).toBe(host);
      expect(facts?.engine === 'Podman', `${host} is ${facts?.engine}`).toBe(truth.podman);
      expect(facts?.version).toBe(truth.version);
    }
    expect(dockerd.environment.engine.facts?.engine).not.toBe(podman.environment.engine.facts?.engine);
    expect(await leftovers(dockerd.runId)).toEqual([]);
    expect(await leftoversOn(PODMAN_HOST, podman.runId)).toEqual([]);
  });

  it('both matrices validate against the JSON Schema from `cap-probe schema`', async () => {
    const validate = await matrixValidator();
    expect(validate(dockerd)).toEqual([]);
    expect(validate(podman)).toEqual([]);
  });

  it('diff lists exactly the rows whose verdict or reason differs, each explained by evidence on both sides', async () => {
    const result = await cli(['diff', dockerPath, podmanPath, '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const diff = JSON.parse(result.stdout) as {
      columns: Array<{ label: string; engine: string; version: string; endpoint: string }>;
      rows: Array<{ id: string; cells: Array<{ status: string | null; reason: string | null; detail: string; evidence: { tried: string[]; error?: string } | null }> }>;
    };
    expect(diff.columns.map((c) => [c.label, c.engine, c.endpoint])).toEqual([
      [dockerPath, dockerd.environment.engine.facts?.engine, DOCKER_HOST],
      [podmanPath, podman.environment.engine.facts?.engine, PODMAN_HOST],
    ]);

    const byId = (r: Report) => new Map(r.capabilities.map((c) => [c.id, c]));
    const a = byId(dockerd);
    const b = byId(podman);
    const expected = [...new Set([...a.keys(), ...b.keys()])].filter((id) => verdict(a.get(id)) !== verdict(b.get(id)));
    expect(diff.rows.map((r) => r.id).sort()).toEqual(expected.sort());

    for (const row of diff.rows) {
      for (const cell of row.cells) {
        expect(cell.detail, row.id).not.toBe('');
        if (cell.status !== 'supported') expect(cell.reason, `${row.id}: a verdict that is not "supported" must say why`).not.toBeNull();
        // Evidence: what was tried, or the error met. A row no probe decided on either engine cannot differ.
        const evidence = cell.evidence;
        expect(evidence, row.id).not.toBeNull();
        expect((evidence?.tried.length ?? 0) > 0 || Boolean(evidence?.error) || cell.reason === 'dependency-failed', `${row.id}: ${JSON.stringify(cell)}`).toBe(true);
      }
    }

    const text = await cli(['diff', dockerPath, podmanPath]);
    expect(text.stdout).toContain(`[1] ${dockerPath}: ${dockerd.environment.engine.facts?.engine} ${dockerd.environment.engine.facts?.version}`);
    expect(text.stdout).toContain(`[2] ${podmanPath}: ${podman.environment.engine.facts?.engine} ${podman.environment.engine.facts?.version}`);
    expect((await cli(['diff', dockerPath, podmanPath, '--exit-code'])).exitCode).toBe(expected.length > 0 ? 1 : 0);
  });

  it('check --expect document exits 1 and names exactly the rows where this machine differs, each with its reason', async () => {
    const differs = dockerd.capabilities.filter((c) => c.documented !== 'n/a' && c.documented !== c.status);
    // The document describes a sandbox that reaches public registries; these machines reach none, so some rows differ.
    expect(differs.length).toBeGreaterThan(0);
    const result = await cli(['check', '--expect', 'document', '--from', dockerPath]);
    expect(result.exitCode).toBe(1);
    const failures = result.stdout.split('\n').filter((l) => l.startsWith('FAIL '));
    expect(failures.map((l) => /^FAIL (\S+):/.exec(l)?.[1])).toEqual(differs.map((c) => c.id));
    differs.forEach((row, i) => {
      expect(failures[i]).toContain(`expected ${row.documented}, observed ${row.status}${row.reason ? ` [${row.reason}]` : ''}: ${row.detail}`);
    });
  });

  it('check --format junit: the JUnit consumer counts one failure per differing row', async () => {
    const differs = dockerd.capabilities.filter((c) => c.documented !== 'n/a' && c.documented !== c.status);
    const xmlPath = join(dir, 'check.xml');
    const result = await cli(['check', '--expect', 'document', '--from', dockerPath, '--format', 'junit', '-o', xmlPath]);
    expect(result.exitCode).toBe(differs.length > 0 ? 1 : 0);
    const consumer = await execa(
      '/usr/bin/python3',
      ['-c', 'import sys, json\nfrom junitparser import JUnitXml, Failure\nx = JUnitXml.fromfile(sys.argv[1])\nprint(json.dumps([c.name for s in x for c in s if any(isinstance(r, Failure) for r in c.result)]))', xmlPath],
      { reject: false },
    );
    expect(consumer.exitCode, consumer.stderr).toBe(0);
    expect((JSON.parse(consumer.stdout) as string[]).sort()).toEqual(differs.map((c) => c.id).sort());
  });
});
