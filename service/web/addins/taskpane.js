// The 讲稿 task pane, the same in WPS and in Word: settings (service URL, key), a brief (or an
// example, or a recent draft), the outline step, the draft streamed as it is written, its report,
// insertion into the document, and "检查本文档". The host's document is reached only through
// `JianggaoHost` (wps/host.js or word/host.js); the service only through static/api.js.
"use strict";

const PANE_SETTINGS = "jianggao.addin.settings";

const pane = {
  examples: [],
  types: [],
  outline: null,
  draft: null,
  controller: null,
  findings: [],
};

const byId = (id) => document.getElementById(id);

function settings() {
  try {
    const saved = JSON.parse(localStorage.getItem(PANE_SETTINGS) || "{}");
    return { base: saved.base || location.origin, key: saved.key || "" };
  } catch {
    return { base: location.origin, key: "" };
  }
}

const paneService = JianggaoApi.client({ base: () => settings().base, key: () => settings().key });

/** A node with text children only (never HTML from the service). */
function node(tag, attrs = {}, ...children) {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "onclick") made.addEventListener("click", value);
    else if (name === "className") made.className = value;
    else made.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) made.append(child instanceof Node ? child : String(child));
  }
  return made;
}

function say(text, kind = "error") {
  const box = byId("message");
  box.textContent = JianggaoApi.plain(text);
  box.className = `message ${kind}`;
  box.hidden = !text;
  if (text) box.focus();
}

function sayError(error) {
  if (error && error.name === "AbortError") return;
  say(JianggaoApi.describe(error));
}

function show(id, visible = true) {
  byId(id).hidden = !visible;
}

// ---------- settings ----------

function fillSettings() {
  const current = settings();
  byId("service-url").value = current.base;
  byId("service-key").value = current.key;
}

async function saveSettings() {
  const base = byId("service-url").value.trim().replace(/\/+$/, "") || location.origin;
  if (!/^https?:\/\/[^\s/]+/.test(base)) {
    byId("settings-note").textContent = "服务地址应以 http:// 或 https:// 开头，如 https://jianggao.example.gov.cn";
    return;
  }
  localStorage.setItem(PANE_SETTINGS, JSON.stringify({ base, key: byId("service-key").value.trim() }));
  byId("settings-note").textContent = "已保存。";
  await connect();
}

// ---------- the brief ----------

async function connect() {
  say("");
  byId("status").textContent = "正在连接……";
  try {
    const [health, types, examples] = await Promise.all([
      paneService.json("GET", "/healthz"),
      paneService.json("GET", "/v1/speech-types"),
      paneService.json("GET", "/v1/examples"),
    ]);
    pane.types = types;
    pane.examples = examples;
    byId("status").textContent = health.drafter === "builtin" ? "内置起草器" : `大模型 ${health.model || ""}`;
    const chosen = byId("speech_type").value;
    byId("speech_type").replaceChildren(...types.map((t) => node("option", { value: t.type }, t.name)));
    if (chosen) byId("speech_type").value = chosen;
    byId("example").replaceChildren(node("option", { value: "" }, "载入示例……"),
      ...examples.map((e) => node("option", { value: e.name }, e.label)));
    await loadRecent();
    document.body.dataset.ready = "true";
  } catch (error) {
    byId("status").textContent = "未连接";
    show("settings");
    sayError(error);
    document.body.dataset.ready = "error";
  }
}

async function loadRecent() {
  const page = await paneService.json("GET", "/v1/drafts?limit=10");
  const done = page.items.filter((item) => item.status === "complete");
  byId("recent").replaceChildren(node("option", { value: "" }, "打开最近的稿子……"),
    ...done.map((item) => node("option", { value: item.id }, `${JianggaoApi.plain(item.meeting)} · 第 ${item.version} 版`)));
}

function fillBrief(brief) {
  byId("speech_type").value = brief.speech_type;
  for (const name of ["meeting", "speaker", "speaker_name", "date", "notes"]) byId(name).value = brief[name] || "";
  byId("points").value = (brief.points || []).map((p) => p.title).join("\n");
  pane.example = brief;
}

function readBrief() {
  const brief = { ...(pane.example || {}), speech_type: byId("speech_type").value };
  for (const name of ["meeting", "speaker", "speaker_name", "date", "notes"]) {
    const value = byId(name).value.trim();
    if (value) brief[name] = value;
    else delete brief[name];
  }
  const points = byId("points").value.split("\n").map((line) => line.trim()).filter(Boolean);
  const kept = new Map((brief.points || []).map((p) => [p.title, p]));
  brief.points = points.map((title) => kept.get(title) || { title });
  return brief;
}

async function selectionAsNotes() {
  try {
    const text = (await JianggaoHost.selectionText()).trim();
    if (!text) {
      say("文档里没有选中文字：先选中一段要求，再点这里。", "info");
      return;
    }
    byId("notes").value = text.slice(0, 2000);
  } catch (error) {
    say(`读不到文档里选中的文字：${JianggaoApi.plain(error.message)}`);
  }
}

// ---------- outline and draft ----------

async function makeOutline() {
  say("");
  try {
    pane.outline = await paneService.json("POST", "/v1/outlines", { body: readBrief() });
  } catch (error) {
    sayError(error);
    return;
  }
  byId("outline-title").value = pane.outline.title;
  byId("outline-parts").replaceChildren(...pane.outline.parts.map((part, index) => part.heading
    ? node("li", {}, node("input", { type: "text", value: part.heading, "data-index": String(index), "aria-label": `第${index + 1}部分标题` }))
    : null).filter(Boolean));
  show("outline");
  byId("outline-heading").focus();
}

function readOutline() {
  const outline = structuredClone(pane.outline);
  outline.title = byId("outline-title").value.trim();
  for (const input of document.querySelectorAll("#outline-parts input")) {
    outline.parts[Number(input.dataset.index)].heading = input.value.trim();
  }
  return outline;
}

async function draft(withOutline) {
  say("");
  const body = withOutline ? { ...readBrief(), outline: readOutline() } : readBrief();
  pane.controller = new AbortController();
  show("result", false);
  show("progress");
  byId("live").textContent = "";
  byId("progress-status").textContent = "正在起草……";
  byId("progress-status").focus();
  const buttons = ["outline-button", "draft-button", "outline-draft-button"].map(byId);
  for (const button of buttons) button.disabled = true;
  try {
    const done = await paneService.streamDraft(body, (name, data) => {
      if (name === "section.delta") byId("live").textContent += data.text;
      if (name === "section.done") byId("progress-status").textContent = `已写完第 ${data.index + 1} 部分……`;
    }, pane.controller.signal);
    showDraft(done);
    loadRecent().catch(() => {});
  } catch (error) {
    byId("progress-status").textContent = error.name === "AbortError" ? "已取消" : "起草失败";
    sayError(error);
  } finally {
    pane.controller = null;
    for (const button of buttons) button.disabled = false;
  }
}

async function openRecent() {
  const id = byId("recent").value;
  if (!id) return;
  try {
    showDraft(await paneService.json("GET", `/v1/drafts/${encodeURIComponent(id)}`));
  } catch (error) {
    sayError(error);
  }
}

function showDraft(done) {
  pane.draft = done;
  show("progress", false);
  show("result");
  byId("result-title").textContent = done.title;
  const report = done.report;
  byId("verdict").textContent = `${report.passed ? "合格" : "不合格"} · 得分 ${Math.round(report.score * 100)}`
    + ` · 第 ${done.version} 版 · 用时 ${(done.timings_ms.total / 1000).toFixed(1)} 秒`;
  byId("result-notes").replaceChildren(...report.checks.filter((c) => !c.passed || c.advice)
    .map((c) => node("li", { className: c.passed ? "advice" : "" }, `${c.label}${c.passed ? "（可改进）" : ""}：${c.detail}`)));
  byId("result-parts").replaceChildren(...JianggaoDocument.parts(done).map(({ index, section }) =>
    node("li", {},
      node("span", { className: "part-name" }, (section.heading || section.text).slice(0, 24)),
      node("button", { type: "button", className: "small", "data-index": String(index),
        onclick: () => insert(index, false) }, "插入此部分"),
      node("button", { type: "button", className: "small replace", "data-index": String(index),
        onclick: () => insert(index, true) }, "替换选中"))));
  byId("result-title").focus();
}

// ---------- into the document ----------

async function insert(index, replace) {
  if (!pane.draft) return;
  const paragraphs = JianggaoDocument.paragraphs(pane.draft, index);
  try {
    const count = await JianggaoHost.insert(paragraphs, { replace });
    say(`已${replace ? "替换选中内容为" : "在光标处插入"}${index === null ? "全文" : "这一部分"}（${count} 段）。`, "info");
  } catch (error) {
    say(`没有插入：${JianggaoApi.plain(error.message) || "文档不接受插入"}。请确认有打开的文档，光标在正文里。`);
  }
}

async function checkDocument() {
  say("");
  let text;
  try {
    text = (await JianggaoHost.documentText()).replace(/\r\n?/g, "\n").replace(/\u0007/g, "");
  } catch (error) {
    say(`读不到文档：${JianggaoApi.plain(error.message)}`);
    return;
  }
  if (!text.trim()) {
    say("文档是空的，没有可检查的文字。", "info");
    return;
  }
  const type = byId("speech_type").value;
  let report;
  try {
    report = await paneService.json("POST", "/v1/checks", { body: type ? { text, speech_type: type } : { text } });
  } catch (error) {
    sayError(error);
    return;
  }
  pane.findings = JianggaoDocument.findings(report);
  const problems = pane.findings.filter((finding) => !finding.advice).length;
  const advice = pane.findings.length - problems;
  byId("check-verdict").textContent = `${report.passed ? "合格" : "不合格"} · 得分 ${Math.round(report.score * 100)} · ${problems} 项问题`
    + (advice ? `，${advice} 处可改进` : "");
  byId("findings").replaceChildren(...pane.findings.map((finding) => node("li", { className: finding.advice ? "advice" : "" },
    node("strong", {}, finding.advice ? `${finding.label}（可改进）` : finding.label), "：", finding.detail,
    ...finding.quotes.map((quote) => {
      const place = JianggaoDocument.locate(text, quote);
      return place
        ? node("button", { type: "button", className: "small find", onclick: () => JianggaoHost.select(place.start, place.end, quote.text) },
          `选中“${quote.text.slice(0, 10)}…”`)
        : null;
    }))));
  show("check-result");
  byId("check-verdict").focus();
}

// ---------- wiring ----------

function initPane() {
  fillSettings();
  byId("settings-toggle").addEventListener("click", () => show("settings", byId("settings").hidden));
  byId("settings-save").addEventListener("click", saveSettings);
  byId("example").addEventListener("change", () => {
    const example = pane.examples.find((e) => e.name === byId("example").value);
    if (example) fillBrief(example.brief);
  });
  byId("recent").addEventListener("change", openRecent);
  byId("selection-notes").addEventListener("click", selectionAsNotes);
  byId("outline-button").addEventListener("click", makeOutline);
  byId("draft-button").addEventListener("click", () => draft(false));
  byId("outline-draft-button").addEventListener("click", () => draft(true));
  byId("cancel-button").addEventListener("click", () => pane.controller && pane.controller.abort());
  byId("insert-all").addEventListener("click", () => insert(null, false));
  byId("replace-selection").addEventListener("click", () => insert(null, true));
  byId("check-button").addEventListener("click", checkDocument);
  // A pane closed while a draft streams: stop reading it (the service finishes and keeps it).
  window.addEventListener("pagehide", () => pane.controller && pane.controller.abort());
  if (location.hash === "#check") byId("check").scrollIntoView();
  if (location.hash === "#settings") show("settings");
  connect();
}

initPane();
