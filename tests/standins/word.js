// A stand-in for Office.js in Word, for tests only: Word.run with a request context whose
// document records the paragraphs inserted (in order), their styles, the styles added, the
// selection replaced and what was selected. window.standin holds it all.
(() => {
  const standin = {
    text: "",
    styles: ["正文", "标题 1"],
    added: [],
    typed: [],          // paragraphs in document order: {text, style}
    replaced: 0,
    selectionText: "",
    selected: null,     // the text of the search result selected
    syncs: 0,
  };
  const paragraph = (text) => ({
    text,
    style: null,
    insertParagraph(next, where) {
      const made = paragraph(next);
      const at = standin.typed.indexOf(this);
      standin.typed.splice(where === "After" ? at + 1 : at, 0, made);
      return made;
    },
  });
  const selection = {
    get text() { return standin.selectionText; },
    load() {},
    insertText(text, where) {
      if (where === "Replace") { standin.replaced += 1; standin.selectionText = text; }
      return selection;
    },
    insertParagraph(text) {
      const made = paragraph(text);
      standin.typed.push(made);
      return made;
    },
  };
  const document = {
    getStyles() {
      return { items: standin.styles.map((nameLocal) => ({ nameLocal })), load() {} };
    },
    addStyle(name, type) {
      const made = { name, type, font: {}, paragraphFormat: {} };
      standin.added.push(made);
      standin.styles.push(name);
      return made;
    },
    getSelection() { return selection; },
    body: {
      get text() { return standin.text; },
      load() {},
      search(text) {
        const items = standin.text.includes(text)
          ? [{ select() { standin.selected = text; } }]
          : [];
        return { items, load() {} };
      },
    },
  };
  const context = { document, sync: async () => { standin.syncs += 1; } };
  window.standin = standin;
  window.Office = { onReady: (callback) => { if (callback) callback({ host: "Word" }); return Promise.resolve({ host: "Word" }); } };
  window.Word = { StyleType: { paragraph: "Paragraph" }, run: async (work) => work(context) };
})();
