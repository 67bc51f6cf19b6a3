// 校对 on the review desk: each open finding of the panel is also marked where it stands in the document, with the
// CSS Custom Highlight API — ranges over the text as it reads now (deleted text skipped, inserted text included),
// so the tracked changes' markup is never touched. Clicking a finding (not its buttons) scrolls to its place.
(() => {
  const findings = [...document.querySelectorAll(".pf-finding[data-article]")];
  const documentRoot = document.getElementById("document");
  if (!findings.length || !documentRoot || !window.CSS || !CSS.highlights || !window.Highlight) return;

  // The text nodes of an article's title and body in reading order, without what a tracked change deleted.
  function textNodes(section) {
    const nodes = [];
    for (const part of section.querySelectorAll(".article-title, .body")) {
      const walker = document.createTreeWalker(part, NodeFilter.SHOW_TEXT, {
        acceptNode: (node) => (node.parentElement.closest("del") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
      });
      for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
    }
    return nodes;
  }

  // A Range from character `start` to `end` of the nodes' joined text.
  function rangeOver(nodes, start, end) {
    const range = document.createRange();
    let seen = 0;
    let started = false;
    for (const node of nodes) {
      const next = seen + node.data.length;
      if (!started && start < next) {
        range.setStart(node, start - seen);
        started = true;
      }
      if (started && end <= next) {
        range.setEnd(node, end - seen);
        return range;
      }
      seen = next;
    }
    return null;
  }

  // Where the quote stands: with its context on both sides, else on one side, else its first occurrence.
  function locate(text, { before, quote, after }) {
    for (const [probe, lead] of [[before + quote + after, before], [before + quote, before], [quote + after, ""]]) {
      const at = text.indexOf(probe);
      if (at >= 0) return at + lead.length;
    }
    return text.indexOf(quote);
  }

  const highlight = new Highlight();
  for (const item of findings) {
    const section = documentRoot.querySelector(`#a${CSS.escape(item.dataset.article)}`);
    if (!section || !item.dataset.quote) continue;
    const nodes = textNodes(section);
    const start = locate(nodes.map((node) => node.data).join(""), item.dataset);
    const range = start >= 0 ? rangeOver(nodes, start, start + item.dataset.quote.length) : null;
    if (!range) continue;
    highlight.add(range);
    item.classList.add("pf-located");
    item.addEventListener("click", (event) => {
      if (event.target.closest("form")) return;
      range.startContainer.parentElement.scrollIntoView({ block: "center", behavior: "smooth" });
    });
  }
  CSS.highlights.set("proofread", highlight);
})();
