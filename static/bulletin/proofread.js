// A submit button with data-confirm="…" asks before it submits (送审 inside the edit form, with the count of open
// proofreading findings); forms with data-confirm are asked by confirm.js. No inline handlers: the CSP forbids them.
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("input[data-confirm], button[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});
