/**
 * JSON Lines: one capability row per line, for streaming into other tools (jq, log shippers).
 * `cap-probe all --format jsonl` writes each line as soon as the row's outcome is known; for a finished
 * report (e.g. `--from`) every row is written at once. Each line validates against the schema's capability item.
 */
import type { CapabilityResult, Report } from '../report.js';

export function renderJsonlLine(result: CapabilityResult): string {
  return `${JSON.stringify(result)}\n`;
}

export function renderJsonl(report: Report): string {
  return report.capabilities.map(renderJsonlLine).join('');
}
