// What a client needs to upload one file, as the store that will hold it signs it, and the one
// refusal for a body past the ticket's max_bytes: the same words whether the declared length or
// the bytes themselves give it away.
import { z } from 'zod';
import { BioQueueError } from '../errors.js';

export const UploadTicketSchema = z.object({
  upload_ref: z.string().describe('Give this as the input of any *_async tool once the PUT has finished.'),
  upload_id: z.string(),
  url: z.string().describe('Send the file as the body of an HTTP PUT to this URL.'),
  method: z.literal('PUT'),
  expires_at: z.string(),
  max_bytes: z.number(),
});
export type UploadTicket = z.infer<typeof UploadTicketSchema>;

export function uploadTooLarge(maxBytes: number): BioQueueError {
  return new BioQueueError('payload_too_large', `upload: larger than the ${maxBytes}-byte limit (BIO_QUEUE_UPLOAD_MAX_BYTES)`);
}
