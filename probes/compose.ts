/**
 * Docker Compose: finds the v2 plugin (`docker compose`) and the standalone binary (`docker-compose`, v1 or v2),
 * then runs a tiny project of cap-probe's own through the document's commands: up -d, logs, up -d --scale,
 * exec, down -v. Each step is checked against the engine (containers running, the scaled count, the volume's
 * content, nothing of the project left after down), not just against the command's exit code.
 *
 * The project is named cap-probe-<run id>; its services, network and volume carry the run's label, so the
 * ledger's label sweep removes whatever a cut-short run leaves.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { cliFailure } from '../src/cli-outcome.js';
import { defineProbe, supported, unknown, unsupported } from '../src/define-probe.js';
import type { CliResult, CliRunOptions, DockerCli } from '../src/docker-cli.js';
import { NAME_PREFIX } from '../src/ledger.js';

type ComposeId = 'compose.up' | 'compose.logs' | 'compose.scale' | 'compose.exec' | 'compose.down';
const ALL: readonly ComposeId[] = ['compose.up', 'compose.logs', 'compose.scale', 'compose.exec', 'compose.down'];

/** How many workers `up --scale` asks for: enough to show scaling, few enough to stay quick. */
export const SCALE_TO = 3;
export const PROJECT_LABEL = 'com.docker.compose.project';
export const SERVICE_LABEL = 'com.docker.compose.service';

export interface ComposeVariant {
  /** `plugin` is `docker compose` (v2); `standalone` is the `docker-compose` binary (v1 or v2). */
  readonly kind: 'plugin' | 'standalone';
  readonly version: string;
  /** The command line prefix, as a person would type it. */
  readonly command: string;
  run(args: readonly string[], options?: CliRunOptions): Promise<CliResult>;
}

export interface ComposeDiscovery {
  readonly variant: ComposeVariant | null;
  readonly tried: string[];
  readonly facts: Record<string, unknown>;
}

/** `1.29.2` from "docker-compose version 1.29.2, build unknown", `2.27.0` from "Docker Compose version v2.27.0". */
export function composeVersion(output: string): string | undefined {
  return /version v?(\d+\.\d+\.\d+[^\s,]*)/i.exec(output)?.[1] ?? /^v?(\d+\.\d+\.\d+\S*)$/m.exec(output.trim())?.[1];
}

/** The v2 plugin first (what `docker compose` users get), then the standalone binary. Both are recorded. */
export async function discoverCompose(cli: DockerCli, signal?: AbortSignal): Promise<ComposeDiscovery> {
  const opts = { timeoutMs: 20_000, ...(signal ? { signal } : {}) };
  const [plugin, standalone] = await Promise.all([cli.run(['compose', 'version'], opts), cli.exec('docker-compose', ['version'], opts)]);
  const pluginVersion = plugin.exitCode === 0 ? composeVersion(plugin.stdout) : undefined;
  const standaloneVersion = standalone.exitCode === 0 ? composeVersion(standalone.stdout) : undefined;
  const facts = {
    plugin: pluginVersion ?? null,
    pluginAnswer: (plugin.exitCode === 0 ? plugin.stdout : plugin.stderr).split('\n')[0] ?? '',
    standalone: standaloneVersion ?? null,
    standaloneAnswer: (standalone.exitCode === 0 ? standalone.stdout : standalone.stderr).split('\n')[0] ?? '',
  };
  const tried = ['docker compose version', 'docker-compose version'];
  if (pluginVersion) {
    return { variant: { kind: 'plugin', version: pluginVersion, command: 'docker compose', run: (args, o) => cli.run(['compose', ...args], o) }, tried, facts };
  }
  if (standaloneVersion) {
    return { variant: { kind: 'standalone', version: standaloneVersion, command: 'docker-compose', run: (args, o) => cli.exec('docker-compose', args, o) }, tried, facts };
  }
  return { variant: null, tried, facts };
}

export interface ProjectSpec {
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Written by `web` to its volume at start; read back by `exec`. */
  readonly volumeToken: string;
  /** Printed by `web` once started; read back by `logs`. */
  readonly logToken: string;
}

/**
 * The project file. Version 2.4 is the newest both Compose v1 and v2 read, and it allows labels on networks and
 * volumes. The services trap TERM so they stop at once instead of waiting out the stop timeout as PID 1.
 */
export function composeFile(spec: ProjectSpec): string {
  const labels = Object.entries(spec.labels).map(([k, v]) => `      ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join('\n');
  const idle = 'trap \\"exit 0\\" TERM; while true; do sleep 1; done';
  return `version: "2.4"
services:
  web:
    image: ${JSON.stringify(spec.image)}
    command: ["/bin/sh", "-c", "mkdir -p /data && echo ${spec.volumeToken} > /data/token && echo ${spec.logToken}; ${idle}"]
    labels:
${labels}
    networks: [probe]
    volumes: ["data:/data"]
  worker:
    image: ${JSON.stringify(spec.image)}
    command: ["/bin/sh", "-c", "${idle}"]
    labels:
${labels}
    networks: [probe]
networks:
  probe:
    labels:
${labels}
volumes:
  data:
    labels:
${labels}
`;
}

interface ProjectState {
  readonly running: Record<string, number>;
  readonly containers: number;
  readonly networks: string[];
  readonly volumes: string[];
}

/** What the engine holds of a compose project, by the label Compose puts on everything it creates. */
export async function projectState(docker: Dockerode, project: string): Promise<ProjectState> {
  const filters = JSON.stringify({ label: [`${PROJECT_LABEL}=${project}`] });
  const [containers, networks, volumes] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters }), docker.listVolumes({ filters })]);
  const running: Record<string, number> = {};
  for (const c of containers) {
    const service = c.Labels?.[SERVICE_LABEL] ?? '?';
    if (c.State === 'running') running[service] = (running[service] ?? 0) + 1;
  }
  return { running, containers: containers.length, networks: networks.map((n) => n.Name), volumes: (volumes.Volumes ?? []).map((v) => v.Name) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export default defineProbe({
  id: 'compose',
  title: 'Docker Compose (v2 plugin or standalone): up, logs, scale, exec, down',
  decides: [...ALL],
  needs: ['engine', 'image'],
  timeoutMs: 180_000,
  async run(ctx) {
    const docker = ctx.docker!;
    const found = await discoverCompose(ctx.cli, ctx.signal);
    // A cancelled `version` is no answer: never read it as a missing plugin.
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!found.variant) {
      for (const id of ALL) ctx.record(unsupported(id, 'plugin-missing', 'neither the Compose v2 plugin (docker compose) nor the standalone docker-compose is installed', { tried: found.tried, facts: found.facts }));
      return undefined;
    }
    const compose = found.variant;
    const project = `${NAME_PREFIX}-${ctx.runId}`;
    const dir = mkdtempSync(join(tmpdir(), 'cap-probe-compose-'));
    const file = join(dir, 'compose.yaml');
    const spec: ProjectSpec = { image: ctx.image!.ref, labels: ctx.resources.labels, volumeToken: `vol-${randomBytes(6).toString('hex')}`, logToken: `log-${randomBytes(6).toString('hex')}` };
    writeFileSync(file, composeFile(spec));
    const base = ['-p', project, '-f', file];
    const show = (args: readonly string[]) => `${compose.command} -p ${project} -f compose.yaml ${args.join(' ')}`;
    const variantFacts = { variant: compose.kind, command: compose.command, version: compose.version, ...found.facts };
    const run = async (args: readonly string[], timeoutMs = 90_000) => {
      const result = await compose.run([...base, ...args], { timeoutMs, signal: ctx.signal });
      // Cut short (timeout, Ctrl-C): no further step; the finally below takes the project down.
      if (ctx.signal.aborted) throw ctx.signal.reason;
      return result;
    };
    const skipped = (ids: readonly ComposeId[], why: string, tried: string[]) => {
      for (const id of ids) ctx.record(unknown(id, 'dependency-failed', why, { tried, facts: variantFacts }));
    };
    let downDone = false;

    try {
      // up -d: both services running, seen by the engine.
      const upArgs = ['up', '-d'];
      const up = await run(upArgs);
      const afterUp = await projectState(docker, project);
      if (up.exitCode !== 0) {
        ctx.record(cliFailure('compose.up', up, { tried: [show(upArgs)], facts: { ...variantFacts, state: afterUp } }, `${compose.command} up -d`));
        skipped(['compose.logs', 'compose.scale', 'compose.exec'], 'compose up failed, so there is no project to work on', [show(upArgs)]);
      } else if (afterUp.running.web !== 1 || afterUp.running.worker !== 1) {
        ctx.record(unsupported('compose.up', 'unexpected-result', `${compose.command} up -d succeeded but the services are not running`, { tried: [show(upArgs)], error: up.stderr, facts: { ...variantFacts, state: afterUp } }));
        skipped(['compose.logs', 'compose.scale', 'compose.exec'], 'compose up did not leave the services running', [show(upArgs)]);
      } else {
        ctx.record(supported('compose.up', `${compose.command} ${compose.version} (${compose.kind}) started the project's services`, { tried: [show(upArgs)], facts: { ...variantFacts, state: afterUp } }));

        // logs: the line web printed once started. Without -f: following would never end.
        const logsArgs = ['logs', '--no-color', 'web'];
        let logs = await run(logsArgs);
        for (let i = 0; i < 10 && logs.exitCode === 0 && !logs.stdout.includes(spec.logToken); i++) {
          await sleep(300);
          logs = await run(logsArgs);
        }
        if (logs.exitCode !== 0) ctx.record(cliFailure('compose.logs', logs, { tried: [show(logsArgs)], facts: variantFacts }, `${compose.command} logs`));
        else if (logs.stdout.includes(spec.logToken)) ctx.record(supported('compose.logs', 'the service\'s log line came back through compose logs', { tried: [show(logsArgs)], facts: { ...variantFacts, token: spec.logToken } }));
        else ctx.record(unsupported('compose.logs', 'unexpected-result', 'compose logs answered without the line the service printed', { tried: [show(logsArgs)], error: logs.stdout.slice(-500), facts: variantFacts }));

        // up --scale: the engine runs exactly the asked number of workers.
        const scaleArgs = ['up', '-d', '--scale', `worker=${SCALE_TO}`];
        const scale = await run(scaleArgs);
        const afterScale = await projectState(docker, project);
        if (scale.exitCode !== 0) ctx.record(cliFailure('compose.scale', scale, { tried: [show(scaleArgs)], facts: { ...variantFacts, state: afterScale } }, `${compose.command} up --scale`));
        else if (afterScale.running.worker === SCALE_TO) ctx.record(supported('compose.scale', `worker scaled to ${SCALE_TO} running containers`, { tried: [show(scaleArgs)], facts: { ...variantFacts, state: afterScale } }));
        else ctx.record(unsupported('compose.scale', 'unexpected-result', `asked for ${SCALE_TO} workers, the engine runs ${afterScale.running.worker ?? 0}`, { tried: [show(scaleArgs)], error: scale.stderr, facts: { ...variantFacts, state: afterScale } }));

        // exec: read back what web wrote to its volume. -T: cap-probe has no terminal to give it.
        const execArgs = ['exec', '-T', 'web', 'cat', '/data/token'];
        const exec = await run(execArgs);
        if (exec.exitCode !== 0) ctx.record(cliFailure('compose.exec', exec, { tried: [show(execArgs)], facts: variantFacts }, `${compose.command} exec`));
        else if (exec.stdout.trim() === spec.volumeToken) ctx.record(supported('compose.exec', 'a command ran in the service and read its volume', { tried: [show(execArgs)], facts: { ...variantFacts, output: exec.stdout.trim() } }));
        else ctx.record(unsupported('compose.exec', 'unexpected-result', 'compose exec answered something other than the file the service wrote', { tried: [show(execArgs)], error: exec.stdout.slice(-500), facts: variantFacts }));
      }

      // down -v: containers, the network and the volume all gone. Run even when up failed: it cleans up.
      const downArgs = ['down', '-v', '--remove-orphans', '-t', '1'];
      const down = await run(downArgs);
      const afterDown = await projectState(docker, project);
      const left = afterDown.containers + afterDown.networks.length + afterDown.volumes.length;
      downDone = down.exitCode === 0 && left === 0;
      const downEvidence = { tried: [show(downArgs)], facts: { ...variantFacts, state: afterDown, removedCreated: { networks: afterUp.networks, volumes: afterUp.volumes } } };
      if (down.exitCode !== 0) ctx.record(cliFailure('compose.down', down, downEvidence, `${compose.command} down -v`));
      else if (left > 0) ctx.record(unsupported('compose.down', 'unexpected-result', `down -v left ${afterDown.containers} container(s), networks [${afterDown.networks.join(', ')}], volumes [${afterDown.volumes.join(', ')}]`, { ...downEvidence, error: down.stderr }));
      else if (afterUp.networks.length === 0 || afterUp.volumes.length === 0) {
        // Nothing to remove proves nothing: down is only decided when up had made a network and a volume.
        ctx.record(unknown('compose.down', 'dependency-failed', 'compose up made no network and volume, so down had nothing to remove', downEvidence));
      } else ctx.record(supported('compose.down', `down -v removed the containers, the network (${afterUp.networks.join(', ')}) and the volume (${afterUp.volumes.join(', ')})`, downEvidence));
    } finally {
      if (!downDone) {
        // However the run ended: take the project down (without the aborted signal), the ledger's sweep follows.
        await compose.run([...base, 'down', '-v', '--remove-orphans', '-t', '1'], { timeoutMs: 30_000 }).catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
    }
    return undefined;
  },
});
