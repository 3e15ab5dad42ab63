// The page's script: it calls the HTTP API (the same endpoints programs
// call) and builds the page from text nodes. Nothing from a source is ever
// parsed as markup: the DOM is built from text nodes only.
"use strict";

const TOKEN_KEY = "consistency-token";
const VIEWS = ["ask", "check", "audit", "sources", "source"];
const AUDIT_PAGE_SIZE = 20;
const EXCERPT_CONTEXT = 600; // characters shown either side of a cited span
const $ = (selector) => document.querySelector(selector);

// ---- building the page -------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child)); // a string becomes a text node
  }
  return node;
}

// replaceChildren with el's rules: lists flattened, null and false left out, strings as text.
function put(where, ...children) {
  where.replaceChildren(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
}

function errorBox(error) {
  return el("p", { class: "error", role: "alert" }, error.message || String(error));
}

function busy(where, what) {
  put(where, el("p", { class: "note", role: "status" }, what));
}

// ---- the API -------------------------------------------------------------------

class ApiError extends Error {}

let tokenPrompt = null;

// The server's bearer token, asked once and kept for this tab only.
function askForToken(rejected) {
  if (!tokenPrompt) {
    tokenPrompt = new Promise((resolve) => {
      const form = $("#token-form");
      const input = $("#token");
      $("#token-note").textContent = rejected
        ? "That token was not accepted. Enter the bearer token the server was started with."
        : "This server needs its bearer token (the --token it was started with). It is kept in this tab only.";
      form.hidden = false;
      input.value = "";
      input.focus();
      form.onsubmit = (event) => {
        event.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        form.hidden = true;
        tokenPrompt = null;
        resolve();
      };
    });
  }
  return tokenPrompt;
}

async function request(path, { method = "GET", body } = {}) {
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    // A file from the user's disk is sent as it is; anything else as JSON.
    const file = body instanceof Blob;
    if (body !== undefined) headers["Content-Type"] = file ? "application/octet-stream" : "application/json";
    const sent = body === undefined || file ? body : JSON.stringify(body);
    const response = await fetch(path, { method, headers, body: sent });
    if (response.status === 401) {
      await askForToken(Boolean(token));
      continue;
    }
    if (!response.ok) throw new ApiError(await detailOf(response));
    return response;
  }
}

async function api(path, options) {
  return (await request(path, options)).json();
}

// Every error of the API is {"detail": "one line"}.
async function detailOf(response) {
  try {
    const body = await response.json();
    if (typeof body.detail === "string") return body.detail;
  } catch (ignored) {
    // not JSON: a proxy's page, say
  }
  return `the server answered ${response.status} ${response.statusText}`;
}

async function cardsFor(conflicts, citations) {
  if (!conflicts.length) return [];
  return api("/web/cards", { method: "POST", body: { conflicts, citations } });
}

// ---- citations and sources -------------------------------------------------------

// "... at least 500 drones [1][2]." -> text with [n] as buttons that open the source.
function withCitations(text, citations) {
  const byId = new Map(citations.map((citation) => [citation.id, citation]));
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    const citation = byId.get(Number(match[1]));
    if (!citation) continue;
    parts.push(text.slice(last, match.index), citeButton(citation));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

function citeButton(citation) {
  return el(
    "button",
    {
      type: "button",
      class: "cite",
      "aria-label": `citation ${citation.id}: ${citation.title || citation.source}`,
      onclick: () => openCitation(citation),
    },
    `[${citation.id}]`,
  );
}

function attribution(citation) {
  return [
    el("span", { class: "outlet" }, citation.outlet || "outlet unknown"),
    " · ",
    el("button", { type: "button", class: "linklike", onclick: () => openCitation(citation) }, citation.title || citation.source),
    " · ",
    citation.published ? `published ${citation.published}` : "date unknown",
    " ",
    citeButton(citation),
  ];
}

async function openCitation(citation) {
  const dialog = $("#source-dialog");
  const body = $("#source-dialog-body");
  $("#source-dialog-title").textContent = citation.title || citation.source;
  busy(body, "Loading the source…");
  if (!dialog.open) dialog.showModal();
  try {
    const source = await api(`/sources/${encodeURIComponent(citation.source)}`);
    put(body, ...sourceView(source, citation, EXCERPT_CONTEXT));
  } catch (error) {
    put(body, errorBox(error));
  }
}

// Offsets count code points (Python's), not UTF-16 units: slice an array of them.
function sourceView(source, span, context) {
  const chars = Array.from(source.text);
  const from = Math.max(0, span.start - context);
  const to = Math.min(chars.length, span.end + context);
  const cited = el("mark", { class: "cited", id: "cited-span" }, chars.slice(span.start, span.end).join(""));
  const excerpt = el(
    "div",
    { class: "excerpt", tabindex: "0", "aria-label": "the source text around the citation" },
    from > 0 ? "…" : "",
    chars.slice(from, span.start).join(""),
    cited,
    chars.slice(span.end, to).join(""),
    to < chars.length ? "…" : "",
  );
  const whole = `/?view=source&id=${encodeURIComponent(source.id)}&start=${span.start}&end=${span.end}`;
  const meta = el(
    "p",
    { class: "meta" },
    el("span", { class: "outlet" }, source.outlet || "outlet unknown"),
    " · ",
    source.published ? `published ${source.published}` : "date unknown",
    ` · ${source.id}, characters ${span.start}–${span.end}`,
  );
  const link = context === Infinity ? null : el("p", {}, el("a", { href: whole }, "Open the whole source"));
  setTimeout(() => cited.scrollIntoView({ block: "center" }), 0);
  return [meta, excerpt, link];
}

// ---- conflict cards ----------------------------------------------------------------

function badge(text, kind) {
  return el("span", { class: `badge ${kind}` }, text);
}

function card(conflict, number) {
  return el(
    "article",
    { class: "card conflict", "aria-label": `conflict ${number}` },
    el("h3", {}, `${number}. `, badge(conflict.severity, conflict.severity), badge(conflict.kind, "kind"), conflict.summary),
    el("p", { class: "explanation" }, conflict.explanation),
    el(
      "div",
      { class: "sides" },
      conflict.sides.map((side) =>
        el(
          "div",
          { class: `side side-${side.colour}` },
          el("h4", {}, side.value),
          side.quotes.map(markedQuote),
          side.only_shared ? el("p", { class: "empty" }, "Stated only in the sentence below, which gives more than one value.") : null,
        ),
      ),
    ),
    conflict.shared.map((shared) => el("div", { class: "shared" }, el("h4", {}, shared.heading), markedQuote(shared.quote))),
  );
}

function markedQuote(quote) {
  const text = quote.segments.map((segment) =>
    segment.side ? el("mark", { class: `side-${segment.side}` }, segment.text) : segment.text,
  );
  return el("figure", { class: "quote" }, el("blockquote", {}, text), el("figcaption", {}, attribution(quote.citation)));
}

function citationList(citations, heading) {
  if (!citations.length) return null;
  return [
    el("h3", {}, heading),
    el(
      "ol",
      { class: "citations" },
      citations.map((citation) =>
        el("li", {}, el("blockquote", {}, citation.quote), el("div", { class: "note" }, attribution(citation))),
      ),
    ),
  ];
}

// ---- ask --------------------------------------------------------------------------------

const ANSWER_STATUS = {
  answered: ["✓", "Answered"],
  conflict: ["⚠", "The sources disagree"],
  not_found: ["?", "Not found in the sources"],
};

const VERDICT_STATUS = {
  supported: ["✓", "Supported by the sources"],
  contradicted: ["✗", "Contradicted by the sources"],
  disputed: ["⚠", "Disputed: the sources disagree"],
  not_found: ["?", "Not found in the sources"],
};

function statusLine(table, key) {
  const [icon, words] = table[key] || ["", key];
  return el("p", { class: `status status-${key}`, role: "status" }, el("span", { "aria-hidden": "true" }, icon), words);
}

// The answer streams: the reader's draft first (unverified: a model's reading
// of each source as it is read), then the answer code verified, which replaces it.
async function streamedAnswer(question, out) {
  const response = await request("/ask/stream", { method: "POST", body: { question } });
  let draft = null;
  for await (const { name, data } of serverEvents(response)) {
    if (name === "draft") {
      if (!draft) {
        draft = el("pre", { class: "draft", "aria-live": "polite" });
        out.append(el("p", { class: "note" }, "Draft, not yet verified:"), draft);
      }
      draft.append(data.text);
    } else if (name === "answer") {
      return data;
    } else if (name === "error") {
      throw new ApiError(data.detail);
    }
  }
  throw new ApiError("the answer stream ended before the answer");
}

async function runAsk(question) {
  const out = $("#ask-result");
  busy(out, "Reading the sources…");
  try {
    const answer = await streamedAnswer(question, out);
    const cards = await cardsFor(answer.conflicts, answer.citations);
    put(
      out,
      el(
        "div",
        { class: "answer" },
        statusLine(ANSWER_STATUS, answer.status),
        el("div", { class: "answer-text" }, withCitations(answer.answer, answer.citations)),
        answer.llm ? el("p", { class: "note" }, `Written by ${answer.llm.model} (${answer.llm.status}); every figure checked against the quotes.`) : null,
      ),
      cards.length ? el("h3", {}, "Where the sources disagree") : null,
      cards.map((conflict, index) => card(conflict, index + 1)),
      answer.ambiguities.map((ambiguity) => el("p", { class: "note" }, ambiguity.summary)),
      citationList(answer.citations, "Sources cited"),
    );
  } catch (error) {
    put(out, errorBox(error));
  }
}

// ---- check --------------------------------------------------------------------------------

// The evidence split as the verdict was decided: sentences for the claim,
// sentences against it, and what else is cited (the sources' own disagreements).
function evidenceLists(verdict) {
  const ids = (list) => new Set(list || []);
  const forIds = ids(verdict.supporting);
  const againstIds = ids(verdict.contradicting);
  const pick = (keep) => verdict.citations.filter(keep);
  return [
    citationList(pick((c) => forIds.has(c.id)), "Evidence for the claim"),
    citationList(pick((c) => againstIds.has(c.id)), "Evidence against the claim"),
    citationList(pick((c) => !forIds.has(c.id) && !againstIds.has(c.id)), forIds.size || againstIds.size ? "Also cited" : "Evidence"),
  ];
}

async function runCheck(claim) {
  const out = $("#check-result");
  busy(out, "Checking the claim against the sources…");
  try {
    const verdict = await api("/check", { method: "POST", body: { claim } });
    const cards = await cardsFor(verdict.conflicts, verdict.citations);
    put(
      out,
      el(
        "div",
        { class: "answer" },
        statusLine(VERDICT_STATUS, verdict.verdict),
        el("div", { class: "answer-text" }, withCitations(verdict.explanation, verdict.citations)),
      ),
      cards.length ? el("h3", {}, "Where the sources disagree") : null,
      cards.map((conflict, index) => card(conflict, index + 1)),
      evidenceLists(verdict),
    );
  } catch (error) {
    put(out, errorBox(error));
  }
}

// ---- audit --------------------------------------------------------------------------------

function auditQuery(params) {
  const query = new URLSearchParams();
  for (const name of ["kind", "severity", "source"]) if (params.get(name)) query.set(name, params.get(name));
  return query;
}

async function runAudit(params) {
  const out = $("#audit-result");
  const page = Math.max(1, Number(params.get("page")) || 1);
  const query = auditQuery(params);
  query.set("limit", AUDIT_PAGE_SIZE);
  query.set("offset", (page - 1) * AUDIT_PAGE_SIZE);
  busy(out, "Comparing every claim in the store…");
  try {
    const report = await api(`/audit?${query}`);
    const cards = await cardsFor(report.conflicts, report.citations);
    const total = report.total ?? report.conflicts.length;
    const first = (page - 1) * AUDIT_PAGE_SIZE;
    put(
      out,
      el(
        "p",
        { class: "note", role: "status" },
        total
          ? `${total} conflict(s) match, among ${report.claims} claims in ${report.sources} sources; showing ${first + 1}–${first + cards.length}.`
          : `No conflicts match, among ${report.claims} claims in ${report.sources} sources.`,
      ),
      cards.map((conflict, index) => card(conflict, first + index + 1)),
      pager(params, page, Math.ceil(total / AUDIT_PAGE_SIZE)),
    );
  } catch (error) {
    put(out, errorBox(error));
  }
}

function pager(params, page, pages) {
  if (pages <= 1) return null;
  const link = (to, words) => {
    const query = auditQuery(params);
    query.set("view", "audit");
    query.set("page", to);
    return el("a", { href: `/?${query}` }, words);
  };
  return el(
    "nav",
    { class: "pager", "aria-label": "Pages of conflicts" },
    page > 1 ? link(page - 1, "Previous page") : null,
    `Page ${page} of ${pages}`,
    page < pages ? link(page + 1, "Next page") : null,
  );
}

async function download(path, filename, type) {
  try {
    const blob = await (await request(path)).blob();
    const url = URL.createObjectURL(new Blob([blob], { type }));
    const link = el("a", { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    $("#audit-result").prepend(errorBox(error));
  }
}

// ---- sources and ingest -------------------------------------------------------------------

async function fillSourceFilter(selected) {
  const select = $("#audit-source");
  if (select.options.length === 1) {
    const sources = await api("/sources");
    select.append(...sources.map((source) => el("option", { value: source.id }, `${source.title} (${source.outlet || source.id})`)));
  }
  select.value = selected || "";
}

async function runSources() {
  const out = $("#sources-result");
  busy(out, "Loading the sources…");
  try {
    const sources = await api("/sources");
    const rows = sources.map((source) =>
      el(
        "tr",
        {},
        el("td", {}, source.title),
        el("td", {}, source.outlet || "unknown"),
        el("td", {}, source.published || "unknown"),
        el("td", {}, String(source.chunks)),
        el("td", {}, source.claims === null ? "unknown" : String(source.claims)),
        el("td", {}, el("a", { href: `/?view=audit&source=${encodeURIComponent(source.id)}` }, "conflicts"), " · ", source.id),
      ),
    );
    put(
      out,
      el("p", { class: "note" }, `${sources.length} source(s).`),
      el(
        "div",
        { class: "table-wrap" },
        el(
          "table",
          {},
          el("thead", {}, el("tr", {}, ["Title", "Outlet", "Published", "Passages", "Claims", "Id"].map((name) => el("th", { scope: "col" }, name)))),
          el("tbody", {}, rows),
        ),
      ),
    );
  } catch (error) {
    put(out, errorBox(error));
  }
}

async function runIngestPanel() {
  const panel = $("#ingest-panel");
  let listing;
  try {
    listing = await api("/web/files");
  } catch (error) {
    put(panel, el("p", { class: "note" }, error.message));
    return;
  }
  const boxes = listing.files.map((file) =>
    el("label", {}, el("input", { type: "checkbox", name: "path", value: file.path }), ` ${file.name}`),
  );
  const progress = el("div", { "aria-live": "polite" });
  const form = el(
    "form",
    { id: "ingest-form", class: "panel" },
    el("p", {}, `Files in the folders this server may ingest from (${listing.folders.join(", ")}):`),
    el("fieldset", {}, el("legend", {}, "Choose files"), boxes.length ? boxes : el("p", { class: "empty" }, "No readable files there.")),
    listing.truncated ? el("p", { class: "note" }, "Only the first files are listed.") : null,
    el("p", {}, el("button", { type: "submit" }, "Ingest the chosen files")),
    progress,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const paths = boxes.map((box) => box.querySelector("input")).filter((box) => box.checked).map((box) => box.value);
    if (!paths.length) {
      put(progress, errorBox(new Error("Choose at least one file.")));
      return;
    }
    ingest(paths, form.querySelector("button"), progress);
  });
  put(panel, uploadForm(listing.folders[0]), form);
}

// Files from the user's own disk: each is sent and kept in the first allowed
// folder's uploads/, then ingested like the files listed there.
function uploadForm(folder) {
  const picker = el("input", { type: "file", id: "upload-files", multiple: true, accept: ".txt,.text,.md,.markdown,.html,.htm" });
  const progress = el("div", { "aria-live": "polite" });
  const form = el(
    "form",
    { id: "upload-form", class: "panel" },
    el("p", {}, el("label", { for: "upload-files" }, "Files from your computer (.txt, .md, .html)"), " ", picker),
    el("p", { class: "note" }, `They are kept in ${folder}/uploads on the server.`),
    el("p", {}, el("button", { type: "submit" }, "Upload and ingest")),
    progress,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    if (!picker.files.length) {
      put(progress, errorBox(new Error("Choose at least one file.")));
      return;
    }
    button.disabled = true;
    const counter = el("span", { role: "status" }, "Uploading…");
    const refused = el("ul", { class: "log" });
    put(progress, el("p", {}, counter), refused);
    const paths = [];
    for (const file of picker.files) {
      try {
        const kept = await api(`/web/upload?name=${encodeURIComponent(file.name)}`, { method: "POST", body: file });
        paths.push(kept.path);
        counter.textContent = `Uploaded ${paths.length} of ${picker.files.length} file(s)…`;
      } catch (error) {
        refused.append(el("li", { class: "outcome-failed" }, `failed: ${file.name} (${error.message})`));
      }
    }
    button.disabled = false;
    if (!paths.length) {
      counter.textContent = "Nothing was uploaded.";
      return;
    }
    const ingested = el("div");
    progress.append(ingested);
    ingest(paths, button, ingested);
  });
  return form;
}

async function ingest(paths, button, out) {
  button.disabled = true;
  const bar = el("progress", { max: paths.length, value: 0, "aria-label": "files ingested" });
  const counter = el("span", { role: "status" }, "Starting…");
  const log = el("ul", { class: "log" });
  put(out, el("p", {}, bar, " ", counter), log);
  try {
    const response = await request("/web/ingest", { method: "POST", body: { paths } });
    let done = 0;
    for await (const { name, data } of serverEvents(response)) {
      if (name === "start") {
        bar.max = data.files;
        counter.textContent = `0 of ${data.files} file(s)`;
      } else if (name === "file") {
        done += 1;
        bar.value = done;
        counter.textContent = `${done} of ${bar.max} file(s)`;
        log.append(el("li", { class: `outcome-${data.outcome}` }, `${data.outcome}: ${data.path}`, data.error ? ` (${data.error})` : ""));
      } else if (name === "done") {
        const failed = data.files.filter((file) => file.outcome === "failed").length;
        counter.textContent = `Done: ${data.files.length} file(s)${failed ? `, ${failed} failed` : ""}.`;
        runSources();
      } else if (name === "error") {
        out.append(errorBox(new Error(data.detail)));
      }
    }
  } catch (error) {
    out.append(errorBox(error));
  } finally {
    button.disabled = false;
  }
}

async function* serverEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      yield { name, data: JSON.parse(data) };
    }
  }
}

// ---- the whole source ---------------------------------------------------------------------

async function runSource(params) {
  const out = $("#source-result");
  busy(out, "Loading the source…");
  try {
    const source = await api(`/sources/${encodeURIComponent(params.get("id") || "")}`);
    $("#whole-source-heading").textContent = source.title;
    const start = Number(params.get("start")) || 0;
    const end = Number(params.get("end")) || start;
    put(out, ...sourceView(source, { start, end }, Infinity));
  } catch (error) {
    put(out, errorBox(error));
  }
}

// ---- views ------------------------------------------------------------------------------------

function viewOf(params) {
  const named = params.get("view");
  if (VIEWS.includes(named)) return named;
  return params.has("claim") ? "check" : "ask";
}

function show(params) {
  const view = viewOf(params);
  for (const name of VIEWS) $(`#view-${name}`).hidden = name !== view;
  for (const link of document.querySelectorAll("header nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (view === "ask" && params.get("q")) {
    $("#question").value = params.get("q");
    runAsk(params.get("q"));
  } else if (view === "check" && params.get("claim")) {
    $("#claim").value = params.get("claim");
    runCheck(params.get("claim"));
  } else if (view === "audit") {
    const form = $("#audit-form");
    for (const name of ["kind", "severity"]) form.elements[name].value = params.get(name) || "";
    fillSourceFilter(params.get("source")).catch(() => {});
    runAudit(params);
  } else if (view === "sources") {
    runSources();
    runIngestPanel();
  } else if (view === "source") {
    runSource(params);
  }
}

// A question or claim lands in the address bar, so that a finding can be shared as a link.
function submitTo(form, field, name) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $(field).value.trim();
    if (!text) return;
    history.pushState(null, "", `/?${new URLSearchParams({ ...(name === "claim" ? { view: "check" } : {}), [name]: text })}`);
    show(new URLSearchParams(location.search));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  submitTo($("#ask-form"), "#question", "q");
  submitTo($("#check-form"), "#claim", "claim");
  $("#audit-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const query = new URLSearchParams({ view: "audit" });
    for (const [name, value] of new FormData(event.target)) if (value) query.set(name, value);
    history.pushState(null, "", `/?${query}`);
    show(query);
  });
  $("#download-html").addEventListener("click", () => download("/web/report.html", "audit.html", "text/html"));
  $("#download-json").addEventListener("click", () => download("/audit", "audit.json", "application/json"));
  window.addEventListener("popstate", () => show(new URLSearchParams(location.search)));
  show(new URLSearchParams(location.search));
});
