// SRO explorer: talks only to this server's /api with the bearer token from the URL fragment (#token=...).
"use strict";

const TOKEN = new URLSearchParams(location.hash.slice(1)).get("token") || "";
const POLL_MS = 3000;
let currentCampaign = null;

async function api(path, body) {
  const init = { headers: { Authorization: `Bearer ${TOKEN}` } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

function row(cells, onClick) {
  const tr = el("tr");
  cells.forEach((c) => tr.appendChild(el("td", c)));
  if (onClick) tr.addEventListener("click", onClick);
  return tr;
}

function status(text, isError = false) {
  const node = document.getElementById("status");
  node.textContent = text;
  node.className = isError ? "error" : "";
}

async function guarded(work) {
  try {
    await work();
  } catch (err) {
    status(err.message, true);
  }
}

// --- campaigns -------------------------------------------------------------------------------
async function loadCampaigns() {
  const rows = await api("/api/campaigns");
  const body = document.querySelector("#campaign-list tbody");
  body.replaceChildren(...rows.map((c) => row(
    [c.campaign, c.status, `${c.nodes_expanded}/${c.nodes_total}`, c.accepted, c.rejected, c.elapsed_s],
    () => guarded(() => showCampaign(c.campaign)))));
  if (currentCampaign) await showCampaign(currentCampaign);
  status(`updated ${new Date().toLocaleTimeString()}`);
}

// Only when the server was started with --allow-runs; the list above then shows the run's progress.
async function startCampaign(form) {
  const spec = { question: form.question.value, dataset: form.dataset.value };
  if (form.campaign.value) spec.name = form.campaign.value;
  if (form.max_nodes.value) spec.budgets = { max_nodes: Number(form.max_nodes.value) };
  const run = await api("/api/campaigns", spec);
  await loadCampaigns();
  status(`started ${run.campaign} (pid ${run.pid})`);
}

async function showRunForm() {
  const server = await api("/api/server");
  document.getElementById("run-form").hidden = !server.allow_runs;
}

function treeItem(node) {
  const li = el("li", `${node.question || node.id}  (facts ${node.accepted ?? 0}, visits ${node.visits ?? 0})`);
  li.className = "tree-node";
  if (node.children && node.children.length) {
    const ul = el("ul");
    node.children.forEach((child) => ul.appendChild(treeItem(child)));
    li.appendChild(ul);
  }
  return li;
}

async function showCampaign(name) {
  const c = await api(`/api/campaigns/${encodeURIComponent(name)}`);
  currentCampaign = name;
  document.getElementById("campaign-detail").hidden = false;
  document.getElementById("campaign-title").textContent = `${c.campaign}: ${c.question}`;
  document.getElementById("campaign-summary").textContent =
    `${c.status}; nodes ${c.nodes_expanded}/${c.nodes_total}; facts ${c.accepted}; spend $${c.spend_usd}`;
  document.getElementById("campaign-tree").replaceChildren(...(c.tree.root ? [treeItem(c.tree.root)] : []));
  document.getElementById("campaign-report").textContent = c.report || "no report yet";
}

// --- facts -----------------------------------------------------------------------------------
function formArgs(form) {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) if (value) params.set(key, value);
  return params;
}

async function findFacts(params) {
  const facts = await api(`/api/facts?${params}`);
  const body = document.querySelector("#fact-list tbody");
  body.replaceChildren(...facts.map((f) => row(
    [f.subject, f.predicate, f.object, f.total.toFixed(2), f.doc_id], () => guarded(() => showFact(f)))));
  status(`${facts.length} fact(s)`);
}

async function showFact(fact) {
  const doc = await api(`/api/documents/${encodeURIComponent(fact.doc_id)}`);
  const text = doc.text || "";
  const source = document.getElementById("fact-source");
  source.replaceChildren(document.createTextNode(text.slice(0, fact.start_char)),
    el("mark", text.slice(fact.start_char, fact.end_char)), document.createTextNode(text.slice(fact.end_char)));
  const reasons = (fact.scores || []).map((s) => el("li", `${s.axiom}: ${s.score} (${s.reason})`));
  (fact.reasons || []).forEach((r) => reasons.push(el("li", r)));
  document.getElementById("fact-reasons").replaceChildren(...reasons);
  document.getElementById("fact-detail").hidden = false;
}

// --- entity graph ----------------------------------------------------------------------------
let cy = null;

async function showGraph(entity) {
  const facts = await api(`/api/facts?${new URLSearchParams({ entity, limit: "200" })}`);
  const nodes = new Map();
  const edges = facts.map((f, i) => {
    nodes.set(f.subject, { data: { id: `n:${f.subject}`, label: f.subject } });
    nodes.set(f.object, { data: { id: `n:${f.object}`, label: f.object } });
    return { data: { id: `e${i}`, source: `n:${f.subject}`, target: `n:${f.object}`, label: f.predicate } };
  });
  cy = cytoscape({
    container: document.getElementById("cy"),
    elements: [...nodes.values(), ...edges],
    style: [
      { selector: "node", style: { label: "data(label)", "background-color": "#1f3a5f", "font-size": 10 } },
      { selector: "edge", style: { label: "data(label)", "curve-style": "bezier", "target-arrow-shape": "triangle",
        "font-size": 8, width: 1 } },
    ],
    layout: { name: "cose", animate: false },
  });
  cy.on("tap", "node", (evt) => guarded(() => showGraph(evt.target.data("label"))));
  status(`${nodes.size} entities, ${edges.length} facts around ${entity}`);
}

// --- SPARQL ----------------------------------------------------------------------------------
async function runSparql(form) {
  const bindings = {};
  for (const line of form.bindings.value.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) bindings[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  const result = await api("/api/sparql", { query: form.query.value, bindings });
  const vars = (result.head && result.head.vars) || [];
  const table = document.getElementById("sparql-result");
  const head = el("tr");
  vars.forEach((v) => head.appendChild(el("th", v)));
  table.tHead.replaceChildren(head);
  const rows = result.results ? result.results.bindings : [];
  table.tBodies[0].replaceChildren(...rows.map((b) => row(vars.map((v) => (b[v] ? b[v].value : "")))));
  status(result.results ? `${rows.length} row(s)` : `answer: ${result.boolean}`);
}

// --- wiring ----------------------------------------------------------------------------------
function showTab(name) {
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t.id === name));
}

function onSubmit(id, work) {
  document.getElementById(id).addEventListener("submit", (evt) => {
    evt.preventDefault();
    guarded(() => work(evt.target));
  });
}

document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
onSubmit("fact-form", (form) => findFacts(formArgs(form)));
onSubmit("graph-form", (form) => showGraph(form.entity.value));
onSubmit("sparql-form", runSparql);
onSubmit("run-form", startCampaign);
guarded(showRunForm);
guarded(loadCampaigns);
setInterval(() => guarded(loadCampaigns), POLL_MS);
