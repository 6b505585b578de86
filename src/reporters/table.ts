/** The human view: environment, then the capabilities grouped as the source document groups them. */
import { SECTION_TITLES, SectionSchema, type Section } from '../model.js';
import type { CapabilityResult, Report } from '../report.js';
import { pad, paintStatus, palette, STATUS_MARK, truncate, type RenderOptions } from './style.js';
import type { ChalkInstance } from 'chalk';
import { REGISTRY_COLUMNS, registryRows } from './registry-matrix.js';

function environmentLines(report: Report, c: ChalkInstance): string[] {
  const { engine, probeImage, host, dockerCli } = report.environment;
  const lines = [c.bold(`cap-probe ${report.tool.version} — run ${report.runId}, ${report.startedAt}, ${(report.durationMs / 1000).toFixed(1)} s`)];
  if (engine.facts) {
    const f = engine.facts;
    lines.push(`Engine:   ${f.engine} ${f.version} (API ${f.apiVersion}, spoken at ${f.negotiatedApiVersion}) at ${engine.endpoint} — ${engine.why}`);
    lines.push(`          ${f.os}, kernel ${f.kernel}, ${f.arch}, storage ${f.storageDriver}, cgroup v${f.cgroupVersion} (${f.cgroupDriver})`);
    lines.push(`          runtimes ${f.runtimes.join(', ') || 'none'} (default ${f.defaultRuntime}); security ${f.securityOptions.join(', ') || 'none'}; rootless ${f.rootless ? 'yes' : 'no'}`);
    const proxies = [f.proxies.http && `HTTP ${f.proxies.http}`, f.proxies.https && `HTTPS ${f.proxies.https}`, f.proxies.no && `no-proxy ${f.proxies.no}`].filter(Boolean);
    lines.push(`          daemon proxies: ${proxies.join(', ') || 'none'}`);
  } else {
    lines.push(c.red(`Engine:   none reachable — ${engine.why}`));
    for (const a of engine.attempts) lines.push(`          tried ${a.url} (${a.why}): ${a.error ?? 'no answer'}`);
  }
  lines.push(`Image:    ${probeImage.ref ? `${probeImage.ref} — ${probeImage.why}` : c.yellow(probeImage.why)}`);
  lines.push(`Client:   docker CLI ${dockerCli.version ?? 'not installed'}; ${host.platform}/${host.arch}, Node ${host.node}, host ${host.hostname}`);
  return lines;
}

function claimText(documented: CapabilityResult['documented']): string {
  return documented === 'n/a' ? 'n/a' : documented;
}

function capabilityLines(rows: readonly CapabilityResult[], c: ChalkInstance, width: number | undefined, idWidth: number): string[] {
  return rows.map((r) => {
    const verdict = paintStatus(c, r.status, pad(`${STATUS_MARK[r.status]} ${r.status}`, 13));
    const differs = r.documented !== 'n/a' && r.documented !== r.status;
    const claim = differs ? c.magenta(`doc: ${claimText(r.documented)}`) : c.dim(`doc: ${claimText(r.documented)}`);
    const reason = r.reason ? c.cyan(`[${r.reason}] `) : '';
    const time = c.dim(`${r.durationMs} ms`);
    const head = `  ${verdict} ${pad(r.id, idWidth)}  ${pad(claim, 20)} ${pad(time, 9)} `;
    const rest = `${reason}${r.detail || r.title}`;
    return head + truncate(rest, width ? Math.max(30, width - idWidth - 48) : undefined);
  });
}

/** The Registry Access Matrix in the document's own layout: one row per registry. */
export function registryMatrixLines(rows: readonly CapabilityResult[], c: ChalkInstance): string[] {
  const cell = (r: CapabilityResult | undefined): string => {
    if (!r) return c.dim('—');
    const facts = r.evidence.facts ?? {};
    const summary = typeof facts.summary === 'string' ? facts.summary : undefined;
    if (r.status === 'supported') return c.green(`✔ ${summary ?? 'yes'}`);
    return paintStatus(c, r.status, `${STATUS_MARK[r.status]} ${summary ?? r.reason ?? r.status}`);
  };
  const table = [['Registry', ...REGISTRY_COLUMNS.map(([, title]) => title)]];
  for (const { name, cells } of registryRows(rows)) table.push([name, ...REGISTRY_COLUMNS.map(([column]) => cell(cells.get(column)))]);
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.replace(/\x1b\[[0-9;]*m/g, '').length)));
  return table.map((row, index) => `  ${row.map((text, i) => pad(index === 0 ? c.bold(text) : text, widths[i]!)).join('  ')}`);
}

export function renderTable(report: Report, options: RenderOptions): string {
  const c = palette(options);
  const lines = environmentLines(report, c);
  const bySection = new Map<Section, CapabilityResult[]>();
  for (const r of report.capabilities) {
    if (!bySection.has(r.section)) bySection.set(r.section, []);
    bySection.get(r.section)?.push(r);
  }
  const idWidth = Math.max(0, ...report.capabilities.map((r) => r.id.length));
  for (const section of SectionSchema.options) {
    const rows = bySection.get(section);
    if (!rows?.length) continue;
    lines.push('', c.bold.underline(SECTION_TITLES[section]));
    if (section === 'registry-access') lines.push(...registryMatrixLines(rows, c), '');
    lines.push(...capabilityLines(rows, c, options.width, idWidth));
  }
  const s = report.summary;
  lines.push('', `${c.green(`${s.supported} supported`)}, ${c.red(`${s.unsupported} unsupported`)}, ${c.yellow(`${s.unknown} unknown`)}${report.interrupted ? c.red(' — run interrupted, verdicts incomplete') : ''}`);
  if (report.cleanup.failures.length) lines.push(c.red(`cleanup left ${report.cleanup.failures.length} resource(s): ${report.cleanup.failures.join('; ')}`));
  return `${lines.join('\n')}\n`;
}
