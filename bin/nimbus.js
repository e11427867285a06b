#!/usr/bin/env node
// The `nimbus` command: runs the compiled server (npm run build produces dist/).
import { runCli } from '../dist/server/main.js';

await runCli(process.argv.slice(2));
