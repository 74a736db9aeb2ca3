// Running one catalog tool through the MCP server as a client would, for the tests of each tool
// family: submit, wait, read the result; and the checks every family makes of a finished or
// failed job (its files on disk, nothing left behind in the worker's work dirs).
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { callOk, waitDone, type Harness } from './harness.js';

export interface ToolResult {
  job_id: string;
  status: string;
  summary: Record<string, unknown>;
  files: { name: string; url: string; size_bytes: number; sha256: string; media_type: string; resource_uri: string }[];
  command: string[];
  steps: { label: string; pipeline: string[][]; stdout: string | null }[];
  indexes: { input: string; kind: string; variant: string | null; sha256: string; reused: boolean; build_seconds: number | null }[];
  tool_version: string;
}

export interface ToolFailure {
  status: string;
  attempts: number;
  error: { code: string; message: string; field?: string; stderr_tail?: string; command?: string[] };
}

/** Submits `<tool>_async` and waits; the job must complete. */
export async function runTool(h: Harness, tool: string, args: Record<string, unknown>): Promise<ToolResult> {
  const { job_id } = await callOk<{ job_id: string }>(h.client, `${tool}_async`, args);
  const done = await waitDone(h.client, job_id);
  expect(done.status, JSON.stringify(done.error)).toBe('completed');
  return { ...(await callOk<ToolResult>(h.client, 'get_job_result', { job_id })), job_id };
}

/** Submits `<tool>_async` and waits; the job must fail. Returns its final status. */
export async function runToolToFailure(h: Harness, tool: string, args: Record<string, unknown>): Promise<ToolFailure> {
  const { job_id } = await callOk<{ job_id: string }>(h.client, `${tool}_async`, args);
  const done = (await waitDone(h.client, job_id)) as unknown as ToolFailure;
  expect(done.status).toBe('failed');
  return done;
}

/** The local path of an output file of a completed job (local storage gives file:// links). */
export function outputPath(result: ToolResult, name: string): string {
  const file = result.files.find((f) => f.name === name);
  if (!file) throw new Error(`job ${result.job_id} has no output "${name}"; it has ${result.files.map((f) => f.name).join(', ')}`);
  return fileURLToPath(file.url);
}

/** Every worker folder under the work root is empty: no job left a work dir (or a tool's temporary file) behind. */
export async function expectNoWorkLeft(h: Harness): Promise<void> {
  const root = h.config.workRoot;
  for (const worker of await fs.readdir(root).catch(() => [] as string[])) {
    expect(await fs.readdir(path.join(root, worker)), `left in ${path.join(root, worker)}`).toEqual([]);
  }
}
