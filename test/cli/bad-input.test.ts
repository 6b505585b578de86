import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

/** Bad input: one clear line on stderr, exit 2, nothing on stdout, never a stack trace. */
describe('bad input', () => {
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['an unknown capability in --only', ['all', '--only', 'container.teleport'], {}, /--only container\.teleport: no capability/],
    ['an unknown capability in --skip', ['all', '--skip', 'nope.*'], {}, /--skip nope\.\*: no capability/],
    ['a malformed --timeout', ['all', '--timeout', 'soon'], {}, /--timeout "soon" is not a duration/],
    ['a malformed --concurrency', ['all', '--concurrency', '0'], {}, /--concurrency "0" is not a positive whole number/],
    ['DOCKER_HOST=garbage', ['all'], { DOCKER_HOST: 'garbage' }, /DOCKER_HOST=garbage is not an engine address/],
    ['DOCKER_HOST with an unknown scheme', ['all'], { DOCKER_HOST: 'ftp://x' }, /unsupported scheme "ftp"/],
    ['a malformed --host', ['all', '--host', '::::'], {}, /--host=:::: is not an engine address/],
    ['an unknown option', ['all', '--frobnicate'], {}, /unknown option '--frobnicate'/],
    ['an unknown command', ['teleport'], {}, /unknown command 'teleport'/],
    ['an unknown format', ['all', '--format', 'yaml'], {}, /yaml/],
  ];
  for (const [what, args, env, message] of cases) {
    it(`rejects ${what}`, async () => {
      const run = await cli(args, { env });
      expect(run.exitCode).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.split('\n').filter((l) => l && !l.startsWith('(run with --help'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^cap-probe: /);
      expect(lines[0]).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe('help and version', () => {
  it('teaches usage with examples and exit codes', async () => {
    const run = await cli(['all', '--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/--only <patterns/);
    expect(run.stdout).toMatch(/Exit codes/);
  });

  it('prints the version', async () => {
    const run = await cli(['--version']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
