#!/usr/bin/env node
// The executable: everything else lives in cli.ts so tests can call main() without a process.
import { main } from './cli.js';

const code = await main(process.argv.slice(2));
// Exit once the output is flushed: a keep-alive socket or a stray timer must not hold a finished CLI open.
process.stdout.write('', () => process.exit(code));
