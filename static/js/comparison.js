/* The comparison chart (Chart.js): per area, the share of desa covered and the progress to
   its target, as horizontal bars; data from the json_script built by reports.views. The box
   grows with the number of areas, so 38 kabupaten/kota stay legible on a phone. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "id";
  var locale = lang === "id" ? "id-ID" : lang;
  var texts = lang === "id"
    ? { coverage: "Cakupan desa (%)", target: "Capaian target (%)", none: "tanpa target" }
    : { coverage: "Village coverage (%)", target: "Progress to target (%)", none: "no target" };
  var bars = JSON.parse(document.getElementById("comparison-chart-data").textContent);
  var box = document.querySelector("[data-comparison-chart-box]");
  box.style.height = Math.max(240, bars.length * 34 + 60) + "px";
  var top = Math.max(100, Math.ceil(Math.max.apply(null, bars.map(function (b) { return b.target || 0; })) / 10) * 10);

  window.kimCharts = window.kimCharts || {};
  window.kimCharts.comparison = new Chart(document.getElementById("chart-comparison"), {
    type: "bar",
    data: {
      labels: bars.map(function (b) { return b.name; }),
      datasets: [
        { label: texts.coverage, data: bars.map(function (b) { return b.coverage; }), backgroundColor: "#0d6efd", minBarLength: 2 },
        { label: texts.target, data: bars.map(function (b) { return b.target; }), backgroundColor: "#fd7e14", minBarLength: 2 }
      ]
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      scales: {
        x: { min: 0, max: top, ticks: { callback: function (v) { return v + "%"; } } },
        y: { ticks: { autoSkip: false, color: "#212529", font: { size: 12 } } }
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: function (ctx) {
              var value = ctx.raw === null ? texts.none : ctx.raw.toLocaleString(locale) + "%";
              return ctx.dataset.label + ": " + value;
            }
          }
        }
      }
    }
  });
})();
