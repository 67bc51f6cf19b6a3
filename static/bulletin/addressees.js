// The 报 / 送 / 发 ticked in the address book (articles.forms.AddresseePicker). The checkboxes work
// without this file; with it:
// - ticking a whole group shows its units ticked and greyed: the group is the addressee (its name prints), so its
//   units are not posted; unticking it gives back what was ticked before;
// - a unit listed under two groups is one unit: its boxes move together;
// - each group counts what is ticked in it, and each role shows the line it will print, in print order;
// - 逐个勾选 ticks every unit of a group by name (or unticks them all) in one click;
// - a unit ticked under another role is marked (the server refuses a unit addressed twice, and says why);
// - typing in 查找单位 shows only the units (or groups) whose name holds what was typed.
(() => {
  const pickers = [...document.querySelectorAll(".addressee-picker")];
  if (!pickers.length) return;
  const form = pickers[0].closest("form");
  const units = (root) => [...root.querySelectorAll(".pick-unit input")];
  const wholes = (root) => [...root.querySelectorAll(".pick-whole input")];
  const own = new Map();  // picker -> Map(unit value -> ticked by the user itself)

  function readOwn(picker, covered = new Set()) {
    const mine = own.get(picker) || new Map();
    for (const value of new Set(units(picker).map((box) => box.value))) {
      if (covered.has(value)) continue;  // shown ticked by its group: the user's own choice is kept aside
      mine.set(value, units(picker).some((box) => box.value === value && box.checked));
    }
    own.set(picker, mine);
  }

  function coveredIn(picker) {
    const covered = new Set();
    for (const whole of wholes(picker)) {
      if (whole.checked) units(whole.closest(".pick-group")).forEach((box) => covered.add(box.value));
    }
    return covered;
  }

  function note(label) {
    let span = label.querySelector(".pick-note");
    if (!span) {
      span = document.createElement("span");
      span.className = "pick-note";
      label.append(span);
    }
    return span;
  }

  const byPrintOrder = (a, b) => (Number(a.dataset.order) - Number(b.dataset.order))
    || (a.dataset.name < b.dataset.name ? -1 : a.dataset.name > b.dataset.name ? 1 : 0);

  function render() {
    const tickedUnder = new Map();  // unit value -> the prefixes (报, 送, 发) it is ticked under
    for (const picker of pickers) {
      const covered = coveredIn(picker);
      const mine = own.get(picker);
      for (const box of units(picker)) {
        const isCovered = covered.has(box.value);
        box.disabled = isCovered;
        box.checked = isCovered || Boolean(mine.get(box.value));
        const label = box.closest("label");
        label.classList.toggle("pick-covered", isCovered);
        label.title = isCovered ? picker.dataset.covered : "";
        if (box.checked) {
          const prefixes = tickedUnder.get(box.value) || new Set();
          tickedUnder.set(box.value, prefixes.add(picker.dataset.prefix));
        }
      }
    }
    for (const picker of pickers) {
      for (const box of units(picker)) {
        const others = [...(tickedUnder.get(box.value) || [])].filter((prefix) => prefix !== picker.dataset.prefix);
        const label = box.closest("label");
        label.classList.toggle("pick-elsewhere", others.length > 0);
        label.classList.toggle("pick-conflict", others.length > 0 && box.checked);
        note(label).textContent = others.length ? picker.dataset.elsewhere.replace("%(role)s", others.join("、")) : "";
      }
      for (const group of picker.querySelectorAll(".pick-group")) {
        const values = new Set(units(group).map((box) => box.value));
        const ticked = new Set(units(group).filter((box) => box.checked).map((box) => box.value));
        group.querySelector(".pick-count").textContent = values.size ? ` ${ticked.size}/${values.size}` : "";
        const each = group.querySelector(".pick-each");
        if (each) {
          const whole = group.querySelector(".pick-whole input");
          each.hidden = Boolean(whole && whole.checked);
          each.textContent = ticked.size === values.size ? picker.dataset.eachOff : picker.dataset.eachOn;
        }
      }
      const printed = wholes(picker).filter((box) => box.checked);
      const seen = new Set();
      for (const box of units(picker)) {
        if (box.checked && !box.disabled && !seen.has(box.value)) {
          seen.add(box.value);
          printed.push(box);
        }
      }
      printed.sort(byPrintOrder);
      picker.querySelector(".pick-printed-names").textContent = printed.length
        ? printed.map((box) => box.dataset.name).join("，") + "。" : picker.dataset.none;
    }
  }

  // 逐个勾选: every unit of a group ticked by name with one click (the group's name is not printed).
  for (const picker of pickers) {
    for (const group of picker.querySelectorAll(".pick-group")) {
      if (!units(group).length) continue;
      const each = document.createElement("button");
      each.type = "button";
      each.className = "pick-each";
      each.addEventListener("click", () => {
        const mine = own.get(picker);
        const all = units(group).every((box) => box.checked);
        units(group).forEach((box) => mine.set(box.value, !all));
        render();
        form.dispatchEvent(new Event("change"));  // the kept copy and the leave-page warning (drafting.js)
      });
      group.querySelector("legend").append(each);
    }
  }

  pickers.forEach((picker) => readOwn(picker));
  form.addEventListener("change", (event) => {
    const picker = event.target.closest ? event.target.closest(".addressee-picker") : null;
    if (picker && event.target.closest(".pick-unit")) {
      own.get(picker).set(event.target.value, event.target.checked);
    } else if (!picker) {
      pickers.forEach((each) => readOwn(each, coveredIn(each)));  // e.g. a kept copy restored (drafting.js)
    }
    render();
  });
  render();

  // 查找单位: one box above the three roles, filtering all of them.
  const module = pickers[0].closest("fieldset.module");
  const filter = document.createElement("div");
  filter.className = "pick-filter";
  const label = document.createElement("label");
  label.htmlFor = "pick-filter";
  label.textContent = pickers[0].dataset.filterLabel;
  const input = document.createElement("input");
  input.type = "search";
  input.id = "pick-filter";
  input.autocomplete = "off";
  filter.append(label, input);
  module.querySelector(".form-row").before(filter);
  input.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
  input.addEventListener("input", () => {
    const typed = input.value.trim();
    for (const group of document.querySelectorAll(".addressee-picker .pick-group")) {
      const whole = group.querySelector(".pick-whole input");
      const groupMatches = Boolean(typed && whole && whole.dataset.name.includes(typed));
      let shown = 0;
      for (const box of units(group)) {
        const show = !typed || groupMatches || box.dataset.name.includes(typed);
        box.closest("label").hidden = !show;
        shown += show ? 1 : 0;
      }
      group.hidden = Boolean(typed) && !groupMatches && shown === 0;
    }
  });
})();
