/* Preview map of a boundary upload (templates/villages/boundary_upload_preview.html): the
   uploaded shapes coloured by what the import would do with them, the colours and legend texts
   coming from the page through json_script. Works without a base layer. */
(function () {
  "use strict";
  var element = document.getElementById("boundary-preview-map");
  if (!element || !window.L) { return; }
  var data = JSON.parse(document.getElementById("boundary-preview-data").textContent);
  var statuses = JSON.parse(document.getElementById("boundary-preview-statuses").textContent);
  var colours = {};
  statuses.forEach(function (status) { colours[status.key] = status.colour; });

  var map = L.map(element);
  if (element.dataset.tileUrl) {
    L.tileLayer(element.dataset.tileUrl, {
      maxZoom: 18, attribution: "&copy; OpenStreetMap contributors"
    }).addTo(map);
  }
  // The stored boundaries one level up, as thin dashed lines under the uploaded shapes.
  var stored = JSON.parse(document.getElementById("boundary-preview-context").textContent);
  if (stored.data.features.length) {
    L.geoJSON(stored.data, {
      interactive: false,
      style: { color: "#444", weight: 1, dashArray: "4 3", fill: false }
    }).addTo(map);
  }
  var layer = L.geoJSON(data, {
    style: function (feature) {
      var colour = colours[feature.properties.status] || "#757575";
      return { color: colour, weight: 1.5, fillColor: colour, fillOpacity: 0.45 };
    },
    onEachFeature: function (feature, shape) {
      var label = document.createElement("div");
      label.textContent = feature.properties.label;
      shape.bindTooltip(label, { sticky: true });
      shape.on("add", function () {
        var path = shape.getElement && shape.getElement();
        if (path) { path.setAttribute("data-status", feature.properties.status); }
      });
    }
  }).addTo(map);
  if (layer.getLayers().length) {
    map.fitBounds(layer.getBounds(), { padding: [10, 10] });
  } else {
    map.setView([-8.1, 112.6], 9);
  }

  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "map-legend");
    statuses.forEach(function (status, index) {
      if (index) { div.appendChild(document.createElement("br")); }
      var swatch = document.createElement("span");
      swatch.className = "legend-swatch boundary-" + status.key;
      div.appendChild(swatch);
      div.appendChild(document.createTextNode(" " + status.label));
    });
    if (stored.data.features.length) {
      div.appendChild(document.createElement("br"));
      var line = document.createElement("span");
      line.className = "legend-swatch boundary-stored";
      div.appendChild(line);
      div.appendChild(document.createTextNode(" " + stored.label));
    }
    return div;
  };
  legend.addTo(map);
  element.setAttribute("data-ready", "1");
})();
