/**
 * Turns the errors probes meet (Engine API answers, socket errors, CLI stderr) into a reason code and a verdict.
 * One table for the whole tool, so "DNS", "proxy 403" or "policy" mean the same thing in every probe.
 */
import type { Reason, Status } from './model.js';

/** Bad user input: the CLI prints its message as one line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Thrown by a probe when an operation returned but its effect is not there (a stopped container still runs,
 * a created network is not listed): `unsupported` with reason `unexpected-result`, not an engine refusal.
 */
export class UnexpectedResult extends Error {
  override readonly name = 'UnexpectedResult';
  constructor(
    message: string,
    /** A finer reason where one fits, e.g. `not-reachable` for a published port that does not answer. */
    readonly reason: Reason = 'unexpected-result',
  ) {
    super(message);
  }
}

export interface Classified {
  readonly status: Status;
  readonly reason: Reason;
  readonly message: string;
}

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  json?: unknown;
  stderr?: unknown;
  name?: unknown;
}

/** The most informative text an error carries: the engine's JSON message, CLI stderr, or the message. */
export function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as ErrorLike;
  const json = e.json as { message?: unknown } | undefined;
  if (json && typeof json.message === 'string' && json.message) return json.message.trim();
  if (typeof e.stderr === 'string' && e.stderr.trim()) return e.stderr.trim();
  if (typeof e.message === 'string') {
    // dockerode prefixes "(HTTP code 500) server error - " before the engine's own words.
    return e.message.replace(/^\(HTTP code \d+\)\s+[^-]*-\s*/, '').trim();
  }
  return String(error);
}

const unsupported = (reason: Reason, message: string): Classified => ({ status: 'unsupported', reason, message });
const unknown = (reason: Reason, message: string): Classified => ({ status: 'unknown', reason, message });

/** Ordered: the first matching pattern wins, so specific causes come before generic ones. */
const MESSAGE_PATTERNS: ReadonlyArray<readonly [RegExp, (m: string) => Classified]> = [
  // Messages the docker CLI prints when it reaches a registry itself (manifest inspect, content trust):
  // the registry or notary answered that the reference has no manifest / no signatures.
  [/no such manifest|does not have trust data|no valid trust data|no trust data available/i, (m) => unsupported('not-found', m)],
  // A plain-HTTP server where TLS was expected (a registry or notary without TLS).
  [/server gave HTTP response to HTTPS client|first record does not look like a TLS handshake/i, (m) => unsupported('tls', m)],
  // An old CLI with `docker manifest` behind the experimental switch.
  [/only supported on a Docker cli with experimental/i, (m) => unsupported('plugin-missing', m)],
  [/proxyconnect|proxy.*\b(403|407)\b|\b(403|407)\b.*proxy|Proxy Authentication Required/i, (m) => unsupported('blocked-by-proxy', m)],
  [/no such host|ENOTFOUND|EAI_AGAIN|server misbehaving|Temporary failure in name resolution|could not resolve host/i, (m) => unsupported('dns', m)],
  [/connection refused|ECONNREFUSED/i, (m) => unsupported('connection-refused', m)],
  [/x509|certificate|CERT_|SSL routines|tls: |self[- ]signed|unable to verify/i, (m) => unsupported('tls', m)],
  [/exec format error/i, (m) => unsupported('platform-mismatch', m)],
  [/toomanyrequests|rate limit/i, (m) => unsupported('rate-limited', m)],
  [/incorrect username or password|authentication failed|unauthorized: (?!authentication required)|denied: requested access/i, (m) => unsupported('auth-failed', m)],
  [/authentication required|unauthorized|no basic auth credentials|401/i, (m) => unsupported('auth-required', m)],
  [/is not a docker command|unknown command|unknown shorthand flag|command not found|ENOENT.*docker|executable file not found/i, (m) => unsupported('plugin-missing', m)],
  [/i\/o timeout|ETIMEDOUT|timed out|timeout|deadline exceeded/i, (m) => unknown('timeout', m)],
  [/manifest unknown|not found|no such (image|file|container|volume|network)/i, (m) => unsupported('not-found', m)],
  [/operation not permitted|permission denied|EACCES|EPERM|not allowed|forbidden|denied/i, (m) => unsupported('refused-by-engine', m)],
];

export function classifyError(error: unknown): Classified {
  const message = errorText(error);
  if (error instanceof UnexpectedResult) return unsupported(error.reason, message);
  if (typeof error === 'object' && error !== null) {
    const e = error as ErrorLike;
    if (e.name === 'AbortError') return unknown('aborted', message || 'aborted');
    if (e.code === 'EACCES' || e.code === 'EPERM') return unsupported('permission-denied', message);
  }
  for (const [pattern, make] of MESSAGE_PATTERNS) {
    if (pattern.test(message)) return make(message);
  }
  // The engine answered with an error status we have no finer name for: it refused the operation.
  if (typeof error === 'object' && error !== null && typeof (error as ErrorLike).statusCode === 'number') {
    return unsupported('refused-by-engine', message);
  }
  return unknown('probe-error', message);
}
