// 讲稿 JS macro for WPS 文字 (for offices that allow no add-ins): asks for the meeting, the
// speaker and the type, takes the selected text (if any) as the brief's 其他要求, has the 讲稿
// service draft the speech, and types it at the cursor, each paragraph in the document's style
// 讲稿标题 / 一级标题 / 二级标题 / 讲稿正文 when it has one.
// Install: WPS 文字 → 开发工具 → WPS 宏编辑器 → 新建 JS 宏模块, paste this file, set JIANGGAO.url
// (and .key) below, then run JianggaoDraft.

const JIANGGAO = {
  url: "http://127.0.0.1:8000", // 本单位讲稿服务的地址
  key: "", // 服务要求密钥时填写
};

/** One call to the service: {status, text}; status 0 when it cannot be reached. */
function jianggaoRequest(method, path, body) {
  const http = typeof XMLHttpRequest === "function"
    ? new XMLHttpRequest()
    : CreateObject("MSXML2.ServerXMLHTTP.6.0");
  try {
    http.open(method, JIANGGAO.url + path, false);
    http.setRequestHeader("Content-Type", "application/json");
    http.setRequestHeader("Accept", "application/json");
    if (JIANGGAO.key) http.setRequestHeader("Authorization", `Bearer ${JIANGGAO.key}`);
    http.send(body === undefined ? null : JSON.stringify(body));
  } catch (error) {
    return { status: 0, text: "" };
  }
  return { status: http.status, text: http.responseText };
}

/** The answer's text, or null after telling the writer plainly what went wrong. */
function jianggaoAnswer(answer) {
  if (answer.status >= 200 && answer.status < 300) return answer.text;
  if (answer.status === 0) {
    MsgBox(`连不上讲稿服务（${JIANGGAO.url}）。请确认服务已经启动、地址正确，再试一次。`);
  } else if (answer.status === 401) {
    MsgBox("讲稿服务要求 API 密钥：请在宏的 JIANGGAO.key 处填写正确的密钥。");
  } else {
    let problem = {};
    try {
      problem = JSON.parse(answer.text);
    } catch (error) {
      problem = { title: `服务返回错误 ${answer.status}` };
    }
    MsgBox(`${problem.title || "出错了"}：${problem.detail || ""}`);
  }
  return null;
}

function jianggaoStyle(kind) {
  const names = { title: "讲稿标题", heading1: "一级标题", heading2: "二级标题", body: "讲稿正文" };
  try {
    return Application.ActiveDocument.Styles.Item(names[kind]) ? names[kind] : null;
  } catch (error) {
    return null;
  }
}

function JianggaoDraft() {
  const selection = Application.Selection;
  const selected = String(selection.Text || "").trim();
  const meeting = String(InputBox("会议名称（如：全县安全生产工作会议）", "讲稿") || "").trim();
  if (!meeting) return;
  const speaker = String(InputBox("讲话人职务（如：县委书记）", "讲稿") || "").trim();
  if (!speaker) return;
  const type = String(InputBox("讲话类型（工作会议讲话、表态发言、致辞……）", "讲稿", "工作会议讲话") || "").trim();
  if (!type) return;
  const brief = { speech_type: type, meeting, speaker };
  if (selected.length > 1) brief.notes = selected.slice(0, 2000);

  const drafted = jianggaoAnswer(jianggaoRequest("POST", "/v1/drafts", brief));
  if (drafted === null) return;
  const draft = JSON.parse(drafted);
  const path = `/v1/drafts/${encodeURIComponent(draft.id)}/export?format=txt`;
  const speech = jianggaoAnswer(jianggaoRequest("GET", path));
  if (speech === null) return;

  if (selected.length > 1) selection.Collapse(0); // keep the selected text, type after it
  speech.split("\n").filter((line) => line.trim()).forEach((line, index) => {
    const text = line.trim();
    let kind = "body";
    if (index === 0) kind = "title";
    else if (/^[一二三四五六七八九十]+、/.test(text) && text.length <= 40) kind = "heading1";
    else if (/^（[一二三四五六七八九十]+）/.test(text) && text.length <= 40) kind = "heading2";
    const style = jianggaoStyle(kind);
    // The document's style, whose indent replaces the text export's two spaces; else its body
    // style 正文 (not whatever the last paragraph took), with the text's own indent.
    selection.Style = style || "正文";
    selection.TypeText(style ? text : line);
    selection.TypeParagraph();
  });
}
