// The Word document as the task pane sees it, through Office.js (Word.run and its request
// context): paragraphs inserted at the cursor in the document's styles, its text, its selection.
"use strict";

const JianggaoHost = (() => {
  const ALIGN = { left: "Left", center: "Centered", justify: "Justified" };
  const ready = window.Office && typeof window.Office.onReady === "function"
    ? window.Office.onReady()
    : Promise.reject(new Error("这里不是 Word（没有 Office.js）"));
  ready.catch(() => {}); // reported when the pane first uses the document

  async function run(work) {
    await ready;
    return window.Word.run(work);
  }

  /** The names of the kinds used, each the document's own style of that name when it has one,
   * else a style added to it as GB/T 9704 lays it out. */
  async function ensureStyles(context, kinds) {
    const styles = context.document.getStyles();
    styles.load("items/nameLocal");
    await context.sync();
    const have = new Set(styles.items.map((style) => style.nameLocal));
    for (const kind of kinds) {
      const spec = JianggaoDocument.STYLES[kind];
      if (have.has(spec.name)) continue;
      const style = context.document.addStyle(spec.name, window.Word.StyleType.paragraph);
      style.font.name = spec.font;
      style.font.size = spec.size;
      style.paragraphFormat.alignment = ALIGN[spec.align];
      style.paragraphFormat.firstLineIndent = spec.indent * spec.size;
      style.paragraphFormat.lineSpacing = JianggaoDocument.LINE_PITCH;
      have.add(spec.name);
    }
    await context.sync();
  }

  /** The paragraphs at the cursor (over the selection when `replace`), each in its style. */
  async function insert(paragraphs, { replace = false } = {}) {
    return run(async (context) => {
      await ensureStyles(context, new Set(paragraphs.map((p) => p.kind)));
      let range = context.document.getSelection();
      if (replace) range = range.insertText("", "Replace");
      let last = null;
      for (const paragraph of paragraphs) {
        last = last ? last.insertParagraph(paragraph.text, "After") : range.insertParagraph(paragraph.text, "Before");
        last.style = JianggaoDocument.STYLES[paragraph.kind].name;
      }
      await context.sync();
      return paragraphs.length;
    });
  }

  async function documentText() {
    return run(async (context) => {
      const body = context.document.body;
      body.load("text");
      await context.sync();
      return String(body.text || "");
    });
  }

  async function selectionText() {
    return run(async (context) => {
      const selection = context.document.getSelection();
      selection.load("text");
      await context.sync();
      return String(selection.text || "");
    });
  }

  /** Select a quote where it stands in the document (Word finds it; offsets are not its way). */
  async function select(start, end, text) {
    return run(async (context) => {
      const found = context.document.body.search(text.slice(0, 255), { matchCase: true });
      found.load("items");
      await context.sync();
      if (found.items.length) found.items[0].select();
      await context.sync();
    });
  }

  return { name: "Word", insert, documentText, selectionText, select };
})();
