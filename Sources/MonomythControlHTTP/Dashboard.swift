/// The dashboard page: self-contained (no fetch beyond this server's JSON
/// endpoints), it draws the pipeline as an SVG graph with each node type's
/// counts and throughput, and the workers with the nodes they run, and
/// refreshes every two seconds.
enum Dashboard {
    static let html = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Monomyth</title>
<style>
  :root { --ink:#1d2433; --muted:#667085; --line:#d0d5dd; --card:#fff; --bg:#f4f6fa; --ok:#12b76a; --bad:#f04438; --run:#2e90fa; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--ink); background:var(--bg); }
  header { display:flex; align-items:center; gap:12px; padding:14px 24px; background:#101828; color:#fff; }
  header h1 { font-size:18px; margin:0; font-weight:600; }
  header .pipeline { color:#98a2b3; }
  #status { margin-left:auto; display:flex; align-items:center; gap:8px; font-size:13px; }
  #status .dot { width:10px; height:10px; border-radius:50%; background:var(--muted); }
  #status.up .dot { background:var(--ok); } #status.down .dot { background:var(--bad); }
  main { padding:20px 24px; display:grid; gap:20px; }
  section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 18px; }
  h2 { font-size:14px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:0 0 12px; }
  svg { width:100%; height:auto; }
  .node rect.box { fill:#fff; stroke:#98a2b3; stroke-width:1.5; }
  .node.running rect.box { stroke:var(--run); stroke-width:2.5; }
  .node.failed rect.box { stroke:var(--bad); stroke-width:2.5; }
  .node .title { font-weight:700; font-size:14px; }
  .node .kind { fill:var(--muted); font-size:11px; text-transform:uppercase; letter-spacing:.05em; }
  .node .stat { font-size:12px; fill:#344054; }
  .node .rate { font-size:18px; font-weight:700; fill:var(--run); }
  .node .bad { fill:var(--bad); }
  .edge { stroke:#98a2b3; stroke-width:2; fill:none; marker-end:url(#arrow); }
  .queue { font-size:11px; fill:var(--muted); }
  table { border-collapse:collapse; width:100%; }
  th, td { text-align:left; padding:6px 10px; border-bottom:1px solid #eaecf0; }
  th { color:var(--muted); font-weight:600; font-size:12px; }
  td.num { font-variant-numeric:tabular-nums; }
  .chip { display:inline-block; padding:2px 8px; margin:2px 4px 2px 0; border-radius:12px; background:#eff8ff; color:#175cd3; font-size:12px; }
  .empty { color:var(--muted); }
  footer { color:var(--muted); font-size:12px; padding:0 24px 20px; }
</style>
</head>
<body>
<header><h1>Monomyth</h1><span class="pipeline" id="pipeline-name"></span>
  <div id="status"><span class="dot"></span><span id="status-text">connecting…</span></div></header>
<main>
  <section><h2>Pipeline</h2><svg id="graph" role="img" aria-label="pipeline graph"></svg></section>
  <section><h2>Node types</h2><table id="types"></table></section>
  <section><h2>Workers</h2><div id="workers" class="empty">No worker connected.</div></section>
</main>
<footer>Refreshed every 2 s from /pipeline, /recipe-info, /worker-info and /node-metrics. Prometheus: <a href="metrics">/metrics</a>.</footer>
<script>
"use strict";
const W = 220, H = 150, GAP_X = 90, GAP_Y = 30, PAD = 20;
const previous = {};
let graph = null;

function el(name, attrs, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}
function cell(row, text, cls) { const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls; return td; }
async function json(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) throw new Error(path + ": " + response.status + " " + ((await response.json()).error_message || ""));
  return response.json();
}

// Columns by longest path from a node without producers.
function layout(g) {
  const column = {};
  const producers = (recipe) => {
    const queue = g.queues.find((q) => q.name === recipe.source_queue);
    return queue ? queue.producers : [];
  };
  const depth = (recipe, seen) => {
    if (column[recipe.type] !== undefined) return column[recipe.type];
    if (seen.has(recipe.type)) return 0;
    seen.add(recipe.type);
    const before = producers(recipe).map((type) => g.recipes.find((r) => r.type === type)).filter(Boolean);
    return (column[recipe.type] = before.length ? 1 + Math.max(...before.map((r) => depth(r, seen))) : 0);
  };
  g.recipes.forEach((recipe) => depth(recipe, new Set()));
  const rows = {}, place = {};
  for (const recipe of g.recipes) {
    const c = column[recipe.type], r = (rows[c] = (rows[c] || 0) + 1) - 1;
    place[recipe.type] = { x: PAD + c * (W + GAP_X), y: PAD + r * (H + GAP_Y) };
  }
  const columns = Math.max(...Object.values(column)) + 1, most = Math.max(...Object.values(rows));
  return { place, width: 2 * PAD + columns * W + (columns - 1) * GAP_X, height: 2 * PAD + most * H + (most - 1) * GAP_Y };
}

function draw(g, infos, metrics, seconds) {
  const svg = document.getElementById("graph");
  const { place, width, height } = layout(g);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.style.maxWidth = width + "px";
  svg.replaceChildren();
  const defs = el("defs");
  const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" });
  marker.appendChild(el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#98a2b3" }));
  defs.appendChild(marker);
  svg.appendChild(defs);
  for (const queue of g.queues.filter((q) => q.role === "link")) {
    for (const from of queue.producers) for (const to of queue.consumers) {
      const a = place[from], b = place[to];
      if (!a || !b) continue;
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x - 2, y2 = b.y + H / 2, mid = (x1 + x2) / 2;
      svg.appendChild(el("path", { class: "edge", d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` }));
    }
  }
  for (const recipe of g.recipes) {
    const info = infos[recipe.type] || { counts: { running: 0, queued: 0, completed: 0, failed: 0 } };
    const m = metrics[recipe.type] || { processed: 0, failed: 0, batches: 0, batch_seconds: 0 };
    const c = info.counts, p = place[recipe.type];
    const state = c.failed > 0 || m.failed > 0 ? "failed" : c.running > 0 ? "running" : "";
    const group = el("g", { class: "node " + state, "data-node": recipe.type, "data-processed": m.processed,
      "data-failed": m.failed, "data-running": c.running, "data-completed": c.completed, transform: `translate(${p.x},${p.y})` });
    group.appendChild(el("rect", { class: "box", width: W, height: H, rx: 10 }));
    group.appendChild(el("text", { class: "title", x: 14, y: 24 }, recipe.type));
    group.appendChild(el("text", { class: "kind", x: 14, y: 41 }, `${recipe.kind} · batch ${recipe.batch_size}`));
    const rate = seconds > 0 && previous[recipe.type] !== undefined ? Math.max(0, (m.processed - previous[recipe.type]) / seconds) : null;
    group.appendChild(el("text", { class: "rate", x: 14, y: 70 }, rate === null ? "— msg/s" : rate.toFixed(rate < 10 ? 1 : 0) + " msg/s"));
    const line = (y, parts) => {
      const text = el("text", { class: "stat", x: 14, y });
      for (const [label, value, cls] of parts) {
        text.appendChild(el("tspan", {}, label + " "));
        text.appendChild(el("tspan", { class: "value " + (cls || ""), "data-count": label }, String(value)));
        text.appendChild(el("tspan", {}, "   "));
      }
      group.appendChild(text);
    };
    line(94, [["processed", m.processed], ["failed", m.failed, m.failed > 0 ? "bad" : ""]]);
    line(114, [["running", c.running], ["queued", c.queued], ["completed", c.completed]]);
    const batch = m.batches > 0 ? (1000 * m.batch_seconds / m.batches).toFixed(1) + " ms/batch" : "no batch yet";
    line(134, [["batches", m.batches], [batch, ""]]);
    svg.appendChild(group);
    previous[recipe.type] = m.processed;
  }
}

function table(g, infos, metrics) {
  const t = document.getElementById("types");
  t.replaceChildren();
  const head = t.createTHead().insertRow();
  for (const name of ["type", "running", "queued", "completed", "node failures", "processed", "failed messages", "batch time (s)", "last failure"]) {
    const th = document.createElement("th"); th.textContent = name; head.appendChild(th);
  }
  const body = t.createTBody();
  for (const recipe of g.recipes) {
    const info = infos[recipe.type], m = metrics[recipe.type] || {};
    const row = body.insertRow();
    cell(row, recipe.type);
    for (const v of [info.counts.running, info.counts.queued, info.counts.completed, info.counts.failed, m.processed || 0, m.failed || 0, (m.batch_seconds || 0).toFixed(3)]) cell(row, v, "num");
    cell(row, info.last_failure || "");
  }
}

function workers(list) {
  const box = document.getElementById("workers");
  if (list.length === 0) { box.className = "empty"; box.textContent = "No worker connected."; return; }
  box.className = "";
  const t = document.createElement("table");
  const head = t.createTHead().insertRow();
  for (const name of ["worker", "nodes", "runs"]) { const th = document.createElement("th"); th.textContent = name; head.appendChild(th); }
  const body = t.createTBody();
  for (const worker of list) {
    const row = body.insertRow();
    row.dataset.worker = worker.worker_id;
    cell(row, worker.worker_id);
    cell(row, worker.nodes.reduce((sum, n) => sum + n.node_count, 0), "num");
    const runs = row.insertCell();
    if (worker.nodes.length === 0) runs.textContent = "nothing";
    for (const n of worker.nodes) {
      const chip = document.createElement("span"); chip.className = "chip"; chip.textContent = `${n.recipe_name} × ${n.node_count}`;
      runs.appendChild(chip);
    }
  }
  box.replaceChildren(t);
}

let last = 0;
async function refresh() {
  const status = document.getElementById("status");
  try {
    if (!graph) { graph = await json("pipeline"); document.getElementById("pipeline-name").textContent = graph.name; }
    const [recipeInfo, workerInfo, nodeMetrics] = await Promise.all([json("recipe-info"), json("worker-info"), json("node-metrics")]);
    const now = performance.now(), seconds = last ? (now - last) / 1000 : 0;
    last = now;
    const infos = Object.fromEntries(recipeInfo.map((r) => [r.type, r]));
    const metrics = Object.fromEntries(nodeMetrics.map((m) => [m.type, m]));
    draw(graph, infos, metrics, seconds);
    table(graph, infos, metrics);
    workers(workerInfo);
    status.className = "up";
    document.getElementById("status-text").textContent = "master answering · " + new Date().toLocaleTimeString();
  } catch (error) {
    status.className = "down";
    document.getElementById("status-text").textContent = String(error.message || error);
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
"""#
}
