// The two loosest expectations. A "table" is any text with at least one non-blank line (counted)
// and no NUL byte: a NUL is the surest sign of a binary file given where text is needed. "any"
// takes any non-empty file and counts nothing.
import { inputError } from '../errors.js';
import type { ContentChecker } from './input-types.js';

const LF = 0x0a;

// True for the bytes that leave a line blank.
function isBlank(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0b || b === 0x0c;
}

export function createTableChecker(field: string, what = 'file'): ContentChecker {
  let line = 1;
  let records = 0;
  let lineHasText = false;

  return {
    feed(chunk) {
      const nul = chunk.indexOf(0);
      const n = nul === -1 ? chunk.length : nul;
      let i = 0;
      while (i < n) {
        if (!lineHasText) {
          // Look for the line's first non-blank byte; usually the very first one.
          for (; i < n && chunk[i] !== LF && isBlank(chunk[i]!); i++);
          if (i === n) break;
          if (chunk[i] !== LF) {
            lineHasText = true;
            records += 1;
          }
        }
        const lf = chunk.indexOf(LF, i);
        if (lf === -1 || lf >= n) break;
        line += 1;
        lineHasText = false;
        i = lf + 1;
      }
      if (nul !== -1) throw inputError(field, `line ${line} holds a NUL byte, so this is not a text table`);
    },
    finish() {
      if (records === 0) throw inputError(field, `${what} is empty`);
      return { records, residues: 0 };
    },
  };
}

export function createAnyChecker(field: string, what = 'file'): ContentChecker {
  let bytes = 0;
  return {
    feed(chunk) {
      bytes += chunk.length;
    },
    finish() {
      if (bytes === 0) throw inputError(field, `${what} is empty`);
      return { records: 0, residues: 0 };
    },
  };
}
