// The 2026-07-28 revision of MCP ("modern era") as far as this server needs to recognise it. That
// revision has no initialize handshake: every request carries its protocol version, client info
// and client capabilities in reserved `_meta` keys (the "envelope"), and every result says what
// it is (`resultType`). SDK 1.32 knows none of this, so modern-era-router.ts reads the envelope
// here, request by request, and answers in the new shapes. The Tasks extension (SEP-2663) is
// negotiated the same way: a client declares it in the envelope's capabilities, per request.
import { z } from 'zod';

export const MODERN_PROTOCOL_VERSION = '2026-07-28';
export const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
export const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';
export const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';
/** The Tasks extension's id in `capabilities.extensions` (SEP-2663; ext-tasks' TASKS_EXTENSION_ID_V2). */
export const TASKS_EXTENSION_ID = 'io.modelcontextprotocol/tasks';

/** JSON-RPC codes of the 2026-07-28 revision. */
export const MISSING_REQUIRED_CLIENT_CAPABILITY = -32021;
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

/**
 * Methods whose 2026-07-28 results are cacheable (SEP-2549): they must say for how long. Ours
 * depend on the caller and change as jobs move, so they say "not at all".
 */
const CACHEABLE_METHODS = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read', 'server/discover']);

// The extension's settings are an empty object in this revision: anything else is not it
// (ext-tasks' TasksExtensionCapabilityV2Schema is a strict empty object too).
const TasksExtensionCapability = z.object({}).strict();

const Envelope = z.object({
  [PROTOCOL_VERSION_META_KEY]: z.string(),
  [CLIENT_CAPABILITIES_META_KEY]: z
    .object({ extensions: z.record(z.string(), z.unknown()).optional() })
    .loose()
    .optional(),
});
const EnvelopedParams = z.object({ _meta: z.record(z.string(), z.unknown()) }).loose();

export interface ModernEnvelope {
  protocolVersion: string;
  /** The client declared the Tasks extension on this request. */
  tasks: boolean;
}

/** The envelope of a request or notification's params, when it carries one (a 2026-07-28 message). */
export function envelopeOf(params: unknown): ModernEnvelope | undefined {
  // Most messages are not 2026-07-28 ones: without the key in `_meta` the answer is undefined
  // whatever the parse says, and a failed zod parse (an error made, its stack captured) is most
  // of the time this takes, once for every MCP message (issue 11).
  if (!hasOwnKey(params, '_meta') || !hasOwnKey(params._meta, PROTOCOL_VERSION_META_KEY)) return undefined;
  const enveloped = EnvelopedParams.safeParse(params);
  if (!enveloped.success || !(PROTOCOL_VERSION_META_KEY in enveloped.data._meta)) return undefined;
  const envelope = Envelope.safeParse(enveloped.data._meta);
  if (!envelope.success) return undefined;
  const extensions = envelope.data[CLIENT_CAPABILITIES_META_KEY]?.extensions ?? {};
  return {
    protocolVersion: envelope.data[PROTOCOL_VERSION_META_KEY],
    tasks: Object.hasOwn(extensions, TASKS_EXTENSION_ID) && TasksExtensionCapability.safeParse(extensions[TASKS_EXTENSION_ID]).success,
  };
}

function hasOwnKey<K extends string>(value: unknown, key: K): value is Record<K, unknown> {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key);
}

/** A request's `_meta` (as the SDK hands it to a handler) is the envelope of a 2026-07-28 request. */
export function isModernMeta(meta: unknown): boolean {
  return envelopeOf({ _meta: meta }) !== undefined;
}

/**
 * A result of an SDK handler made a 2026-07-28 result: `resultType` (required in that revision;
 * a result without one is read as malformed), and for cacheable methods a cache lifetime of 0.
 */
export function asModernResult(method: string, result: Record<string, unknown>): Record<string, unknown> {
  const stamped: Record<string, unknown> = { ...result, resultType: result.resultType ?? 'complete' };
  if (CACHEABLE_METHODS.has(method)) {
    stamped.ttlMs ??= 0;
    stamped.cacheScope ??= 'private';
  }
  return stamped;
}
