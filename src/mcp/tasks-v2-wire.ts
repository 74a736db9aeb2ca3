// The wire shapes of the Tasks extension of MCP 2026-07-28 (SEP-2663) that this server reads and
// writes, as `@modelcontextprotocol/ext-tasks` (core/v2) defines them. That package is a dev
// dependency (its runtime wants the 2.x SDK), so the shapes are restated here, and
// tests/mcp/ext-tasks-v2-client.test.ts parses what we send with the package's own schemas.
// What changed from 2025-11-25: `ttl` and `pollInterval` are `ttlMs` and `pollIntervalMs`; a
// finished task carries its result (there is no tasks/result) or, for a protocol fault, its
// error; creation answers `resultType: "task"` in place of the tool's result.
import { z } from 'zod';
import type { CallToolResult, Task as TaskV1 } from '@modelcontextprotocol/sdk/types.js';

/** tasks/get and tasks/cancel params. */
export const TaskIdParams = z.object({ taskId: z.string() }).loose();

/** tasks/update params: answers to the input a task asked for, by input key. */
export const UpdateTaskParams = z
  .object({ taskId: z.string(), inputResponses: z.record(z.string(), z.record(z.string(), z.unknown())) })
  .loose();

/** What every task says of itself (ext-tasks' TaskV2). */
export interface TaskV2 {
  taskId: string;
  status: 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number | null;
  pollIntervalMs?: number;
}

/** tasks/get's answer (ext-tasks' GetTaskResultV2): the task, with its result once completed. */
export type DetailedTaskV2 =
  | (TaskV2 & { status: 'working' | 'cancelled' })
  | (TaskV2 & { status: 'completed'; result: Record<string, unknown> })
  | (TaskV2 & { status: 'failed'; error: { code: number; message: string; data?: unknown } });

/** The same task in the 2026-07-28 shape: the fields are the 2025-11-25 ones renamed. */
export function taskV2Of(task: TaskV1): TaskV2 {
  return {
    taskId: task.taskId,
    status: task.status,
    ...(task.statusMessage !== undefined ? { statusMessage: task.statusMessage } : {}),
    createdAt: task.createdAt,
    lastUpdatedAt: task.lastUpdatedAt,
    ttlMs: task.ttl,
    ...(task.pollInterval !== undefined ? { pollIntervalMs: task.pollInterval } : {}),
  };
}

/** A tools/call answered with a task (ext-tasks' CreateTaskResultV2). */
export function createTaskResult(task: TaskV1): Record<string, unknown> {
  return { ...taskV2Of(task), resultType: 'task' };
}

/** The result a completed task carries: the tool's result, itself a complete 2026-07-28 result. */
export function completedResult(result: CallToolResult): Record<string, unknown> {
  return { ...result, resultType: 'complete' };
}
