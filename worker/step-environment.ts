// The variables a job's steps get on top of the worker's own environment (launch-pipeline.ts adds them to it):
// the databases' (BLASTDB), the tool's own (ToolDefinition.env), and TMPDIR inside the work dir.
// GLIBC_TUNABLES is a list: a tool's tunables (fastp's huge pages) are added to those the worker
// was started with, as `GLIBC_TUNABLES=$GLIBC_TUNABLES:…` would in a shell, not put in their place.
export function stepEnvironment(
  parts: { databases: Record<string, string>; tool: Record<string, string> | undefined; tmpDir: string },
  inherited: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = { ...parts.databases, ...parts.tool, TMPDIR: parts.tmpDir };
  const tunables = parts.tool?.GLIBC_TUNABLES;
  if (tunables !== undefined && inherited.GLIBC_TUNABLES) env.GLIBC_TUNABLES = `${inherited.GLIBC_TUNABLES}:${tunables}`;
  return env;
}
