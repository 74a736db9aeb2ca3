// A pass-through that counts and hashes what flows through it, so a file is stored and its
// sha256 taken in one read, whatever the size, without holding it in memory.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  /**
   * Bytes seen so far; final once the stream has ended. Not named `size`: lib-storage reads a
   * Body's `size` as its total length before the first byte has passed.
   */
  get byteCount(): number {
    return this.bytes;
  }

  /** Hex sha256 of everything that passed; call once, after the end. */
  digest(): string {
    return this.hash.digest('hex');
  }
}
