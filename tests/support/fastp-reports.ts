// How fastp's reports are compared with a run by hand: both carry the command line, and the
// HTML the time it was written, which no two runs share. Everything else must be equal, so only
// those are taken out; the JSON's insert-size histogram can be taken out too, for runs with
// different thread counts (fastp samples it from its first thread's reads only).
import fs from 'node:fs/promises';

/** fastp.json parsed, without "command" and any other top-level sections named. */
export async function fastpJsonWithout(file: string, sections: readonly string[] = []): Promise<Record<string, unknown>> {
  const report = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  for (const key of ['command', ...sections]) {
    if (!(key in report)) throw new Error(`${file} has no "${key}" section to leave out`);
    delete report[key];
  }
  return report;
}

/** fastp.html with the run's own facts blanked: the time in the title, the command line and time in the footer. */
export async function fastpHtmlWithoutRunFacts(file: string): Promise<string> {
  const html = await fs.readFile(file, 'utf8');
  const title = /<title>fastp report at [^<]*<\/title>/g;
  const footer = /<div id='footer'> <p>[^<]*<\/p>fastp [\d.]+, at [^<]*<\/div>/g;
  if ((html.match(title) ?? []).length !== 1 || (html.match(footer) ?? []).length !== 1) {
    throw new Error(`${file}: not the fastp 0.23 report layout (one title with a time, one footer with the command)`);
  }
  return html.replace(title, '<title>fastp report at TIME</title>').replace(footer, "<div id='footer'> <p>COMMAND</p>fastp, at TIME</div>");
}
