// A stand-in for the WPS JS API, for tests only: an ActiveDocument with Styles, Content, Range
// and a Selection that records what is typed and in which style. window.standin holds it all.
// standin.show() puts a plain view of what it recorded beside the task pane (for the README's
// screenshots): the paragraphs in order, each in what its recorded style says (size, alignment,
// first-line indent, line pitch; 黑体 as bold), its style name in the margin. It is no WPS.
(() => {
  const standin = {
    text: "",            // the document's text, paragraphs ended by \r as WPS gives them
    styles: { "正文": { name: "正文" } },
    added: [],           // styles the add-in created: {name, font, size, indent, ...}
    typed: [],           // paragraphs typed: {text, style}
    deleted: 0,
    selected: null,      // [start, end, text] of the last Range(...).Select()
    selection: { start: 0, end: 0, text: "" },
    panes: [],
    storage: {},
  };
  let current = "正文";
  let buffer = "";
  const style = (name) => {
    const made = { name, Font: {}, ParagraphFormat: {} };
    standin.styles[name] = made;
    return made;
  };
  const selection = {
    get Start() { return standin.selection.start; },
    get End() { return standin.selection.end; },
    get Text() { return standin.selection.text; },
    set Style(value) { current = typeof value === "string" ? value : value.name; },
    Delete() { standin.deleted += 1; standin.selection = { start: standin.selection.start, end: standin.selection.start, text: "" }; },
    Collapse() { standin.selection.start = standin.selection.end; standin.selection.text = ""; },
    TypeText(text) { buffer += text; },
    TypeParagraph() { standin.typed.push({ text: buffer, style: current }); buffer = ""; render(); },
  };
  const doc = {
    Styles: {
      Item(name) {
        if (!standin.styles[name]) throw new Error(`no style ${name}`);
        return standin.styles[name];
      },
      Add(name) {
        const made = style(name);
        standin.added.push(made);
        return made;
      },
    },
    get Content() { return { Text: standin.text }; },
    Range(start, end) {
      return { Start: start, End: end, Select() { standin.selected = [start, end, standin.text.slice(start, end)]; } };
    },
  };

  // ---------- the document view beside the pane (standin.show) ----------
  const PANE_WIDTH = 360;
  const ALIGNMENT = { 0: "left", 1: "center", 2: "right", 3: "justify" };
  let page = null;
  const el = (tag, className, text) => {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  };
  /** The CSS of a recorded style, a point shown as a pixel (about 75 %); a style the document
   * had of its own (nothing recorded) is shown plain. */
  const look = (name) => {
    const recorded = standin.styles[name] || {};
    const font = recorded.Font || {};
    const format = recorded.ParagraphFormat || {};
    const face = String(font.NameFarEast || font.Name || "");
    const size = Number(font.Size) || 16;
    return {
      fontSize: `${size}px`,
      fontWeight: /黑体|小标宋/.test(face) ? "700" : "400",
      fontFamily: /黑体/.test(face) ? "sans-serif" : "serif",
      textAlign: ALIGNMENT[format.Alignment] || "left",
      textIndent: `${(Number(format.CharacterUnitFirstLineIndent) || 0) * size}px`,
      lineHeight: format.LineSpacing ? `${Math.max(format.LineSpacing, size * 1.2)}px` : "1.8",
    };
  };
  function render() {
    if (!page) return;
    const shown = standin.typed.map(({ text, style }) => {
      const row = el("div", "standin-paragraph");
      row.dataset.style = style;
      const name = el("span", "standin-style", style);
      const paragraph = el("p", "", text);
      Object.assign(paragraph.style, look(style));
      row.append(name, paragraph);
      return row;
    });
    page.replaceChildren(...(shown.length ? shown : [el("p", "standin-empty", "（空白文档，光标在这里）")]));
  }
  standin.show = () => {
    if (page) return;
    const css = el("style", "", `
      html { background: #f3f3f3; }
      body { width: ${PANE_WIDTH}px; margin-left: auto !important; min-height: 100vh;
             border-left: 1px solid #c8c8c8; box-shadow: -2px 0 6px rgba(0,0,0,.08); }
      #standin-document { position: fixed; left: 0; top: 0; bottom: 0; right: ${PANE_WIDTH + 1}px;
             overflow: auto; background: #e6e6e6; font-family: serif; color: #111; }
      #standin-document .standin-caption { position: sticky; top: 0; z-index: 1; margin: 0;
             padding: 6px 14px; background: #fffbe6; border-bottom: 1px solid #e8d98a;
             font: 13px/1.5 sans-serif; color: #6b5900; }
      #standin-document .standin-page { width: 700px; margin: 18px auto; padding: 40px 56px 40px 96px;
             background: #fff; box-shadow: 0 1px 4px rgba(0,0,0,.2); min-height: 600px; }
      #standin-document .standin-paragraph { position: relative; }
      #standin-document .standin-style { position: absolute; left: -88px; width: 80px; top: 4px;
             font: 11px/1.4 sans-serif; color: #999; text-align: right; white-space: nowrap;
             overflow: hidden; text-overflow: ellipsis; }
      #standin-document p { margin: 0; }
      #standin-document .standin-empty { color: #999; font: 14px/2 sans-serif; }
    `);
    const frame = el("div");
    frame.id = "standin-document";
    frame.append(el("p", "standin-caption",
      "测试用的文档替身（tests/standins/wps.js）：加载项插入的段落按顺序显示，样式按它记录的设置显示，左边是样式名。这里不是 WPS。"));
    page = el("div", "standin-page");
    frame.append(page);
    document.head.append(css);
    document.body.append(frame);
    render();
  };
  window.standin = standin;
  window.Application = { ActiveDocument: doc, Selection: selection };
  window.wps = {
    WpsApplication: () => window.Application,
    PluginStorage: {
      getItem: (k) => (k in standin.storage ? standin.storage[k] : null),
      setItem: (k, v) => { standin.storage[k] = v; },
    },
    CreateTaskPane(url, title) {
      const made = { ID: standin.panes.length + 1, url, title, Visible: false, Navigate(to) { this.url = to; } };
      standin.panes.push(made);
      return made;
    },
    GetTaskPane(id) { return standin.panes.find((p) => p.ID === id) || null; },
  };
})();
