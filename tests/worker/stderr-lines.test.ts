// The worker's cut of a tool's stderr into lines for the job's live log: whole lines only,
// whatever the chunking, the unfinished last one at the flush, progress-bar redraws and colour
// codes cleaned off, blank lines dropped, in order.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { stderrLineFeed } from '../../worker/stderr-lines.js';

const log = createLogger('silent');

describe('stderrLineFeed', () => {
  it('passes whole lines on in order, however the text was cut', async () => {
    const written: string[][] = [];
    const feed = stderrLineFeed(async (lines) => void written.push(lines), log);
    feed.feed('[M::process] read 2');
    feed.feed('000 sequences\n[M::mem');
    feed.feed('_process_seqs] Processed 2000 reads\n\n');
    feed.feed('  10%\r  55%\r100%\n\u001b[31m[ERRO]\u001b[0m bad record   \nno line end');
    await feed.flush();
    expect(written).toEqual([['[M::process] read 2000 sequences'], ['[M::mem_process_seqs] Processed 2000 reads'], ['100%', '[ERRO] bad record'], ['no line end']]);
  });

  it('keeps the last lines of a chunk that holds more than a write takes', async () => {
    const written: string[][] = [];
    const feed = stderrLineFeed(async (lines) => void written.push(lines), log);
    feed.feed(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join(''));
    await feed.flush();
    expect(written).toHaveLength(1);
    expect(written[0]).toHaveLength(50);
    expect(written[0]![0]).toBe('line 950');
    expect(written[0]![49]).toBe('line 999');
  });

  it('goes on after a write that failed', async () => {
    const written: string[][] = [];
    let first = true;
    const feed = stderrLineFeed(async (lines) => {
      if (first) {
        first = false;
        throw new Error('Redis is away');
      }
      written.push(lines);
    }, log);
    feed.feed('lost\n');
    feed.feed('kept\n');
    await feed.flush();
    expect(written).toEqual([['kept']]);
  });
});
