// Arranging an issue's articles in the admin: drag a header to reorder (the 顺序 numbers follow), or
// focus its handle and press ↑ / ↓ (the keyboard way); one article open at a time, the others folded
// to their titles. Without this script the numbers can still be typed.
(() => {
  const group = document.getElementById("articles-group");
  if (!group) return;
  const rows = () => [...group.querySelectorAll(".inline-related:not(.empty-form)")]
    .filter((row) => /^articles-\d+$/.test(row.id));
  const position = (row) => row.querySelector("input[name$='-position']");
  const editable = !!group.querySelector("input[name$='-position']");  // the empty form has one too
  if (!editable) return;
  group.classList.add("arranged");
  // Screen readers hear where a moved article went.
  const status = document.createElement("p");
  status.className = "arrange-status visually-hidden";
  status.setAttribute("role", "status");
  group.prepend(status);

  function renumber() {
    let n = 0;
    for (const row of rows()) {
      const deleted = row.querySelector("input[name$='-DELETE']");
      const field = position(row);
      if (deleted && deleted.checked) continue;
      n += 1;
      if (field && field.value !== String(n)) {
        field.value = String(n);
        field.dispatchEvent(new Event("change", {bubbles: true}));
      }
      const badge = row.querySelector(".arrange-number");
      if (badge) badge.textContent = String(n);
    }
  }

  function open(row) {
    for (const other of rows()) other.classList.toggle("folded", other !== row);
  }

  function titleOf(row) {
    const input = row.querySelector("textarea[name$='-title'], input[name$='-title']");
    return input ? input.value.replace(/\s+/g, " ").trim() : "";
  }

  // Meeting facts beside a meeting report, award facts beside an award notice, none beside the others.
  function showFacts(row) {
    const kind = row.querySelector("select[name$='-kind']");
    for (const fieldset of row.querySelectorAll("fieldset.facts-meeting, fieldset.facts-award")) {
      fieldset.hidden = !kind || !fieldset.classList.contains("facts-" + kind.value);
    }
  }

  function prepare(row) {
    if (row.dataset.arranged) return;
    row.dataset.arranged = "1";
    showFacts(row);
    row.addEventListener("change", (event) => {
      if (event.target.name && event.target.name.endsWith("-kind")) showFacts(row);
    });
    const header = row.querySelector("h3");
    if (!header) return;
    const handle = document.createElement("button");
    handle.type = "button";
    handle.className = "arrange-handle";
    handle.title = "拖动，或按 ↑ ↓ 键调整顺序";
    handle.setAttribute("aria-label", "调整本篇顺序：按上、下方向键移动");
    handle.textContent = "⠿";
    handle.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
      event.preventDefault();
      const all = rows();
      const index = all.indexOf(row);
      const target = all[index + (event.key === "ArrowUp" ? -1 : 1)];
      if (!target) return;
      row.parentNode.insertBefore(row, event.key === "ArrowUp" ? target : target.nextSibling);
      renumber();
      handle.focus();
      status.textContent = `已移到第 ${row.querySelector(".arrange-number").textContent} 篇`;
    });
    const number = document.createElement("span");
    number.className = "arrange-number";
    const title = document.createElement("span");
    title.className = "arrange-title";
    title.textContent = titleOf(row);
    header.prepend(handle, number);
    if (!row.classList.contains("has_original")) header.append(title);  // saved ones show their title already
    header.draggable = true;
    header.addEventListener("click", (event) => {
      if (event.target.closest("a, input, label, button")) return;
      open(row);
    });
    row.addEventListener("input", (event) => {
      if (event.target.name && event.target.name.endsWith("-title")) title.textContent = titleOf(row);
    });
    header.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData("text/plain", row.id);
      event.dataTransfer.effectAllowed = "move";
      row.classList.add("dragging");
    });
    header.addEventListener("dragend", () => row.classList.remove("dragging"));
    row.addEventListener("dragover", (event) => {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    });
    row.addEventListener("drop", (event) => {
      event.preventDefault();
      const moved = document.getElementById(event.dataTransfer.getData("text/plain"));
      if (!moved || moved === row) return;
      const box = row.getBoundingClientRect();
      const after = event.clientY > box.top + box.height / 2;
      row.parentNode.insertBefore(moved, after ? row.nextSibling : row);
      renumber();
    });
  }

  rows().forEach(prepare);
  renumber();
  const first = rows()[0];
  if (first) open(rows().find((row) => row.querySelector(".errorlist")) || first);

  document.addEventListener("formset:added", (event) => {
    const row = event.target;
    if (!row || !row.id || !row.id.startsWith("articles-")) return;
    prepare(row);
    renumber();
    open(row);
  });
  document.addEventListener("formset:removed", renumber);
  group.addEventListener("change", (event) => {
    if (event.target.name && event.target.name.endsWith("-DELETE")) renumber();
  });
})();
