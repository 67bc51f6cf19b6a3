// Drafting without lost work, on the issue and article edit forms of the admin:
// - a warning before leaving the page with unsaved changes;
// - what is typed is kept in this browser (localStorage) as it is typed, and offered back when the
//   page is opened again after a crash, a closed tab or a refused save. A kept copy remembers the version it
//   was typed on and is restored onto it, so saving it goes through the same check as any save: it never
//   silently replaces what someone else saved meanwhile.
(() => {
  const form = document.querySelector("#issue_form, #article_form");
  if (!form || !form.querySelector("input[name=base_revision]")) return;
  const key = "bulletin-draft:" + location.pathname;
  const text = (zh, en) => (document.documentElement.lang || "").startsWith("zh") ? zh : en;
  let dirty = false;
  let restoring = false;
  let submitting = false;
  let timer = null;

  const editors = () => Object.entries(window.editors || {});
  const fields = () => [...form.elements].filter((el) => el.name && !["csrfmiddlewaretoken", "base_revision"].includes(el.name)
    && el.type !== "file" && el.type !== "submit" && el.type !== "button");

  function snapshot() {
    const values = {};
    for (const el of fields()) {
      if ((el.type === "checkbox" || el.type === "radio")) values[el.name + "|" + el.value] = el.checked;
      else if (el.multiple) values[el.name] = [...el.selectedOptions].map((o) => o.value);
      else values[el.name] = el.value;
    }
    for (const [id, editor] of editors()) {
      const textarea = document.getElementById(id);
      if (textarea && textarea.name) values[textarea.name] = editor.getData();
    }
    return values;
  }

  function save() {
    timer = null;
    try {
      localStorage.setItem(key, JSON.stringify({
        at: new Date().toISOString(),
        base: form.querySelector("input[name=base_revision]").value,
        values: snapshot(),
      }));
    } catch (e) { /* storage full or disabled: the unsaved-changes warning still protects */ }
  }

  function changed() {
    dirty = true;
    if (!timer) timer = setTimeout(save, 1000);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  // CKEditor 5 writes its textarea without events: listen to each editor as it appears (inlines add more).
  const watched = new Set();
  setInterval(() => {
    for (const [id, editor] of editors()) {
      if (watched.has(id)) continue;
      watched.add(id);
      editor.model.document.on("change:data", () => { if (!restoring) changed(); });
    }
  }, 500);

  form.addEventListener("submit", () => {
    submitting = true;
    if (timer) { clearTimeout(timer); }
    save();
    sessionStorage.setItem(key, "submitted");
  });
  // 送审 lives outside the form (form="issue_form"): the same submit event fires.

  window.addEventListener("beforeunload", (event) => {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // After a save the server accepted (no error note on the page), the kept copy is no longer needed.
  const refused = document.querySelector(".errornote, .errorlist");
  if (sessionStorage.getItem(key) === "submitted") {
    sessionStorage.removeItem(key);
    if (!refused) localStorage.removeItem(key);
  }

  const kept = JSON.parse(localStorage.getItem(key) || "null");
  if (!kept || refused) return;  // a refused save shows what was typed already

  const baseInput = form.querySelector("input[name=base_revision]");
  const current = parseInt(baseInput.value || "0", 10);
  const typedOn = parseInt(kept.base || "0", 10);

  function restore() {
    restoring = true;
    const values = kept.values;
    // Saved as typed on its own version: a newer save by someone else is reported, never overwritten.
    if (typedOn) baseInput.value = String(typedOn);
    // Rows added before the crash: add as many inline rows as were there.
    for (const total of form.querySelectorAll("input[name$='-TOTAL_FORMS']")) {
      const prefix = total.name.replace(/-TOTAL_FORMS$/, "");
      const wanted = parseInt(values[total.name] || "0", 10);
      const add = document.querySelector(`#${prefix}-group .add-row a`);
      while (add && parseInt(total.value, 10) < wanted) add.click();
    }
    setTimeout(() => {
      for (const el of fields()) {
        if (el.type === "checkbox" || el.type === "radio") {
          const k = el.name + "|" + el.value;
          if (k in values) el.checked = values[k];
        } else if (el.name in values && !el.multiple) {
          el.value = values[el.name];
        }
      }
      for (const [id, editor] of editors()) {
        const textarea = document.getElementById(id);
        if (textarea && textarea.name in values) editor.setData(values[textarea.name]);
      }
      restoring = false;
      dirty = true;
      form.dispatchEvent(new Event("change"));  // scripts that show checkbox state (addressees.js) catch up
      banner.remove();
    }, 800);  // let the new rows' editors start
  }

  const banner = document.createElement("div");
  banner.className = "messagelist";
  banner.id = "draft-kept";
  const when = new Date(kept.at).toLocaleString("zh-CN");
  banner.innerHTML = '<p class="warning"></p>';
  const p = banner.firstChild;
  p.textContent = text(`本页有 ${when} 输入但未保存的内容。`, `This page has unsaved input from ${when}. `);
  if (typedOn && current > typedOn) {
    p.textContent += text(
      `这些内容是在第 ${typedOn} 版上输入的，此后本期已有人保存到第 ${current} 版；恢复后保存时，会请您先比较两个版本，或确认替换对方的版本。`,
      `It was typed on version ${typedOn}; version ${current} has been saved since. Saving it will ask you to compare or to confirm replacing that version. `);
  }
  const restoreButton = document.createElement("button");
  restoreButton.type = "button";
  restoreButton.id = "draft-restore";
  restoreButton.textContent = text("恢复这些内容", "Restore it");
  restoreButton.addEventListener("click", restore);
  const dropButton = document.createElement("button");
  dropButton.type = "button";
  dropButton.id = "draft-discard";
  dropButton.textContent = text("丢弃", "Discard");
  dropButton.addEventListener("click", () => { localStorage.removeItem(key); banner.remove(); });
  p.append(" ", restoreButton, " ", dropButton);
  form.parentNode.insertBefore(banner, form);
})();
