// The review desk: a passage selected inside an article becomes the quote of a comment on that article.
document.addEventListener("mouseup", () => {
  const selection = window.getSelection();
  const text = selection ? selection.toString().trim() : "";
  if (!text) return;
  const node = selection.anchorNode && (selection.anchorNode.nodeType === 1 ? selection.anchorNode : selection.anchorNode.parentElement);
  const article = node && node.closest("[data-article]");
  if (!article || node.closest(".rev-desk")) return;
  const form = article.querySelector(".rev-comment-form");
  if (!form) return;
  form.querySelector(".rev-quote-input").value = text.slice(0, 500);
  const preview = form.querySelector(".rev-quote-preview");
  preview.textContent = "“" + text.slice(0, 200) + "”";
  preview.hidden = false;
});

// The toggle between tracked changes and the clean text.
document.addEventListener("change", (event) => {
  if (event.target.id !== "rev-clean-toggle") return;
  document.getElementById("document").classList.toggle("rev-clean", event.target.checked);
});
