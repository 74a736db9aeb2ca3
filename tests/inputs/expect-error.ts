// Exact-error matchers: messages are part of the contract, so tests compare them whole.

// The shape of a refusal of the caller's input, message compared verbatim.
export function inputInvalid(message: string): { name: string; code: string; message: string } {
  return { name: 'BioQueueError', code: 'input_invalid', message };
}

// The shape of a retryable failure, message compared verbatim.
export function infrastructure(message: string): { name: string; code: string; message: string } {
  return { name: 'BioQueueError', code: 'infrastructure', message };
}

// What a synchronous call threw, for toMatchObject (toThrow(string) only checks a substring).
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}
