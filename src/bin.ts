#!/usr/bin/env node
// The executable: everything else lives in cli.ts so tests can call main() without a process.
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
