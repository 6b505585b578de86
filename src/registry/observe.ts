/**
 * Layered evidence for one registry: DNS of each domain, TCP (or the proxy's CONNECT tunnel), TLS with
 * the certificate's issuer, the /v2/ challenge, an anonymous token, a HEAD of a public manifest, rate-limit
 * headers, and a non-destructive push check. Each layer is its own finding, so the matrix says where
 * access stops; when a layer fails, the layers after it are not tried.
 */
import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Reason, Status } from '../model.js';
import { caBundle, classifyNetError, type HttpAnswer, type HttpClient } from './http.js';
import type { Credential } from './options.js';
import { describeChallenge, describeRateLimits, indexPlatforms, isIndexMediaType, MANIFEST_ACCEPT, parseChallenge, parseRateLimits, type Challenge, type RateLimits } from './parse.js';
import { redactProxy, type ProxyChoice } from './proxy.js';
import { apiBase, splitImage, type RegistryEntry } from './registries.js';

export type LayerName = 'dns' | 'tcp' | 'tls' | 'api' | 'token' | 'manifest' | 'rate-limit' | 'push-check';

export interface Layer {
  readonly layer: LayerName;
  readonly ok: boolean;
  /** Set when the layer failed: the verdict and reason it gives the cells that depend on it. */
  readonly status?: Status;
  readonly reason?: Reason;
  readonly detail: string;
  readonly facts?: Record<string, unknown>;
  readonly ms: number;
}

export interface ManifestFacts {
  readonly digest?: string;
  readonly mediaType?: string;
  readonly platforms?: string[];
}

export interface Observation {
  readonly entry: RegistryEntry;
  readonly proxy: ProxyChoice;
  readonly layers: Layer[];
  /** The first failed layer up to and including /v2/: where access to the registry stops. */
  blocked?: Layer;
  challenge?: Challenge;
  manifest?: ManifestFacts;
  /** The failed token or manifest layer, when the public image could not be looked up. */
  manifestFailure?: Layer;
  rateLimits?: { readonly layer: Layer; readonly limits?: RateLimits };
}

export interface ObserveOptions {
  readonly timeoutMs: number;
  readonly dnsTimeoutMs: number;
  readonly signal?: AbortSignal;
  readonly credential?: Credential;
}

const elapsed = (t0: number) => Math.round(performance.now() - t0);

function hostPort(entry: RegistryEntry): { host: string; port: number } {
  const match = /^(.*?)(?::(\d+))?$/.exec(entry.api);
  return { host: match?.[1] ?? entry.api, port: match?.[2] ? Number(match[2]) : entry.scheme === 'https' ? 443 : 80 };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what}: no answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function resolveDomain(domain: string, ms: number): Promise<{ domain: string; addresses?: string[]; error?: string; code?: string }> {
  if (isIP(domain)) return { domain, addresses: [domain] };
  try {
    const found = await withTimeout(lookup(domain, { all: true }), ms, `resolving ${domain}`);
    return { domain, addresses: found.map((a) => a.address) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { domain, error: (error as Error).message, ...(code ? { code } : {}) };
  }
}

/** A TCP socket to the registry: direct, or a CONNECT tunnel through the proxy. */
function openSocket(host: string, port: number, proxy: string | null, ms: number): Promise<Socket> {
  if (!proxy) {
    return withTimeout(
      new Promise<Socket>((resolve, reject) => {
        const socket = netConnect({ host, port });
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      }),
      ms,
      `connecting to ${host}:${port}`,
    );
  }
  const proxyUrl = new URL(proxy);
  const headers: Record<string, string> = { host: `${host}:${port}` };
  if (proxyUrl.username) headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxyUrl.username)}:${decodeURIComponent(proxyUrl.password)}`).toString('base64')}`;
  return withTimeout(
    new Promise<Socket>((resolve, reject) => {
      const req = httpRequest({ host: proxyUrl.hostname, port: Number(proxyUrl.port || 80), method: 'CONNECT', path: `${host}:${port}`, headers });
      req.once('connect', (response, socket) => {
        if (response.statusCode === 200) return resolve(socket);
        socket.destroy();
        reject(Object.assign(new Error(`Proxy response (${response.statusCode}) to CONNECT ${host}:${port}`), { proxy }));
      });
      req.once('error', (error) => reject(Object.assign(error, { proxy })));
      req.end();
    }),
    ms,
    `CONNECT ${host}:${port} through ${redactProxy(proxy)}`,
  );
}

function failed(layer: LayerName, error: unknown, t0: number, facts?: Record<string, unknown>): Layer {
  const c = classifyNetError(error);
  return { layer, ok: false, status: c.status, reason: c.reason, detail: c.message, ms: elapsed(t0), ...(facts ? { facts } : {}) };
}

/** A registry HTTP answer that is not what the layer needed, as a verdict. */
function httpRefusal(layer: LayerName, answer: HttpAnswer, what: string, t0: number, credentialsGiven: boolean): Layer {
  const facts = { httpStatus: answer.status, via: answer.via, ...(answer.headers['www-authenticate'] ? { challenge: answer.headers['www-authenticate'] } : {}) };
  const base = { layer, ok: false, ms: elapsed(t0), facts };
  if (answer.status === 401) {
    return credentialsGiven
      ? { ...base, status: 'unsupported', reason: 'auth-failed', detail: `${what}: 401 with the credentials given` }
      : { ...base, status: 'unsupported', reason: 'auth-required', detail: `${what}: 401, credentials required` };
  }
  if (answer.status === 403) return { ...base, status: 'unsupported', reason: 'forbidden', detail: `${what}: 403 Forbidden (${answer.via})` };
  if (answer.status === 404) return { ...base, status: 'unsupported', reason: 'not-found', detail: `${what}: 404 Not Found` };
  if (answer.status === 429) return { ...base, status: 'unsupported', reason: 'rate-limited', detail: `${what}: 429 Too Many Requests` };
  return { ...base, status: 'unknown', reason: 'unexpected-result', detail: `${what}: HTTP ${answer.status}` };
}

function basicAuth(credential: Credential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
}

/** A bearer token for `scope` from the challenge's realm; anonymous unless a credential is given. */
export async function fetchToken(http: HttpClient, challenge: Challenge, scope: string, credential?: Credential): Promise<{ token?: string; answer: HttpAnswer }> {
  const url = new URL(challenge.realm ?? '');
  if (challenge.service) url.searchParams.set('service', challenge.service);
  url.searchParams.set('scope', scope);
  const answer = await http.send(url.toString(), { headers: credential ? { authorization: basicAuth(credential) } : {} });
  if (answer.status !== 200) return { answer };
  try {
    const json = JSON.parse(answer.body) as { token?: string; access_token?: string };
    const token = json.token ?? json.access_token;
    return { answer, ...(token ? { token } : {}) };
  } catch {
    return { answer };
  }
}

/** The Authorization header a repository request needs, given the challenge; undefined when none can be had. */
export async function authorizationFor(http: HttpClient, challenge: Challenge | undefined, scope: string, credential?: Credential): Promise<{ header?: string; refusal?: HttpAnswer }> {
  if (!challenge || challenge.method === 'none') return {};
  if (challenge.method === 'basic') return credential ? { header: basicAuth(credential) } : {};
  if (challenge.method === 'bearer' && challenge.realm) {
    const { token, answer } = await fetchToken(http, challenge, scope, credential);
    return token ? { header: `Bearer ${token}` } : { refusal: answer };
  }
  return {};
}

async function headManifest(http: HttpClient, entry: RegistryEntry, image: string, authorization: string | undefined): Promise<HttpAnswer> {
  const { repository, tag } = splitImage(image);
  return http.send(`${apiBase(entry)}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: MANIFEST_ACCEPT, ...(authorization ? { authorization } : {}) },
    ...(entry.ca ? { caFile: entry.ca } : {}),
  });
}

export async function observeRegistry(entry: RegistryEntry, http: HttpClient, options: ObserveOptions): Promise<Observation> {
  const base = apiBase(entry);
  const proxy = http.proxyFor(`${base}/v2/`);
  const observation: Observation = { entry, proxy, layers: [] };
  const add = (layer: Layer): Layer => {
    observation.layers.push(layer);
    return layer;
  };
  const stop = (layer: Layer): Observation => {
    observation.blocked = add(layer);
    return observation;
  };
  const { host, port } = hostPort(entry);

  // DNS: with a proxy in the way the proxy resolves the registry, so the proxy's own name must resolve.
  let t0 = performance.now();
  const names = proxy.proxy ? [new URL(proxy.proxy).hostname, ...entry.domains] : entry.domains.includes(host) ? entry.domains : [host, ...entry.domains];
  const resolved = await Promise.all([...new Set(names)].map((d) => resolveDomain(d, options.dnsTimeoutMs)));
  const essential = proxy.proxy ? new URL(proxy.proxy).hostname : host;
  const essentialResult = resolved.find((r) => r.domain === essential);
  const dnsFacts = {
    domains: Object.fromEntries(resolved.map((r) => [r.domain, r.addresses ?? `failed: ${r.code ?? r.error}`])),
    proxy: proxy.proxy ? redactProxy(proxy.proxy) : null,
    proxyChoice: proxy.why,
  };
  if (!essentialResult?.addresses) {
    const what = proxy.proxy ? `the proxy's name ${essential}` : essential;
    return stop({ layer: 'dns', ok: false, status: 'unsupported', reason: 'dns', detail: `${what} does not resolve: ${essentialResult?.code ?? essentialResult?.error ?? 'no answer'}`, facts: dnsFacts, ms: elapsed(t0) });
  }
  const unresolved = resolved.filter((r) => !r.addresses).map((r) => r.domain);
  add({ layer: 'dns', ok: true, detail: unresolved.length ? `${essential} resolves; ${unresolved.join(', ')} do not` : `all ${resolved.length} name(s) resolve`, facts: dnsFacts, ms: elapsed(t0) });

  // TCP, or the proxy's CONNECT tunnel: a proxy's 403/407 shows here.
  t0 = performance.now();
  let socket: Socket;
  try {
    socket = await openSocket(host, port, proxy.proxy, options.timeoutMs);
  } catch (error) {
    return stop(failed('tcp', error, t0, { target: `${host}:${port}`, via: proxy.proxy ? redactProxy(proxy.proxy) : 'direct' }));
  }
  add({ layer: 'tcp', ok: true, detail: proxy.proxy ? `tunnel to ${host}:${port} opened by ${redactProxy(proxy.proxy)}` : `connected to ${host}:${port}`, facts: { target: `${host}:${port}`, via: proxy.proxy ? redactProxy(proxy.proxy) : 'direct' }, ms: elapsed(t0) });

  // TLS: the certificate's issuer, and whether it verifies (a TLS-intercepting proxy shows itself here).
  if (entry.scheme === 'https') {
    t0 = performance.now();
    try {
      const ca = caBundle(entry.ca);
      const secured = await withTimeout(
        new Promise<ReturnType<typeof tlsConnect>>((resolve, reject) => {
          const s = tlsConnect({ socket, ...(isIP(host) ? {} : { servername: host }), rejectUnauthorized: false, ...(ca ? { ca } : {}) });
          s.once('secureConnect', () => resolve(s));
          s.once('error', reject);
        }),
        options.timeoutMs,
        `TLS handshake with ${host}:${port}`,
      );
      const cert = secured.getPeerCertificate();
      const issuer = cert.issuer ? (cert.issuer.O ?? cert.issuer.CN ?? '') : '';
      const facts = { issuer, subject: cert.subject?.CN ?? '', validTo: cert.valid_to, protocol: secured.getProtocol() };
      const authorized = secured.authorized;
      const authorizationError = secured.authorizationError ? String(secured.authorizationError) : '';
      secured.destroy();
      if (!authorized) return stop({ layer: 'tls', ok: false, status: 'unsupported', reason: 'tls', detail: `certificate issued by "${issuer}" does not verify: ${authorizationError}`, facts, ms: elapsed(t0) });
      add({ layer: 'tls', ok: true, detail: `certificate issued by "${issuer}" verifies`, facts, ms: elapsed(t0) });
    } catch (error) {
      socket.destroy();
      return stop(failed('tls', error, t0));
    }
  } else {
    socket.destroy();
  }

  // GET /v2/: the challenge names the auth method.
  t0 = performance.now();
  let api: HttpAnswer;
  try {
    api = await http.send(`${base}/v2/`, entry.ca ? { caFile: entry.ca } : {});
  } catch (error) {
    return stop(failed('api', error, t0));
  }
  if (api.status === 200) {
    observation.challenge = { method: 'none' };
  } else if (api.status === 401) {
    observation.challenge = parseChallenge(api.headers['www-authenticate']);
  } else {
    return stop(httpRefusal('api', api, 'GET /v2/', t0, false));
  }
  const challenge = observation.challenge;
  add({ layer: 'api', ok: true, detail: `GET /v2/ answered ${api.status}: auth ${describeChallenge(challenge)}`, facts: { httpStatus: api.status, via: api.via, authMethod: challenge.method, ...(challenge.realm ? { realm: challenge.realm } : {}), ...(challenge.service ? { service: challenge.service } : {}), apiVersion: api.headers['docker-distribution-api-version'] }, ms: elapsed(t0) });

  if (entry.reachabilityOnly) return observation;

  // An anonymous token and a HEAD of the public image's manifest: no pull.
  const { repository } = splitImage(entry.image);
  t0 = performance.now();
  let authorization: string | undefined;
  try {
    const auth = await authorizationFor(http, challenge, `repository:${repository}:pull`);
    if (auth.refusal) {
      observation.manifestFailure = add(httpRefusal('token', auth.refusal, `anonymous token from ${challenge.realm}`, t0, false));
      return observation;
    }
    authorization = auth.header;
    if (challenge.method === 'bearer') add({ layer: 'token', ok: true, detail: `anonymous pull token from ${challenge.realm}`, facts: { realm: challenge.realm, service: challenge.service, scope: `repository:${repository}:pull` }, ms: elapsed(t0) });
  } catch (error) {
    observation.manifestFailure = add(failed('token', error, t0));
    return observation;
  }

  t0 = performance.now();
  try {
    let head = await headManifest(http, entry, entry.image, authorization);
    if (head.status === 401 && options.credential) {
      // No anonymous access: the public image's facts (and rate limits) with the user's credentials instead.
      add(httpRefusal('manifest', head, `HEAD manifest ${entry.image} anonymously`, t0, false));
      const auth = await authorizationFor(http, challenge, `repository:${repository}:pull`, options.credential);
      authorization = auth.header;
      if (auth.header) head = await headManifest(http, entry, entry.image, auth.header);
    }
    if (head.status !== 200) {
      observation.manifestFailure = add(httpRefusal('manifest', head, `HEAD manifest ${entry.image}`, t0, false));
    } else {
      const mediaType = head.headers['content-type']?.split(';')[0];
      let platforms: string[] | undefined;
      // The index's platforms need a GET; Docker Hub counts manifest GETs as pulls, so there the HEAD alone.
      if (isIndexMediaType(mediaType) && !entry.rateLimitImage) {
        const { repository: repo, tag } = splitImage(entry.image);
        const full = await http.send(`${base}/v2/${repo}/manifests/${tag}`, { headers: { accept: MANIFEST_ACCEPT, ...(authorization ? { authorization } : {}) }, ...(entry.ca ? { caFile: entry.ca } : {}) });
        platforms = full.status === 200 ? indexPlatforms(full.body) : undefined;
      }
      const digest = head.headers['docker-content-digest'];
      observation.manifest = { ...(digest ? { digest } : {}), ...(mediaType ? { mediaType } : {}), ...(platforms ? { platforms } : {}) };
      add({ layer: 'manifest', ok: true, detail: `HEAD manifest ${entry.image}: ${mediaType ?? '?'}${platforms ? ` (${platforms.join(', ')})` : ''}`, facts: { ...observation.manifest }, ms: elapsed(t0) });
      if (!entry.rateLimitImage) {
        const limits = parseRateLimits(head.headers);
        observation.rateLimits = { layer: add({ layer: 'rate-limit', ok: true, detail: `rate limits from the manifest HEAD: ${describeRateLimits(limits)}`, facts: limits ? { ...limits } : { headers: 'none' }, ms: 0 }), ...(limits ? { limits } : {}) };
      }
    }
  } catch (error) {
    observation.manifestFailure = add(failed('manifest', error, t0));
  }

  // Docker Hub's documented procedure: a token for ratelimitpreview/test, a HEAD of its manifest, read the headers.
  if (entry.rateLimitImage) {
    t0 = performance.now();
    try {
      const scope = `repository:${splitImage(entry.rateLimitImage).repository}:pull`;
      const auth = await authorizationFor(http, challenge, scope);
      if (auth.refusal) {
        observation.rateLimits = { layer: add(httpRefusal('rate-limit', auth.refusal, `token for ${entry.rateLimitImage}`, t0, false)) };
      } else {
        const head = await headManifest(http, entry, entry.rateLimitImage, auth.header);
        const limits = parseRateLimits(head.headers);
        observation.rateLimits =
          head.status === 200 || head.status === 429
            ? { layer: add({ layer: 'rate-limit', ok: head.status === 200, ...(head.status === 429 ? { status: 'unsupported' as const, reason: 'rate-limited' as const } : {}), detail: `HEAD ${entry.rateLimitImage}: ${describeRateLimits(limits)}`, facts: limits ? { ...limits } : { headers: 'none' }, ms: elapsed(t0) }), ...(limits ? { limits } : {}) }
            : { layer: add(httpRefusal('rate-limit', head, `HEAD manifest ${entry.rateLimitImage}`, t0, false)) };
      }
    } catch (error) {
      observation.rateLimits = { layer: add(failed('rate-limit', error, t0)) };
    }
  }
  return observation;
}

export interface PushCheck {
  readonly layer: Layer;
  /** 'anonymous' when an anonymous upload was accepted; 'credentials' when the given credentials' was. */
  readonly accepted?: 'anonymous' | 'credentials';
}

/**
 * Non-destructive push check: start a blob upload and cancel it at once. An anonymous 202 means anyone may
 * push; a 401 means the registry takes pushes from whoever has credentials (tried with them when given);
 * a 403 is a policy's or a proxy's refusal.
 */
export async function checkPush(http: HttpClient, observation: Observation, credential: Credential | undefined): Promise<PushCheck> {
  const entry = observation.entry;
  const base = apiBase(entry);
  const { repository } = splitImage(entry.image);
  const scope = `repository:${repository}:pull,push`;
  const t0 = performance.now();
  const attempt = async (withCredential: Credential | undefined): Promise<HttpAnswer> => {
    const auth = await authorizationFor(http, observation.challenge, scope, withCredential);
    if (auth.refusal) return auth.refusal;
    const answer = await http.send(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: auth.header ? { authorization: auth.header } : {}, ...(entry.ca ? { caFile: entry.ca } : {}) });
    if (answer.status === 202 && answer.headers.location) {
      // Cancel the upload we started: nothing is left in the registry.
      const location = new URL(answer.headers.location, base).toString();
      await http.send(location, { method: 'DELETE', headers: auth.header ? { authorization: auth.header } : {}, ...(entry.ca ? { caFile: entry.ca } : {}) }).catch(() => undefined);
    }
    return answer;
  };
  const tried = `POST /v2/${repository}/blobs/uploads/ (then DELETE the upload)`;
  try {
    const anonymous = await attempt(undefined);
    if (anonymous.status === 202) {
      return { accepted: 'anonymous', layer: { layer: 'push-check', ok: true, detail: `${tried}: 202, anonymous uploads accepted`, facts: { httpStatus: 202, via: anonymous.via }, ms: elapsed(t0) } };
    }
    if (anonymous.status !== 401) return { layer: httpRefusal('push-check', anonymous, tried, t0, false) };
    if (!credential) {
      return { layer: { layer: 'push-check', ok: false, status: 'unknown', reason: 'no-credentials', detail: `${tried}: 401 anonymously: takes pushes from whoever has credentials (none given)`, facts: { httpStatus: 401, via: anonymous.via }, ms: elapsed(t0) } };
    }
    const authed = await attempt(credential);
    if (authed.status === 202) {
      return { accepted: 'credentials', layer: { layer: 'push-check', ok: true, detail: `${tried}: 202 with the credentials from ${credential.source}`, facts: { httpStatus: 202, via: authed.via }, ms: elapsed(t0) } };
    }
    return { layer: httpRefusal('push-check', authed, `${tried} with credentials`, t0, true) };
  } catch (error) {
    return { layer: failed('push-check', error, t0) };
  }
}
