// The bio-mcp-queue command: MCP over stdio by default, or a subcommand. Run by importing it:
// entry.ts, the executable (bundled into dist/src/cli/main.js), does so once Node's compile cache
// is on (compile-cache.ts).
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { mapError } from '../error-mapping.js';
import { BioQueueError, inputError } from '../errors.js';
import { createLogger } from '../logger.js';
import { packageVersion } from '../package-info.js';
import { catalogBinaries, databaseKinds } from '../../tools/index.js';
import type { CommandIo } from './client/command-io.js';

const USAGE = `Usage: bio-mcp-queue [command]

Commands:
  (none), stdio      MCP server over stdio (for Claude Desktop and other MCP clients)
  serve              MCP over HTTP (/mcp, legacy /sse), the REST API and /health, with API keys
                       --host H             address to listen on (default 127.0.0.1)
                       --port P             port (default 8000; 0: any free port)
                       --processes N        processes answering HTTP (default 1; up to the CPUs
                                            raises the requests a second it takes)
  add-key NAME       create an API key for NAME, append its hash to BIO_QUEUE_API_KEYS_FILE
                     and print the key once
                       --admin              the key sees and cancels every user's jobs
  worker             run jobs from Redis in this process
                       --queues blast[,…]   queues to serve (default: all)
                       --concurrency N      jobs at the same time (default 1)
  doctor             check Redis, storage, the tool binaries, databases and the data dir
  demo               build a BLAST database from the bundled lambda phage genome and run a
                     real blastn through the MCP server, showing progress and the result

For people at a terminal (each takes --help, --json, and --url/--api-key for a serve; without
them the local Redis, as the stdio server uses):
  submit TOOL        submit a job, flags from the tool's parameters (submit --help lists the
                     tools, submit TOOL --help its flags); --wait shows progress and the result
  status JOB         where a job stands
  result JOB         its summary, command and files; --download DIR fetches the files
  cancel JOB         stop a job
  jobs               a table of your jobs
  queues             a table of the queues and their workers
  --version, --help

Exit codes: 0 done (the job completed), 1 failed, 2 a flag, variable, key or job id to fix,
3 the job was cancelled, 4 the server, Redis or storage could not be reached, 5 not finished yet,
130 Ctrl-C stopped a submit --wait (the job goes on).

Configuration comes from environment variables (BIO_QUEUE_*); see the README.`;

// A command line that cannot run as typed: exits 2 (input_invalid) with the usage after the reason.
function usageError(reason: string): BioQueueError {
  return new BioQueueError('input_invalid', `${reason}\n${USAGE}`);
}

// node:util's parseArgs refuses unknown or malformed flags with these codes.
function isParseArgsError(err: unknown): err is Error {
  return err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');
}

// The terminal commands parse their own flags (submit's come from the tool's schema).
const CLIENT_COMMANDS: Readonly<Record<string, () => Promise<(args: readonly string[], io: CommandIo) => Promise<number>>>> = {
  submit: async () => (await import('./submit-command.js')).runSubmit,
  status: async () => (await import('./status-command.js')).runStatus,
  result: async () => (await import('./result-command.js')).runResult,
  cancel: async () => (await import('./cancel-command.js')).runCancel,
  jobs: async () => (await import('./jobs-command.js')).runJobs,
  queues: async () => (await import('./queues-command.js')).runQueues,
};

async function main(argv: string[]): Promise<void> {
  const client = argv[0] !== undefined && Object.hasOwn(CLIENT_COMMANDS, argv[0]) ? CLIENT_COMMANDS[argv[0]] : undefined;
  if (client) {
    const run = await client();
    const code = await run(argv.slice(1), { config: loadConfig(process.env), stdout: process.stdout, stderr: process.stderr });
    // Everything is closed by now, but a worker's helpers (its tool spawner, lock thread) may keep the event loop alive.
    process.exit(code);
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      queues: { type: 'string' },
      concurrency: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      processes: { type: 'string' },
      admin: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (values.version) return void process.stdout.write(`${packageVersion()}\n`);
  const command = positionals[0] ?? 'stdio';
  const maxPositionals = command === 'add-key' ? 2 : 1;
  if (positionals.length > maxPositionals) throw usageError(`unexpected argument "${positionals[maxPositionals]}"`);
  if (command === 'add-key' && positionals[1] === undefined) throw usageError(`add-key: give the key's NAME, e.g. bio-mcp-queue add-key alice`);
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
        throw inputError('--concurrency', `expected a whole number from 1 to 64, got "${values.concurrency}"`);
      }
      const { runWorkerCommand } = await import('./worker-command.js');
      const queues = values.queues?.split(',').map((q) => q.trim()).filter(Boolean);
      return runWorkerCommand(config, log, { ...(queues ? { queues } : {}), ...(concurrency ? { concurrency } : {}) });
    }
    case 'serve': {
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && (!/^\d+$/.test(values.port!) || port > 65535)) throw inputError('--port', `expected a whole number from 0 to 65535, got "${values.port}"`);
      if (values.host !== undefined && values.host.trim() === '') throw inputError('--host', 'expected an address, got ""');
      const processes = values.processes === undefined ? undefined : Number(values.processes);
      if (processes !== undefined && (!/^\d+$/.test(values.processes!) || processes < 1 || processes > 64)) {
        throw inputError('--processes', `expected a whole number from 1 to 64, got "${values.processes}"`);
      }
      const { runServe } = await import('./serve-command.js');
      return runServe(config, log, { ...(values.host ? { host: values.host } : {}), ...(port !== undefined ? { port } : {}), ...(processes !== undefined ? { processes } : {}) });
    }
    case 'add-key': {
      const { runAddKey } = await import('./add-key-command.js');
      return runAddKey(config, positionals[1]!, values.admin === true, process.stdout, process.stderr);
    }
    case 'doctor': {
      const { runDoctor } = await import('./doctor.js');
      process.exitCode = await runDoctor(config, process.stdout, catalogBinaries(), databaseKinds());
      return;
    }
    case 'demo': {
      const { runDemo } = await import('./demo.js');
      process.exitCode = await runDemo(config, process.stdout);
      return;
    }
    default:
      throw usageError(`unknown command "${command}"`);
  }
}

// Every way the command fails ends here, its exit code from error-mapping.ts.
main(process.argv.slice(2)).catch((err: unknown) => {
  const failure = mapError(isParseArgsError(err) ? usageError(err.message) : err);
  // A fault of ours gets its stack: that is what a bug report needs.
  const text = failure.code === 'internal_error' && err instanceof Error ? (err.stack ?? err.message) : failure.message;
  process.stderr.write(`bio-mcp-queue: ${text}\n`);
  process.exit(failure.exitCode);
});
