/**
 * Verdicts from docker CLI runs that reach a registry (manifest inspect, imagetools inspect, content-trust
 * pulls): the shared error table, plus the few CLI messages it does not name that these commands print.
 */
import type { Classified } from './errors.js';
import { classifyError } from './errors.js';
import type { CliResult } from './docker-cli.js';

/** Ordered, checked before the shared table: messages only these CLI commands print. */
const CLI_PATTERNS: ReadonlyArray<readonly [RegExp, (m: string) => Classified]> = [
  // `docker manifest inspect`: the registry answered that the reference has no manifest.
  [/no such manifest/i, (m) => ({ status: 'unsupported', reason: 'not-found', message: m })],
  // Content trust: the notary server answered, but holds no signatures for this image.
  [/does not have trust data|no valid trust data|no trust data available/i, (m) => ({ status: 'unsupported', reason: 'not-found', message: m })],
  // A plain-HTTP server where TLS was expected (a registry or notary without TLS).
  [/server gave HTTP response to HTTPS client|first record does not look like a TLS handshake/i, (m) => ({ status: 'unsupported', reason: 'tls', message: m })],
  // An old CLI with `docker manifest` behind the experimental switch.
  [/only supported on a Docker cli with experimental/i, (m) => ({ status: 'unsupported', reason: 'plugin-missing', message: m })],
];

/** The verdict for a CLI command that did not succeed. */
export function classifyCliFailure(result: CliResult): Classified {
  const message = (result.stderr.trim() || result.stdout.trim() || `exit code ${String(result.exitCode)}`).replace(/^Error( response from daemon)?:\s*/i, '');
  if (result.timedOut) return { status: 'unknown', reason: 'timeout', message: `${result.command} timed out: ${message}` };
  if (result.missing) return { status: 'unsupported', reason: 'plugin-missing', message };
  for (const [pattern, make] of CLI_PATTERNS) if (pattern.test(message)) return make(message);
  return classifyError({ stderr: message });
}

/** The registry host of an image reference (`docker.io` when the reference names none), without the port. */
export function registryHostOf(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  const named = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!named) return 'docker.io';
  if (first.startsWith('[')) return first.slice(1, first.indexOf(']'));
  return first.replace(/:\d+$/, '');
}

/**
 * True for registries on loopback. The engine treats them as insecure (plain HTTP allowed), so the CLI's
 * own registry client is told the same with --insecure: otherwise it reports "no such manifest" for a
 * manifest that is there.
 */
export function isLoopbackRegistry(ref: string): boolean {
  const host = registryHostOf(ref);
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Reads a string option (from the command line or a test), ignoring anything that is not a non-empty string. */
export function stringOption(options: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = options[key];
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** The first line of a CLI message, for a verdict's one-sentence detail. */
export function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim())?.trim() ?? text;
}
