import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import containerRun from '../../probes/container-run.js';
import { docker, expectedStatus, leftovers, runProbes, TEST_IMAGE, truthName, verdict } from '../support/harness.js';

describe('container-run probe against the real engine', () => {
  const server = truthName('publish');
  afterAll(async () => {
    await docker(['rm', '-f', server]);
  });

  it('decides --rm, -it and -p as the docker CLI does, and leaves nothing behind', async () => {
    const report = await runProbes([containerRun]);

    const rmName = truthName('rm');
    const rm = await docker(['run', '--rm', '--name', rmName, TEST_IMAGE, 'echo', 'truth-ok']);
    const gone = !(await docker(['inspect', rmName])).ok;
    expect(verdict(report, 'container.run.rm').status).toBe(expectedStatus(rm.ok && rm.stdout.includes('truth-ok') && gone));

    // A real terminal for `docker run -it`: script(1) gives the CLI a pseudo-terminal.
    const tty = await execa('script', ['-qec', `docker run -it --rm ${TEST_IMAGE} sh -c '[ -t 0 ] && [ -t 1 ] && echo TTY-YES'`, '/dev/null'], { reject: false });
    expect(verdict(report, 'container.run.tty').status).toBe(expectedStatus(String(tty.stdout).includes('TTY-YES')));

    await docker(['run', '-d', '--name', server, '-p', '127.0.0.1::8080', TEST_IMAGE, 'sh', '-c', 'mkdir -p /w && echo cap-probe-ok > /w/index.html && exec httpd -f -p 8080 -h /w']);
    const port = (await docker(['port', server, '8080'])).stdout.split(':').pop();
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
      reached = await fetch(`http://127.0.0.1:${port}/index.html`).then(async (r) => (await r.text()).includes('cap-probe-ok'), () => false);
      if (!reached) await new Promise((r) => setTimeout(r, 250));
    }
    expect(verdict(report, 'container.run.publish').status).toBe(expectedStatus(reached));
    expect(verdict(report, 'container.run.publish').evidence.facts?.port).toEqual(expect.any(Number));

    expect(await leftovers(report.runId)).toEqual([]);
  });
});
