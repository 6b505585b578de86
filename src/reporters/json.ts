import type { Report } from '../report.js';

/** The matrix as one JSON document (schema: `cap-probe schema`). */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
