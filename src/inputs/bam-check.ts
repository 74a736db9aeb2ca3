// Walks a BAM's decompressed bytes: the magic, the header (text and reference list), then each
// record by its block_size, so records are counted without decoding them and a file cut short
// inside a record is caught. A BAM cut short between BGZF blocks (samtools killed mid-write)
// still ends on a whole record, so hasBgzfEof checks the compressed bytes for the empty block
// samtools writes last. Field layout: SAM/BAM specification §4.2.
import { inputError } from '../errors.js';
import type { ContentChecker } from './input-types.js';

/** The 28-byte empty BGZF block that ends every complete BAM (SAM/BAM specification §4.1.2). */
export const BGZF_EOF = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');

const MAGIC = Buffer.from('BAM\x01', 'latin1');
/** block_size plus the fixed part of a record: refID … tlen. */
const RECORD_HEAD = 4 + 32;

// Where the walk is; each state first collects `need` bytes into `fixed`.
const READ_MAGIC = 0;
const READ_L_TEXT = 1;
const READ_N_REF = 2;
const READ_L_NAME = 3;
const READ_L_REF = 4;
const READ_RECORD = 5;

// True when the file's last bytes are the BGZF end-of-file block.
export function hasBgzfEof(tail: Uint8Array): boolean {
  return tail.length >= BGZF_EOF.length && BGZF_EOF.equals(tail.subarray(tail.length - BGZF_EOF.length));
}

export function createBamChecker(field: string): ContentChecker {
  const fixed = Buffer.alloc(RECORD_HEAD);
  let state = READ_MAGIC;
  let need = 4;
  let have = 0;
  let skip = 0;
  let nRef = 0;
  let refsLeft = 0;
  let records = 0; // whole records, plus the one being skipped over
  const fail = (reason: string): never => {
    throw inputError(field, reason);
  };

  // Sanity checks on a record's fixed part: cheap, and they catch a corrupt or misaligned walk.
  const startRecord = () => {
    records += 1;
    const blockSize = fixed.readInt32LE(0);
    const refId = fixed.readInt32LE(4);
    const nameLength = fixed.readUInt8(12);
    const cigarOps = fixed.readUInt16LE(16);
    const seqLength = fixed.readInt32LE(20);
    const nextRefId = fixed.readInt32LE(24);
    const minimum = 32 + nameLength + 4 * cigarOps + ((seqLength + 1) >> 1) + seqLength;
    if (nameLength < 1 || seqLength < 0 || blockSize < minimum) {
      fail(`BAM record ${records} is corrupt: its size (${blockSize} bytes) cannot hold its fields`);
    }
    for (const id of [refId, nextRefId]) {
      if (id < -1 || id >= nRef) fail(`BAM record ${records} is corrupt: it names reference ${id}, but the header lists ${nRef}`);
    }
    skip = blockSize - 32;
  };

  return {
    feed(chunk) {
      const n = chunk.length;
      let i = 0;
      while (i < n) {
        if (skip > 0) {
          const k = Math.min(skip, n - i);
          skip -= k;
          i += k;
          continue;
        }
        const k = Math.min(need - have, n - i);
        fixed.set(chunk.subarray(i, i + k), have);
        have += k;
        i += k;
        if (have < need) return;
        have = 0;
        switch (state) {
          case READ_MAGIC:
            if (!fixed.subarray(0, 4).equals(MAGIC)) fail('not BAM: the data does not start with "BAM\\1"');
            state = READ_L_TEXT;
            break;
          case READ_L_TEXT:
            skip = fixed.readInt32LE(0);
            if (skip < 0) fail(`BAM header is corrupt: its text length is ${skip}`);
            state = READ_N_REF;
            break;
          case READ_N_REF:
            nRef = refsLeft = fixed.readInt32LE(0);
            if (nRef < 0) fail(`BAM header is corrupt: it lists ${nRef} references`);
            state = refsLeft > 0 ? READ_L_NAME : READ_RECORD;
            break;
          case READ_L_NAME:
            skip = fixed.readInt32LE(0);
            if (skip < 1) fail(`BAM header is corrupt: reference ${nRef - refsLeft + 1} has a name length of ${skip}`);
            state = READ_L_REF;
            break;
          case READ_L_REF:
            refsLeft -= 1;
            state = refsLeft > 0 ? READ_L_NAME : READ_RECORD;
            break;
          case READ_RECORD:
            startRecord();
            break;
        }
        need = state === READ_RECORD ? RECORD_HEAD : 4;
      }
    },
    finish() {
      if (state !== READ_RECORD) fail('BAM is cut short inside its header');
      if (skip > 0 || have > 0) fail(`BAM is cut short inside record ${records + (have > 0 ? 1 : 0)}`);
      return { records, residues: 0 };
    },
  };
}
