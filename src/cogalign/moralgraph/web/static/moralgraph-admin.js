/*
 * moralgraph-admin.js: keeps the moral-graph admin page live. Every 10 s it reads the
 * counts (stats.json) and, when new votes or cards came in, redraws the graph figure.
 */
(function () {
  "use strict";
  const stats = document.getElementById("mg-stats");
  const graph = document.getElementById("mg-graph");
  let last = null;

  async function refresh() {
    try {
      const response = await fetch(stats.dataset.url, {cache: "no-store", credentials: "same-origin"});
      if (!response.ok) return;
      const data = await response.json();
      for (const [name, value] of Object.entries(data)) {
        const cell = document.getElementById(name);
        if (cell && value !== null) cell.textContent = String(value);
      }
      const mark = [data.cards, data.upgrade_votes, data.value_votes].join("/");
      if (last !== null && mark !== last) {
        graph.src = graph.src.split("?")[0] + "?t=" + Date.now();
      }
      last = mark;
    } catch (e) {
      /* the next round tries again */
    }
  }

  refresh();
  setInterval(refresh, 10000);
})();
