/* Dashboard charts (Chart.js): data from json_script elements built by reports.views. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "id";
  var locale = lang === "id" ? "id-ID" : lang;
  var texts = lang === "id"
    ? { formed: "KIM dibentuk (kumulatif)", active: "KIM aktif", target: "Target", coverage: "Cakupan (%)" }
    : { formed: "KIM formed (cumulative)", active: "Active KIM", target: "Target", coverage: "Coverage (%)" };

  function data(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  function monthLabel(month) {
    var parts = month.split("-");
    var date = new Date(Number(parts[0]), Number(parts[1]) - 1, 1);
    return date.toLocaleDateString(locale, { month: "short", year: "numeric" });
  }

  var line = data("line-chart-data");
  var targetPoints = line.months.map(function (month) {
    var hit = line.targets.filter(function (t) { return t.month === month; })[0];
    return hit ? hit.count : null;
  });
  window.kimCharts = window.kimCharts || {};
  window.kimCharts.monthly = new Chart(document.getElementById("chart-monthly"), {
    type: "line",
    data: {
      labels: line.months.map(monthLabel),
      datasets: [
        { label: texts.formed, order: 2, data: line.formed, borderColor: "#0d6efd", backgroundColor: "#0d6efd", pointRadius: 0, tension: 0.1 },
        { label: texts.active, order: 1, data: line.active, borderColor: "#198754", backgroundColor: "#198754", pointRadius: 0, tension: 0.1 },
        { label: texts.target, order: 0, data: targetPoints, showLine: false, borderColor: "#dc3545", backgroundColor: "#dc3545", pointStyle: "rectRot", pointRadius: 8 }
      ]
    },
    options: {
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return v.toLocaleString(locale); } } } },
      plugins: {
        legend: { labels: { sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } } },
        tooltip: { filter: function (item) { return item.raw !== null; } }
      }
    }
  });

  var bars = data("bar-chart-data");
  window.kimCharts.kecamatan = new Chart(document.getElementById("chart-kecamatan"), {
    type: "bar",
    data: {
      labels: bars.map(function (b) { return b.name; }),
      datasets: [{ label: texts.coverage, data: bars.map(function (b) { return b.coverage; }), backgroundColor: "#0d6efd" }]
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      scales: { x: { min: 0, max: 100 }, y: { ticks: { autoSkip: false, font: { size: 10 } } } },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: function (ctx) { return ctx.raw.toLocaleString(locale) + "%"; } } }
      },
      onClick: function (event, elements) {
        if (elements.length) { window.location.href = bars[elements[0].index].url; }
      },
      onHover: function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      }
    }
  });
})();
