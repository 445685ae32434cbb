// 讲稿 page: a brief form, outline editing, a streamed draft, its report, rewrites and downloads.
// Plain browser JavaScript, no build step; every call goes to this service's own /v1 API.
"use strict";

const KEY_STORAGE = "jianggao.apiKey";
const FORM_STORAGE = "jianggao.brief"; // the form as typed, kept across reloads
const DRAFT_STORAGE = "jianggao.draft"; // the draft on screen: {id, version}
// A draft the service is still writing for this page after a reload or a cancel (it writes on
// when nobody reads): {meeting, since}. The page watches the recent drafts for it.
const PENDING_STORAGE = "jianggao.pending";
const PENDING_WATCH_MS = 15 * 60 * 1000;
const PENDING_POLL_MS = 3000;
const FIELD_NAMES = {
  speech_type: "讲话类型", meeting: "会议名称", speaker: "讲话人职务", speaker_name: "讲话人姓名", organization: "单位",
  date: "会议日期", audience: "参会对象", purpose: "会议目的", achievements: "成绩",
  problems: "问题", points: "要讲的几点", required_phrases: "必须出现的提法",
  forbidden_phrases: "不得出现的词语", target_chars: "目标字数", notes: "其他要求",
  agenda: "议程", attendees: "出席人员", outline: "提纲", point_count: "要点数量",
};
const TEXT_FIELDS = [
  "meeting", "speaker", "speaker_name", "organization", "date", "audience", "purpose", "notes",
];
const LINE_FIELDS = ["achievements", "problems", "required_phrases", "forbidden_phrases"];
// Brief lists shown only for the types whose skeleton uses them (GET /v1/speech-types).
const TYPE_FIELDS = ["attendees", "agenda"];
const COLON = /[：:]/;
const NUMBERING = /^(?:[一二三四五六七八九十]+[、.．]|（[一二三四五六七八九十\d]+）|\([一二三四五六七八九十\d]+\)|\d+[.、．)）])\s*/;

const state = {
  types: [],
  roles: {},
  programParts: new Set(), // parts the program writes by the form's rules: never rewritten
  examples: [],
  outline: null,
  draft: null,
  latest: 0,
  controller: null,
  timer: null,
  filledBy: "", // the form's values as the page last set them (empty, an example, a restore)
  pendingExample: "",
};

// ---------- small helpers ----------

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** An element with attributes and children; text always goes in as text, never as HTML. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "className") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function lines(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean);
}

function apiKey() {
  return localStorage.getItem(KEY_STORAGE) || "";
}

// ---------- talking to the API (static/api.js, shared with the add-ins) ----------

const service = JianggaoApi.client({ key: apiKey });
const api = service.call;
const readEvents = JianggaoApi.readEvents;
const plain = JianggaoApi.plain;

// ---------- errors shown where they belong ----------

function clearErrors() {
  for (const node of $$(".field-error")) node.textContent = "";
  for (const node of $$(".field.has-error")) node.classList.remove("has-error");
  for (const id of ["form-error", "progress-error"]) {
    $(`#${id}`).hidden = true;
    $(`#${id}`).textContent = "";
  }
}

/** Where in a list the fault is, in words: points.1.details.0 → 第2点的第1条具体内容. */
function whereInField(path) {
  const [, first, second, third] = path;
  if (first === undefined || !/^\d+$/.test(first)) return "";
  const n = Number(first) + 1;
  if (path[0] === "points") {
    return second === "details" && third !== undefined ? `第${n}点的第${Number(third) + 1}条具体内容` : `第${n}点`;
  }
  if (path[0] === "agenda") {
    return second === "speaker" ? `第${n}项的发言人` : second === "topic" ? `第${n}项的内容` : `第${n}项`;
  }
  return `第${n}行`;
}

function markField(name, message) {
  const field = $(`.field[data-field="${name}"]`);
  if (!field || field.hidden || field.closest("[hidden]")) return false;
  field.classList.add("has-error");
  const slot = $(".field-error", field);
  const said = plain(message);
  slot.textContent = slot.textContent && said ? `${slot.textContent}；${said}` : slot.textContent || said;
  return true;
}

function focusFirstError(box) {
  const field = $(".field.has-error");
  if (!field) {
    if (box && !box.hidden) focusOn(box, "center");
    return;
  }
  field.scrollIntoView({ block: "center" });
  const control = $("input, select, textarea", field);
  if (control) control.focus({ preventScroll: true });
}

/** Bring a node into view and give it the focus, so keyboard and screen reader follow. */
function focusOn(node, block = "start") {
  if (!node) return;
  node.scrollIntoView({ block });
  node.focus({ preventScroll: true });
}

/** A problem+json from the API, shown next to the field it names, else in the box given. */
function showProblem(error, box) {
  if (error.name === "AbortError") return;
  const problem = error.problem || { title: "出错了", detail: String(error.message || error) };
  if (error.status === 401) {
    $("#key-box").open = true;
    markField("api_key", "服务要求 API 密钥：请填写后点“保存”，再试一次。");
    showBox(box, "服务要求 API 密钥", "请在右上角“API 密钥”处填写。");
    return;
  }
  let unplaced = [];
  const entries = problem.errors || (problem.field ? [{ field: problem.field, message: problem.detail }] : []);
  for (const entry of entries) {
    const path = String(entry.field || "").split(".");
    const where = whereInField(path);
    const message = plain(entry.message) || plain(problem.detail);
    if (!markField(path[0], where ? `${where}：${message}` : message)) {
      const label = FIELD_NAMES[path[0]] || "";
      unplaced.push(label ? `${label}${where ? `（${where}）` : ""}：${message}` : message);
    }
  }
  if (!entries.length) unplaced = [plain(problem.detail)];
  if (entries.length && !unplaced.length) {
    showBox(box, plain(problem.title) || "请修改标出的内容", `共 ${entries.length} 处，已在对应栏目下标出。`);
  } else {
    showBox(box, plain(problem.title) || "出错了", unplaced.filter(Boolean).join("；"));
  }
  focusFirstError(box);
}

function showBox(box, title, detail) {
  box.replaceChildren(el("strong", {}, plain(title)), detail ? el("span", {}, " ", plain(detail)) : null);
  box.hidden = false;
}

// ---------- the form ----------

/** "要讲的几点": a point per line; details after a colon (split by ；) or on indented lines. */
function parsePoints(text) {
  const points = [];
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    const detail = /^\s/.test(raw) && points.length > 0;
    const line = raw.trim().replace(/^[-·•]\s*/, "");
    if (detail) {
      points[points.length - 1].details.push(line);
      continue;
    }
    const [title, rest] = splitOnce(line.replace(NUMBERING, ""), COLON);
    const details = rest === null ? [] : rest.split(/[；;]/).map((d) => d.trim()).filter(Boolean);
    points.push({ title, details });
  }
  return points;
}

function splitOnce(text, pattern) {
  const match = pattern.exec(text);
  if (!match) return [text.trim(), null];
  return [text.slice(0, match.index).trim(), text.slice(match.index + 1).trim()];
}

/** The brief as the API takes it: the service reads lists typed on one line and agenda lines
 * as said, and names any field it cannot read. */
function readBrief() {
  const form = $("#brief-form");
  const value = (name) => form.elements[name].value;
  const brief = { speech_type: value("speech_type") };
  for (const name of TEXT_FIELDS) {
    if (value(name).trim()) brief[name] = value(name).trim();
  }
  for (const name of LINE_FIELDS) {
    const list = lines(value(name));
    if (list.length) brief[name] = list;
  }
  const points = parsePoints(value("points"));
  if (points.length) brief.points = points;
  const target = value("target_chars").trim();
  if (target) brief.target_chars = /^\d+$/.test(target) ? Number(target) : target;
  if (usesList(brief.speech_type, "agenda") || usesList(brief.speech_type, "attendees")) {
    readPresiding(value, brief);
  }
  return brief;
}

function readPresiding(value, brief) {
  const attendees = lines(value("attendees"));
  if (attendees.length) brief.attendees = attendees;
  // "发言人：内容", or a line as said ("镇纪委书记宣读实施方案"): the service reads both.
  const agenda = lines(value("agenda"));
  if (agenda.length) brief.agenda = agenda;
}

function fillForm(brief) {
  const form = $("#brief-form");
  const example = $("#example-select").value;
  form.reset();
  $("#example-select").value = example;
  form.elements.speech_type.value = brief.speech_type;
  for (const name of TEXT_FIELDS) form.elements[name].value = brief[name] || "";
  for (const name of LINE_FIELDS) form.elements[name].value = (brief[name] || []).join("\n");
  form.elements.points.value = (brief.points || [])
    .map((p) => [p.title, ...(p.details || []).map((d) => `　　${d}`)].join("\n"))
    .join("\n");
  form.elements.attendees.value = (brief.attendees || []).join("\n");
  form.elements.agenda.value = (brief.agenda || []).map((a) => `${a.speaker}：${a.topic}`).join("\n");
  form.elements.target_chars.value = brief.target_chars || "";
  onTypeChange();
  clearErrors();
  state.filledBy = JSON.stringify(formValues());
  saveForm();
}

// ---------- the form kept across reloads ----------

function formValues() {
  const values = {};
  for (const control of $("#brief-form").elements) {
    if (control.name) values[control.name] = control.value;
  }
  return values;
}

function saveForm() {
  const saved = { values: formValues(), filledBy: state.filledBy, example: $("#example-select").value };
  localStorage.setItem(FORM_STORAGE, JSON.stringify(saved));
}

/** What the page kept under `key` (JSON), or null when nothing or something unreadable is
 * kept there. */
function stored(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || "null");
  } catch {
    return null;
  }
}

function restoreForm() {
  const saved = stored(FORM_STORAGE);
  if (!saved || !saved.values) {
    state.filledBy = JSON.stringify(formValues());
    return;
  }
  const form = $("#brief-form");
  for (const [name, value] of Object.entries(saved.values)) {
    if (form.elements[name] && typeof value === "string") form.elements[name].value = value;
  }
  if (!form.elements.speech_type.value && state.types.length) {
    form.elements.speech_type.value = state.types[0].type;
  }
  $("#example-select").value = saved.example || "";
  state.filledBy = saved.filledBy || JSON.stringify(formValues());
  onTypeChange();
}

/** Whether the writer typed something the page did not put there (an example overwrites it). */
function handFilled() {
  const now = formValues();
  const typed = Object.entries(now).some(([name, value]) => name !== "speech_type" && value.trim());
  return typed && JSON.stringify(now) !== state.filledBy;
}

/** Whether a speech type's skeleton uses a list of the brief (agenda, attendees …). */
function usesList(type, list) {
  const found = state.types.find((t) => t.type === type);
  return Boolean(found && found.brief_lists.includes(list));
}

function onTypeChange() {
  const type = $("#f-speech_type").value;
  for (const name of TYPE_FIELDS) {
    $(`.field[data-field="${name}"]`).hidden = !usesList(type, name);
  }
  const found = state.types.find((t) => t.type === type);
  $("#type-summary").textContent = found ? found.summary : "";
}

/** A part's Chinese name (GET /v1/roles), else its role as the API names it. */
function roleName(role) {
  return state.roles[role] || role;
}

// ---------- start-up: service status, speech types, examples ----------

async function loadHealth() {
  const status = $("#drafter-status");
  try {
    const health = await (await api("GET", "/healthz")).json();
    status.replaceChildren(drafterBadge(health.drafter, health.model));
    status.classList.remove("offline");
  } catch (error) {
    status.textContent = "连不上讲稿服务，请确认已启动";
    status.classList.add("offline");
  }
}

function drafterBadge(drafter, model) {
  if (drafter === "builtin") {
    return el("span", { className: "badge builtin", title: "配置 OPENAI_API_KEY 或 OPENAI_BASE_URL 后改用大模型起草" },
      "内置起草器", el("span", { className: "long" }, "（未配置大模型）"));
  }
  return el("span", { className: "badge model" }, `大模型：${model || drafter}`);
}

async function loadTypes() {
  const select = $("#f-speech_type");
  try {
    const [types, roles] = await Promise.all([
      api("GET", "/v1/speech-types").then((r) => r.json()),
      api("GET", "/v1/roles").then((r) => r.json()),
    ]);
    state.types = types;
    state.roles = { ...roles.program, ...roles.drafted };
    state.programParts = new Set(Object.keys(roles.program));
    const chosen = select.value || types[0].type;
    select.replaceChildren(...types.map((t) => el("option", { value: t.type }, t.name)));
    select.value = types.some((t) => t.type === chosen) ? chosen : types[0].type;
    onTypeChange();
  } catch (error) {
    showProblem(error, $("#form-error"));
  }
}

async function loadExamples() {
  const select = $("#example-select");
  try {
    state.examples = await (await api("GET", "/v1/examples")).json();
    select.replaceChildren(select.options[0],
      ...state.examples.map((e) => el("option", { value: e.name }, e.label)));
  } catch (error) {
    showProblem(error, $("#form-error"));
  }
}

function onExampleChange() {
  const select = $("#example-select");
  const example = state.examples.find((e) => e.name === select.value);
  if (!example) return;
  if (!handFilled()) {
    loadExample(example);
    return;
  }
  state.pendingExample = example.name;
  select.value = select.dataset.shown || "";
  $("#example-confirm-text").textContent =
    `表单里有您填写的内容。载入“${example.label}”会把它们全部换掉，要载入吗？`;
  $("#example-confirm").hidden = false;
  $("#example-confirm-no").focus();
}

function loadExample(example) {
  $("#example-confirm").hidden = true;
  $("#example-select").value = example.name;
  $("#example-select").dataset.shown = example.name;
  fillForm(example.brief);
}

function answerExample(overwrite) {
  const example = state.examples.find((e) => e.name === state.pendingExample);
  state.pendingExample = "";
  $("#example-confirm").hidden = true;
  if (overwrite && example) loadExample(example);
  $("#example-select").focus();
}

function saveKey() {
  const key = $("#api-key").value.trim();
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
  $("#key-note").textContent = key ? "已保存，之后的请求都会带上这个密钥。" : "已清除密钥。";
  clearErrors();
  Promise.all([loadTypes(), loadExamples()]).then(loadHistory);
}

// ---------- outline ----------

async function makeOutline() {
  clearErrors();
  const brief = readBrief();
  setBusyButtons(true);
  const button = $("#outline-button");
  button.textContent = "正在生成提纲……";
  try {
    const response = await api("POST", "/v1/outlines", { body: brief });
    const notes = JSON.parse(response.headers.get("X-Jianggao-Notes") || "[]");
    showOutline(await response.json(), notes);
  } catch (error) {
    showProblem(error, $("#form-error"));
  } finally {
    button.textContent = "生成提纲";
    setBusyButtons(false);
  }
}

function showOutline(outline, notes) {
  state.outline = outline;
  $("#intro").hidden = true;
  $("#outline-panel").hidden = false;
  $("#outline-title").value = outline.title;
  $("#outline-parts").replaceChildren(...outline.parts.map(outlinePart));
  $("#outline-notes").replaceChildren(...notes.map((n) => el("li", {}, noteText(n))));
  focusOn($("#outline-heading"));
}

function outlinePart(part, index) {
  const role = roleName(part.role);
  const heading = part.heading
    ? el("input", { type: "text", className: "outline-heading", value: part.heading, "data-index": index, "aria-label": `第${index + 1}部分标题` })
    : el("span", { className: "outline-gist" }, part.gist);
  const subpoints = part.subpoints.length
    ? el("ul", { className: "subpoints" }, part.subpoints.map((s) => el("li", {}, s)))
    : null;
  return el("li", { className: "outline-part" },
    el("div", { className: "outline-line" },
      el("span", { className: "role" }, role), heading, el("span", { className: "chars" }, `约${part.chars}字`)),
    subpoints);
}

/** The outline as shown, with the title and headings the user edited. */
function readOutline() {
  const outline = structuredClone(state.outline);
  outline.title = $("#outline-title").value.trim();
  for (const input of $$(".outline-heading")) {
    outline.parts[Number(input.dataset.index)].heading = input.value.trim();
  }
  return outline;
}

// ---------- drafting, streamed ----------

function setBusyButtons(busy) {
  for (const id of ["outline-button", "draft-button", "outline-draft-button"]) $(`#${id}`).disabled = busy;
}

function setStatus(text) {
  $("#progress-status").textContent = text;
}

function startClock() {
  const started = Date.now();
  const show = () => {
    $("#progress-elapsed").textContent = `已用 ${Math.round((Date.now() - started) / 1000)} 秒`;
  };
  show();
  state.timer = setInterval(show, 500);
}

async function draft(withOutline) {
  clearErrors();
  const brief = readBrief();
  const body = withOutline ? { ...brief, outline: readOutline() } : brief;
  if (!withOutline) $("#outline-panel").hidden = true;  // an earlier outline no longer applies
  const live = beginProgress();
  let finished = false;
  rememberPending(brief.meeting);
  try {
    const response = await api("POST", "/v1/drafts", {
      body, accept: "text/event-stream", signal: state.controller.signal,
    });
    setStatus("正在检索范文、拟定提纲……");
    await readEvents(response, (name, data) => {
      if (name === "done" || name === "error") finished = true;
      onDraftEvent(live, name, data);
    });
    if (!finished) {
      throw new ApiError(0, { title: "连接中断", code: "interrupted",
        detail: "草稿还没写完，连接就断开了：服务可能仍在写，写完会出现在“最近的稿子”里；也可以再试一次。" });
    }
  } catch (error) {
    // Once the stream has begun, the service writes on without the page.
    const writingOn = error.name === "AbortError" || (error.problem && error.problem.code === "interrupted");
    if (error.name === "AbortError") setStatus("已取消显示：服务仍会把这篇稿子写完，写完后出现在“最近的稿子”里");
    else failProgress(error, withOutline);
    if (writingOn) watchPending();
    else localStorage.removeItem(PENDING_STORAGE);
  } finally {
    if (finished) localStorage.removeItem(PENDING_STORAGE);
    endProgress();
  }
}

function rememberPending(meeting) {
  localStorage.setItem(PENDING_STORAGE, JSON.stringify({ meeting: meeting || "", since: Date.now() }));
}

/** After a reload or a cancel: the draft the service is still writing for this page is opened
 * as soon as it is saved (a newer draft of the same meeting in the recent drafts); a failure
 * is said. Watched for PENDING_WATCH_MS at most. */
function watchPending() {
  const pending = stored(PENDING_STORAGE);
  if (!pending || Date.now() - pending.since > PENDING_WATCH_MS) {
    localStorage.removeItem(PENDING_STORAGE);
    return;
  }
  const note = $("#pending-note");
  note.textContent = `“${plain(pending.meeting) || "上次的稿子"}”还在写，写完会自动打开。`;
  note.hidden = false;
  $("#history-panel").hidden = false;
  const since = new Date(pending.since - 60 * 1000);  // the service's clock may differ a little
  const check = async () => {
    if (localStorage.getItem(PENDING_STORAGE) === null) {
      note.hidden = true;
      return;
    }
    let page = null;
    try {
      page = await (await api("GET", "/v1/drafts?limit=10")).json();
    } catch {
      page = null;
    }
    const found = page && page.items.find((item) => item.meeting === pending.meeting && new Date(item.created_at) >= since);
    if (found) {
      localStorage.removeItem(PENDING_STORAGE);
      note.hidden = true;
      await loadHistory();
      if (found.status === "complete") {
        await openDraft(found.id).catch((error) => showProblem(error, $("#form-error")));
      } else {
        showProblem(new ApiError(0, { title: "起草失败", detail: plain(found.error) || "上次的稿子没有写成，请重新起草。" }), $("#form-error"));
      }
      return;
    }
    if (Date.now() - pending.since > PENDING_WATCH_MS) {
      localStorage.removeItem(PENDING_STORAGE);
      note.textContent = "上次的稿子没有等到，请在“最近的稿子”里找，或重新起草。";
      return;
    }
    setTimeout(check, PENDING_POLL_MS);
  };
  check();
}

function beginProgress() {
  state.controller = new AbortController();
  setBusyButtons(true);
  $("#intro").hidden = true;
  $("#result-panel").hidden = true;
  const panel = $("#progress-panel");
  panel.hidden = false;
  panel.classList.add("running");
  $("#cancel-button").hidden = false;
  $("#live-outline").hidden = true;
  $("#live-outline").textContent = "";
  $("#live-parts").replaceChildren();
  setStatus("正在提交简报……");
  startClock();
  focusOn($("#progress-status"));
  return { parts: [], done: 0, single: null };
}

function endProgress() {
  clearInterval(state.timer);
  state.controller = null;
  setBusyButtons(false);
  $("#progress-panel").classList.remove("running");
  $("#cancel-button").hidden = true;
}

function failProgress(error, withOutline) {
  const inForm = error.problem && (error.problem.errors || error.problem.field) && error.status === 422;
  setStatus("起草失败");
  if (inForm && error.problem.field === "outline" && withOutline) {
    showProblem(error, $("#progress-error"));
  } else if (inForm) {  // nothing was drafted: back to what was shown before
    $("#progress-panel").hidden = true;
    $("#result-panel").hidden = !state.draft;
    $("#intro").hidden = Boolean(state.draft) || !$("#outline-panel").hidden;
    showProblem(error, $("#form-error"));
  } else {
    showProblem(error, $("#progress-error"));
  }
}

function onDraftEvent(live, name, data) {
  if (name === "outline.delta") {
    $("#live-outline").hidden = false;
    $("#live-outline").textContent += data.text;
  } else if (name === "outline") {
    showLiveParts(live, data.outline);
  } else if (name === "section.delta") {
    liveBody(live, data.index).textContent += data.text;
  } else if (name === "section.done") {
    partDone(live, data.index, data.text);
  } else if (name === "report") {
    setStatus("检查完毕，正在保存……");
  } else if (name === "done") {
    setStatus(`起草完成，用时 ${(data.timings_ms.total / 1000).toFixed(1)} 秒`);
    $("#progress-panel").hidden = true;
    state.latest = data.version;
    showDraft(data);
    loadHistory();
  } else if (name === "error") {
    setStatus("起草失败");
    showProblem(new ApiError(data.status || 0, data), $("#progress-error"));
  }
}

function showLiveParts(live, outline) {
  $("#live-outline").hidden = true;
  live.parts = outline.parts.map((part, index) => {
    const body = el("div", { className: "live-body waiting" }, "等待起草……");
    const title = part.heading || roleName(part.role);
    const node = el("section", { className: "live-part", "data-index": index },
      el("h3", {}, title), body);
    $("#live-parts").append(node);
    return { node, body, started: false };
  });
  $("#live-parts").prepend(el("h2", { className: "live-title" }, outline.title));
  setStatus(`正在起草各部分（0/${live.parts.length}）……`);
}

function liveBody(live, index) {
  if (index === null || index === undefined) {  // single mode: one call writes it all
    if (!live.single) {
      live.single = el("div", { className: "live-body" });
      $("#live-parts").append(live.single);
    }
    return live.single;
  }
  const part = live.parts[index];
  if (!part.started) {
    part.started = true;
    part.body.textContent = "";
    part.body.classList.remove("waiting");
  }
  return part.body;
}

function partDone(live, index, text) {
  const part = live.parts[index];
  part.body.textContent = text;
  part.body.classList.remove("waiting");
  part.node.classList.add("done");
  live.done += 1;
  setStatus(live.done < live.parts.length
    ? `正在起草各部分（${live.done}/${live.parts.length}）……`
    : "各部分已写完，正在检查格式、修改不合格的部分……");
}

// ---------- the finished draft ----------

/** A note from the service, with part names (…（lessons）) in Chinese. */
function noteText(note) {
  return note.replace(/（([a-z_]+)）/g, (whole, role) => (state.roles[role] ? `（${state.roles[role]}）` : whole));
}

function exportUrl(draft, format) {
  return `/v1/drafts/${encodeURIComponent(draft.id)}/export?format=${format}&version=${draft.version}`;
}

/** Show a draft; `rewritten` marks the part just rewritten, `scroll` brings the result into view
 * and gives it the focus. The draft on screen is remembered for a reload. */
function showDraft(draft, { rewritten = null, scroll = true } = {}) {
  state.draft = draft;
  localStorage.setItem(DRAFT_STORAGE, JSON.stringify({ id: draft.id, version: draft.version }));
  $("#intro").hidden = true;
  $("#result-panel").hidden = false;
  $("#done-line").textContent = doneLine(draft);
  $("#version-label").textContent = `第 ${draft.version} 版`;
  showVersions(draft);
  $("#download-docx").href = exportUrl(draft, "docx");
  $("#download-txt").href = exportUrl(draft, "txt");
  $("#drafter-line").replaceChildren(el("span", {}, "起草方式："), drafterBadge(draft.drafter, draft.model),
    draft.drafter === "builtin"
      ? el("span", { className: "hint" }, " 服务配置大模型（OPENAI_API_KEY 或 OPENAI_BASE_URL）后，会改用大模型起草。")
      : null);
  $("#report").replaceChildren(...reportView(draft.report, draft.sections));
  $("#draft-notes").replaceChildren(...draft.notes.map((n) => el("li", {}, noteText(n))));
  $("#draft").replaceChildren(...paperView(draft, rewritten));
  if (scroll) focusOn($("#version-label"));
  else if (rewritten !== null) focusOn($(`.doc-part[data-index="${rewritten}"]`), "center");
}

/** When the version was finished and how long it took: 完成于 12月4日 08:15，用时 0.3 秒. */
function doneLine(draft) {
  const when = new Date(draft.created_at);
  const pad = (n) => String(n).padStart(2, "0");
  const at = Number.isNaN(when.getTime())
    ? ""
    : `${when.getFullYear()}年${when.getMonth() + 1}月${when.getDate()}日 ${pad(when.getHours())}:${pad(when.getMinutes())}`;
  const total = draft.timings_ms && draft.timings_ms.total;
  const took = typeof total === "number" ? `，用时 ${(total / 1000).toFixed(1)} 秒` : "";
  return at ? `第 ${draft.version} 版完成于 ${at}${took}` : "";
}

// ---------- the drafts kept by the service: the one on screen, and recent ones ----------

async function openDraft(id, version = null) {
  const latest = await (await api("GET", `/v1/drafts/${encodeURIComponent(id)}`)).json();
  state.latest = latest.version;
  const shown = version && version !== latest.version
    ? await (await api("GET", `/v1/drafts/${encodeURIComponent(id)}?version=${version}`)).json()
    : latest;
  $("#outline-panel").hidden = true;
  $("#progress-panel").hidden = true;
  showDraft(shown);
}

async function restoreDraft() {
  const saved = stored(DRAFT_STORAGE);
  if (!saved || !saved.id) return;
  try {
    await openDraft(saved.id, saved.version);
  } catch (error) {
    if (error.status === 404) localStorage.removeItem(DRAFT_STORAGE);
  }
}

async function loadHistory() {
  let page;
  try {
    page = await (await api("GET", "/v1/drafts?limit=10")).json();
  } catch {
    $("#history-panel").hidden = true;  // the key box or the status line says why
    return;
  }
  const typeName = (type) => (state.types.find((t) => t.type === type) || {}).name || "";
  const items = page.items.map((item) => {
    const when = new Date(item.updated_at);
    const date = Number.isNaN(when.getTime()) ? "" : `${when.getMonth() + 1}月${when.getDate()}日 ${String(when.getHours()).padStart(2, "0")}:${String(when.getMinutes()).padStart(2, "0")}`;
    const words = [plain(item.meeting) || "（未写会议名称）", typeName(item.speech_type), `第 ${item.version} 版`, date]
      .filter(Boolean).join(" · ");
    if (item.status !== "complete") {
      return el("li", { className: "failed" }, `${words} · 起草失败`);
    }
    return el("li", {}, el("button", { type: "button", className: "history-item", "data-id": item.id,
      onclick: () => openDraft(item.id).catch((error) => showProblem(error, $("#form-error"))) }, words));
  });
  $("#history-list").replaceChildren(...items);
  $("#history-panel").hidden = !items.length;
}

function showVersions(draft) {
  const pick = $(".version-pick");
  pick.hidden = state.latest < 2;
  const options = [];
  for (let v = state.latest; v >= 1; v -= 1) {
    options.push(el("option", { value: v }, v === state.latest ? `第 ${v} 版（最新）` : `第 ${v} 版`));
  }
  $("#version-select").replaceChildren(...options);
  $("#version-select").value = String(draft.version);
}

async function onVersionChange() {
  const version = Number($("#version-select").value);
  try {
    const path = `/v1/drafts/${encodeURIComponent(state.draft.id)}?version=${version}`;
    showDraft(await (await api("GET", path)).json(), { scroll: false });
  } catch (error) {
    showProblem(error, $("#form-error"));
  }
}

/** The report, substance first: what the text says (on topic, in its field, from its brief,
 * not stock), each finding with a link to the part it names; then its form. */
function reportView(report, sections = []) {
  const failed = report.checks.filter((c) => !c.passed);
  const substance = report.checks.filter((c) => c.substance);
  const verdict = el("div", { className: `verdict ${report.passed ? "pass" : "fail"}` },
    el("span", { className: "verdict-word" }, report.passed ? "合格" : "不合格"),
    el("span", { className: "score" }, `得分 ${Math.round(report.score * 100)}`),
    substance.length
      ? el("span", { className: "score substance-score" }, `内容 ${Math.round(report.substance_score * 100)}`)
      : null,
    el("span", { className: "hint" }, failed.length
      ? `${failed.length} 项检查未通过`
      : `${report.checks.length} 项检查全部通过`));
  const findings = (title, checks, className) => checks.length
    ? el("div", { className: `findings ${className}` },
        el("h3", {}, title),
        el("ul", { className: "failed-checks" }, checks.map((c) =>
          el("li", {}, el("strong", {}, c.label || c.name), "：", c.detail, partLink(c.detail, sections)))))
    : null;
  const content = findings("内容问题", failed.filter((c) => c.substance), "substance");
  const form = findings("格式问题", failed.filter((c) => !c.substance), "form");
  const contentOk = substance.length && !failed.some((c) => c.substance)
    ? el("p", { className: "substance-ok" }, `内容检查全部通过：${substance.map((c) => c.label).join("、")}`)
    : null;
  const advice = findings("可以改进", report.checks.filter((c) => c.passed && c.advice), "advice");
  const failures = el("div", {}, ...[content, contentOk, advice, judgeView(report.judge), form].filter(Boolean));
  const all = el("details", { className: "all-checks" },
    el("summary", {}, "查看全部检查项"),
    el("ul", {}, report.checks.map((c) => el("li", { className: c.passed ? "ok" : "bad" },
      el("span", { className: "mark" }, c.passed ? "✓" : "✗"),
      el("strong", {}, c.label || c.name), "：", c.detail)),
    report.skipped.map((s) => el("li", { className: "skip" },
      el("span", { className: "mark" }, "–"),
      el("strong", {}, s.label || s.name), "：未检查，", s.reason))));
  return [verdict, failures, all].filter(Boolean);
}

/** The model's review, beside the checks (it does not decide the verdict). */
function judgeView(review) {
  if (!review) return null;
  return el("div", { className: "findings judge" },
    el("h3", {}, `模型评审（${review.model}，仅供参考，不影响是否合格）`),
    review.summary ? el("p", {}, review.summary) : null,
    el("ul", {}, review.scores.map((s) => el("li", {},
      el("strong", {}, `${s.label} ${s.score}/5`), "：", s.comment,
      s.quote ? el("q", { className: "judge-quote" }, s.quote) : null))));
}

/** A link to the first part whose heading a finding quotes (“落实防汛责任…”下的…). */
function partLink(detail, sections) {
  for (const match of detail.matchAll(/“([^”]{2,})”/g)) {
    const quoted = match[1].replace(/…$/, "");
    const index = sections.findIndex((s) => s.heading && s.heading.includes(quoted));
    if (index >= 0) {
      return el("button", { type: "button", className: "button small link part-link", onclick: () => {
        const part = $(`.doc-part[data-index="${index}"]`);
        if (part) part.scrollIntoView({ block: "center", behavior: "smooth" });
        if (part) part.classList.add("flagged");
      } }, `查看${sections[index].heading.slice(0, 12)}`);
    }
  }
  return null;
}

function paperView(draft, rewritten) {
  const latest = draft.version === state.latest && draft.mode !== "single";
  const nodes = [];
  if (!latest && draft.mode !== "single") {
    nodes.push(el("p", { className: "alert info" }, `这是第 ${draft.version} 版。重写总在最新版上进行。`));
  }
  draft.sections.forEach((section, index) => {
    if (section.role === "title") {
      nodes.push(el("h1", { className: "doc-title" }, section.text));
      return;
    }
    const block = el("section", { className: `doc-part role-${section.role}`, "data-index": index, "data-role": section.role, tabindex: "-1" });
    if (index === rewritten) block.classList.add("rewritten");
    if (section.heading) block.append(el("h2", { className: "doc-heading" }, section.heading));
    for (const paragraph of lines(section.text)) {
      if (section.heading && paragraph === section.heading) continue;
      block.append(el("p", { className: section.role === "salutation" ? "salutation" : "" }, paragraph));
    }
    if (latest && !state.programParts.has(section.role)) block.append(rewriteTools(index, section));
    nodes.push(block);
  });
  return nodes;
}

function rewriteTools(index, section) {
  const label = section.heading || roleName(section.role);
  const input = el("input", { type: "text", className: "rewrite-input", placeholder: "如：增加安全生产的内容；或写下其他要求", "aria-label": `对“${label}”的修改要求` });
  const message = el("span", { className: "rewrite-message", "aria-live": "polite" });
  const go = (instruction) => rewrite(index, instruction, panel, message);
  const panel = el("div", { className: "rewrite-panel", hidden: true },
    el("button", { type: "button", className: "button small", onclick: () => go("更精炼") }, "更精炼"),
    el("button", { type: "button", className: "button small", onclick: () => go("更充实") }, "更充实"),
    el("button", { type: "button", className: "button small", onclick: () => {
      input.value = "增加的内容";
      input.focus();
      input.setSelectionRange(2, 2);
    } }, "增加……的内容"),
    input,
    el("button", { type: "button", className: "button small primary", onclick: () => {
      if (input.value.trim()) go(input.value.trim());
      else message.textContent = "请先写下要怎么改。";
    } }, "按此重写"),
    message);
  const toggle = el("button", { type: "button", className: "button small rewrite-toggle", onclick: () => {
    panel.hidden = !panel.hidden;
  } }, "重写");
  return el("div", { className: "rewrite" }, toggle, panel);
}

async function rewrite(index, instruction, panel, message) {
  const block = panel.closest(".doc-part");
  block.classList.add("busy");
  for (const button of $$("button", block)) button.disabled = true;
  message.classList.remove("error");
  message.textContent = `正在按“${instruction}”重写……`;
  try {
    const path = `/v1/drafts/${encodeURIComponent(state.draft.id)}/sections/${index}/regenerate`;
    const draft = await (await api("POST", path, { body: { instruction } })).json();
    state.latest = draft.version;
    showDraft(draft, { rewritten: index, scroll: false });
    loadHistory();
  } catch (error) {
    block.classList.remove("busy");
    for (const button of $$("button", block)) button.disabled = false;
    message.classList.add("error");
    const problem = error.problem || {};
    message.textContent = error.status === 401
      ? "服务要求 API 密钥，请在右上角填写。"
      : `没有重写：${plain(problem.detail) || plain(problem.title) || plain(error.message)}`;
    const input = $(".rewrite-input", panel);
    if (input) input.focus();
  }
}

/** With a key the plain link cannot carry the header: fetch it and save the bytes instead. */
async function download(event) {
  if (!apiKey()) return;
  event.preventDefault();
  const link = event.currentTarget;
  try {
    const response = await api("GET", link.getAttribute("href"));
    const url = URL.createObjectURL(await response.blob());
    const save = el("a", { href: url, download: fileName(response) || "讲稿" });
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    showProblem(error, $("#form-error"));
  }
}

function fileName(response) {
  const disposition = response.headers.get("Content-Disposition") || "";
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (encoded) return decodeURIComponent(encoded[1]);
  const plain = /filename="([^"]+)"/i.exec(disposition);
  return plain ? plain[1] : "";
}

// ---------- wiring ----------

function init() {
  $("#api-key").value = apiKey();
  if (apiKey()) $("#key-note").textContent = "已保存密钥。";
  $("#key-save").addEventListener("click", saveKey);
  $("#example-select").addEventListener("change", onExampleChange);
  $("#f-speech_type").addEventListener("change", onTypeChange);
  $("#outline-button").addEventListener("click", makeOutline);
  $("#brief-form").addEventListener("submit", (event) => {
    event.preventDefault();
    draft(false);
  });
  $("#outline-draft-button").addEventListener("click", () => draft(true));
  $("#cancel-button").addEventListener("click", () => state.controller && state.controller.abort());
  $("#version-select").addEventListener("change", onVersionChange);
  for (const id of ["download-docx", "download-txt"]) $(`#${id}`).addEventListener("click", download);
  $("#brief-form").addEventListener("input", saveForm);
  $("#brief-form").addEventListener("change", saveForm);
  $("#example-confirm-yes").addEventListener("click", () => answerExample(true));
  $("#example-confirm-no").addEventListener("click", () => answerExample(false));
  loadHealth();
  start();
}

/** Types and examples first (the form's choices), then what the writer had before a reload. */
async function start() {
  await Promise.all([loadTypes(), loadExamples()]);
  restoreForm();
  await restoreDraft();
  await loadHistory();
  if (!state.controller) watchPending();
  document.body.dataset.ready = "true";
}

init();
