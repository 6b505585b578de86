/** Reporters by name: each a pure function from a report to text. The CLI alone writes it out. */
import type { Report } from '../report.js';
import { renderJson } from './json.js';
import { renderJsonl } from './jsonl.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { RenderOptions } from './style.js';
import { renderTable } from './table.js';

export type Reporter = (report: Report, options: RenderOptions) => string;

export const REPORTERS = {
  table: renderTable,
  json: renderJson,
  jsonl: renderJsonl,
  markdown: renderMarkdown,
  junit: renderJunit,
} satisfies Record<string, Reporter>;

export type ReporterName = keyof typeof REPORTERS;

export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(REPORTERS, name);
}
