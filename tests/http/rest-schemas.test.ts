// The REST request schemas on values as JSON.parse gives them, for what zod alone would let by.
import { describe, expect, it } from 'vitest';
import { parseRequest, SubmitRequestSchema } from '../../src/http/rest-schemas.js';

describe('SubmitRequestSchema', () => {
  // Found by the fuzz suite: the record dropped the key, and the submission was queued without it.
  it('refuses a "__proto__" key among the parameters, naming it', () => {
    const body = JSON.parse('{"job_type":"blastn","parameters":{"query":">q\\nACGT","database":"lambda","__proto__":{"polluted":true}}}') as unknown;
    expect(() => parseRequest(SubmitRequestSchema, body, 'body')).toThrow(
      expect.objectContaining({ code: 'input_invalid', message: 'parameters.__proto__: not a parameter of any tool', details: { field: 'parameters.__proto__' } }),
    );
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('takes the parameters object as it is otherwise', () => {
    const body = JSON.parse('{"job_type":"blastn","parameters":{"query":">q\\nACGT","constructor":1}}') as unknown;
    expect(parseRequest(SubmitRequestSchema, body, 'body')).toEqual({ job_type: 'blastn', parameters: { query: '>q\nACGT', constructor: 1 }, priority: 5 });
  });
});
