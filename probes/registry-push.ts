/**
 * Push and external tags. `image.tag.external` tags a tiny labelled image (imported from memory) with a
 * registry host in its name. `registry.push` pushes that image to the target the user named with
 * --push-target, there and nowhere else, then reads the manifest back over HTTP; without a target it is
 * `unknown` / `no-target` (the matrix's push cells still carry the non-destructive check).
 */
import { defineProbe, supported, unknown, unsupported } from '../src/define-probe.js';
import { classifyError, errorText } from '../src/errors.js';
import { readAll, tarStream } from '../src/images.js';
import { registrySetup } from '../src/registry/context.js';
import { pushImage } from '../src/registry/engine-pull.js';
import { authorizationFor } from '../src/registry/observe.js';
import { MANIFEST_ACCEPT, parseChallenge } from '../src/registry/parse.js';

/** Where an external tag points when the user named no push target: a name that can never resolve. */
const PLACEHOLDER_REGISTRY = 'registry.cap-probe.invalid';

/** `host[:port]/path[:tag]` → its parts; the host must look like a registry (has a dot or a port, or is localhost). */
export function parsePushTarget(target: string, defaultTag: string): { host: string; repository: string; tag: string } | undefined {
  const slash = target.indexOf('/');
  if (slash < 0) return undefined;
  const host = target.slice(0, slash);
  if (!/[.:]/.test(host) && host !== 'localhost') return undefined;
  const rest = target.slice(slash + 1);
  const colon = rest.lastIndexOf(':');
  const repository = colon > 0 ? rest.slice(0, colon) : rest;
  const tag = colon > 0 ? rest.slice(colon + 1) : defaultTag;
  if (!/^[a-z0-9]+(?:[._\/-][a-z0-9]+)*$/.test(repository) || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return undefined;
  return { host, repository, tag };
}

export default defineProbe({
  id: 'registry-push',
  title: 'Tag for an external registry; push to --push-target only',
  decides: ['image.tag.external', 'registry.push'],
  needs: ['engine'],
  async run(ctx) {
    const docker = ctx.docker!;
    const setup = registrySetup(ctx);
    try {
      const tag = `cap-probe-${ctx.runId}`;
      const target = setup.options.pushTarget ? parsePushTarget(setup.options.pushTarget, tag) : undefined;

      // A tiny image of our own, labelled for cleanup: one file, no base image, nothing of the user's.
      const local = ctx.resources.name('push');
      const importTried = `docker import - ${local}:${tag}`;
      try {
        const stream = await docker.importImage(tarStream([{ name: 'cap-probe.txt', content: `cap-probe push check ${ctx.runId}\n` }]), {
          // repo carries the tag: Podman ignores a separate tag parameter on import.
          repo: `${local}:${tag}`,
          changes: Object.entries(ctx.resources.labels).map(([k, v]) => `LABEL ${k}=${v}`),
        });
        await readAll(stream);
        ctx.resources.track('image', `${local}:${tag}`);
      } catch (error) {
        const why = `could not create the tiny image to tag and push: ${errorText(error)}`;
        return [unknown('image.tag.external', 'dependency-failed', why, { tried: [importTried] }), unknown('registry.push', 'dependency-failed', why, { tried: [importTried] })];
      }

      const externalRepo = target ? `${target.host}/${target.repository}` : `${PLACEHOLDER_REGISTRY}/cap-probe/${ctx.runId}`;
      const externalTag = target?.tag ?? tag;
      const externalRef = `${externalRepo}:${externalTag}`;
      const tagged = await ctx.check('image.tag.external', [importTried, `docker tag ${local}:${tag} ${externalRef}`], async () => {
        await docker.getImage(`${local}:${tag}`).tag({ repo: externalRepo, tag: externalTag });
        ctx.resources.track('image', externalRef);
        const info = (await docker.getImage(externalRef).inspect()) as { RepoTags?: string[] };
        if (!info.RepoTags?.includes(externalRef)) throw new Error(`tagged, but ${externalRef} is not among the image's tags`);
        return externalRef;
      }, (ref) => ({ detail: `tagged ${ref} (a local name only: nothing was pushed)`, facts: { ref } }));

      if (!setup.options.pushTarget) {
        ctx.record(unknown('registry.push', 'no-target', 'no --push-target was named: cap-probe pushes only where the user says (the matrix shows each registry\'s non-destructive push check)', { tried: [] }));
        return;
      }
      if (!target) {
        ctx.record(unknown('registry.push', 'no-target', `--push-target ${setup.options.pushTarget} is not registry-host/repository[:tag]`, { tried: [] }));
        return;
      }
      if (!tagged) {
        ctx.record(unknown('registry.push', 'dependency-failed', 'the image could not be tagged for the push target', { tried: [`docker tag ${local}:${tag} ${externalRef}`] }));
        return;
      }

      const credential = setup.credentials(target.host);
      const pushTried = `docker push ${externalRef}${credential ? ` (credentials from ${credential.source})` : ''}`;
      const t0 = performance.now();
      let digest: string | undefined;
      try {
        digest = (await pushImage(docker, externalRepo, externalTag, { ...(credential ? { credential } : {}), serverAddress: target.host, signal: ctx.signal })).digest;
      } catch (error) {
        const c = classifyError(error);
        // Without credentials a "denied" means the registry wants them, not that they were refused.
        const reason = !credential && (c.reason === 'auth-failed' || c.reason === 'refused-by-engine') ? 'auth-required' : c.reason;
        const outcome = { tried: [pushTried], error: errorText(error), facts: { summary: reason } };
        ctx.record(c.status === 'unknown' ? unknown('registry.push', reason, c.message, outcome) : unsupported('registry.push', reason, c.message, outcome));
        return;
      }

      // Read the manifest back over HTTP: the push really landed there.
      const entry = setup.registries.find((r) => r.api === target.host || r.pullPrefix === target.host);
      const loopback = /^(localhost|127\.|\[::1\])/.test(target.host);
      const base = `${entry?.scheme ?? (loopback ? 'http' : 'https')}://${target.host}`;
      const caFile = entry?.ca;
      const readBack = `HEAD ${base}/v2/${target.repository}/manifests/${externalTag}`;
      try {
        const api = await setup.http.send(`${base}/v2/`, caFile ? { caFile } : {});
        const challenge = api.status === 200 ? { method: 'none' as const } : parseChallenge(api.headers['www-authenticate']);
        const auth = await authorizationFor(setup.http, challenge, `repository:${target.repository}:pull`, credential);
        const head = await setup.http.send(`${base}/v2/${target.repository}/manifests/${externalTag}`, { method: 'HEAD', headers: { accept: MANIFEST_ACCEPT, ...(auth.header ? { authorization: auth.header } : {}) }, ...(caFile ? { caFile } : {}) });
        const found = head.headers['docker-content-digest'];
        const ms = Math.round(performance.now() - t0);
        if (head.status === 200 && (!digest || !found || found === digest)) {
          ctx.record(supported('registry.push', `pushed ${externalRef}${digest ? ` (${digest.slice(0, 19)}…)` : ''} and read its manifest back`, { tried: [pushTried, readBack], facts: { summary: 'pushed', ref: externalRef, digest, readBack: head.status } }, ms));
        } else {
          ctx.record(unsupported('registry.push', 'unexpected-result', `the push reported success, but ${readBack} answered ${head.status}${found ? ` with ${found}` : ''}`, { tried: [pushTried, readBack], facts: { summary: 'not found after push', digest, found } }, ms));
        }
      } catch (error) {
        // The engine's push succeeded; only our read-back failed, so say what we know.
        ctx.record(supported('registry.push', `pushed ${externalRef} (the engine reported ${digest ?? 'success'}; reading it back failed: ${errorText(error)})`, { tried: [pushTried, readBack], facts: { summary: 'pushed', ref: externalRef, digest } }));
      }
    } finally {
      await setup.http.close();
    }
  },
});
