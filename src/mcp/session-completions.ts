// completion/complete for the prompts' arguments and the resource templates' variables, with the
// session the request came on. The SDK hands a completer only the value and the context, never
// the request, and our completions offer the caller's own jobs; with the registrations shared by
// every session (shared-registry.ts), the caller must come from the request. So completers are
// kept here by prompt and template, and this handler replaces McpServer's, answering exactly as
// it does: unknown prompts and templates are Invalid params, an argument with no completer gets
// an empty answer, and at most 100 values go back with how many matched.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CompleteRequestSchema, ErrorCode, McpError, type CompleteResult } from '@modelcontextprotocol/sdk/types.js';
import { sessionOf, type SessionHandlerContext } from './mcp-session.js';

/** What a client has filled in already (other arguments of the prompt or template). */
export interface CompletionContext {
  arguments?: Record<string, string>;
}

export type SessionCompleter = (value: string, context: CompletionContext | undefined, session: SessionHandlerContext) => Promise<string[]> | string[];

const MAX_VALUES = 100;
const EMPTY: CompleteResult = { completion: { values: [], hasMore: false } };

export class CompletionTable {
  private readonly prompts = new Map<string, Readonly<Record<string, SessionCompleter>>>();
  private readonly templates = new Map<string, Readonly<Record<string, SessionCompleter>>>();

  /** Every prompt is named here, with the completers of those of its arguments that have one. */
  prompt(name: string, completers: Readonly<Record<string, SessionCompleter>>): void {
    this.prompts.set(name, completers);
  }

  /** A resource template, by its URI template, with a completer per variable. */
  template(uriTemplate: string, completers: Readonly<Record<string, SessionCompleter>>): void {
    this.templates.set(uriTemplate, completers);
  }

  async complete(request: { params: { ref: { type: string; name?: string; uri?: string }; argument: { name: string; value: string }; context?: CompletionContext } }, session: SessionHandlerContext): Promise<CompleteResult> {
    const { ref, argument, context } = request.params;
    let completers: Readonly<Record<string, SessionCompleter>> | undefined;
    if (ref.type === 'ref/prompt') {
      completers = this.prompts.get(ref.name!);
      if (!completers) throw new McpError(ErrorCode.InvalidParams, `Prompt ${ref.name} not found`);
    } else {
      completers = this.templates.get(ref.uri!);
      if (!completers) throw new McpError(ErrorCode.InvalidParams, `Resource template ${ref.uri} not found`);
    }
    const completer = Object.hasOwn(completers, argument.name) ? completers[argument.name] : undefined;
    if (!completer) return EMPTY;
    const values = await completer(argument.value, context, session);
    return { completion: { values: values.slice(0, MAX_VALUES), total: values.length, hasMore: values.length > MAX_VALUES } };
  }
}

/** Declares completions and answers them from `table` (filled as prompts and templates are registered). */
export function answerCompletions(server: McpServer, table: CompletionTable): void {
  server.server.registerCapabilities({ completions: {} });
  server.server.setRequestHandler(CompleteRequestSchema, (request, extra) => table.complete(request, sessionOf(extra)));
}
