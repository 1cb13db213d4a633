/**
 * The control UI page: markup and style, embedded in the binary as strings (no CDN: leash
 * runs air-gapped). The script is served as a file (page_js.ts): the CSP forbids inline code.
 */

/** `GET /`. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leash control</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>leash</h1>
  <span id="session-id"></span>
  <span id="connection" class="badge">connecting</span>
</header>
<main>
<section id="overview">
  <h2>Session</h2>
  <dl id="session-facts"></dl>
  <h2>Posture</h2>
  <table id="posture"><thead><tr><th>layer</th><th>status</th><th>reason</th></tr></thead><tbody></tbody></table>
  <h2>Mode</h2>
  <div id="mode-switch" role="radiogroup" aria-label="mode">
    <button type="button" data-mode="record">record</button>
    <button type="button" data-mode="shadow">shadow</button>
    <button type="button" data-mode="enforce">enforce</button>
  </div>
  <p id="mode-result" class="result" aria-live="polite"></p>
</section>
<section id="policy">
  <h2>Policy <span id="policy-label"></span></h2>
  <textarea id="policy-text" spellcheck="false" rows="18" aria-label="policy text"></textarea>
  <div class="actions">
    <button type="button" id="policy-validate">Validate</button>
    <button type="button" id="policy-apply">Apply</button>
  </div>
  <ul id="policy-errors" aria-live="polite"></ul>
  <p id="policy-result" class="result" aria-live="polite"></p>
</section>
<section id="events">
  <h2>Events</h2>
  <div class="controls">
    <label>kind <select id="filter-kind"><option value="">all</option></select></label>
    <label>decision <select id="filter-decision">
      <option value="">all</option><option value="allow">allow</option>
      <option value="deny">deny</option><option value="would_deny">would deny</option>
    </select></label>
    <button type="button" id="pause">Pause</button>
    <span id="pending"></span>
    <span id="lost" class="lost" hidden></span>
  </div>
  <table id="event-table">
    <thead><tr><th>seq</th><th>time</th><th>event</th><th>decision</th><th>layer</th><th>what</th><th>rule</th></tr></thead>
    <tbody id="event-rows"></tbody>
  </table>
</section>
</main>
</body>
</html>
`;

/** `GET /app.css`. */
export const PAGE_CSS = `
:root { font-family: system-ui, sans-serif; font-size: 14px; color: #1d2330; background: #f6f7f9; }
header { display: flex; gap: 1em; align-items: baseline; padding: .5em 1em; background: #1d2330; color: #fff; }
header h1 { margin: 0; font-size: 1.3em; }
main { display: grid; grid-template-columns: minmax(20em, 1fr) minmax(24em, 1.4fr); gap: 1em; padding: 1em; }
section { background: #fff; border: 1px solid #d8dce3; border-radius: 6px; padding: .5em 1em 1em; }
#events { grid-column: 1 / -1; }
h2 { font-size: 1.05em; margin: .8em 0 .4em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .2em .5em; border-bottom: 1px solid #eceef2; vertical-align: top; }
td.what { font-family: ui-monospace, monospace; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; margin: 0; }
dt { color: #5b6475; } dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
textarea { width: 100%; box-sizing: border-box; font-family: ui-monospace, monospace; font-size: 13px; }
button { padding: .3em .9em; border: 1px solid #9aa3b5; border-radius: 4px; background: #fff; cursor: pointer; }
button[aria-pressed="true"] { background: #1d2330; color: #fff; }
.badge { font-size: .85em; padding: .1em .5em; border-radius: 3px; background: #5b6475; }
.badge.live { background: #2d7d46; }
.status-active { color: #2d7d46; } .status-degraded { color: #a86b00; } .status-off { color: #b3261e; }
tr.deny { background: #fde8e7; } tr.deny td.decision { color: #b3261e; font-weight: bold; }
tr.would-deny { background: #fff4d6; } tr.would-deny td.decision { color: #a86b00; font-weight: bold; }
#policy-errors li { color: #b3261e; font-family: ui-monospace, monospace; }
.lost { color: #b3261e; font-weight: bold; }
.result { min-height: 1.2em; }
.controls { display: flex; gap: 1em; align-items: center; margin-bottom: .5em; }
`;
