/** What every registry probe sets up the same way: options, registries, credentials, the HTTP client. */
import type { ProbeContext } from '../define-probe.js';
import { HttpClient } from './http.js';
import { credentialsFile, loadCredentials, probeEnv, registriesFor, registryOptions, type CredentialLookup, type RegistryOptions } from './options.js';
import { hasProxy, proxyFromEnv, type ProxySettings } from './proxy.js';
import type { RegistryEntry } from './registries.js';

/** How long one network step may take before it counts as a timeout. */
export const LAYER_TIMEOUT_MS = 3_000;
export const DNS_TIMEOUT_MS = 1_500;

export interface RegistrySetup {
  readonly options: RegistryOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly registries: RegistryEntry[];
  readonly credentials: CredentialLookup;
  readonly http: HttpClient;
  /** The proxy settings the client side uses, and those of the daemon (which does pulls and pushes). */
  readonly proxies: { readonly client: ProxySettings; readonly daemon: ProxySettings | null; readonly used: string };
}

export function registrySetup(ctx: Pick<ProbeContext, 'options' | 'engine' | 'signal'>): RegistrySetup {
  const options = registryOptions(ctx.options);
  const env = probeEnv(options);
  const client = proxyFromEnv(env);
  const daemon = ctx.engine?.facts.proxies ?? null;
  // The docker client's own proxy (the environment's) first; a daemon-only proxy is what the engine's
  // pulls go through, so registry requests follow it when the environment names none.
  const useClient = hasProxy(client) || !daemon || !hasProxy(daemon);
  const proxies = useClient ? client : daemon!;
  const used = useClient ? 'the environment' : "the daemon's proxy settings";
  const http = new HttpClient({ proxies, proxyOrigin: used, timeoutMs: LAYER_TIMEOUT_MS, signal: ctx.signal });
  return { options, env, registries: registriesFor(options), credentials: loadCredentials(credentialsFile(options)), http, proxies: { client, daemon, used } };
}
