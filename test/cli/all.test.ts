/** `cap-probe all` as a user runs it, against the real engine: the matrix, the cleanup, the decoys. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../src/catalogue.js';
import { ReportSchema, type Report } from '../../src/report.js';
import { cli } from '../support/cli.js';
import { docker, TEST_IMAGE } from '../support/harness.js';

async function snapshot(): Promise<Record<string, string[]>> {
  const list = async (args: string[]) => (await docker(args)).stdout.split('\n').filter(Boolean).sort();
  return {
    containers: await list(['ps', '-a', '--format', '{{.ID}} {{.Names}} {{.State}}']),
    images: await list(['images', '-a', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']),
    networks: await list(['network', 'ls', '--format', '{{.ID}} {{.Name}}']),
    volumes: await list(['volume', 'ls', '--format', '{{.Name}}']),
  };
}

describe('cap-probe all against the real engine', () => {
  // Decoys: a user's resources, some named and labelled like cap-probe's own. All must survive untouched.
  const decoy = 'cap-probe-decoy';
  let before: Record<string, string[]>;
  let report: Report;
  let run: Awaited<ReturnType<typeof cli>>;

  beforeAll(async () => {
    await docker(['rm', '-f', `${decoy}-running`, `${decoy}-stopped`]);
    await docker(['run', '-d', '--name', `${decoy}-running`, '--label', 'io.cap-probe=true', TEST_IMAGE, 'sh', '-c', 'while :; do sleep 1; done']);
    await docker(['create', '--name', `${decoy}-stopped`, '--label', 'io.cap-probe.run=00000000', TEST_IMAGE, 'true']);
    await docker(['network', 'create', '--label', 'io.cap-probe=true', `${decoy}-net`]);
    await docker(['volume', 'create', '--label', 'io.cap-probe=true', `${decoy}-vol`]);
    await docker(['tag', TEST_IMAGE, `${decoy}-image:latest`]);
    before = await snapshot();
    run = await cli(['all', '--json']);
    report = ReportSchema.parse(JSON.parse(run.stdout));
  }, 600_000);

  afterAll(async () => {
    await docker(['rm', '-f', `${decoy}-running`, `${decoy}-stopped`]);
    await docker(['network', 'rm', `${decoy}-net`]);
    await docker(['volume', 'rm', `${decoy}-vol`]);
    await docker(['rmi', `${decoy}-image:latest`]);
  });

  it('completes with exit 0 and a schema-valid matrix on stdout alone', () => {
    expect(run.exitCode).toBe(0);
    expect(report.schemaVersion).toBe(1);
    expect(report.environment.engine.facts?.engine).toBeTruthy();
    expect(report.environment.engine.endpoint).toMatch(/^(unix|tcp|ssh):\/\//);
  });

  it('lists every row of the catalogue, each with a verdict, a reason unless supported, and evidence', () => {
    expect(report.capabilities.map((c) => c.id)).toEqual(CATALOGUE.map((c) => c.id));
    for (const row of report.capabilities) {
      expect(row.reason === null, row.id).toBe(row.status === 'supported');
      if (row.status === 'unknown') expect(row.detail, row.id).not.toBe('');
    }
  });

  it('leaves nothing it made and touches nothing it did not make', async () => {
    const after = await snapshot();
    expect(after).toEqual(before);
    expect(report.cleanup.failures).toEqual([]);
    const labelled = await docker(['ps', '-aq', '--filter', `label=io.cap-probe.run=${report.runId}`]);
    expect(labelled.stdout).toBe('');
  });
});

describe('cap-probe all without an engine', () => {
  it('completes, names the endpoint it tried, marks engine capabilities unsupported, still runs engine-free probes', async () => {
    const socket = '/tmp/cap-probe-no-such-engine.sock';
    const run = await cli(['all', '--json'], { env: { DOCKER_HOST: `unix://${socket}` } });
    expect(run.exitCode).toBe(0);
    const report = ReportSchema.parse(JSON.parse(run.stdout));
    expect(report.environment.engine.facts).toBeNull();
    expect(report.environment.engine.attempts).toEqual([expect.objectContaining({ url: `unix://${socket}`, ok: false })]);
    expect(run.stderr).toContain(socket);
    const engineRows = report.capabilities.filter((c) => c.id.startsWith('container.') || c.id.startsWith('network.') || c.id.startsWith('volume.'));
    expect(engineRows.length).toBeGreaterThan(20);
    for (const row of engineRows) {
      expect(row.status, row.id).toBe('unsupported');
      expect(row.reason, row.id).toBe('engine-unreachable');
      expect(row.detail, row.id).toContain(socket);
    }
  });
});

describe('output conventions', () => {
  it('prints no colour when NO_COLOR is set or stdout is not a terminal, and colour when forced', async () => {
    const plain = await cli(['all', '--only', 'network.ls'], { env: { NO_COLOR: '1' } });
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).not.toMatch(/\x1b\[/);
    expect(plain.stdout).toMatch(/Network Operations/);
    const forced = await cli(['all', '--only', 'network.ls'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(/\x1b\[/);
    const flag = await cli(['all', '--only', 'network.ls', '--no-color'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(flag.stdout).not.toMatch(/\x1b\[/);
  });

  it('lists the catalogue, as text and as JSON', async () => {
    const text = await cli(['list']);
    expect(text.exitCode).toBe(0);
    for (const c of CATALOGUE) expect(text.stdout).toContain(c.id);
    const json = await cli(['list', '--json']);
    expect((JSON.parse(json.stdout) as unknown[]).length).toBe(CATALOGUE.length);
  });
});
