/**
 * Verdicts from CLI commands (docker plugins, docker-compose) that exited non-zero: the command's own words,
 * classified by the shared error table.
 */
import type { CapabilityId } from './catalogue.js';
import { unknown, unsupported, type Outcome } from './define-probe.js';
import type { CliResult } from './docker-cli.js';
import { classifyError, type Classified } from './errors.js';
import type { Evidence } from './model.js';

/** The last meaningful line of a command's error output: CLIs print progress first and the cause last. */
export function cliMessage(result: CliResult): string {
  const text = (result.stderr.trim() || result.stdout.trim() || `${result.command} exited ${String(result.exitCode)}`).trim();
  return text;
}

/**
 * A failed command as an outcome. A timeout leaves the question open; an error with no finer name is a
 * refusal (the command ran and said no), reported as such with its message.
 */
export function cliFailure<Id extends CapabilityId>(id: Id, result: CliResult, evidence: Evidence, what: string): Outcome<Id> {
  const message = cliMessage(result);
  const lastLine = message.split('\n').filter((l) => l.trim()).pop() ?? message;
  if (result.timedOut) return unknown(id, 'timeout', `${what} timed out`, { ...evidence, error: message });
  // The cause is usually on the last line; earlier lines are progress. The whole text only when the last says nothing.
  const last = classifyError(lastLine);
  const c = last.status === 'unknown' && last.reason === 'probe-error' ? classifyError(message) : last;
  const detail = `${what} failed: ${lastLine}`;
  if (c.status === 'unknown' && c.reason !== 'probe-error') return unknown(id, c.reason, detail, { ...evidence, error: message });
  return unsupported(id, c.status === 'unknown' ? 'refused-by-engine' : c.reason, detail, { ...evidence, error: message });
}

/** The verdict for a CLI command that did not succeed: its own words, classified by the shared error table. */
export function classifyCliFailure(result: CliResult): Classified {
  const message = (result.stderr.trim() || result.stdout.trim() || `exit code ${String(result.exitCode)}`).replace(/^Error( response from daemon)?:\s*/i, '');
  if (result.timedOut) return { status: 'unknown', reason: 'timeout', message: `${result.command} timed out: ${message}` };
  if (result.missing) return { status: 'unsupported', reason: 'plugin-missing', message };
  return classifyError({ stderr: message });
}

/** The first line of a CLI message, for a verdict's one-sentence detail. */
export function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim())?.trim() ?? text;
}
