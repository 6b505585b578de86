import { afterAll, describe, expect, it } from 'vitest';
import containerLifecycle from '../../probes/container-lifecycle.js';
import { docker, expectedStatus, leftovers, runProbes, TEST_IMAGE, truthName, verdict } from '../support/harness.js';

describe('container-lifecycle probe against the real engine', () => {
  const name = truthName('lifecycle');
  afterAll(async () => {
    await docker(['rm', '-f', name]);
  });

  it('decides each lifecycle step as the docker CLI does, and leaves nothing behind', async () => {
    const report = await runProbes([containerLifecycle]);

    const run = await docker(['run', '-d', '--name', name, TEST_IMAGE, 'sh', '-c', 'echo truth-ok; while :; do sleep 1; done']);
    expect(verdict(report, 'container.run.detached').status).toBe(expectedStatus(run));
    const ps = await docker(['ps', '--filter', `name=${name}`, '--format', '{{.Names}}']);
    expect(verdict(report, 'container.ps').status).toBe(expectedStatus(ps.stdout.includes(name)));
    expect(verdict(report, 'container.inspect').status).toBe(expectedStatus(await docker(['inspect', name])));
    const logs = await docker(['logs', name]);
    expect(verdict(report, 'container.logs').status).toBe(expectedStatus(logs.stdout.includes('truth-ok')));
    const stats = await docker(['stats', '--no-stream', '--format', '{{.MemUsage}}', name]);
    expect(verdict(report, 'container.stats').status).toBe(expectedStatus(stats.ok && stats.stdout.trim() !== ''));
    const stop = await docker(['stop', '-t', '1', name]);
    const stoppedState = await docker(['inspect', '-f', '{{.State.Running}}', name]);
    expect(verdict(report, 'container.stop').status).toBe(expectedStatus(stop.ok && stoppedState.stdout.trim() === 'false'));
    const psAll = await docker(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}}']);
    expect(verdict(report, 'container.ps.all').status).toBe(expectedStatus(psAll.stdout.includes(name)));
    const start = await docker(['start', name]);
    expect(verdict(report, 'container.start').status).toBe(expectedStatus(start));
    expect(verdict(report, 'container.restart').status).toBe(expectedStatus(await docker(['restart', '-t', '1', name])));
    expect(verdict(report, 'container.kill').status).toBe(expectedStatus(await docker(['kill', name])));
    expect(verdict(report, 'container.rm').status).toBe(expectedStatus(await docker(['rm', name])));

    expect(await leftovers(report.runId)).toEqual([]);
  });
});
