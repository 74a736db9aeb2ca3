// The "host request coordinator" ext-tasks asks a 2026-07-28 requester for (`rawDispatch`): a way
// to send a JSON-RPC request on the client's own connection and get its answer back unparsed, as
// the 2.x SDK client will not hand over a `resultType: "task"` it cannot read itself. Requests
// sent here get ids of their own ("raw-1", …), and their answers are taken off the transport
// before the client sees them; everything else passes to the client as before. Install it after
// client.connect(), which is when the client puts its own onmessage on the transport.
import type { Transport } from '@modelcontextprotocol/client';
import type { JsonRpcResponse } from '@modelcontextprotocol/ext-tasks/client';

type Dispatch = (request: unknown, options?: { signal?: AbortSignal }) => Promise<JsonRpcResponse>;

export function rawDispatcher(transport: Transport): Dispatch {
  const waiting = new Map<string, (response: JsonRpcResponse) => void>();
  let next = 0;
  const deliver = transport.onmessage;
  if (!deliver) throw new Error('rawDispatcher: connect the client first');
  transport.onmessage = (message, extra) => {
    const id = 'id' in message && !('method' in message) ? message.id : undefined;
    const answered = typeof id === 'string' ? waiting.get(id) : undefined;
    if (!answered) return deliver.call(transport, message, extra);
    waiting.delete(id as string);
    const reply = message as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    answered(reply.error ? { kind: 'error', error: reply.error as never } : { kind: 'result', result: reply.result as never });
  };
  return async (request, options) => {
    const id = `raw-${++next}`;
    const answer = new Promise<JsonRpcResponse>((resolve, reject) => {
      waiting.set(id, resolve);
      options?.signal?.addEventListener('abort', () => {
        waiting.delete(id);
        reject(options.signal!.reason);
      });
    });
    await transport.send({ jsonrpc: '2.0', id, ...(request as { method: string; params?: Record<string, unknown> }) });
    return answer;
  };
}
