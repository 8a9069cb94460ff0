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
})();
