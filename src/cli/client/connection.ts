// Where the terminal commands send their requests, decided in one place: --url (or
// BIO_QUEUE_URL, read by src/config.ts) picks a `serve` and its REST API, with --api-key (or
// BIO_QUEUE_API_KEY); without either, the local Redis through JobService, as the stdio server.
import type { Config } from '../../config.js';
import { inputError } from '../../errors.js';
import { createLogger, type Logger } from '../../logger.js';
import { booleanFlag, stringFlag, type FlagKind, type ParsedCommandLine } from './command-line.js';
import type { JobClient } from './job-client.js';

/** Flags every terminal command takes. */
export const COMMON_FLAGS: Readonly<Record<string, FlagKind>> = Object.freeze({
  url: 'value',
  'api-key': 'value',
  json: 'boolean',
  verbose: 'boolean',
  help: 'boolean',
});

export const COMMON_HELP = `Common flags:
  --url URL          a bio-mcp-queue serve to talk to (default: BIO_QUEUE_URL; unset: the local Redis,
                     BIO_QUEUE_REDIS_URL or the private one the stdio server uses)
  --api-key KEY      its API key (default: BIO_QUEUE_API_KEY, which keeps the key out of the process list)
  --json             print JSON for scripts instead of text
  --verbose          log at BIO_QUEUE_LOG_LEVEL instead of warnings only
  --help             this help`;

// Logs are for trouble: a person at the terminal reads the command's own output.
function clientLogger(config: Config, verbose: boolean): Logger {
  const quiet = ['silent', 'fatal', 'error'].includes(config.logLevel);
  return createLogger(verbose || quiet ? config.logLevel : 'warn');
}

export async function openJobClient(config: Config, parsed: ParsedCommandLine): Promise<JobClient> {
  const url = stringFlag(parsed, 'url') ?? config.client.url;
  const apiKey = stringFlag(parsed, 'api-key') ?? config.client.apiKey;
  if (stringFlag(parsed, 'url') !== undefined && !/^https?:\/\/[^/]+(\/.*)?$/.test(url!)) throw inputError('--url', `expected an http(s):// URL, got "${url}"`);
  if (url !== undefined) {
    const { restJobClient } = await import('./rest-job-client.js');
    return restJobClient(url, apiKey);
  }
  if (apiKey !== undefined && stringFlag(parsed, 'api-key') !== undefined) throw inputError('--api-key', 'needs --url (or BIO_QUEUE_URL): the local Redis takes no key');
  const { localJobClient } = await import('./local-job-client.js');
  return localJobClient(config, clientLogger(config, booleanFlag(parsed, 'verbose')));
}

/** Runs fn with a client, closing it whatever happens. */
export async function withJobClient<T>(config: Config, parsed: ParsedCommandLine, fn: (client: JobClient) => Promise<T>): Promise<T> {
  const client = await openJobClient(config, parsed);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
