// The page GET /admin/queues answers a browser that is not signed in: one field for an admin
// API key, posted to the dashboard's login route. Plain HTML with inline style and no script, so
// its Content-Security-Policy can forbid everything else.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Headers of the login page: nothing loads but its own inline style, and the form posts only here. */
export const LOGIN_PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

/** basePath: where the dashboard is mounted as the browser sees it; problem: why the last try failed. */
export function loginPage(basePath: string, problem?: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>bio-mcp-queue · queues dashboard</title>
<style>
body { font-family: system-ui, sans-serif; background: #f4f5f7; display: flex; justify-content: center; padding-top: 12vh; }
form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; width: 24rem; }
input { width: 100%; box-sizing: border-box; padding: .5rem; margin: .5rem 0 1rem; font-family: monospace; }
.problem { color: #b00020; }
</style>
</head>
<body>
<form method="post" action="${escapeHtml(basePath)}/login">
<h1>Queues dashboard</h1>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>\n` : ''}<label for="key">Admin API key</label>
<input id="key" name="key" type="password" autocomplete="off" required autofocus>
<button type="submit">Sign in</button>
<p><small>The session lasts an hour. Scripts may send <code>Authorization: Bearer &lt;admin key&gt;</code> instead.</small></p>
</form>
</body>
</html>
`;
}
