#!/usr/bin/env node
// The bio-mcp-queue command: MCP over stdio by default, or a subcommand.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { BioQueueError } from '../errors.js';
import { createLogger } from '../logger.js';
import { packageVersion } from '../package-info.js';
import { catalog } from '../../tools/index.js';

const USAGE = `Usage: bio-mcp-queue [command]

Commands:
  (none), stdio      MCP server over stdio (for Claude Desktop and other MCP clients)
  worker             run jobs from Redis in this process
                       --queues blast[,…]   queues to serve (default: all)
                       --concurrency N      jobs at the same time (default 1)
  doctor             check Redis, the tool binaries, databases and the data dir
  demo               build a BLAST database from the bundled lambda phage genome and run a
                     real blastn through the MCP server, showing progress and the result
  --version, --help

Configuration comes from environment variables (BIO_QUEUE_*); see the README.`;

function fail(message: string, code: number): never {
  process.stderr.write(`bio-mcp-queue: ${message}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      queues: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (values.version) return void process.stdout.write(`${packageVersion()}\n`);
  const command = positionals[0] ?? 'stdio';
  if (positionals.length > 1) fail(`unexpected argument "${positionals[1]}"\n${USAGE}`, 2);
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  switch (command) {
    case 'stdio': {
      const { runStdio } = await import('./stdio-command.js');
      return runStdio(config, log);
    }
    case 'worker': {
      const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
      if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)) {
        fail(`--concurrency: expected a whole number from 1 to 64, got "${values.concurrency}"`, 2);
      }
      const { runWorkerCommand } = await import('./worker-command.js');
      const queues = values.queues?.split(',').map((q) => q.trim()).filter(Boolean);
      return runWorkerCommand(config, log, { ...(queues ? { queues } : {}), ...(concurrency ? { concurrency } : {}) });
    }
    case 'doctor': {
      const { runDoctor } = await import('./doctor.js');
      process.exitCode = await runDoctor(config, process.stdout, catalog);
      return;
    }
    case 'demo': {
      const { runDemo } = await import('./demo.js');
      process.exitCode = await runDemo(config, process.stdout);
      return;
    }
    default:
      fail(`unknown command "${command}"\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) fail(err.message, 2);
  if (err instanceof BioQueueError) fail(err.message, 1);
  if (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) fail(`${err.message}\n${USAGE}`, 2);
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err), 1);
});
