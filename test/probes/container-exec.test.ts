import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import containerExec from '../../probes/container-exec.js';
import { docker, expectedStatus, leftovers, runProbes, TEST_IMAGE, truthName, verdict } from '../support/harness.js';

describe('container-exec probe against the real engine', () => {
  const name = truthName('exec');
  afterAll(async () => {
    await docker(['rm', '-f', name]);
  });

  it('decides exec and exec -it as the docker CLI does, and leaves nothing behind', async () => {
    const report = await runProbes([containerExec]);

    await docker(['run', '-d', '--name', name, TEST_IMAGE, 'sh', '-c', 'while :; do sleep 1; done']);
    const exec = await docker(['exec', name, 'echo', 'truth-ok']);
    expect(verdict(report, 'container.exec').status).toBe(expectedStatus(exec.ok && exec.stdout.includes('truth-ok')));
    const tty = await execa('script', ['-qec', `docker exec -it ${name} sh -c '[ -t 0 ] && [ -t 1 ] && echo TTY-YES'`, '/dev/null'], { reject: false });
    expect(verdict(report, 'container.exec.tty').status).toBe(expectedStatus(String(tty.stdout).includes('TTY-YES')));

    expect(await leftovers(report.runId)).toEqual([]);
  });
});
