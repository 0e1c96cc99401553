// tuneforge dashboard: plain JavaScript, no build step. Every piece of study data is put
// into the page as text (textContent), never as HTML.
"use strict";

const TITLES = {
  history: "Optimization history", intermediate: "Intermediate values",
  parallel: "Parallel coordinates", slice: "Slice", contour: "Contour",
  importance: "Hyperparameter importance", edf: "Empirical distribution",
  timeline: "Timeline", cv: "Cross-validation folds", gap: "Train vs validation",
  pareto: "Pareto front", hypervolume: "Hypervolume history",
};
const WIDE = new Set(["slice", "timeline", "parallel"]);
const LAZY = new Set(["importance"]);
const HEAVY_MS = 400;          // a plot drawing slower than this is redrawn lazily ...
const HEAVY_EVERY_MS = 10000;  // ... at most this often while trials arrive,
const LULL_MS = 3000;          // ... and after this long without a new event
const PLOTLY_CONFIG = { responsive: true, displaylogo: false };
const stats = (window.tfStats = { updates: 0, lastUpdateMs: null, firstPaintMs: null,
                                  plotsRendered: 0, drawMs: {}, errors: [] });
// plotly.js loads in parallel with the page's first API calls; drawing waits for it
const plotlyReady = new Promise((resolve, reject) => {
  const el = document.getElementById("plotly-js");
  if (window.Plotly || !el) { resolve(); return; }
  el.addEventListener("load", () => resolve());
  el.addEventListener("error", () => reject(new Error("plotly.js did not load")));
});
const HEAVY_KINDS = new Set(["parallel"]);  // WebGL: seconds to draw without a GPU
let POLL = 1.0;   // seconds between polls of the study list and of a running trial
let WAIT = 10.0;  // seconds a study page's long poll may wait for a change

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

async function api(path) {
  const r = await fetch(path, { cache: "no-store" });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function fmt(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(4)
      : String(+v.toPrecision(6));
  }
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function fmtTime(t) { return t ? new Date(t * 1000).toLocaleString() : "–"; }

function setLive(ok) { document.getElementById("live").classList.toggle("stale", !ok); }

function crumbs(...parts) {
  const el = document.getElementById("crumbs");
  el.replaceChildren(...parts.flatMap((p, i) => (i ? [" / ", p] : [p])));
}

function showError(where, err) {
  stats.errors.push(String(err));
  where.replaceChildren(h("p", { class: "error" }, String(err.message || err)));
}

// -- study list ---------------------------------------------------------------------
async function listPage(main) {
  crumbs("studies");
  const body = h("tbody");
  main.replaceChildren(h("h1", {}, "Studies"), h("table", { id: "studies" },
    h("thead", {}, h("tr", {}, ["name", "directions", "trials", "complete", "pruned",
      "failed", "running", "best"].map((c) => h("th", {}, c)))), body));
  const draw = async () => {
    const studies = await api("/api/studies");
    body.replaceChildren(...studies.map((s) => h("tr", {},
      h("td", {}, h("a", { href: `/study/${s.id}` }, s.name)),
      h("td", {}, s.directions.join(", ")), h("td", { class: "num" }, s.n_trials),
      h("td", { class: "num" }, s.states.COMPLETE), h("td", { class: "num" }, s.states.PRUNED),
      h("td", { class: "num" }, s.states.FAIL), h("td", { class: "num" }, s.states.RUNNING),
      h("td", { class: "num" }, s.best.length === 1 && s.directions.length === 1
        ? fmt(s.best[0].values[0]) : s.best.length ? `${s.best.length} Pareto` : "–"))));
    if (!studies.length) body.append(h("tr", {}, h("td", { colspan: 8 }, "no studies yet")));
  };
  await draw();
  setInterval(() => draw().then(() => setLive(true), () => setLive(false)), POLL * 1000 * 3);
}

// -- study page ---------------------------------------------------------------------
async function studyPage(main, id) {
  const t0 = performance.now();
  const s = await api(`/api/studies/${id}`);
  crumbs(h("a", { href: "/" }, "studies"), s.name);
  document.title = `${s.name} · tuneforge`;
  const counts = h("div", { class: "counts", id: "counts" });
  const objective = { value: 0 };
  const names = s.metric_names || s.directions.map((_, i) => (s.directions.length === 1 ? "value" : `objective ${i}`));
  const head = [h("h1", {}, s.name),
    h("div", { class: "muted" }, `directions: ${s.directions.join(", ")}`), counts];
  if (s.directions.length > 1) {
    const sel = h("select", { id: "objective", onchange: () => { objective.value = +sel.value; refreshPlots(true); } },
      names.map((n, i) => h("option", { value: i }, n)));
    head.push(h("div", { class: "toolbar" }, "objective for the single-objective plots: ", sel));
  }
  const plotsEl = h("div", { class: "plots", id: "plots" });
  const cards = {};
  const visible = new Set();
  let lazyReady = false;  // after the first drawings: a card scrolled into view is drawn
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      const kind = e.target.dataset.kind;
      if (e.isIntersecting) { visible.add(kind); if (lazyReady && cards[kind].stale) drawPlot(kind); }
      else visible.delete(kind);
    }
  });
  for (const kind of s.plots) {
    const div = h("div", { class: "plot", id: `plot-${kind}` });
    const controls = h("div", { class: "controls" });
    if (kind === "contour") {
      const mk = (idx) => h("select", { class: `contour-${idx}`, onchange: () => drawPlot("contour") },
        s.params.map((p, i) => h("option", Object.assign({ value: p }, i === idx ? { selected: "" } : {}), p)));
      controls.append("x ", mk(0), " y ", mk(1));
    }
    const card = h("section", { class: `plot-card${WIDE.has(kind) ? " wide" : ""}`, "data-kind": kind,
      title: TITLES[kind] || kind }, controls, div);
    cards[kind] = { card, div, controls, stale: true, busy: false };
    plotsEl.append(card);
  }
  const table = trialTable(id, s);
  main.replaceChildren(...head, plotsEl, h("h2", {}, "Trials"), table.el);
  let cursor = s.cursor;
  drawCounts(counts, s);

  async function drawPlot(kind) {
    const c = cards[kind];
    if (c.busy) { c.again = true; return; }
    c.busy = true; c.stale = false;
    try {
      let q = `objective=${objective.value}`;
      if (kind === "contour") {
        const a = c.controls.querySelector(".contour-0").value;
        const b = c.controls.querySelector(".contour-1").value;
        q += `&params=${encodeURIComponent(a)},${encodeURIComponent(b)}`;
      }
      const fig = await api(`/api/studies/${id}/plots/${kind}?${q}`);
      fig.layout = Object.assign(fig.layout || {}, { autosize: true, margin: { t: 40, r: 20, l: 60, b: 50 } });
      await plotlyReady;
      const d0 = performance.now();
      await Plotly.react(c.div, fig.data, fig.layout, PLOTLY_CONFIG);
      c.drawMs = performance.now() - d0;
      c.drawnAt = performance.now();
      stats.plotsRendered += 1;
      stats.drawMs[kind] = Math.round(c.drawMs);
    } catch (err) {
      showError(c.div, err);
    } finally {
      c.busy = false;
      if (c.again) { c.again = false; drawPlot(kind); }
    }
  }

  // A live update redraws the visible plots that draw fast at once. One that is slow to
  // draw (without a GPU, parallel coordinates or a timeline of 1,000 bars take seconds,
  // and block the page meanwhile) is only marked stale: the slow-plot loop below redraws
  // it in a lull of the updates, so new trials show at once in the counts, the table and
  // the other plots instead of waiting behind it.
  const slow = (kind) => cards[kind].drawMs > HEAVY_MS || HEAVY_KINDS.has(kind);
  function refreshPlots(all) {
    const jobs = [];
    for (const kind of Object.keys(cards)) {
      const c = cards[kind];
      if (!c.stale) c.staleSince = performance.now();
      c.stale = true;
      if (!all && !visible.has(kind)) continue;
      // not drawn yet: the first drawing (after the first paint) shows the new trials
      if (!all && c.drawnAt === undefined) continue;
      if (all || !slow(kind)) jobs.push(drawPlot(kind));
    }
    return Promise.all(jobs);
  }

  // first paint: the history (or the front), and the first page of the table
  const first = s.plots.includes("history") ? "history" : s.plots[0];
  await Promise.all([first ? drawPlot(first) : null, table.reload()]);
  stats.firstPaintMs = performance.now() - t0;
  let lastChangeAt = performance.now();
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // then every other plot once, the visible ones first, each in the page's idle time so
  // that live updates are not held behind them; importance fits forests: drawn only once
  // its card is in view (the observer draws stale cards that come into view)
  for (const kind of Object.keys(cards)) observer.observe(cards[kind].card);
  const idle = () => new Promise((r) => (window.requestIdleCallback
    ? requestIdleCallback(r, { timeout: 500 }) : setTimeout(r, 0)));
  // a lull: LULL_MS without a change (or a slow plot stale for a minute at the latest)
  const lull = (since) => performance.now() - lastChangeAt >= LULL_MS
    || performance.now() - since >= 60000;
  (async () => {
    await idle();  // the observer has reported which cards are in view
    // every visible plot once, light ones first; the others when scrolled into view
    const rest = Object.keys(cards).filter((k) => k !== first && !LAZY.has(k) && visible.has(k));
    rest.sort((a, b) => HEAVY_KINDS.has(a) - HEAVY_KINDS.has(b));
    for (const kind of rest) {
      while (HEAVY_KINDS.has(kind) && !lull(t0)) await sleep(250);
      await idle();
      if (cards[kind].stale) await drawPlot(kind);
    }
    lazyReady = true;
    for (const kind of Object.keys(cards)) {  // scrolled into view meanwhile
      if (visible.has(kind) && cards[kind].drawnAt === undefined) await drawPlot(kind);
    }
    stats.allPlotsMs = performance.now() - t0;
    // the slow-plot loop: redraw a visible stale slow plot in a lull, at most every
    // HEAVY_EVERY_MS (or ten times its drawing time)
    for (;;) {
      await sleep(250);
      for (const kind of Object.keys(cards)) {
        const c = cards[kind];
        if (!c.stale || c.busy || !visible.has(kind) || c.drawnAt === undefined || !slow(kind)) continue;
        if (performance.now() - c.drawnAt < Math.max(HEAVY_EVERY_MS, 10 * c.drawMs)) continue;
        if (!lull(c.staleSince || 0)) continue;
        await idle();
        await drawPlot(kind);
      }
    }
  })();

  // live updates by long polling: the server answers as soon as an event lands after
  // `cursor` (or after WAIT seconds with nothing new), and the page asks again at once
  for (;;) {
    try {
      const ch = await api(`/api/studies/${id}/changes?after=${cursor}&wait=${WAIT}`);
      setLive(true);
      if (ch.cursor !== cursor) {
        const u0 = performance.now();
        lastChangeAt = u0;
        cursor = ch.cursor;
        drawCounts(counts, ch);
        // a plot that now has data (the first learning curve, say): rebuild the page
        if (ch.plots.some((kind) => !cards[kind])) { location.reload(); return; }
        await Promise.all([refreshPlots(false), table.reload()]);
        stats.updates += 1;
        stats.lastUpdateMs = performance.now() - u0;
      }
    } catch (err) {
      setLive(false);
      stats.errors.push(String(err));
      await sleep(POLL * 1000);  // the server is away: ask again later, not in a loop
    }
  }
}

function drawCounts(el, s) {
  el.replaceChildren(h("span", { id: "n-trials" }, `${s.n_trials} trials`),
    ...Object.entries(s.states).filter(([, n]) => n).map(([k, n]) =>
      h("span", { class: `state-${k}` }, `${k.toLowerCase()} ${n}`)),
    h("span", { class: "muted" }, s.best.length && s.directions.length === 1
      ? `best ${fmt(s.best[0].values[0])} (trial ${s.best[0].number})` : ""));
}

function trialTable(id, s) {
  const st = { sort: "number", desc: true, q: "", state: "", offset: 0, limit: 50 };
  const multi = s.directions.length > 1;
  const valueCols = s.directions.map((_, i) => (multi ? `value${i}` : "value"));
  const cols = [["number", "#"], ["state", "state"],
    ...valueCols.map((c, i) => [c, (s.metric_names && s.metric_names[i]) || c]),
    ["duration", "duration s"], ...s.params.map((p) => [`param:${p}`, p])];
  const headRow = h("tr", {}, cols.map(([key, label]) => h("th", {
    class: "sortable", "data-sort": key,
    onclick: () => { if (st.sort === key) st.desc = !st.desc; else { st.sort = key; st.desc = false; }
      st.offset = 0; reload(); } }, label)));
  const body = h("tbody");
  const info = h("span", { class: "muted", id: "table-info" });
  let timer = null;
  const filter = h("input", { type: "search", id: "trial-filter", placeholder: "filter: lr=0.01, RUNNING, #12…",
    oninput: () => { clearTimeout(timer); timer = setTimeout(() => { st.q = filter.value; st.offset = 0; reload(); }, 200); } });
  const stateSel = h("select", { id: "state-filter", onchange: () => { st.state = stateSel.value; st.offset = 0; reload(); } },
    h("option", { value: "" }, "every state"),
    ["COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"].map((x) => h("option", { value: x }, x)));
  const prev = h("button", { onclick: () => { st.offset = Math.max(0, st.offset - st.limit); reload(); } }, "‹ prev");
  const next = h("button", { onclick: () => { st.offset += st.limit; reload(); } }, "next ›");
  const el = h("div", {}, h("div", { class: "toolbar" }, filter, stateSel, prev, next, info),
    h("table", { id: "trials" }, h("thead", {}, headRow), body));

  async function reload() {
    const q = new URLSearchParams({ sort: st.sort, desc: st.desc, q: st.q, offset: st.offset, limit: st.limit });
    if (st.state) q.set("state", st.state);
    const page = await api(`/api/studies/${id}/trials?${q}`);
    for (const th of headRow.children) {
      th.classList.toggle("sorted-asc", th.dataset.sort === st.sort && !st.desc);
      th.classList.toggle("sorted-desc", th.dataset.sort === st.sort && st.desc);
    }
    body.replaceChildren(...page.rows.map((r) => h("tr", { "data-number": r.number },
      h("td", { class: "num" }, h("a", { href: `/study/${id}/trial/${r.number}` }, r.number)),
      h("td", { class: `state-${r.state}` }, r.state),
      ...s.directions.map((_, i) => h("td", { class: "num" }, r.values ? fmt(r.values[i]) : "–")),
      h("td", { class: "num" }, fmt(r.duration)),
      ...s.params.map((p) => h("td", {}, p in r.params ? fmt(r.params[p]) : "")))));
    const end = Math.min(page.offset + page.rows.length, page.total);
    info.textContent = page.total ? `${page.offset + 1}–${end} of ${page.total}` : "no trial matches";
    prev.disabled = st.offset === 0;
    next.disabled = end >= page.total;
  }
  return { el, reload };
}

// -- trial page ---------------------------------------------------------------------
async function trialPage(main, id, number) {
  const s = await api(`/api/studies/${id}`);
  const draw = async () => {
    const t = await api(`/api/studies/${id}/trials/${number}`);
    crumbs(h("a", { href: "/" }, "studies"), h("a", { href: `/study/${id}` }, s.name), `trial ${number}`);
    const kv = (rows) => h("table", { class: "kv" }, h("tbody", {},
      rows.map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", {}, v)))));
    const parts = [h("h1", {}, `Trial ${t.number} `, h("span", { class: `state-${t.state}` }, t.state)),
      kv([["values", t.values ? t.values.map(fmt).join(", ") : "–"],
          ["started", fmtTime(t.datetime_start)], ["finished", fmtTime(t.datetime_complete)],
          ["duration", t.duration === null ? "–" : `${fmt(t.duration)} s`],
          ["worker", t.system_attrs.worker || "–"], ["key", t.key]])];
    parts.push(h("h2", {}, "Parameters"), h("table", { id: "params" },
      h("thead", {}, h("tr", {}, h("th", {}, "name"), h("th", {}, "value"), h("th", {}, "distribution"))),
      h("tbody", {}, Object.entries(t.params).map(([k, v]) => h("tr", {}, h("td", {}, k),
        h("td", { class: "num" }, fmt(v)), h("td", { class: "muted" }, JSON.stringify(t.distributions[k] || {})))))));
    const steps = Object.keys(t.intermediate);
    if (steps.length) {
      const div = h("div", { class: "plot", id: "plot-trial-intermediate" });
      parts.push(h("h2", {}, "Intermediate values"), div);
      plotlyReady.then(() => setTimeout(() => Plotly.react(div, [{ x: steps.map(Number),
        y: steps.map((k) => t.intermediate[k]), mode: "lines+markers", type: "scatter" }],
        { xaxis: { title: { text: "step" } }, margin: { t: 20 }, template: "plotly_white" },
        PLOTLY_CONFIG), 0));
    }
    if (t.fail_reason || t.traceback) {
      parts.push(h("h2", {}, "Error"), h("p", { class: "error", id: "fail-reason" }, t.fail_reason || ""));
      if (t.traceback) parts.push(h("pre", { id: "traceback" }, t.traceback));
    }
    const sys = Object.entries(t.system_attrs).filter(([k]) => !["traceback", "fail_reason"].includes(k));
    const provenance = [...sys, ...Object.entries(t.user_attrs)].filter(([k]) => /provenance/i.test(k));
    const why = sys.filter(([k]) => !/provenance/i.test(k));
    parts.push(h("h2", {}, "Why this trial: the sampler's and pruner's reasons"),
      why.length ? kv(why.map(([k, v]) => [k, fmt(v)])) : h("p", { class: "muted" }, "none recorded"));
    if (provenance.length) {
      parts.push(h("h2", {}, "Provenance"), ...provenance.map(([k, v]) =>
        h("pre", { class: "provenance" }, `${k}: ${JSON.stringify(v, null, 2)}`)));
    }
    const user = Object.entries(t.user_attrs).filter(([k]) => !/provenance/i.test(k));
    parts.push(h("h2", {}, "User attributes"), user.length
      ? kv(user.map(([k, v]) => [k, typeof v === "object" ? h("pre", {}, JSON.stringify(v, null, 2)) : fmt(v)]))
      : h("p", { class: "muted" }, "none"));
    parts.push(h("h2", {}, "Artifacts"), t.artifacts.length
      ? h("ul", { id: "artifacts" }, t.artifacts.map((a) => h("li", {},
          h("a", { href: `/api/studies/${id}/trials/${number}/artifacts/${a.path.split("/").map(encodeURIComponent).join("/")}` }, a.path),
          ` (${a.bytes} bytes)`)))
      : h("p", { class: "muted" }, "none"));
    main.replaceChildren(...parts);
    return t;
  };
  const t = await draw();
  if (t.state === "RUNNING" || t.state === "WAITING") {
    const timer = setInterval(async () => {
      const u = await draw();
      if (u.state !== "RUNNING" && u.state !== "WAITING") clearInterval(timer);
    }, POLL * 1000 * 2);
  }
}

async function route() {
  const main = document.getElementById("main");
  try {
    const cfg = await api("/api/config");
    POLL = cfg.poll_seconds;
    WAIT = cfg.wait_seconds;
    const path = location.pathname;
    let m;
    if ((m = path.match(/^\/study\/(\d+)\/trial\/(\d+)\/?$/))) await trialPage(main, m[1], m[2]);
    else if ((m = path.match(/^\/study\/(\d+)\/?$/))) await studyPage(main, m[1]);
    else await listPage(main);
  } catch (err) {
    showError(main, err);
  }
}

route();
