import { afterAll, describe, expect, it } from 'vitest';
import chaos from '../../probes/chaos.js';
import { fetchToken } from '../../src/containers.js';
import { docker, expectedStatus, leftovers, runProbes, TEST_IMAGE, truthName, verdict } from '../support/harness.js';

const SERVE = 'mkdir -p /w && echo cap-probe-ok > /w/index.html && exec httpd -f -p 8080 -h /w';

/** The host port the CLI reports for the container's 8080/tcp (`docker port`). */
async function hostPort(name: string): Promise<number | undefined> {
  const out = await docker(['port', name, '8080/tcp']);
  const port = /:(\d+)\s*$/m.exec(out.stdout)?.[1];
  return port ? Number(port) : undefined;
}

const serves = async (port: number | undefined, attempts = 20) => (port ? fetchToken('127.0.0.1', port, undefined, attempts).then(() => true, () => false) : false);

describe('chaos probe against the real engine', () => {
  const cleanup: string[][] = [];
  afterAll(async () => {
    for (const args of cleanup.reverse()) await docker(args);
  });

  it('stops and restarts a serving container as the docker CLI does, with the recovery time, and leaves nothing behind', async () => {
    const report = await runProbes([chaos]);
    const row = verdict(report, 'testcontainers.chaos');

    // Ground truth: the same stop/start cycle through the CLI, on a container of the test's own.
    const name = truthName('chaos');
    const run = await docker(['run', '-d', '--name', name, '-p', '8080', TEST_IMAGE, 'sh', '-c', SERVE]);
    cleanup.push(['rm', '-f', name]);
    const before = run.ok && (await serves(await hostPort(name)));
    const stop = await docker(['stop', '-t', '1', name]);
    const start = await docker(['start', name]);
    const after = await serves(await hostPort(name), 40);
    expect(row.status).toBe(expectedStatus(before && stop.ok && start.ok && after));

    if (row.status === 'supported') {
      const facts = row.evidence.facts as { recoveryMs: number; downConfirmed: boolean; portBefore: number; portAfter: number };
      expect(facts.recoveryMs).toBeGreaterThan(0);
      expect(facts.downConfirmed).toBe(true);
      expect(row.detail).toContain(`${facts.recoveryMs} ms`);
    }
    expect(await leftovers(report.runId)).toEqual([]);
  });
});
