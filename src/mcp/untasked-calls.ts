// A tool registered for tasks with taskSupport "optional", called without a task request, is
// answered by the SDK (1.32) by creating a task and polling it until it ends: for a BLAST search
// against nt, one call held open for hours. Our *_async tools answer such a call as they always
// have, at once with the job id. The SDK has no hook for it, so this replaces that one step, the
// private McpServer.handleAutomaticTaskPolling, on one server instance; the input is still checked
// by the SDK's own validateToolInput. Should an SDK update drop either method, the server refuses
// to start rather than hold calls open (tests/mcp/tasks-*.test.ts call a tool both ways).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** `extra`: the request's, as a tool handler gets it (the session is read from it; its signal ends with the call). */
export type UntaskedCall = (args: Record<string, unknown>, extra: { readonly signal: AbortSignal }) => Promise<CallToolResult>;

type Method = (...args: never[]) => Promise<unknown>;
interface PollingInternals {
  handleAutomaticTaskPolling?: Method;
  validateToolInput?: Method;
}

export function answerUntaskedCallsAtOnce(server: McpServer, calls: ReadonlyMap<string, UntaskedCall>): void {
  const internals = server as unknown as PollingInternals;
  const poll = internals.handleAutomaticTaskPolling as ((tool: unknown, request: CallToolRequest, extra: unknown) => Promise<CallToolResult>) | undefined;
  const validate = internals.validateToolInput as ((tool: unknown, args: unknown, name: string) => Promise<unknown>) | undefined;
  if (typeof poll !== 'function' || typeof validate !== 'function') {
    throw new Error('@modelcontextprotocol/sdk: McpServer has no handleAutomaticTaskPolling/validateToolInput any more; src/mcp/untasked-calls.ts needs another way to answer plain calls of task tools');
  }
  internals.handleAutomaticTaskPolling = (async (tool: unknown, request: CallToolRequest, extra: { readonly signal: AbortSignal }) => {
    const call = calls.get(request.params.name);
    if (!call) return poll.call(server, tool, request, extra);
    const args = await validate.call(server, tool, request.params.arguments, request.params.name);
    return call(args as Record<string, unknown>, extra);
  }) as Method;
}
