// create_upload_url: how a remote client gets a local file to a server that cannot read its
// disk. The client PUTs the bytes to the presigned URL, then passes upload_ref as any input.
import { z } from 'zod';
import { UploadTicketSchema } from '../../jobs/job-model.js';
import { sessionOf } from '../mcp-session.js';
import { asToolResult, toolSuccess } from '../tool-result.js';
import type { JobTool } from './job-tool.js';

const name = 'create_upload_url';
const title = 'Create an upload link';
const summary =
  'A presigned PUT URL for one input file and the upload:// reference any tool then accepts (for clients whose files the server cannot read).';
const description =
  'Get a presigned URL to upload one input file (FASTA) that lives on the user\'s machine rather than the server\'s. ' +
  'PUT the file\'s bytes to `url` (e.g. curl -T query.fa "<url>"), then pass `upload_ref` (upload://…) as the input of any *_async tool. The link expires at expires_at.';
const inputSchema = z.object({});
// Each call makes a new link.
const annotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };

export const createUploadUrl: JobTool = {
  name,
  title,
  summary,
  // Over stdio on local files nothing signs upload links, and the client reads paths anyway.
  availability: { on: (jobs) => jobs.canUpload, docNote: 'Only where uploads work: `serve`, or S3 storage.' },
  register(server, { jobs, log }) {
    server.registerTool(name, { title, description, inputSchema, outputSchema: UploadTicketSchema, annotations }, (_args, extra) =>
      asToolResult(log, async () => {
        const ticket = await jobs.createUpload(sessionOf(extra).caller);
        const text = `Upload the file with: curl -T <file> "${ticket.url}"\nThen give ${ticket.upload_ref} as the input. The link expires at ${ticket.expires_at}; at most ${ticket.max_bytes} bytes.`;
        return toolSuccess(ticket, text);
      }),
    );
  },
};
