/**
 * The control UI's script: plain DOM, no framework, no network but this server. Everything
 * shown goes through textContent (events are masked by the EventLog; nothing is rendered as
 * markup). Served as `/app.js` (the CSP allows no inline script).
 */

/** `GET /app.js`. */
export const PAGE_JS = String.raw`"use strict";
(function () {
  var MAX_EVENTS = 5000;
  var state = { seq: 0, paused: false, pending: 0, lost: 0, events: [], kinds: {}, ws: null };

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function api(path, body) {
    var init = { credentials: "same-origin" };
    if (body !== undefined) {
      init.method = "POST";
      init.headers = { "content-type": "application/json" };
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (r) {
      return r.json().then(function (data) { return { status: r.status, data: data }; },
        function () { return { status: r.status, data: null }; });
    });
  }

  function layerSummary(layers) {
    return (layers || []).map(function (l) {
      return l.layer + ": " + (l.applied ? "applied" : "not applied") + (l.detail ? " (" + l.detail + ")" : "");
    }).join(" · ");
  }

  function dropsText(d) {
    if (!d) return "none counted yet";
    var lost = d.kernel + d.manager + d.writer + d.ui + d.rotated;
    return (lost === 0 ? "none" : lost + " LOST") + " (kernel ring buffer " + d.kernel +
      ", manager queue " + d.manager + ", event writer " + d.writer + ", UI clients " + d.ui +
      ", rotated away " + d.rotated + "; relay errors coalesced " + d.relay_errors + ")";
  }

  function showSession(s, withPolicy) {
    $("session-id").textContent = "session " + s.id;
    var facts = $("session-facts");
    clear(facts);
    var rows = [["image", s.image], ["command", (s.command || []).join(" ")], ["mode", s.mode],
      ["policy", s.policy && s.policy.label], ["events", s.logs && s.logs.events],
      ["logs", s.logs && s.logs.dir], ["events lost", dropsText(s.drops)]];
    rows.forEach(function (r) { facts.appendChild(el("dt", r[0])); facts.appendChild(el("dd", r[1])); });
    var body = document.querySelector("#posture tbody");
    clear(body);
    (s.posture || []).forEach(function (l) {
      var tr = el("tr");
      tr.appendChild(el("td", l.name));
      tr.appendChild(el("td", l.status, "status-" + l.status));
      tr.appendChild(el("td", l.reason));
      body.appendChild(tr);
    });
    if (!s.posture) body.appendChild(el("tr")).appendChild(el("td", "the session is starting"));
    document.querySelectorAll("#mode-switch button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-mode") === s.mode));
    });
    if (withPolicy && s.policy) {
      $("policy-text").value = s.policy.text;
      $("policy-label").textContent = s.policy.label ? "(" + s.policy.label + ")" : "";
    }
  }

  function loadSession(withPolicy) {
    return api("/api/session").then(function (r) { if (r.data) showSession(r.data, withPolicy); });
  }

  // A refused call is "deny" even when the policy would also have denied it (observe layer).
  function decisionOf(e) {
    if (e.decision === "deny") return "deny";
    return e.would_deny ? "would_deny" : (e.decision || "");
  }
  function whatOf(e) {
    if (e.url) return (e.method ? e.method + " " : "") + e.url;
    if (e.host) return e.host + (e.port ? ":" + e.port : "");
    if (e.path) return e.path;
    if (e.argv) return e.argv.join(" ");
    if (e.exe) return e.exe;
    if (e.addr) return e.addr + (e.port ? ":" + e.port : "");
    return e.message || "";
  }
  function matches(e) {
    var kind = $("filter-kind").value;
    var decision = $("filter-decision").value;
    if (kind && e.event !== kind) return false;
    if (decision && decisionOf(e) !== decision) return false;
    return true;
  }
  function row(e) {
    var d = decisionOf(e);
    var tr = el("tr", null, d === "deny" ? "deny" : d === "would_deny" ? "would-deny" : "");
    tr.setAttribute("data-seq", String(e.seq));
    tr.setAttribute("data-event", e.event);
    tr.setAttribute("data-decision", d);
    tr.appendChild(el("td", e.seq));
    tr.appendChild(el("td", (e.time || "").replace("T", " ").replace("Z", "")));
    tr.appendChild(el("td", e.event));
    tr.appendChild(el("td", d === "would_deny" ? "would deny" : d, "decision"));
    tr.appendChild(el("td", e.layer || ""));
    tr.appendChild(el("td", whatOf(e), "what"));
    tr.appendChild(el("td", e.rule || ""));
    return tr;
  }
  function render() {
    var body = $("event-rows");
    clear(body);
    for (var i = state.events.length - 1; i >= 0; i--) {
      if (matches(state.events[i])) body.appendChild(row(state.events[i]));
    }
    state.pending = 0;
    $("pending").textContent = "";
  }
  function addEvent(e) {
    if (typeof e.seq !== "number" || e.seq <= state.seq) return;
    state.seq = e.seq;
    state.events.push(e);
    if (state.events.length > MAX_EVENTS * 1.2) state.events.splice(0, state.events.length - MAX_EVENTS);
    if (!state.kinds[e.event]) {
      state.kinds[e.event] = true;
      var select = $("filter-kind");
      var options = Object.keys(state.kinds).sort();
      var current = select.value;
      while (select.options.length > 1) select.remove(1);
      options.forEach(function (k) { select.appendChild(el("option", k)).value = k; });
      select.value = current;
    }
    if (state.paused) {
      state.pending++;
      $("pending").textContent = state.pending + " new while paused";
      return;
    }
    if (matches(e)) {
      var body = $("event-rows");
      body.insertBefore(row(e), body.firstChild);
      while (body.childNodes.length > MAX_EVENTS) body.removeChild(body.lastChild);
    }
  }
  function showLost(total) {
    state.lost = total;
    var node = $("lost");
    node.hidden = false;
    node.textContent = total + " event(s) lost: this page fell behind the stream";
  }

  function connect() {
    var ws = new WebSocket("ws://" + location.host + "/api/stream?after=" + state.seq);
    state.ws = ws;
    ws.onopen = function () { $("connection").textContent = "live"; $("connection").className = "badge live"; };
    ws.onmessage = function (m) {
      var msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      if (msg.type === "event") {
        addEvent(msg.event);
        if (msg.event.event === "kernel.drops") loadSession(false);
      } else if (msg.type === "lost") showLost(msg.total);
    };
    ws.onclose = function () {
      $("connection").textContent = "disconnected";
      $("connection").className = "badge";
      setTimeout(connect, 2000);
    };
  }

  function showDiagnostics(list) {
    var ul = $("policy-errors");
    clear(ul);
    (list || []).forEach(function (d) {
      var text = "line " + d.line + ", column " + d.col + ": " + (d.severity === "warning" ? "warning: " : "") + d.message + (d.hint ? " (hint: " + d.hint + ")" : "");
      var li = el("li", text);
      li.setAttribute("data-line", String(d.line));
      li.setAttribute("data-col", String(d.col));
      ul.appendChild(li);
    });
  }

  function init() {
    document.querySelectorAll("#mode-switch button").forEach(function (b) {
      b.addEventListener("click", function () {
        var mode = b.getAttribute("data-mode");
        $("mode-result").textContent = "switching to " + mode + "...";
        api("/api/mode", { mode: mode }).then(function (r) {
          var d = r.data || {};
          $("mode-result").textContent = d.ok ? "mode " + d.mode + ": " + layerSummary(d.layers) : "mode not changed: " + (d.error || r.status);
          loadSession(false);
        });
      });
    });
    $("policy-validate").addEventListener("click", function () {
      $("policy-result").textContent = "validating...";
      api("/api/policy/validate", { text: $("policy-text").value }).then(function (r) {
        var d = r.data || {};
        showDiagnostics(d.diagnostics);
        $("policy-result").textContent = d.ok ? "valid: " + d.rules + " rule(s)" : "invalid: " + (d.error || "see the errors");
      });
    });
    $("policy-apply").addEventListener("click", function () {
      $("policy-result").textContent = "applying...";
      api("/api/policy", { text: $("policy-text").value }).then(function (r) {
        var d = r.data || {};
        showDiagnostics(d.diagnostics);
        $("policy-result").textContent = d.ok ? "applied: " + layerSummary(d.layers) : "not applied: " + (d.error || "see the errors");
        if (d.ok) loadSession(false);
      });
    });
    $("filter-kind").addEventListener("change", render);
    $("filter-decision").addEventListener("change", render);
    $("pause").addEventListener("click", function () {
      state.paused = !state.paused;
      $("pause").textContent = state.paused ? "Resume" : "Pause";
      if (!state.paused) render();
    });
    loadSession(true).then(connect);
    setInterval(function () { loadSession(false); }, 5000);
  }
  document.addEventListener("DOMContentLoaded", init);
})();
`;
