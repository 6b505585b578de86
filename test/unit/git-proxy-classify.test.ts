import { describe, expect, it } from 'vitest';
import { classifyGitError } from '../../probes/git-proxy.js';

describe("git's failures, classified", () => {
  it('names the cause from what git (libcurl) prints', () => {
    expect(classifyGitError("fatal: unable to access 'https://github.com/git/git/': Could not resolve host: github.com")).toEqual({ status: 'unsupported', reason: 'dns' });
    expect(classifyGitError("fatal: unable to access 'https://127.0.0.1:1/x.git/': Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server")).toEqual({ status: 'unsupported', reason: 'connection-refused' });
    expect(classifyGitError("fatal: unable to access 'https://github.com/x/': Received HTTP code 403 from proxy after CONNECT")).toEqual({ status: 'unsupported', reason: 'blocked-by-proxy' });
    expect(classifyGitError("fatal: unable to access 'https://h/x/': SSL certificate problem: self-signed certificate")).toEqual({ status: 'unsupported', reason: 'tls' });
    expect(classifyGitError("fatal: could not read Username for 'https://github.com': terminal prompts disabled")).toEqual({ status: 'unsupported', reason: 'auth-required' });
    expect(classifyGitError("remote: Repository not found.\nfatal: repository 'https://github.com/x/y/' not found")).toEqual({ status: 'unsupported', reason: 'not-found' });
    expect(classifyGitError("fatal: unable to access 'https://h/': Failed to connect to h port 443 after 130000 ms: Connection timed out")).toEqual({ status: 'unknown', reason: 'timeout' });
  });
});
