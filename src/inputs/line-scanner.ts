// Splits a byte stream into lines for the line-based formats (SAM, VCF, HMM) without holding a
// whole line: one SAM line of a long read can be megabytes. A line is reported by its first
// bytes, its length and its TABs counted up to a cap, which is all those checks need. A "\r"
// before "\n" is not part of the line: samtools, bcftools and HMMER all read CRLF files.

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;

/** One line, valid only during the callback (the object and its head are reused). */
export interface ScannedLine {
  /** 1-based line number. */
  number: number;
  /** The line's first bytes, up to headBytes, without the line ending. */
  head: Buffer;
  /** Length in bytes, without "\n" or "\r\n". */
  length: number;
  /** TABs in the line, counted up to maxTabs. */
  tabs: number;
}

export interface LineScanner {
  feed(chunk: Uint8Array): void;
  /** Reports a last line that has no "\n". */
  finish(): void;
}

export interface LineScannerOptions {
  /** How many of each line's first bytes to keep in `head`. */
  headBytes: number;
  /** Stop counting TABs at this many: enough to tell a short line from a long one. */
  maxTabs: number;
}

// Calls onLine for every line, empty ones included.
export function createLineScanner(onLine: (line: ScannedLine) => void, options: LineScannerOptions): LineScanner {
  const { headBytes, maxTabs } = options;
  const head = Buffer.alloc(headBytes);
  const current: ScannedLine = { number: 0, head, length: 0, tabs: 0 };
  let headLength = 0;
  let length = 0;
  let tabs = 0;
  let lastByte = -1;

  const emit = () => {
    const withoutCr = lastByte === CR ? length - 1 : length;
    current.number += 1;
    current.head = head.subarray(0, Math.min(headLength, withoutCr));
    current.length = withoutCr;
    current.tabs = tabs;
    onLine(current);
    headLength = 0;
    length = 0;
    tabs = 0;
    lastByte = -1;
  };

  return {
    feed(chunk) {
      const n = chunk.length;
      let i = 0;
      while (i < n) {
        const lf = chunk.indexOf(LF, i);
        const end = lf === -1 ? n : lf;
        if (end > i) {
          if (headLength < headBytes) {
            const take = Math.min(headBytes - headLength, end - i);
            head.set(chunk.subarray(i, i + take), headLength);
            headLength += take;
          }
          for (let p = i; p < end && tabs < maxTabs; p++) if (chunk[p] === TAB) tabs += 1;
          length += end - i;
          lastByte = chunk[end - 1]!;
        }
        if (lf === -1) return;
        emit();
        i = lf + 1;
      }
    },
    finish() {
      if (length > 0) emit();
    },
  };
}
