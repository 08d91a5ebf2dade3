// The board's page: polls /api/v1/status and /health every 2 s (the status API already says everything, and
// a poll keeps no connection open on a small board; Server-Sent Events would need a second way to say it).
// Everything from the agent is put in the page as text (textContent), never as HTML: file names come from
// devices. The token the technician types stays in this tab's sessionStorage.
"use strict";
(function () {
  var POLL_MS = 2000;
  var TOKEN_KEY = "edgesync.token";
  var lastOk = 0;

  function $(id) { return document.getElementById(id); }
  // direction controls (U+202E and its kind) in a device's file name or a server's reply would turn the
  // text around it: shown as a visible mark instead
  var BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  function plain(s) { return String(s).replace(BIDI, "\ufffd"); }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { e.textContent = plain(attrs[k]); } else if (k === "cls") { e.className = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { e.appendChild(c); } });
    return e;
  }
  function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } return e; }
  function token() { return sessionStorage.getItem(TOKEN_KEY); }
  function bytes(n) {
    if (n === null || n === undefined || isNaN(n)) { return "?"; }
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + u[i];
  }
  function age(seconds) {
    if (seconds === null || seconds === undefined) { return "-"; }
    if (seconds < 90) { return Math.round(seconds) + " s"; }
    if (seconds < 5400) { return Math.round(seconds / 60) + " min"; }
    if (seconds < 172800) { return Math.round(seconds / 3600) + " h"; }
    return Math.round(seconds / 86400) + " d";
  }
  function since(iso) { return iso ? age((Date.now() - Date.parse(iso)) / 1000) + " ago" : "never"; }
  function headers(json) {
    var h = {};
    if (json) { h["Content-Type"] = "application/json"; }
    if (token()) { h.Authorization = "Bearer " + token(); }
    return h;
  }

  function renderHealth(h) {
    var list = clear($("checks"));
    var ok = h && h.status === "UP";
    $("health").textContent = h ? (ok ? "healthy" : "not healthy") : "?";
    $("health").className = "badge " + (ok ? "ok" : "bad");
    var seen = {};
    ((h && h.checks) || []).forEach(function (c) { // liveness and readiness list some checks twice
      if (seen[c.name]) { return; }
      seen[c.name] = true;
      var d = c.data || c.details || {};
      var why = Object.keys(d).map(function (k) { return k + ": " + d[k]; }).join(", ");
      list.appendChild(el("li", {}, [el("span", { cls: "badge " + (c.status === "UP" ? "ok" : "bad"), text: c.name }),
        why ? el("span", { cls: c.status === "UP" ? "muted" : "err", text: " " + why }) : null]));
    });
  }

  function command(name, body) {
    $("reply").textContent = name + "...";
    return fetch("/api/v1/commands/" + name, { method: "POST", headers: headers(true), body: JSON.stringify(body || {}) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, status: r.status, j: j }; }); })
      .then(function (x) {
        if (x.status === 401) { refused(); return; }
        $("reply").textContent = x.ok ? name + ": done " + JSON.stringify(x.j.result || {}).slice(0, 300)
          : name + ": " + ((x.j.error && x.j.error.message) || x.j.message || "refused");
        refresh(true);
      })
      .catch(function (e) { $("reply").textContent = name + ": " + e; });
  }

  function renderUpstreams(s) {
    var box = clear($("upstreams"));
    var flight = clear($("inflight"));
    var any = false;
    s.upstreams.forEach(function (u) {
      var state = u.paused ? "paused" : u.state;
      var card = el("div", { cls: "card", "data-upstream": u.name }, [
        el("h3", {}, [el("span", { text: u.name + " " }), el("span", { cls: "badge " + state, text: state })]),
        el("p", { cls: "muted", text: u.url }),
        el("p", { text: u.backlog + " owed, " + u.parked + " parked, " + u.delivered + " delivered" }),
        el("p", { text: "oldest owed: " + age(u.oldestPendingAgeSeconds) }),
        u.lastError ? el("p", { cls: "err", text: "last error: " + u.lastError }) : null]);
      if (token()) {
        var b = el("button", { type: "button", text: u.paused ? "Resume" : "Pause" });
        b.addEventListener("click", function () { command(u.paused ? "resume" : "pause", { upstream: u.name }); });
        card.appendChild(b);
      }
      box.appendChild(card);
      (u.transfers || []).forEach(function (t) {
        any = true;
        var p = el("progress", { max: String(Math.max(1, t.bytesTotal)), value: String(t.bytesDone) });
        flight.appendChild(el("div", { cls: "transfer" }, [el("span", { text: t.path + " to " + u.name + ": "
          + bytes(t.bytesDone) + " of " + bytes(t.bytesTotal) + ", " + bytes(t.bytesPerSecond) + "/s" }), p]));
      });
    });
    if (!any) { flight.appendChild(el("p", { cls: "muted", text: "none" })); }
    var rules = clear($("rules"));
    (s.rules || []).forEach(function (r) {
      rules.appendChild(el("p", { text: "rule " + r.name + " (" + r.rule + "): files go to " + (r.serving.join(", ") || "none now")
        + (r.failedOver.length ? "; failed over: " + r.failedOver.join(", ") : "") }));
    });
  }

  function renderPlot(minutes) {
    var svg = clear($("plot"));
    var ns = "http://www.w3.org/2000/svg";
    var max = 1;
    minutes.forEach(function (m) { max = Math.max(max, m.receivedBytes, m.deliveredBytes); });
    var axis = document.createElementNS(ns, "line");
    axis.setAttribute("x1", "0"); axis.setAttribute("x2", "600"); axis.setAttribute("y1", "125"); axis.setAttribute("y2", "125");
    axis.setAttribute("class", "axis");
    svg.appendChild(axis);
    ["receivedBytes", "deliveredBytes"].forEach(function (key) {
      var pts = minutes.map(function (m, i) {
        return (i * 600 / Math.max(1, minutes.length - 1)).toFixed(1) + "," + (125 - m[key] / max * 115).toFixed(1);
      });
      var line = document.createElementNS(ns, "polyline");
      line.setAttribute("points", pts.join(" "));
      line.setAttribute("class", key === "receivedBytes" ? "received" : "delivered");
      svg.appendChild(line);
    });
    $("plotmax").textContent = "(top: " + bytes(max) + " a minute; the last point is this minute so far)";
  }

  function renderRecent(list) {
    var body = clear($("recent").tBodies[0]);
    if (!list.length) { body.appendChild(el("tr", {}, [el("td", { colspan: "4", cls: "muted", text: "none yet" })])); }
    list.forEach(function (t) {
      body.appendChild(el("tr", { cls: t.state }, [el("td", { text: since(t.at) }), el("td", { text: t.path }),
        el("td", { text: t.upstream }), el("td", { text: t.state + (t.error ? ": " + t.error : "") })]));
    });
  }

  function renderDevices(list) {
    var body = clear($("devices").tBodies[0]);
    list.forEach(function (d) {
      body.appendChild(el("tr", { cls: d.silent ? "silent" : "" }, [el("td", { text: d.user }), el("td", { text: d.home }),
        el("td", { text: since(d.lastUploadAt) }),
        el("td", { text: d.silent ? "silent (expected every " + age(d.expectEverySeconds) + ")" : "" })]));
    });
  }

  function renderBoard(s) {
    var dl = clear($("board"));
    function row(k, v) { dl.appendChild(el("dt", { text: k })); dl.appendChild(el("dd", { text: v })); }
    row("disk", bytes(s.disk.freeBytes) + " free of " + bytes(s.disk.totalBytes) + ", floor " + bytes(s.disk.floorBytes)
      + (s.disk.belowFloor ? " (below it: uploads refused)" : ""));
    if (s.disk.spoolFiles >= 0) { row("spool", s.disk.spoolFiles + " files, " + bytes(s.disk.spoolBytes)); }
    row("received", s.ingest.filesReceived + " files, " + bytes(s.ingest.bytesReceived));
    row("FTP", s.ingest.running ? "listening on port " + s.ingest.port : "not running");
    row("MQTT", s.mqtt.enabled ? (s.mqtt.connected ? "connected" : "not connected") : "off");
    row("version", s.version);
    row("up for", age(s.uptimeSeconds));
  }

  function render(s) {
    document.title = "edgesync " + s.agent;
    $("agent").textContent = s.agent;
    $("meta").textContent = "edgesync " + s.version + ", up " + age(s.uptimeSeconds) + ", updated " + new Date().toLocaleTimeString();
    renderUpstreams(s);
    renderPlot(s.throughput || []);
    renderRecent(s.recentTransfers || []);
    renderDevices(s.devices || []);
    renderBoard(s);
  }

  var timer = null;
  function refresh(once) {
    if (timer && !once) { clearTimeout(timer); }
    Promise.all([
      fetch("/api/v1/status", { headers: headers(false) }).then(function (r) {
        if (r.status === 401 || r.status === 403) {
          if (token()) { refused(); }
          throw new Error("the status needs the HTTP token (http.token-for-reads): type it below");
        }
        if (!r.ok) { throw new Error("status: HTTP " + r.status); }
        return r.json();
      }),
      fetch("/health").then(function (r) {
        // without details (http.token-for-reads): 204 when up, no body
        return r.status === 204 ? { status: "UP", checks: [] }
          : r.json().catch(function () { return { status: r.ok ? "UP" : "DOWN", checks: [] }; });
      }).catch(function () { return null; })
    ]).then(function (x) {
      lastOk = Date.now();
      $("banner").hidden = true;
      document.body.classList.remove("stale");
      render(x[0]);
      renderHealth(x[1]);
    }).catch(function (e) {
      $("banner").hidden = false;
      document.body.classList.add("stale");
      // fetch's own TypeError ("Failed to fetch") means no answer at all
      $("banner").textContent = (e && e.message && !(e instanceof TypeError) ? e.message : "the agent does not answer")
        + (lastOk ? " (last update " + since(new Date(lastOk).toISOString()) + ")" : "");
    }).then(function () {
      if (!once) { timer = setTimeout(refresh, POLL_MS); }
    });
  }

  /** The agent refused the token: it is forgotten, and the field is back with the reason. */
  function refused() {
    sessionStorage.removeItem(TOKEN_KEY);
    showActions();
    $("reply").textContent = "the agent refused that token: type it again";
  }

  function showActions() {
    $("actions").hidden = !token();
    $("login").hidden = !!token();
  }
  $("login").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var t = $("token").value.trim();
    $("token").value = "";
    if (t) { sessionStorage.setItem(TOKEN_KEY, t); }
    showActions();
    refresh(true);
  });
  $("forget").addEventListener("click", function () { sessionStorage.removeItem(TOKEN_KEY); showActions(); refresh(true); });
  $("retry").addEventListener("click", function () { command("retry", {}); });
  $("resync").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var g = $("glob").value.trim();
    if (g) { command("resync", { glob: g }); }
  });
  showActions();
  refresh(false);
})();
