// A stand-in for the WPS JS API, for tests only: an ActiveDocument with Styles, Content, Range
// and a Selection that records what is typed and in which style. window.standin holds it all.
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
    TypeParagraph() { standin.typed.push({ text: buffer, style: current }); buffer = ""; },
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
