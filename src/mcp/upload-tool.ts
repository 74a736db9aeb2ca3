// create_upload_url: how a remote client gets a local file to a server that cannot read its
// disk. The client PUTs the bytes to the presigned URL, then passes upload_ref as any input.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { Caller } from '../jobs/caller.js';
import type { JobService } from '../jobs/job-service.js';
import { UploadTicketSchema } from '../jobs/job-model.js';
import { asToolResult, toolSuccess } from './tool-result.js';

export const UPLOAD_TOOL_SUMMARY = {
  title: 'Create an upload link',
  summary: 'A presigned PUT URL for one input file and the upload:// reference any tool then accepts (for clients whose files the server cannot read).',
} as const;

export function registerUploadTool(server: McpServer, jobs: JobService, caller: Caller, log: Logger): void {
  server.registerTool(
    'create_upload_url',
    {
      title: UPLOAD_TOOL_SUMMARY.title,
      description:
        'Get a presigned URL to upload one input file (FASTA) that lives on the user\'s machine rather than the server\'s. ' +
        'PUT the file\'s bytes to `url` (e.g. curl -T query.fa "<url>"), then pass `upload_ref` (upload://…) as the input of any *_async tool. The link expires at expires_at.',
      inputSchema: z.object({}),
      outputSchema: UploadTicketSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    () =>
      asToolResult(log, async () => {
        const ticket = await jobs.createUpload(caller);
        const text = `Upload the file with: curl -T <file> "${ticket.url}"\nThen give ${ticket.upload_ref} as the input. The link expires at ${ticket.expires_at}; at most ${ticket.max_bytes} bytes.`;
        return toolSuccess(ticket, text);
      }),
  );
}
