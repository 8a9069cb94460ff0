// Keyboard helpers and small live hints; every page works without this file.
(() => {
  const typing = () => /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName ?? "");

  // The ITIL matrix, as in domain/incident.rs: shown live while impact and urgency change.
  const rank = { high: 0, medium: 1, low: 2 };
  const showPriority = () => {
    const out = document.getElementById("priority");
    const impact = document.getElementById("impact");
    const urgency = document.getElementById("urgency");
    if (!out || !impact || !urgency) return;
    const p = rank[impact.value] + rank[urgency.value] + 1;
    out.textContent = "P" + p;
    out.className = "badge prio prio-" + p;
  };
  document.addEventListener("change", (e) => {
    if (e.target.matches?.("[data-priority-input]")) showPriority();
  });
  document.addEventListener("DOMContentLoaded", showPriority);

  // Queues: j/k move, Enter opens, x selects; / searches; n opens a new incident.
  let current = -1;
  const rows = () => Array.from(document.querySelectorAll("table.queue tbody tr[data-href]"));
  const select = (i) => {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(all.length - 1, i));
    all.forEach((r, n) => r.classList.toggle("selected", n === current));
    all[current].scrollIntoView({ block: "nearest" });
  };
  document.addEventListener("click", (e) => {
    const row = e.target.closest?.("table.queue tbody tr[data-href]");
    if (row && !e.target.closest("a, input, label, button")) window.location = row.dataset.href;
  });
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typing()) return;
    if (e.key === "/") {
      const search = document.querySelector("input[type=search]");
      if (search) { e.preventDefault(); search.focus(); }
    } else if (e.key === "n") {
      window.location = "/incidents/new";
    } else if (e.key === "j") {
      select(current + 1);
    } else if (e.key === "k") {
      select(current - 1);
    } else if (e.key === "Enter" && current >= 0) {
      window.location = rows()[current].dataset.href;
    } else if (e.key === "x" && current >= 0) {
      const box = rows()[current].querySelector("input[type=checkbox]");
      if (box) box.checked = !box.checked;
    }
  });

  // File pickers: files dropped on them or pasted into their form (a screenshot) join the
  // picked ones; each is listed, and one over the limit is named before anything is sent.
  const zoneOf = (target) => target.closest?.("[data-dropzone]");
  const showPicked = (zone) => {
    const input = zone.querySelector("input[type=file]");
    const list = zone.querySelector("[data-picked]");
    const max = Number(zone.dataset.max);
    list.replaceChildren();
    let tooLarge = false;
    for (const file of input.files) {
      const item = document.createElement("li");
      item.textContent = `${file.name} (${Math.max(1, Math.round(file.size / 1024))} KB)`;
      if (max && file.size > max) {
        item.className = "field-error";
        item.textContent += ` – ${zone.dataset.tooLarge}`;
        tooLarge = true;
      }
      list.append(item);
    }
    input.setCustomValidity(tooLarge ? zone.dataset.tooLarge : "");
  };
  const addFiles = (zone, files) => {
    const input = zone.querySelector("input[type=file]");
    const all = new DataTransfer();
    for (const file of input.files) all.items.add(file);
    for (const file of files) all.items.add(file);
    input.files = all.files;
    showPicked(zone);
  };
  document.addEventListener("change", (e) => {
    const zone = zoneOf(e.target);
    if (zone) showPicked(zone);
  });
  document.addEventListener("dragover", (e) => {
    const zone = zoneOf(e.target);
    if (zone) { e.preventDefault(); zone.classList.add("over"); }
  });
  document.addEventListener("dragleave", (e) => zoneOf(e.target)?.classList.remove("over"));
  document.addEventListener("drop", (e) => {
    const zone = zoneOf(e.target);
    if (!zone || !e.dataTransfer?.files.length) return;
    e.preventDefault();
    zone.classList.remove("over");
    addFiles(zone, e.dataTransfer.files);
  });
  document.addEventListener("paste", (e) => {
    const zone = e.target.closest?.("form")?.querySelector("[data-dropzone]");
    const pasted = Array.from(e.clipboardData?.files ?? []);
    if (!zone || !pasted.length) return;
    e.preventDefault();
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
    addFiles(zone, pasted.map((file, n) => {
      const generic = !file.name || file.name === "image.png";
      const name = generic ? `screenshot-${stamp}${n ? `-${n}` : ""}.png` : file.name;
      return new File([file], name, { type: file.type });
    }));
  });
})();
