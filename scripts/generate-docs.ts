// `npm run docs`: regenerates README.md's MCP tools and configuration tables from the catalog and
// the config schema, and scripts/tool-packages.tsv from the catalog, so the documented contract
// and the installed binaries are the ones the code has. Importing this file does nothing;
// running it rewrites the README between its generated:* markers, and the TSV.
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { configVariables } from '../src/config.js';
import { mcpToolName } from '../src/mcp/catalog-tools.js';
import { jobTools } from '../src/mcp/tools/index.js';
import { packageRoot } from '../src/package-info.js';
import { renderToolPackages, TOOL_PACKAGES_FILE } from './tool-packages.js';
import { catalog } from '../tools/index.js';
import { pipelines } from '../tools/pipelines.js';
import { PIPELINE_QUEUE } from '../tools/define-pipeline.js';
import type { SubmittableDefinition } from '../src/mcp/catalog-tools.js';

/** What the tools table lists of a *_async tool: a catalog tool, or a pipeline (on the pipeline queue). */
export type DocumentedTool = SubmittableDefinition & { queue?: string };

/** The catalog and the pipelines, as the MCP server registers them. */
export const SUBMITTABLE: readonly DocumentedTool[] = Object.freeze([...catalog, ...pipelines.map((p) => ({ ...p, queue: PIPELINE_QUEUE }))]);

/** One row of the tools table. */
export interface ToolDoc {
  name: string;
  title: string;
  description: string;
  /** The queue a *_async tool submits to; none for the job tools, which only read or cancel. */
  queue?: string;
}

/** The tools src/mcp registers beside the catalog's, with the titles it gives them. */
export const JOB_TOOLS: readonly ToolDoc[] = Object.freeze(
  jobTools.map((t) => ({ name: t.name, title: t.title, description: t.availability ? `${t.summary} ${t.availability.docNote}` : t.summary })),
);

const MARKED_SECTIONS = ['tools', 'config'] as const;
type Section = (typeof MARKED_SECTIONS)[number];

// A description's opening sentence, for a one-line table cell; "e.g." does not end a sentence.
export function firstSentence(text: string): string {
  for (const match of text.matchAll(/[.!?](?=\s|$)/g)) {
    const upTo = text.slice(0, match.index + 1);
    if (!/\b(e\.g|i\.e|etc|cf|vs)\.$/.test(upTo)) return upTo.trim();
  }
  return text.trim();
}

// Text safe inside a Markdown table cell: one line, no column breaks, no HTML tags or strikethrough.
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\\|<>*~`]/g, (c) => `\\${c}`);
}

// The catalog entries as table rows, named as the MCP server names them.
export function catalogToolDocs(tools: readonly DocumentedTool[]): ToolDoc[] {
  return tools.map((tool) => ({ name: mcpToolName(tool), title: tool.title, description: firstSentence(tool.description), ...(tool.queue ? { queue: tool.queue } : {}) }));
}

// Every MCP tool the server registers: the catalog's *_async tools, then the job tools.
export function renderToolsTable(tools: readonly DocumentedTool[] = SUBMITTABLE, jobTools: readonly ToolDoc[] = JOB_TOOLS): string {
  const rows = [...catalogToolDocs(tools), ...jobTools].map(
    (t) => `| \`${t.name}\` | ${cell(t.title)} | ${cell(t.description)} | ${t.queue ? `\`${t.queue}\`` : '—'} |`,
  );
  return ['| tool | title | what it does | queue |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

type VariableSpec = { default: string | undefined; doc: string };

// Every environment variable src/config.ts reads, with its default and doc line.
export function renderConfigTable(variables: Readonly<Record<string, VariableSpec>> = configVariables): string {
  const rows = Object.entries(variables).map(
    ([name, spec]) => `| \`${name}\` | ${spec.default === undefined ? '(unset)' : `\`${spec.default}\``} | ${cell(spec.doc)} |`,
  );
  return ['| variable | default | description |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The marker comments around a generated section of README.md. */
export function sectionMarkers(section: Section): { start: string; end: string } {
  return { start: `<!-- generated:${section}:start -->`, end: `<!-- generated:${section}:end -->` };
}

// The text between a section's markers, without the newlines next to them; fails naming a missing marker.
export function readSection(readmeText: string, section: Section): { before: string; content: string; after: string } {
  const { start, end } = sectionMarkers(section);
  const from = readmeText.indexOf(start);
  const to = readmeText.indexOf(end, from + start.length);
  if (from < 0) throw new Error(`README.md has no "${start}" marker`);
  if (to < 0) throw new Error(`README.md has no "${end}" marker after "${start}"`);
  return {
    before: readmeText.slice(0, from + start.length),
    content: readmeText.slice(from + start.length, to).replace(/^\n/, '').replace(/\n$/, ''),
    after: readmeText.slice(to),
  };
}

// The README with both generated sections replaced by what the code says now; the rest untouched.
export function updateReadme(readmeText: string): string {
  const rendered: Record<Section, string> = { tools: renderToolsTable(), config: renderConfigTable() };
  let text = readmeText;
  for (const section of MARKED_SECTIONS) {
    const { before, after } = readSection(text, section);
    text = `${before}\n${rendered[section]}\n${after}`;
  }
  return text;
}

// Rewrites scripts/tool-packages.tsv from the catalog, writing only when something changed.
export async function writeToolPackages(file = path.join(packageRoot(), TOOL_PACKAGES_FILE)): Promise<boolean> {
  const current = await fs.readFile(file, 'utf8').catch(() => '');
  const next = renderToolPackages();
  if (next === current) return false;
  await fs.writeFile(file, next);
  return true;
}

// Rewrites the package's README.md in place, writing only when something changed.
export async function writeReadme(file = path.join(packageRoot(), 'README.md')): Promise<boolean> {
  const current = await fs.readFile(file, 'utf8');
  const next = updateReadme(current);
  if (next === current) return false;
  await fs.writeFile(file, next);
  return true;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  Promise.all([writeReadme(), writeToolPackages()]).then(
    ([readme, packages]) => {
      process.stdout.write(readme ? 'README.md: tables regenerated\n' : 'README.md: tables already up to date\n');
      process.stdout.write(packages ? `${TOOL_PACKAGES_FILE}: regenerated\n` : `${TOOL_PACKAGES_FILE}: already up to date\n`);
    },
    (err: unknown) => {
      process.stderr.write(`generate-docs: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
