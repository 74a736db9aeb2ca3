// Tool output arrives in chunks that may end inside a line; the progress trackers want whole
// lines. This keeps the unfinished end of each chunk for the next one and calls back per line.

/** A feed function that calls onLine with each complete line (split on `separator`, "\n" by default). */
export function lineByLine(onLine: (line: string) => void, separator: RegExp | string = '\n'): (chunk: string) => void {
  let carry = '';
  return (chunk) => {
    const lines = (carry + chunk).split(separator);
    carry = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
}
