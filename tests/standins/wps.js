// A stand-in for the WPS JS API, for tests only: an ActiveDocument with Styles, Content, Range
// and a Selection that records what is typed and in which style. window.standin holds it all.
// standin.show() puts a plain view of what it recorded beside the task pane (for the README's
// screenshots): the paragraphs in order, each in what its recorded style says (size, alignment,
// first-line indent, line pitch; 黑体 as bold), its style name in the margin; standin.host(xml)
// adds the ribbon.xml's tab above it and docks task panes beside it. It is no WPS.
(() => {
  // A task pane the host view (standin.host) opened in a frame works on the same document.
  if (window.parent !== window && window.parent.standin) {
    Object.assign(window, { standin: window.parent.standin, Application: window.parent.Application, wps: window.parent.wps });
    return;
  }
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
  // ---------- the host view (standin.host): a ribbon drawn from ribbon.xml ----------
  // The 讲稿 tab as the served ribbon.xml describes it: each button's label, screentip and the
  // image its getImage callback names; a click calls its onAction callback with { Id } as WPS
  // does, and a task pane made visible is docked at the right in a frame. It is no WPS.
  const RIBBON_HEIGHT = 104;
  let host = null;
  const callback = (name) => name.split(".").reduce((target, key) => target && target[key], window);
  function dock(pane) {
    if (!host) return;
    let frame = host.querySelector(`iframe[data-pane="${pane.ID}"]`);
    if (!frame) {
      frame = el("iframe");
      frame.dataset.pane = String(pane.ID);
      frame.title = pane.title;
      host.append(frame);
    }
    if (frame.dataset.url !== pane.url) { frame.dataset.url = pane.url; frame.src = pane.url; }
    frame.hidden = !pane.Visible;
  }
  standin.host = (ribbonXml) => {
    standin.show();
    const ui = new DOMParser().parseFromString(ribbonXml, "application/xml");
    const onLoad = ui.documentElement.getAttribute("onLoad");
    if (onLoad) callback(onLoad)({ Invalidate() {} });
    const bar = el("div");
    bar.id = "standin-ribbon";
    const tabs = el("div", "standin-tabs");
    for (const tab of ui.getElementsByTagName("tab")) {
      tabs.append(el("span", "standin-tab", tab.getAttribute("label")));
      for (const group of tab.getElementsByTagName("group")) {
        const box = el("div", "standin-group");
        const buttons = el("div", "standin-buttons");
        for (const button of group.getElementsByTagName("button")) {
          const control = { Id: button.getAttribute("id") };
          const made = el("button", "standin-button");
          made.type = "button";
          made.dataset.id = control.Id;
          made.title = button.getAttribute("screentip") || "";
          const image = button.getAttribute("getImage");
          if (image) {
            const icon = el("img");
            icon.src = new URL(callback(image)(control), location.href).href;
            icon.alt = "";
            made.append(icon);
          }
          made.append(el("span", "", button.getAttribute("label")));
          made.addEventListener("click", () => callback(button.getAttribute("onAction"))(control));
          buttons.append(made);
        }
        box.append(buttons, el("div", "standin-group-label", group.getAttribute("label")));
        bar.append(box);
      }
    }
    bar.prepend(tabs);
    bar.append(el("p", "standin-ribbon-note",
      "测试用的功能区替身（tests/standins/wps.js）：按服务提供的 ribbon.xml 画出，按钮调用 main.js 的回调。这里不是 WPS。"));
    host = el("div");
    host.id = "standin-panes";
    document.head.append(el("style", "", `
      #standin-ribbon { position: fixed; left: 0; right: 0; top: 0; height: ${RIBBON_HEIGHT}px; z-index: 2;
             background: #f7f7f7; border-bottom: 1px solid #d0d0d0; font: 13px/1.4 sans-serif; color: #222; }
      #standin-ribbon .standin-tabs { height: 28px; padding: 0 12px; display: flex; align-items: end; gap: 4px; }
      #standin-ribbon .standin-tab { padding: 3px 14px; background: #fff; border: 1px solid #d0d0d0;
             border-bottom-color: #fff; border-radius: 3px 3px 0 0; color: #a8071a; font-weight: 700; }
      #standin-ribbon .standin-group { display: inline-flex; flex-direction: column; margin: 6px 12px;
             padding: 0 8px; border-right: 1px solid #ddd; }
      #standin-ribbon .standin-buttons { display: flex; gap: 6px; }
      #standin-ribbon .standin-button { display: flex; flex-direction: column; align-items: center; gap: 2px;
             width: 76px; padding: 4px 2px; border: 1px solid transparent; background: none; font: inherit; cursor: pointer; }
      #standin-ribbon .standin-button:hover { border-color: #c8c8c8; background: #fff; }
      #standin-ribbon .standin-button img { width: 32px; height: 32px; }
      #standin-ribbon .standin-group-label { text-align: center; color: #777; font-size: 12px; }
      #standin-ribbon .standin-ribbon-note { position: absolute; right: 12px; top: 34px; width: 330px; margin: 0;
             padding: 4px 8px; background: #fffbe6; border: 1px solid #e8d98a; color: #6b5900; font-size: 12px; }
      html { overflow: hidden; }
      #standin-document { top: ${RIBBON_HEIGHT + 1}px !important; }
      #standin-panes { position: fixed; right: 0; top: ${RIBBON_HEIGHT + 1}px; bottom: 0; width: ${PANE_WIDTH}px; }
      #standin-panes iframe { width: 100%; height: 100%; border: 0; background: #fff; }
    `));
    document.body.append(bar, host);
    for (const pane of standin.panes) dock(pane);
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
      const made = { ID: standin.panes.length + 1, url, title, Navigate(to) { this.url = to; dock(this); } };
      let visible = false;
      Object.defineProperty(made, "Visible", {
        enumerable: true,
        get: () => visible,
        set: (value) => { visible = Boolean(value); dock(made); },
      });
      standin.panes.push(made);
      return made;
    },
    GetTaskPane(id) { return standin.panes.find((p) => p.ID === id) || null; },
  };
})();
