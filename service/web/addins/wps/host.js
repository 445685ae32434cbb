// The WPS 文字 document as the task pane sees it, through the WPS JS API (the same object model
// as Word's: Application, ActiveDocument, Selection, Styles, Range).
"use strict";

const JianggaoHost = (() => {
  const WD_STYLE_TYPE_PARAGRAPH = 1;
  const WD_LINE_SPACE_EXACTLY = 4;
  const ALIGN = { left: 0, center: 1, justify: 3 };

  function application() {
    const app = window.Application || (window.wps && window.wps.WpsApplication && window.wps.WpsApplication());
    if (!app) throw new Error("这里不是 WPS 文字");
    return app;
  }

  function activeDocument() {
    const doc = application().ActiveDocument;
    if (!doc) throw new Error("没有打开的文档");
    return doc;
  }

  /** The document's own paragraph style of that name, or null. */
  function styleNamed(doc, name) {
    try {
      return doc.Styles.Item(name) || null;
    } catch {
      return null;
    }
  }

  /** The style a kind of paragraph takes: the document's own when it has one of that name,
   * else added to it as GB/T 9704 lays it out. */
  function styleFor(doc, kind) {
    const spec = JianggaoDocument.STYLES[kind];
    const found = styleNamed(doc, spec.name);
    if (found) return spec.name;
    const style = doc.Styles.Add(spec.name, WD_STYLE_TYPE_PARAGRAPH);
    style.Font.Name = spec.font;
    style.Font.NameFarEast = spec.font;
    style.Font.Size = spec.size;
    style.ParagraphFormat.Alignment = ALIGN[spec.align];
    style.ParagraphFormat.CharacterUnitFirstLineIndent = spec.indent;
    style.ParagraphFormat.LineSpacingRule = WD_LINE_SPACE_EXACTLY;
    style.ParagraphFormat.LineSpacing = JianggaoDocument.LINE_PITCH;
    return spec.name;
  }

  /** Type the paragraphs at the cursor (over the selection when `replace`), each in its style. */
  async function insert(paragraphs, { replace = false } = {}) {
    const doc = activeDocument();
    const selection = application().Selection;
    if (replace && selection.Start !== selection.End) selection.Delete();
    else if (!replace && selection.Start !== selection.End) selection.Collapse(0); // after it
    const styles = {};
    for (const paragraph of paragraphs) {
      styles[paragraph.kind] = styles[paragraph.kind] || styleFor(doc, paragraph.kind);
      selection.Style = styles[paragraph.kind];
      selection.TypeText(paragraph.text);
      selection.TypeParagraph();
    }
    return paragraphs.length;
  }

  async function documentText() {
    return String(activeDocument().Content.Text || "");
  }

  async function selectionText() {
    return String(application().Selection.Text || "");
  }

  /** Select [start, end) of the document's text (the quote itself is for hosts that search). */
  async function select(start, end) {
    activeDocument().Range(start, end).Select();
  }

  return { name: "WPS", insert, documentText, selectionText, select };
})();
