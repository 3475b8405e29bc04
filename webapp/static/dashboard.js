// Sort the per-class table in place; without JavaScript the headings are ?sort= links.
"use strict";

(() => {
  const select = document.getElementById("model-select");
  if (select) {
    select.addEventListener("change", () => { window.location = `/dashboard/${select.value}`; });
  }
  const table = document.querySelector("table.sortable");
  if (!table) return;
  const body = table.tBodies[0];
  const direction = {};
  table.querySelectorAll("th a[data-sort]").forEach((link, column) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const key = link.dataset.sort;
      // Scores worst first on the first click; support largest first; char A-z.
      direction[key] = direction[key] === undefined ? (key === "support" ? -1 : 1) : -direction[key];
      const rows = [...body.rows];
      rows.sort((a, b) => {
        const x = a.cells[column].dataset.value ?? a.cells[column].textContent;
        const y = b.cells[column].dataset.value ?? b.cells[column].textContent;
        const cmp = key === "char" ? x.localeCompare(y) : Number(x) - Number(y);
        return direction[key] * cmp;
      });
      body.append(...rows);
      table.querySelectorAll("th a").forEach((a) => a.removeAttribute("aria-sort"));
      link.setAttribute("aria-sort", direction[key] > 0 ? "ascending" : "descending");
    });
  });
})();
