// Serves MCP 2026-07-28 requests, and its Tasks extension (SEP-2663), on SDK 1.32, which speaks
// only the 2025 revisions. The era is per request (the envelope, modern-era.ts), and three of the
// extension's methods share their names with 2025-11-25 ones the SDK already answers in the old
// shapes (tasks/get, tasks/cancel; tools/call), so the choice is made where each message passes:
// on the transport, between it and the SDK's server, as connect-server.ts already does for one
// refusal. A 2026-07-28 request is
// - `server/discover` (the revision's handshake): answered here with our versions and
//   capabilities, the extension declared in `capabilities.extensions`;
// - tasks/get, tasks/update, tasks/cancel: answered here from the queue (tasks-v2.ts), for a client
//   that declared the extension on the request (-32021 otherwise); tasks/list and tasks/result,
//   gone in this revision, are refused as unknown methods;
// - tools/call of a task-capable tool by a client that declared the extension: handed to the SDK
//   as a 2025-11-25 task request, so the job is queued and owner-scoped exactly as there, and its
//   answer rewritten to `resultType: "task"`;
// - anything else: handed to the SDK as it is, its result stamped `resultType: "complete"`.
// Requests without an envelope (every 2025 client) pass untouched, both ways.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage, type RequestId, type Task } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logger.js';
import {
  asModernResult,
  envelopeOf,
  MISSING_REQUIRED_CLIENT_CAPABILITY,
  MODERN_PROTOCOL_VERSION,
  TASKS_EXTENSION_ID,
  UNSUPPORTED_PROTOCOL_VERSION,
  type ModernEnvelope,
} from './modern-era.js';
import type { TasksV2 } from './tasks-v2.js';
import { createTaskResult } from './tasks-v2-wire.js';

/** What the router needs of the session it fronts (an McpSession, mcp-session.ts). */
export interface ModernDoor {
  /** The session caller's tasks, in the 2026-07-28 shapes. */
  readonly tasksV2: TasksV2;
  /** The tools that may answer with a task (execution.taskSupport "optional"). */
  readonly taskTools: ReadonlySet<string>;
  /** server/discover's answer, bar `resultType`. */
  discover(): Record<string, unknown>;
}

/** The 2026-07-28 methods of the extension this router answers itself. */
type OwnMethod = 'tasks/get' | 'tasks/update' | 'tasks/cancel';
const OWN_METHODS = new Set<string>(['tasks/get', 'tasks/update', 'tasks/cancel']);
/** 2025-11-25 task methods the 2026-07-28 revision has no more. */
const GONE_METHODS = new Set(['tasks/list', 'tasks/result']);

/** How the SDK's answer to a modern request is to be rewritten on its way out. */
type Pending = { kind: 'task'; untasked: () => void } | { kind: 'result'; method: string };

// SDK 1.32 answers a task request it could not make a task of (arguments refused, submission
// refused) with this -32602, the reason lost. Nothing was queued, so the call is made again
// without the task request, whose answer is the tool error naming the reason, as a client of
// this revision expects of a tool that fails.
const LOST_REASON = /Invalid task creation result/;

export function routeModernEra(transport: Transport, door: ModernDoor, log: Logger): void {
  const deliver = transport.onmessage;
  const send = transport.send.bind(transport);
  if (!deliver) return;
  // Made at the first 2026-07-28 request: most sessions never see one.
  let pending: Map<RequestId, Pending> | undefined;

  const answer = (message: JSONRPCMessage) =>
    send(message).catch((err: unknown) => log.debug({ err }, 'could not answer a 2026-07-28 request: the client is gone'));
  const fail = (id: RequestId, code: number, message: string, data?: unknown) =>
    answer({ jsonrpc: '2.0', id, error: { code, message, ...(data !== undefined ? { data } : {}) } });

  const serveOwn = async (id: RequestId, method: OwnMethod, params: unknown) => {
    try {
      const tasks = door.tasksV2;
      const result = method === 'tasks/get' ? await tasks.get(params) : method === 'tasks/update' ? await tasks.update(params) : await tasks.cancel(params);
      await answer({ jsonrpc: '2.0', id, result: { ...result, resultType: 'complete' } });
    } catch (err) {
      if (err instanceof McpError) return fail(id, err.code, err.message);
      log.warn({ err, method }, 'a 2026-07-28 task request failed');
      return fail(id, ErrorCode.InternalError, err instanceof Error ? err.message : String(err));
    }
  };

  transport.onmessage = (message, extra) => {
    if (!('method' in message) || !('id' in message)) return deliver.call(transport, message, extra);
    const envelope = envelopeOf(message.params);
    if (!envelope) return deliver.call(transport, message, extra);
    const { id, method } = message;
    const refusal = refusalOf(method, envelope);
    if (refusal) return void fail(id, ...refusal);
    if (method === 'server/discover') return void answer({ jsonrpc: '2.0', id, result: asModernResult(method, door.discover()) });
    if (OWN_METHODS.has(method)) return void serveOwn(id, method as OwnMethod, message.params);
    const name = (message.params as { name?: unknown }).name;
    pending ??= new Map();
    const waiting = pending;
    if (method === 'tools/call' && envelope.tasks && typeof name === 'string' && door.taskTools.has(name)) {
      const untasked = () => {
        waiting.set(id, { kind: 'result', method });
        deliver.call(transport, message, extra);
      };
      waiting.set(id, { kind: 'task', untasked });
      return deliver.call(transport, { ...message, params: { ...message.params, task: {} } }, extra);
    }
    waiting.set(id, { kind: 'result', method });
    return deliver.call(transport, message, extra);
  };

  transport.send = (message, options) => {
    if (!('id' in message) || 'method' in message || message.id === undefined || message.id === null) return send(message, options);
    const rewrite = pending?.get(message.id);
    if (!rewrite) return send(message, options);
    pending!.delete(message.id);
    if (rewrite.kind === 'task' && 'error' in message && message.error.code === ErrorCode.InvalidParams && LOST_REASON.test(message.error.message)) {
      // Once the SDK is done with the first attempt (it forgets the request id after sending).
      setImmediate(rewrite.untasked);
      return Promise.resolve();
    }
    if (!('result' in message)) return send(message, options);
    const result = message.result as Record<string, unknown>;
    const modern = rewrite.kind === 'task' ? createTaskResult(result.task as Task) : asModernResult(rewrite.method, result);
    return send({ ...message, result: modern } as JSONRPCMessage, options);
  };
}

/** A 2026-07-28 request this server cannot serve as asked, as [code, message, data]. */
function refusalOf(method: string, envelope: ModernEnvelope): [number, string, unknown?] | undefined {
  if (envelope.protocolVersion !== MODERN_PROTOCOL_VERSION) {
    return [
      UNSUPPORTED_PROTOCOL_VERSION,
      `Unsupported protocol version ${envelope.protocolVersion}`,
      { supported: [MODERN_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS], requested: envelope.protocolVersion },
    ];
  }
  if (GONE_METHODS.has(method)) return [ErrorCode.MethodNotFound, `Method not found: ${method} is not part of protocol revision ${MODERN_PROTOCOL_VERSION}`];
  if (OWN_METHODS.has(method) && !envelope.tasks) {
    return [MISSING_REQUIRED_CLIENT_CAPABILITY, `${method} belongs to the Tasks extension: declare ${TASKS_EXTENSION_ID} in the request's client capabilities`, { requiredCapabilities: { extensions: { [TASKS_EXTENSION_ID]: {} } } }];
  }
  return undefined;
}
