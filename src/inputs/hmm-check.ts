// Checks that a profile file really holds whole HMMER models: hmmstat and hmmsearch both exit 0
// on a file cut short inside a model, listing or searching nothing. Each model starts with a
// "HMMER3/…" line (or HMMER2's "HMMER2.0"), has a NAME, and ends with "//"; models are counted
// and their NAMEs are the ids. Blank lines are skipped, as HMMER does.
import { inputError } from '../errors.js';
import type { ContentChecker } from './input-types.js';
import { createLineScanner } from './line-scanner.js';
import { quoteLine, shorten } from './sequence-letters.js';

const HMMER3 = Buffer.from('HMMER3/');
const HMMER2 = Buffer.from('HMMER2.0');
const NAME = Buffer.from('NAME');
/** Enough of a line to hold any real model name. */
const HEAD_BYTES = 256;

function startsWith(head: Buffer, prefix: Buffer): boolean {
  return head.length >= prefix.length && head.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

export function createHmmChecker(field: string, what = 'file', options: { keepIds?: boolean } = {}): ContentChecker {
  const ids: string[] = [];
  let models = 0;
  let lines = 0;
  let modelLine = 0; // where the model being read began; 0 between models
  let name = '';
  const fail = (reason: string): never => {
    throw inputError(field, reason);
  };
  const current = () => `model ${models + 1}${name ? ` (${shorten(name)})` : ''}`;

  const scanner = createLineScanner(
    ({ number, head, length }) => {
      lines = number;
      if (modelLine > 0) {
        // Inside a model only NAME and "//" matter; the first byte rules out the other lines cheaply.
        if (head[0] === 0x4e && startsWith(head, NAME) && (head[4] === 0x20 || head[4] === 0x09)) {
          name = head.toString('utf8', 5).trim().split(/\s+/)[0] ?? '';
        } else if (head[0] === 0x2f && head[1] === 0x2f && head.toString('latin1', 2).trim() === '') {
          if (!name) fail(`model ${models + 1}, begun at line ${modelLine}, has no NAME line`);
          models += 1;
          if (options.keepIds) ids.push(name);
          modelLine = 0;
        }
        return;
      }
      if (head.toString('latin1').trim() === '') return;
      if (startsWith(head, HMMER3) || startsWith(head, HMMER2)) {
        modelLine = number;
        name = '';
        return;
      }
      const shown = quoteLine(head, length > head.length);
      if (models === 0) fail(`not an HMMER profile: line ${number} should start with "HMMER3/" but reads ${shown}`);
      fail(`line ${number} should start model ${models + 1} with "HMMER3/" but reads ${shown}`);
    },
    { headBytes: HEAD_BYTES, maxTabs: 0 },
  );

  return {
    feed: (chunk) => scanner.feed(chunk),
    finish() {
      scanner.finish();
      if (lines === 0) fail(`${what} is empty`);
      if (modelLine > 0) fail(`${current()}, begun at line ${modelLine}, is cut short: the file ends before its "//" line`);
      if (models === 0) fail(`${what} holds no model`);
      return options.keepIds ? { records: models, residues: 0, ids } : { records: models, residues: 0 };
    },
  };
}
