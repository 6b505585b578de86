/**
 * The docker CLI, for what only the CLI can tell (plugins, `docker login --password-stdin`, `-it`).
 * Bound to the endpoint cap-probe chose, with a throwaway DOCKER_CONFIG so a login never touches the
 * user's config; the user's CLI plugins stay visible through a link to their cli-plugins folder.
 */
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface CliResult {
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the docker binary itself could not be started. */
  readonly missing: boolean;
  readonly timedOut: boolean;
}

export interface CliRunOptions {
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface DockerCli {
  /** The environment the CLI runs with (DOCKER_HOST, DOCKER_CONFIG): reuse it for companion binaries. */
  readonly env: Readonly<Record<string, string>>;
  readonly configDir: string;
  run(args: readonly string[], options?: CliRunOptions): Promise<CliResult>;
  /** Runs another program (docker-compose, git) with the same environment. */
  exec(file: string, args: readonly string[], options?: CliRunOptions): Promise<CliResult>;
  dispose(): void;
}

export function userDockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker');
}

export function createDockerCli(dockerHost: string | undefined, env: NodeJS.ProcessEnv = process.env): DockerCli {
  const configDir = mkdtempSync(join(tmpdir(), 'cap-probe-docker-config-'));
  const userPlugins = join(userDockerConfigDir(env), 'cli-plugins');
  if (existsSync(userPlugins)) {
    try {
      symlinkSync(userPlugins, join(configDir, 'cli-plugins'));
    } catch {
      // Plugins in system folders are still found; a user-folder plugin missing is reported as such.
    }
  }
  const cliEnv: Record<string, string> = { DOCKER_CONFIG: configDir, DOCKER_CLI_HINTS: 'false' };
  if (dockerHost) cliEnv.DOCKER_HOST = dockerHost;

  const exec = async (file: string, args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> => {
    const command = [file, ...args].join(' ');
    const result = await execa(file, args, {
      env: { ...cliEnv, ...options.env },
      input: options.input ?? '',
      timeout: options.timeoutMs ?? 60_000,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
      reject: false,
      stripFinalNewline: true,
    });
    const missing = (result as { code?: string }).code === 'ENOENT';
    return {
      command,
      exitCode: result.exitCode,
      stdout: String(result.stdout ?? ''),
      stderr: missing ? `${file}: command not found` : String(result.stderr ?? ''),
      missing,
      timedOut: result.timedOut,
    };
  };

  return {
    env: cliEnv,
    configDir,
    run: (args, options) => exec('docker', args, options),
    exec,
    dispose: () => rmSync(configDir, { recursive: true, force: true }),
  };
}
