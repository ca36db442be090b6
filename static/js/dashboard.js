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
  var targetYears = line.months.map(function (month) {
    var hit = line.targets.filter(function (t) { return t.month === month; })[0];
    return hit ? hit.year : null;
  });
  var lastMonth = line.months[line.months.length - 1];
  // The target worked towards, when its year end lies beyond the axis: a labelled dashed line.
  var goal = line.goal && lastMonth && line.goal.year + "-12" > lastMonth ? line.goal : null;

  function targetText(year, count) {
    return texts.target + " " + year + ": " + count.toLocaleString(locale);
  }

  // Regular x ticks: every 1, 2, 3, 6, 12 or 24 months, on calendar boundaries (January for
  // yearly ticks), as many as fit the chart's width.
  function tickStep(width) {
    var fit = Math.max(2, Math.floor(width / 70));
    var steps = [1, 2, 3, 6, 12, 24, 60];
    for (var i = 0; i < steps.length; i++) {
      if (Math.ceil(line.months.length / steps[i]) <= fit) { return steps[i]; }
    }
    return steps[steps.length - 1];
  }
  function xTick(value, index) {
    var parts = line.months[index].split("-");
    var serial = Number(parts[0]) * 12 + Number(parts[1]) - 1;
    var step = tickStep(this.chart.width);
    if (serial % step !== 0) { return null; }
    return step >= 12 ? parts[0] : monthLabel(line.months[index]);
  }

  // Writes "Target 2023: 240" beside each target marker.
  var targetLabels = {
    id: "targetLabels",
    afterDatasetsDraw: function (chart) {
      var meta = chart.getDatasetMeta(2);
      if (meta.hidden) { return; }
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = "12px system-ui, sans-serif";
      ctx.fillStyle = "#842029";
      meta.data.forEach(function (point, i) {
        if (targetPoints[i] === null) { return; }
        var text = targetText(targetYears[i], targetPoints[i]);
        var width = ctx.measureText(text).width;
        var x = Math.min(point.x + 10, chart.chartArea.right - width);
        if (x < point.x + 10) { x = point.x - width - 10; }
        ctx.textBaseline = "middle";
        ctx.fillText(text, Math.max(x, chart.chartArea.left), point.y - 14);
      });
      ctx.restore();
    }
  };

  var datasets = [
    { label: texts.formed, order: 2, data: line.formed, borderColor: "#0d6efd", backgroundColor: "#0d6efd", pointRadius: 0, tension: 0.1 },
    { label: texts.active, order: 1, data: line.active, borderColor: "#198754", backgroundColor: "#198754", pointRadius: 0, tension: 0.1 },
    { label: texts.target, order: 0, data: targetPoints, showLine: false, borderColor: "#dc3545", backgroundColor: "#dc3545", pointStyle: "rectRot", pointRadius: 8 }
  ];
  if (goal) {
    datasets.push({
      label: targetText(goal.year, goal.count), order: 3,
      data: line.months.map(function () { return goal.count; }),
      borderColor: "#dc3545", borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, fill: false
    });
  }

  window.kimCharts = window.kimCharts || {};
  window.kimCharts.monthly = new Chart(document.getElementById("chart-monthly"), {
    type: "line",
    data: { labels: line.months.map(monthLabel), datasets: datasets },
    plugins: [targetLabels],
    options: {
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      layout: { padding: { top: 18 } },
      scales: {
        x: { ticks: { autoSkip: false, maxRotation: 0, callback: xTick } },
        y: { beginAtZero: true, ticks: { callback: function (v) { return v.toLocaleString(locale); } } }
      },
      plugins: {
        legend: { labels: { sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } } },
        tooltip: { filter: function (item) { return item.raw !== null && item.datasetIndex < 3; } }
      }
    }
  });

  var bars = data("bar-chart-data");
  // Writes each bar's percentage at its end (inside a long bar, after a short one).
  var barValues = {
    id: "barValues",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = "11px system-ui, sans-serif";
      ctx.textBaseline = "middle";
      chart.getDatasetMeta(0).data.forEach(function (bar, i) {
        var text = bars[i].coverage.toLocaleString(locale) + "%";
        var width = ctx.measureText(text).width;
        var inside = bar.x + width + 6 > chart.chartArea.right;
        ctx.fillStyle = inside ? "#ffffff" : "#212529";
        ctx.fillText(text, inside ? bar.x - width - 4 : bar.x + 4, bar.y);
      });
      ctx.restore();
    }
  };
  window.kimCharts.kecamatan = new Chart(document.getElementById("chart-kecamatan"), {
    type: "bar",
    data: {
      labels: bars.map(function (b) { return b.name; }),
      // minBarLength: a kecamatan at 0% still shows a sliver, and its value is written beside it.
      datasets: [{ label: texts.coverage, data: bars.map(function (b) { return b.coverage; }), backgroundColor: "#0d6efd", minBarLength: 3 }]
    },
    plugins: [barValues],
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      scales: {
        x: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } },
        y: { ticks: { autoSkip: false, color: "#212529", font: { size: 12 } } }
      },
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
