/**
 * The Registry Access Matrix: for each registry of the source document (or of --registries), layered
 * evidence (DNS, TCP or the proxy's tunnel, TLS, the /v2/ challenge, an anonymous token, a manifest HEAD,
 * rate-limit headers, a non-destructive push check) and real pulls through the engine, also per platform.
 * A registry whose name does not resolve (and that no proxy stands in for) stops at DNS in milliseconds.
 */
import type Dockerode from 'dockerode';
import type { CapabilityId } from '../src/catalogue.js';
import { imageExists } from '../src/images.js';
import { defineProbe, supported, unknown, unsupported, type Outcome } from '../src/define-probe.js';
import type { Evidence } from '../src/model.js';
import { registrySetup, type RegistrySetup } from '../src/registry/context.js';
import { pullAndRelease, type PullResult } from '../src/registry/engine-pull.js';
import { checkPush, observeRegistry, type Layer, type Observation } from '../src/registry/observe.js';
import { describeChallenge, describeRateLimits } from '../src/registry/parse.js';
import { hasProxy } from '../src/registry/proxy.js';
import { engineHost, REGISTRY_KEYS, splitImage, type RegistryEntry, type RegistryKey } from '../src/registry/registries.js';
import { DNS_TIMEOUT_MS, LAYER_TIMEOUT_MS } from '../src/registry/context.js';

const COLUMNS = ['pull-public', 'pull-private', 'push', 'auth-method', 'rate-limits'] as const;
type Column = (typeof COLUMNS)[number];
type CellId = `registry.${RegistryKey}.${Column}`;
const cellId = (key: RegistryKey, column: Column): CellId => `registry.${key}.${column}`;

const PLATFORM_ROWS = [
  ['image.pull.platform.amd64', 'linux/amd64'],
  ['image.pull.platform.arm64', 'linux/arm64'],
] as const;

type Decided = CellId | 'image.pull' | 'image.pull.platform.amd64' | 'image.pull.platform.arm64';

const DECIDES: Decided[] = [...REGISTRY_KEYS.flatMap((key) => COLUMNS.map((column) => cellId(key, column))), 'image.pull', 'image.pull.platform.amd64', 'image.pull.platform.arm64'];

function layerFacts(observation: Observation): Record<string, unknown> {
  return {
    registry: observation.entry.name,
    api: observation.entry.api,
    proxy: observation.proxy.proxy ? observation.proxy.why : null,
    layers: observation.layers.map((l) => ({ layer: l.layer, ok: l.ok, ...(l.reason ? { reason: l.reason } : {}), detail: l.detail, ms: l.ms, ...(l.facts ? { facts: l.facts } : {}) })),
  };
}

function triedOf(observation: Observation, extra: string[] = []): string[] {
  return [...observation.layers.map((l) => `${l.layer}: ${l.detail}`), ...extra];
}

/** A cell from a failed layer: its verdict, its reason, the layers as evidence. */
function fromLayer<Id extends CapabilityId>(id: Id, layer: Layer, observation: Observation, summary: string, extraTried: string[] = []): Outcome<Id> {
  const evidence: Evidence = { tried: triedOf(observation, extraTried), error: layer.detail, facts: { summary, ...layerFacts(observation) } };
  const reason = layer.reason ?? 'probe-error';
  return layer.status === 'unknown' ? unknown(id, reason, layer.detail, evidence) : unsupported(id, reason, layer.detail, evidence);
}

function fromPull<Id extends CapabilityId>(id: Id, pull: PullResult, observation: Observation, okSummary: string, fallback?: Layer): Outcome<Id> {
  const evidence: Evidence = { tried: triedOf(observation, [pull.command]), facts: { summary: okSummary, pull: pull.facts, ...layerFacts(observation) } };
  if (pull.ok) return supported(id, pull.detail, evidence, pull.ms);
  // The HTTP layers often name the cause more precisely than the engine's message.
  const generic = !pull.reason || pull.reason === 'refused-by-engine' || pull.reason === 'probe-error';
  const reason = generic && fallback?.reason ? fallback.reason : (pull.reason ?? 'probe-error');
  const failed: Evidence = { ...evidence, error: pull.detail, facts: { ...evidence.facts, summary: reason } };
  return pull.status === 'unknown' ? unknown(id, reason, pull.detail, failed, pull.ms) : unsupported(id, reason, pull.detail, failed, pull.ms);
}

/** Whether a failed DNS layer settles it: no proxy on either side could reach the registry for us. */
function dnsSettles(observation: Observation, setup: RegistrySetup): boolean {
  return observation.blocked?.layer === 'dns' && !hasProxy(setup.proxies.client) && !(setup.proxies.daemon && hasProxy(setup.proxies.daemon));
}

/**
 * What to pull: by tag, so the engine must fetch the manifest from the registry (a pull by digest of
 * content already present is answered from the local store without asking the registry). When the user
 * already has that tag, by digest instead, so their tag is never moved.
 */
async function pullRef(docker: Dockerode, entry: RegistryEntry, observation: Observation, image = entry.image): Promise<string> {
  const { repository, tag } = splitImage(image);
  const byTag = `${engineHost(entry)}/${repository}:${tag}`;
  const digest = image === entry.image ? observation.manifest?.digest : undefined;
  return digest && (await imageExists(docker, byTag)) ? `${engineHost(entry)}/${repository}@${digest}` : byTag;
}

export default defineProbe({
  id: 'registry-access',
  title: 'Registry Access Matrix: DNS, TCP, TLS, auth challenge, token, manifest, pulls, push check, rate limits',
  decides: DECIDES,
  needs: [],
  dependsOn: ['registry-push'],
  async run(ctx) {
    const setup = registrySetup(ctx);
    const docker = ctx.docker;
    const pushTargetHost = setup.options.pushTarget?.split('/')[0];
    const pulls = new Map<RegistryKey, { pull: PullResult; observation: Observation }>();
    try {
      await Promise.all(
        setup.registries.map(async (entry) => {
          const key = entry.key;
          const credential = setup.credentials(engineHost(entry)) ?? setup.credentials(entry.api);
          const observation = await observeRegistry(entry, setup.http, { timeoutMs: LAYER_TIMEOUT_MS, dnsTimeoutMs: DNS_TIMEOUT_MS, signal: ctx.signal, ...(credential ? { credential } : {}) });
          const blocked = observation.blocked;
          const settled = dnsSettles(observation, setup);
          const engineMissing = (id: CellId) => unsupported(id, 'engine-unreachable', 'no engine to pull with', { tried: triedOf(observation), facts: { summary: 'no engine', ...layerFacts(observation) } });

          // Auth method: from the /v2/ challenge.
          const authId = cellId(key, 'auth-method');
          if (blocked) ctx.record(fromLayer(authId, blocked, observation, blocked.reason ?? 'blocked'));
          else {
            const summary = describeChallenge(observation.challenge ?? { method: 'other' });
            ctx.record(supported(authId, `GET /v2/ → auth ${summary}`, { tried: triedOf(observation), facts: { summary, ...layerFacts(observation) } }));
          }

          // Rate limits: Docker Hub's documented procedure, or whatever limit headers the manifest HEAD carried.
          const rateId = cellId(key, 'rate-limits');
          const rate = observation.rateLimits;
          if (blocked) ctx.record(fromLayer(rateId, blocked, observation, blocked.reason ?? 'blocked'));
          else if (rate?.layer.ok) {
            const summary = describeRateLimits(rate.limits);
            ctx.record(supported(rateId, rate.layer.detail, { tried: triedOf(observation), facts: { summary, ...(rate.limits ? { rateLimits: rate.limits } : {}), ...layerFacts(observation) } }));
          } else if (rate) ctx.record(fromLayer(rateId, rate.layer, observation, rate.layer.reason ?? 'failed'));
          else if (observation.manifestFailure) ctx.record(fromLayer(rateId, observation.manifestFailure, observation, observation.manifestFailure.reason ?? 'failed'));
          else ctx.record(unknown(rateId, 'not-applicable', 'no image to look up for this registry (reachability only)', { tried: triedOf(observation), facts: { summary: 'n/a', ...layerFacts(observation) } }));

          // Push: a real push when --push-target names this registry, else the non-destructive upload check.
          const pushId = cellId(key, 'push');
          const realPush = ctx.results.get('registry.push');
          if (pushTargetHost && realPush && (pushTargetHost === engineHost(entry) || pushTargetHost === entry.api)) {
            ctx.record({ ...realPush, id: pushId, evidence: { ...realPush.evidence, facts: { summary: realPush.status === 'supported' ? 'pushed (--push-target)' : (realPush.reason ?? 'failed'), ...realPush.evidence.facts } } });
          } else if (blocked) ctx.record(fromLayer(pushId, blocked, observation, blocked.reason ?? 'blocked'));
          else {
            const check = await checkPush(setup.http, observation, credential);
            observation.layers.push(check.layer);
            if (check.layer.ok) {
              const summary = check.accepted === 'anonymous' ? 'anonymous uploads accepted' : 'with credentials';
              ctx.record(supported(pushId, `${check.layer.detail} (an upload was started and cancelled; nothing was pushed)`, { tried: triedOf(observation), facts: { summary, ...layerFacts(observation) } }));
            } else {
              const summary = check.layer.reason === 'no-credentials' ? 'needs credentials' : (check.layer.reason ?? 'failed');
              ctx.record(fromLayer(pushId, check.layer, observation, summary));
            }
          }

          // Pull public: a real pull through the engine (skipped only when DNS settles it).
          const publicId = cellId(key, 'pull-public');
          if (settled && blocked) ctx.record(fromLayer(publicId, blocked, observation, 'dns'));
          else if (entry.reachabilityOnly) {
            if (blocked) ctx.record(fromLayer(publicId, blocked, observation, blocked.reason ?? 'blocked'));
            else if (observation.challenge?.method === 'basic') {
              ctx.record(unsupported(publicId, 'auth-required', `every request needs credentials: /v2/ answered with a Basic challenge`, { tried: triedOf(observation), facts: { summary: 'credentials required', ...layerFacts(observation) } }));
            } else {
              ctx.record(unknown(publicId, 'not-applicable', 'reachable, but no public image is known for this registry', { tried: triedOf(observation), facts: { summary: 'reachable', ...layerFacts(observation) } }));
            }
          } else if (!docker) ctx.record(engineMissing(publicId));
          else {
            const pull = await pullAndRelease(docker, ctx.resources, { ref: await pullRef(docker, entry, observation), signal: ctx.signal });
            pulls.set(key, { pull, observation });
            const outcome = fromPull(publicId, pull, observation, `pulled ${splitImage(entry.image).repository}`, blocked ?? observation.manifestFailure);
            // The engine pulls through the daemon's proxy settings, not the client's: say so when the two disagree.
            ctx.record(pull.ok && blocked ? { ...outcome, detail: `${outcome.detail} — the engine reached it, though cap-probe's own requests stopped at ${blocked.layer}: ${blocked.detail}` } : outcome);
          }

          // Pull private: only with credentials the user gave for this registry.
          const privateId = cellId(key, 'pull-private');
          if (blocked && (settled || !credential)) ctx.record(fromLayer(privateId, blocked, observation, blocked.reason ?? 'blocked'));
          else if (!credential) {
            ctx.record(unknown(privateId, 'no-credentials', `no credentials for ${engineHost(entry)} were given (--credentials)`, { tried: triedOf(observation), facts: { summary: 'no credentials', ...layerFacts(observation) } }));
          } else if (!entry.privateImage) {
            ctx.record(unknown(privateId, 'no-target', `credentials for ${engineHost(entry)} were given, but no private image to pull (privateImage in --registries)`, { tried: triedOf(observation), facts: { summary: 'no private image named', ...layerFacts(observation) } }));
          } else if (!docker) ctx.record(engineMissing(privateId));
          else {
            const pull = await pullAndRelease(docker, ctx.resources, { ref: await pullRef(docker, entry, observation, entry.privateImage), credential, serverAddress: engineHost(entry), signal: ctx.signal });
            ctx.record(fromPull(privateId, pull, observation, `pulled ${splitImage(entry.privateImage).repository} with credentials`, blocked));
          }
        }),
      );

      // image.pull and the platform rows: the first registry (in matrix order) that could be pulled from.
      const order = setup.registries.map((e) => e.key);
      const pulled = order.map((k) => pulls.get(k)).find((p) => p?.pull.ok);
      const pullId = 'image.pull';
      if (pulled) {
        ctx.record(supported(pullId, `${pulled.pull.detail} from ${pulled.observation.entry.name}`, { tried: [pulled.pull.command], facts: { summary: pulled.observation.entry.name, pull: pulled.pull.facts } }));
      } else {
        const first = ctx.results.get(cellId(order[0] ?? 'dockerhub', 'pull-public'));
        const reason = first?.reason ?? (docker ? 'not-reachable' : 'engine-unreachable');
        const detail = `no registry could be pulled from; ${setup.registries[0]?.name ?? 'the first registry'}: ${first?.detail ?? 'not tried'}`;
        const evidence: Evidence = { tried: first?.evidence.tried ?? [], ...(first?.evidence.error ? { error: first.evidence.error } : {}), facts: { summary: reason } };
        ctx.record(first?.status === 'unknown' ? unknown(pullId, reason, detail, evidence) : unsupported(pullId, reason, detail, evidence));
      }
      for (const [id, platform] of PLATFORM_ROWS) {
        const arch = platform.split('/')[1] ?? '';
        const candidates = order.map((k) => pulls.get(k)).filter((p): p is { pull: PullResult; observation: Observation } => Boolean(p?.pull.ok));
        const chosen = candidates.find((p) => p.observation.manifest?.platforms?.includes(platform)) ?? candidates[0];
        if (!chosen || !docker) {
          const base = ctx.results.get('image.pull');
          const evidence: Evidence = { tried: base?.evidence.tried ?? [], facts: { summary: base?.reason ?? 'failed' } };
          ctx.record(unsupported(id, base?.reason ?? 'dependency-failed', `no registry could be pulled from, so --platform ${platform} could not be tried: ${base?.detail ?? ''}`, evidence));
          continue;
        }
        const entry = chosen.observation.entry;
        const pull = await pullAndRelease(docker, ctx.resources, { ref: await pullRef(docker, entry, chosen.observation), platform, signal: ctx.signal });
        const listed = chosen.observation.manifest?.platforms;
        const summary = `${arch} from ${entry.name}`;
        ctx.record(fromPull(id, pull, chosen.observation, summary));
        if (!pull.ok && listed && !listed.includes(platform)) {
          ctx.record(unsupported(id, 'not-found', `the image ${entry.image} lists no ${platform} variant (${listed.join(', ')}): ${pull.detail}`, { tried: [pull.command], error: pull.detail, facts: { summary: `no ${arch} variant`, platforms: listed } }));
        }
      }
    } finally {
      await setup.http.close();
    }
  },
});
