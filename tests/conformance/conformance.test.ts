// The official MCP conformance suite (@modelcontextprotocol/conformance, every server scenario,
// pending ones included) against the real `serve` stack. Every scenario must pass but those in
// baseline.json, which call fixtures of the suite's own reference server (tools, prompts and
// resources by test names we do not have); a baseline scenario that starts passing fails the
// test too, so the baseline stays true. The suite runs on Node 22, which scripts/bootstrap.sh
// puts in .cache/node22 with the suite (the project itself runs on Node 20).
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startBearerForwarder, type BearerForwarder } from '../support/bearer-forwarder.js';
import { REPO } from '../support/harness.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';

const TOOLCHAIN = path.join(REPO, '.cache', 'node22', 'node_modules');
const NODE22 = path.join(TOOLCHAIN, '.bin', 'node');
const SUITE = path.join(TOOLCHAIN, '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

const Baseline = z.object({
  about: z.string(),
  expected_failures: z.record(z.string(), z.string().min(1, 'expected_failures: give the reason the scenario cannot pass')),
});

const Check = z.object({ id: z.string(), status: z.string(), errorMessage: z.string().optional() });

interface ScenarioResult {
  scenario: string;
  failures: string[]; // "check-id: message" of each check with status FAILURE
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runSuite(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(NODE22, [SUITE, ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

// `conformance list --server` prints "  - server-initialize [2025-06-18,2025-11-25]" a line.
async function listServerScenarios(): Promise<string[]> {
  const run = await runSuite(['list', '--server']);
  if (run.code !== 0) throw new Error(`conformance list --server exited with ${run.code}: ${run.stderr}`);
  return [...run.stdout.matchAll(/^\s+- ([a-z0-9-]+)/gm)].map((m) => m[1]!);
}

// -o <dir> gets one folder per scenario, server-<scenario>-<timestamp>, holding checks.json.
async function readResults(dir: string): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const folder of (await fs.readdir(dir)).sort()) {
    const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(folder)?.[1];
    if (scenario === undefined) throw new Error(`unexpected folder in the suite's output: ${folder}`);
    const checks = z.array(Check).parse(JSON.parse(await fs.readFile(path.join(dir, folder, 'checks.json'), 'utf8')));
    const failures = checks.filter((c) => c.status === 'FAILURE').map((c) => `${c.id}: ${c.errorMessage ?? '(no message)'}`);
    results.push({ scenario, failures });
  }
  return results;
}

describe('MCP conformance suite against serve', () => {
  let harness: HttpHarness;
  let forwarder: BearerForwarder;
  let outputDir: string;
  let scenarios: string[];
  let results: ScenarioResult[];
  let baseline: z.infer<typeof Baseline>;

  beforeAll(async () => {
    for (const file of [NODE22, SUITE]) {
      await fs.access(file).catch(() => {
        throw new Error(`${file} is missing: run \`bash scripts/bootstrap.sh\` (npm test does), which installs Node 22 and the conformance suite into .cache/node22`);
      });
    }
    baseline = Baseline.parse(JSON.parse(await fs.readFile(path.join(import.meta.dirname, 'baseline.json'), 'utf8')));
    // Every scenario opens an MCP session and none closes it (no DELETE): more than the 32 one
    // key may hold by default, so the cap is raised for this one key.
    harness = await startHttpHarness({ env: { BIO_QUEUE_MCP_SESSIONS_PER_KEY: '200' } });
    // The suite sends no Authorization header of its own; the forwarder adds alice's key.
    forwarder = await startBearerForwarder(harness.url, harness.keys.alice);
    outputDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-conformance-'));
    scenarios = await listServerScenarios();
    // Its exit code only says whether anything failed; the checks in outputDir say what.
    const run = await runSuite(['server', '--url', `${forwarder.url}/mcp`, '--suite', 'all', '-o', outputDir]);
    if (run.code === null) throw new Error(`the conformance suite did not finish: ${run.stderr}`);
    results = await readResults(outputDir);
  });

  afterAll(async () => {
    await forwarder?.close();
    await harness?.close();
    if (outputDir) await fs.rm(outputDir, { recursive: true, force: true });
  });

  it('ran every server scenario the suite lists, and the baseline names only those', () => {
    expect(scenarios.length).toBeGreaterThan(20); // the list was read
    expect(results.map((r) => r.scenario).sort()).toEqual([...scenarios].sort());
    expect(Object.keys(baseline.expected_failures).filter((name) => !scenarios.includes(name))).toEqual([]);
  });

  it('passes every scenario but those the baseline lists', () => {
    const unexpected = results.filter((r) => r.failures.length > 0 && !(r.scenario in baseline.expected_failures));
    expect(unexpected).toEqual([]);
  });

  it('fails every scenario the baseline lists (a passing one must leave the baseline)', () => {
    const nowPassing = results.filter((r) => r.failures.length === 0 && r.scenario in baseline.expected_failures).map((r) => r.scenario);
    expect(nowPassing).toEqual([]);
  });
});
