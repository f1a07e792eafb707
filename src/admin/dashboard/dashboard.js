// The decisions dashboard: plain browser JavaScript, no build step. Data from the admin API
// (docs/dashboard.md); every value is written as text (textContent), never as HTML.

const $ = (id) => document.getElementById(id);
const PALETTE = [
  "#c0392b",
  "#2471a3",
  "#d68910",
  "#7d3c98",
  "#17a589",
  "#566573",
  "#cb4335",
  "#2e86c1",
  "#999",
];
const charts = { tenant: null, policy: null };

async function api(path, init) {
  const res = await fetch(path, { credentials: "same-origin", ...init });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
  return body;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function isoOf(localValue) {
  return localValue ? new Date(localValue).toISOString() : "";
}

function filterParams() {
  const p = new URLSearchParams();
  const tenant = $("f-tenant").value;
  const decision = $("f-decision").value;
  const policy = $("f-policy").value.trim();
  const since = isoOf($("f-since").value);
  const until = isoOf($("f-until").value);
  if (tenant) p.set("tenant", tenant);
  if (decision) p.set("decision", decision);
  if (policy) p.set("policy", policy);
  if (since) p.set("since", since);
  if (until) p.set("until", until);
  return p;
}

function policiesCell(policies) {
  const td = el("td");
  for (const p of policies) {
    const line = el("div");
    line.append(el("code", p.id));
    if (p.reason) line.append(el("span", ` ${p.reason}`, "reason"));
    td.append(line);
  }
  return td;
}

async function loadDecisions() {
  const p = filterParams();
  p.set("limit", "200");
  const { decisions, held } = await api(`/api/decisions?${p}`);
  $("held").textContent = `${held} decisions held; showing ${decisions.length}`;
  const tbody = $("decisions").querySelector("tbody");
  tbody.replaceChildren();
  const ids = new Set();
  for (const d of decisions) {
    const tr = el("tr");
    tr.dataset.decisionId = d.decisionId;
    tr.append(el("td", d.time.replace("T", " ").replace("Z", "")));
    tr.append(el("td", d.tenant ?? "-"));
    tr.append(el("td", d.customer ?? ""));
    tr.append(el("td", d.operation));
    tr.append(el("td", d.deployment ?? ""));
    tr.append(
      el("td", d.whatIf ? `${d.decision} (what-if)` : d.decision, `decision-${d.decision}`),
    );
    tr.append(policiesCell(d.policies));
    tr.append(el("td", d.status));
    tr.addEventListener("click", () => showDetail(d.decisionId));
    tbody.append(tr);
    for (const pol of d.policies) ids.add(pol.id);
  }
  $("empty").hidden = decisions.length > 0;
  const list = $("policy-ids");
  for (const id of ids) {
    if (![...list.options].some((o) => o.value === id)) list.append(new Option(id, id));
  }
}

function drawChart(which, data) {
  const host = $(`chart-${which}`);
  charts[which]?.destroy();
  charts[which] = null;
  host.replaceChildren();
  if (data.series.length === 0) {
    host.append(el("p", "No denials in this range.", "muted"));
    return;
  }
  const xs = data.buckets.map((ms) => ms / 1000);
  const opts = {
    width: Math.max(360, host.clientWidth - 8),
    height: 220,
    scales: { x: { time: true } },
    series: [
      {},
      ...data.series.map((s, i) => ({
        label: `${s.key} (${s.total})`,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        points: { show: true },
      })),
    ],
    axes: [{}, { label: "denials", size: 50 }],
  };
  charts[which] = new uPlot(opts, [xs, ...data.series.map((s) => s.counts)], host);
}

async function loadCharts() {
  const p = new URLSearchParams();
  const tenant = $("f-tenant").value;
  const until = isoOf($("f-until").value) || new Date().toISOString();
  const bucket = $("f-bucket").value;
  const span = { minute: 3600e3, hour: 86400e3, day: 7 * 86400e3 }[bucket];
  const since = isoOf($("f-since").value) || new Date(Date.parse(until) - span).toISOString();
  p.set("bucket", bucket);
  p.set("since", since);
  p.set("until", until);
  if (tenant) p.set("tenant", tenant);
  const [byTenant, byPolicy] = await Promise.all([
    api(`/api/denials?by=tenant&${p}`),
    api(`/api/denials?by=policy&${p}`),
  ]);
  drawChart("tenant", byTenant);
  drawChart("policy", byPolicy);
}

function fillList(id, entries) {
  const dl = $(id);
  dl.replaceChildren();
  for (const [k, v] of entries) {
    dl.append(el("dt", k));
    dl.append(el("dd", v === null || v === undefined || v === "" ? "-" : v));
  }
}

async function showDetail(id) {
  const d = await api(`/api/decisions/${encodeURIComponent(id)}`);
  $("detail-id").textContent = d.decisionId;
  fillList("detail-summary", [
    ["time", d.time],
    ["tenant", d.tenant],
    ["customer", d.customer],
    ["agency type", d.agencyType],
    ["jurisdiction", d.jurisdiction],
    ["operation", d.operation],
    ["deployment", d.deployment],
    ["decision", d.whatIf ? `${d.decision} (what-if)` : d.decision],
    ["mode", d.mode],
    ["status", d.status],
    ["error", d.error],
    ["policy revision", d.policyRevision],
  ]);
  const w = d.who;
  fillList("detail-who", [
    ["key", w.keyId],
    ["end user", w.endUser ? `${w.endUser.id} (from ${w.endUser.from})` : null],
    ["client address", w.clientAddress],
    ["user agent", w.userAgent],
    ["Azure request id", w.apimRequestId],
  ]);
  const pols = $("detail-policies");
  pols.replaceChildren();
  for (const p of d.policies) {
    const li = el("li");
    li.append(
      el("code", p.id),
      el("span", ` ${p.reason ?? "(not in the running policy set)"}`, "reason"),
    );
    pols.append(li);
  }
  if (d.policies.length === 0) pols.append(el("li", "none", "muted"));
  const f = d.facts;
  fillList("detail-facts", [
    ["images", f.images],
    [
      "camera",
      f.camera ? `${f.camera.source} / ${f.camera.mobility} / ${f.camera.environment}` : null,
    ],
    ["capture", f.capture],
    ["purposes", f.purposes.join(", ")],
    ["recognition confidence", f.recognitionConfidence],
    ["unseen", f.unseen.join(", ")],
  ]);
  const ev = $("detail-evidence");
  ev.replaceChildren(...d.evidence.map((e) => el("li", e)));
  if (d.evidence.length === 0) ev.append(el("li", "none", "muted"));
  $("detail").hidden = false;
  $("detail").scrollIntoView({ block: "nearest" });
}

async function loadTenants() {
  const { tenants } = await api("/api/tenants");
  for (const t of tenants) {
    $("f-tenant").append(new Option(t.id, t.id));
    $("w-tenant").append(new Option(t.id, t.id));
  }
}

async function whatIf(event) {
  event.preventDefault();
  $("whatif-error").hidden = true;
  $("whatif-result").hidden = true;
  let body;
  try {
    body = JSON.parse($("w-body").value);
  } catch (err) {
    $("whatif-error").textContent = `The body is not valid JSON: ${err.message}`;
    $("whatif-error").hidden = false;
    return;
  }
  const request = { tenant: $("w-tenant").value, path: $("w-path").value.trim(), body };
  const customer = $("w-customer").value.trim();
  if (customer) request.onBehalfOf = customer;
  try {
    const answer = await api("/api/what-if", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
    $("w-decision").textContent = answer.decision;
    $("w-decision").className = `decision-${answer.decision}`;
    $("w-policies").replaceChildren(
      ...answer.policies.map((p) => {
        const li = el("li");
        li.append(el("code", p.id), el("span", ` ${p.reason}`, "reason"));
        return li;
      }),
    );
    $("w-facts").textContent = JSON.stringify(answer.facts, null, 2);
    $("whatif-result").hidden = false;
  } catch (err) {
    $("whatif-error").textContent = err.message;
    $("whatif-error").hidden = false;
  }
}

async function refresh() {
  try {
    await Promise.all([loadDecisions(), loadCharts()]);
    document.body.dataset.loaded = "true";
  } catch (err) {
    $("held").textContent = `Could not load decisions: ${err.message}`;
  }
}

$("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  refresh();
});
for (const id of ["f-tenant", "f-decision", "f-bucket"]) $(id).addEventListener("change", refresh);
$("f-reset").addEventListener("click", () => {
  $("filters").reset();
  refresh();
});
$("detail-close").addEventListener("click", () => {
  $("detail").hidden = true;
});
$("whatif").addEventListener("submit", whatIf);
loadTenants().then(refresh, (err) => {
  $("held").textContent = `Could not load tenants: ${err.message}`;
});
