/**
 * Content trust and image scanners, through the docker CLI:
 *   content trust  a real pull with DOCKER_CONTENT_TRUST=1 (of the document's nginx:latest unless the
 *                  `contentTrustImage` option names another image; `contentTrustServer` names the notary).
 *                  Supported only when the pull succeeded and shows the trust path (a pull by signed digest);
 *                  otherwise the real reason (no notary reachable: dns, connection-refused, tls, ...).
 *   scanner        `docker scout version` and `docker scan --help` — a plugin answering either is a scanner.
 *                  Beware: without the plugin, `docker scan --help` prints the CLI's general help and exits 0,
 *                  so only its own usage line counts.
 */
import { classifyCliFailure, firstLine } from '../src/cli-outcome.js';
import { defineProbe, stringOption, supported, unknown, unsupported } from '../src/define-probe.js';
import type { CliResult } from '../src/docker-cli.js';
import { imageExists } from '../src/images.js';

export const DEFAULT_TRUST_IMAGE = 'nginx:latest';

/** The CLI's trust path prints the signed digest it pulls and tags. */
const TRUST_PATH = /Pull \(\d+ of \d+\):|Tagging \S+@sha256:[0-9a-f]{64} as /;

const NOT_A_COMMAND = /unknown command|is not a docker command/i;

/** The line showing a pull went through the trust path (by signed digest), or undefined. */
export function trustPathOf(pull: CliResult): string | undefined {
  // "Pull (1 of 1): ...@sha256:..." goes to stdout, "Tagging ...@sha256:... as ..." to stderr.
  const said = `${pull.stdout}\n${pull.stderr}`;
  const match = said.match(TRUST_PATH);
  return match ? firstLine(said.slice(match.index)) : undefined;
}

export interface ScannerAnswer {
  readonly name: 'docker scout' | 'docker scan';
  readonly present: boolean;
  readonly said: string;
}

/** Reads the two scanner commands' answers; exported for unit tests with recorded CLI output. */
export function scannerAnswers(scout: CliResult, scan: CliResult): ScannerAnswer[] {
  const scoutPresent = scout.exitCode === 0 && !NOT_A_COMMAND.test(`${scout.stdout}\n${scout.stderr}`);
  const scanPresent = scan.exitCode === 0 && /Usage:\s+docker scan\b/.test(scan.stdout);
  return [
    { name: 'docker scout', present: scoutPresent, said: firstLine(scout.stdout || scout.stderr) },
    { name: 'docker scan', present: scanPresent, said: firstLine(scan.stdout.includes('Usage:') ? (scan.stdout.match(/Usage:.*$/m)?.[0] ?? scan.stdout) : scan.stdout || scan.stderr) },
  ];
}

export default defineProbe({
  id: 'image-security',
  title: 'Pull with Docker Content Trust; an image scanner (docker scout / docker scan) present',
  decides: ['security.content-trust', 'security.scan'],
  needs: ['docker-cli'],
  async run(ctx) {
    // ── scanner ──
    const [scout, scan] = await Promise.all([
      ctx.cli.run(['scout', 'version'], { signal: ctx.signal, timeoutMs: 20_000 }),
      ctx.cli.run(['scan', '--help'], { signal: ctx.signal, timeoutMs: 20_000 }),
    ]);
    const scanTried = ['docker scout version', 'docker scan --help'];
    if (scout.timedOut && scan.timedOut) {
      ctx.record(unknown('security.scan', 'timeout', 'neither docker scout nor docker scan answered in time', { tried: scanTried }));
    } else {
      const answers = scannerAnswers(scout, scan);
      const present = answers.filter((a) => a.present);
      const facts = Object.fromEntries(answers.map((a) => [a.name, { present: a.present, said: a.said }]));
      ctx.record(
        present.length > 0
          ? supported('security.scan', `scanner present: ${present.map((a) => `${a.name} (${a.said})`).join(', ')}`, { tried: scanTried, facts })
          : unsupported('security.scan', 'plugin-missing', 'no scanner plugin: neither docker scout nor docker scan is installed', { tried: scanTried, error: `${firstLine(scout.stderr)} / ${firstLine(scan.stderr || 'docker scan --help printed the general help')}`, facts }),
      );
    }

    // ── content trust ──
    const ref = stringOption(ctx.options, 'contentTrustImage') ?? DEFAULT_TRUST_IMAGE;
    const server = stringOption(ctx.options, 'contentTrustServer');
    const tried = [`${server ? `DOCKER_CONTENT_TRUST_SERVER=${server} ` : ''}DOCKER_CONTENT_TRUST=1 docker pull ${ref}`];
    if (!ctx.docker) {
      ctx.record(unsupported('security.content-trust', 'engine-unreachable', 'a pull needs an engine, and none answered', { tried }));
      return;
    }
    const existed = await imageExists(ctx.docker, ref);
    const env: Record<string, string> = { DOCKER_CONTENT_TRUST: '1', ...(server ? { DOCKER_CONTENT_TRUST_SERVER: server } : {}) };
    const pull = await ctx.cli.run(['pull', ref], { env, signal: ctx.signal, timeoutMs: 120_000 });
    // Whatever the pull brought in that was not there before is cap-probe's to remove.
    if (!existed && (await imageExists(ctx.docker, ref))) ctx.resources.track('image', ref);

    if (pull.exitCode === 0) {
      const path = trustPathOf(pull);
      ctx.record(
        path
          ? supported('security.content-trust', `pulled ${ref} with content trust: the CLI verified its signed digest`, { tried, facts: { trustPath: path } })
          : unsupported('security.content-trust', 'unexpected-result', `the pull succeeded, but shows no sign of trust verification (no pull by signed digest)`, { tried, error: pull.stdout.slice(-500) }),
      );
      return;
    }
    const c = classifyCliFailure(pull);
    const evidence = { tried, error: c.message, facts: { exitCode: pull.exitCode } };
    const detail = /notary|trust/i.test(c.message) ? `content trust: ${firstLine(c.message)}` : firstLine(c.message);
    ctx.record(c.status === 'unknown' ? unknown('security.content-trust', c.reason, detail, evidence) : unsupported('security.content-trust', c.reason, detail, evidence));
  },
});
