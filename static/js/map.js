/* Coverage map (Leaflet): GeoJSON from reports:map_data, coloured by coverage bands that the
   page passes through json_script. Works without a base layer. */
(function () {
  "use strict";
  var element = document.getElementById("coverage-map");
  var legend = JSON.parse(document.getElementById("map-legend-data").textContent);
  var texts = JSON.parse(document.getElementById("map-texts").textContent);
  var locale = document.documentElement.lang === "id" ? "id-ID" : document.documentElement.lang;

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = String(text);
    return div.innerHTML;
  }

  function color(percent) {
    var result = legend[0].color;
    legend.forEach(function (band) { if (percent >= band.min) { result = band.color; } });
    return result;
  }

  function style(feature) {
    return { color: "#555", weight: 1, fillOpacity: 0.75, fillColor: color(feature.properties.coverage) };
  }

  function tooltip(p) {
    var lines = ["<strong>" + escapeHtml(p.name) + "</strong>",
      texts.coverage + ": " + p.coverage.toLocaleString(locale) + "%",
      texts.desa + ": " + p.desa_covered.toLocaleString(locale) + " / " + p.desa_total.toLocaleString(locale)];
    if (p.kim_active !== undefined) { lines.push(texts.kim_active + ": " + p.kim_active.toLocaleString(locale)); }
    lines.push(texts.kim_formed + ": " + p.kim_formed.toLocaleString(locale));
    return lines.join("<br>");
  }

  var map = L.map(element, { preferCanvas: false });
  window.kimMap = map;
  if (element.dataset.tileUrl) {
    L.tileLayer(element.dataset.tileUrl, {
      maxZoom: 18, attribution: "&copy; OpenStreetMap contributors"
    }).addTo(map);
  }

  function layerFor(data) {
    return L.geoJSON(data, {
      style: style,
      onEachFeature: function (feature, layer) {
        var el = document.createElement("div");
        el.innerHTML = tooltip(feature.properties);
        layer.bindTooltip(el, { sticky: true });
        layer.on("click", function () { window.location.href = feature.properties.url; });
        layer.on("add", function () {
          var path = layer.getElement && layer.getElement();
          if (path) { path.setAttribute("data-code", feature.properties.code); }
        });
      }
    });
  }

  function load(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); });
  }

  var layers = {};
  load(element.dataset.url).then(function (data) {
    layers.kecamatan = layerFor(data).addTo(map);
    map.fitBounds(layers.kecamatan.getBounds());
    element.setAttribute("data-ready", "1");
    if (element.dataset.desa === "1") {
      load(element.dataset.url + "&tingkat=desa").then(function (desa) {
        layers.desa = layerFor(desa);
        var levels = {};
        levels[texts.kecamatan] = layers.kecamatan;
        levels[texts.desa_layer] = layers.desa;
        L.control.layers(levels, null, { collapsed: false }).addTo(map);
      });
    }
  });

  var control = L.control({ position: "bottomright" });
  control.onAdd = function () {
    var div = L.DomUtil.create("div", "map-legend");
    div.innerHTML = "<strong>" + texts.legend + "</strong><br>" + legend.map(function (band) {
      return '<i class="' + escapeHtml(band.css_class) + '"></i>' + escapeHtml(band.label);
    }).join("<br>");
    return div;
  };
  control.addTo(map);
})();
