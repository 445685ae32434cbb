// What a draft becomes in a writer's document, for every host (WPS, Word): its paragraphs with
// their kind, the paragraph styles each kind takes (the document's own when it has them, else
// these, laid out as GB/T 9704-2012 and as the service's Word export names them), and where a
// finding of the checks sits in the document's text.
"use strict";

const JianggaoDocument = (() => {
  // Style names as the Word export writes them; a document made from it, or from an office
  // template that uses the same names, keeps its own look.
  const STYLES = {
    title: { name: "讲稿标题", font: "方正小标宋简体", size: 22, align: "center", indent: 0 },
    meta: { name: "讲稿署名", font: "楷体_GB2312", size: 16, align: "center", indent: 0 },
    salutation: { name: "讲稿称谓", font: "仿宋_GB2312", size: 16, align: "left", indent: 0 },
    heading1: { name: "一级标题", font: "黑体", size: 16, align: "justify", indent: 2 },
    heading2: { name: "二级标题", font: "楷体_GB2312", size: 16, align: "justify", indent: 2 },
    body: { name: "讲稿正文", font: "仿宋_GB2312", size: 16, align: "justify", indent: 2 },
  };
  const LINE_PITCH = 28.95; // points: 22 lines in the type area, as the export sets it

  const LEVEL_1 = /^[一二三四五六七八九十]+、/;
  const LEVEL_2 = /^（[一二三四五六七八九十]+）/;
  const DATE_LINE = /^（[^（）]{4,20}）$/;

  /** A section's lines as paragraphs: [{kind, text}], kind one of the STYLES keys. */
  function paragraphsOf(section) {
    const heading = (section.heading || "").trim();
    const lines = section.text.split("\n").map((line) => line.trim()).filter(Boolean)
      .filter((line) => line !== heading);
    const head = heading ? [{ kind: LEVEL_2.test(heading) ? "heading2" : "heading1", text: heading }] : [];
    return [...head, ...lines.map((text) => ({ kind: kindOf(text, section.role), text }))];
  }

  function kindOf(text, role) {
    if (role === "title") return "title";
    if (role === "dateline" || DATE_LINE.test(text)) return "meta";
    if (role === "salutation") return "salutation";
    if (LEVEL_1.test(text) && text.length <= 40) return "heading1";
    if (LEVEL_2.test(text) && text.length <= 40) return "heading2";
    return "body";
  }

  /** The whole draft, or one of its sections, as paragraphs. */
  function paragraphs(draft, index = null) {
    const sections = index === null ? draft.sections : [draft.sections[index]];
    return sections.flatMap(paragraphsOf);
  }

  /** The parts a writer may insert one by one (not the title or the salutation alone). */
  function parts(draft) {
    return draft.sections
      .map((section, index) => ({ index, section }))
      .filter(({ section }) => !["title", "dateline", "salutation"].includes(section.role));
  }

  /** Findings of a report that quote the text: [{label, detail, quotes: [{line, text}]}]. */
  function findings(report) {
    return report.checks.filter((check) => !check.passed || check.advice).map((check) => ({
      label: check.label || check.name,
      advice: check.passed,
      detail: check.detail,
      quotes: Array.from(check.detail.matchAll(/(?:第(\d+)行)?“([^”]{2,})”/g), (m) => ({
        line: m[1] ? Number(m[1]) : null,
        text: m[2].replace(/…$/, ""),
      })),
    }));
  }

  /** Where a quote sits in the document's text ({start, end} offsets), searching from its line
   * when the finding names one; null when the text no longer has it. */
  function locate(text, quote) {
    let from = 0;
    if (quote.line) {
      const lines = text.split("\n");
      from = lines.slice(0, quote.line - 1).reduce((sum, line) => sum + line.length + 1, 0);
    }
    let start = text.indexOf(quote.text, from);
    if (start < 0) start = text.indexOf(quote.text);
    return start < 0 ? null : { start, end: start + quote.text.length };
  }

  return { STYLES, LINE_PITCH, paragraphs, parts, findings, locate, kindOf };
})();
