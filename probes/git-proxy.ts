/**
 * The document's separate git proxy: can git reach an HTTPS remote, through whatever proxy git would use?
 * One `git ls-remote <remote> HEAD` with a short timeout. The remote is configurable (option `gitRemote`,
 * env CAP_PROBE_GIT_REMOTE) so a user can name their own host and tests can name a local one.
 */
import { execa } from 'execa';
import { defineProbe, supported, unknown, unsupported, type Outcome, type ProbeContext } from '../src/define-probe.js';
import { classifyError } from '../src/errors.js';
import type { Reason } from '../src/model.js';

export const DEFAULT_GIT_REMOTE = 'https://github.com/git/git';
const TIMEOUT_MS = 20_000;
const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'];

/** Proxy URLs without their user:password, so evidence never holds a secret. */
export function redactUrl(value: string): string {
  return value.replace(/\/\/[^/@\s]*@/g, '//***@');
}

/** git's (libcurl's) words for failures the shared table has no pattern for, checked first. */
const GIT_PATTERNS: ReadonlyArray<readonly [RegExp, 'unsupported' | 'unknown', Reason]> = [
  [/Couldn't connect to server|Failed to connect to .* Connection refused/i, 'unsupported', 'connection-refused'],
  [/Received HTTP code (403|407) from proxy|Proxy CONNECT aborted/i, 'unsupported', 'blocked-by-proxy'],
  [/could not read Username|Authentication failed/i, 'unsupported', 'auth-required'],
  [/repository '.*' not found|HTTP 404|returned error: 404/i, 'unsupported', 'not-found'],
  [/Operation timed out|Connection timed out/i, 'unknown', 'timeout'],
];

export function classifyGitError(stderr: string): { status: 'unsupported' | 'unknown'; reason: Reason } {
  for (const [pattern, status, reason] of GIT_PATTERNS) if (pattern.test(stderr)) return { status, reason };
  const shared = classifyError(stderr);
  return { status: shared.status === 'supported' ? 'unknown' : shared.status, reason: shared.reason };
}

export default defineProbe({
  id: 'git-proxy',
  title: 'git reaches an HTTPS remote (the separate git proxy)',
  decides: ['security.git-proxy'],
  needs: [],
  async run(ctx) {
    // Recorded rather than returned, so each row carries the time the probe took.
    for (const outcome of await lsRemote(ctx)) ctx.record(outcome);
  },
});

async function lsRemote(ctx: ProbeContext<'security.git-proxy'>): Promise<Array<Outcome<'security.git-proxy'>>> {
  const id = 'security.git-proxy';
  const option = ctx.options.gitRemote;
  const remote = (typeof option === 'string' && option) || process.env.CAP_PROBE_GIT_REMOTE || DEFAULT_GIT_REMOTE;
  // A remote may carry a token (https://user:token@host/...): evidence shows it without.
  const shown = redactUrl(remote);
  const command = `git ls-remote ${shown} HEAD`;
  const gitEnv = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' };

  const proxyEnv: Record<string, string> = {};
  for (const name of PROXY_VARIABLES) if (process.env[name]) proxyEnv[name] = redactUrl(process.env[name]!);
  const configured = await execa('git', ['config', '--get-urlmatch', 'http.proxy', remote], { reject: false, timeout: 5_000 });
  if ((configured as { code?: string }).code === 'ENOENT') {
    return [unsupported(id, 'plugin-missing', 'git is not installed (no `git` on PATH)', { tried: ['git --version'] })];
  }
  const gitProxy = configured.exitCode === 0 ? redactUrl(String(configured.stdout).trim()) : null;
  const facts = { remote: shown, proxyEnv, gitConfigHttpProxy: gitProxy };
  const tried = [`git config --get-urlmatch http.proxy ${shown}`, command];

  const started = performance.now();
  const result = await execa('git', ['ls-remote', remote, 'HEAD'], { reject: false, timeout: TIMEOUT_MS, env: gitEnv, cancelSignal: ctx.signal });
  const elapsedMs = Math.round(performance.now() - started);
  const stderr = redactUrl(String(result.stderr).trim());
  const via = gitProxy ? ` through http.proxy ${gitProxy}` : proxyEnv.https_proxy || proxyEnv.HTTPS_PROXY ? ` through ${proxyEnv.https_proxy ?? proxyEnv.HTTPS_PROXY}` : '';
  if (result.timedOut) return [unknown(id, 'timeout', `${command} did not finish within ${TIMEOUT_MS / 1000} s${via}`, { tried, facts: { ...facts, elapsedMs } })];
  if (result.exitCode === 0) {
    const head = String(result.stdout).trim().split('\n')[0] ?? '';
    return [supported(id, `git reached ${shown}${via}: HEAD ${head.split(/\s+/)[0]?.slice(0, 12) ?? '?'}`, { tried, facts: { ...facts, head, elapsedMs } })];
  }
  const { status, reason } = classifyGitError(stderr);
  const firstLine = stderr.split('\n').find(Boolean) ?? `exit ${result.exitCode}`;
  const make = status === 'unknown' ? unknown : unsupported;
  return [make(id, reason, `git could not reach ${shown}${via}: ${firstLine}`, { tried, error: stderr || `exit ${result.exitCode}`, facts: { ...facts, exitCode: result.exitCode ?? null, elapsedMs } })];
}
