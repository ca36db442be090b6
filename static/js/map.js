/* Coverage map (Leaflet), drawn from reports:map_data into #coverage-map (see
   templates/includes/coverage_map.html for what the element carries).

   Layers: kecamatan coloured by coverage band (the bands from json_script "map-legend-data"),
   desa coloured by category (active KIM / KIM needing a check / none: the colours are those of
   the legend swatches' CSS classes, the categories come with the data), the kecamatan as
   outlines over the desa, the kabupaten outline on top. Names are drawn as labels from a zoom
   on, so the map orients without a base map: tiles are optional, and when they fail (no
   internet) they are dropped rather than left as grey squares. A search box finds a desa or
   kecamatan by name or code among the loaded features and zooms to it; a click on an area
   opens its page. ?lapisan=desa|kecamatan picks the layer shown first. */
(function () {
  "use strict";
  var element = document.getElementById("coverage-map");
  if (!element || !window.L) { return; }
  var config = element.dataset;
  var textsElement = document.getElementById("map-texts");
  var texts = textsElement ? textsElement.dataset : {};
  var bandsElement = document.getElementById("map-legend-data");
  var bands = bandsElement ? JSON.parse(bandsElement.textContent) : [];
  var legends = document.querySelector("[data-map-legends]");
  var locale = document.documentElement.lang === "id" ? "id-ID" : document.documentElement.lang;
  var printView = config.print === "1";
  var within = config.within || "";
  var wide = window.matchMedia("(min-width: 576px)").matches;

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = String(text);
    return div.innerHTML;
  }

  function number(value) { return Number(value).toLocaleString(locale); }

  function bandColor(percent) {
    var result = bands.length ? bands[0].color : "#999";
    bands.forEach(function (band) { if (percent >= band.min) { result = band.color; } });
    return result;
  }

  // The desa categories: colour and label from the legend (one definition, in CSS and HTML).
  var categories = {};
  if (legends) {
    legends.querySelectorAll("[data-legend=desa] [data-category]").forEach(function (row) {
      categories[row.dataset.category] = {
        row: row,
        color: getComputedStyle(row.querySelector("i")).backgroundColor,
        label: row.textContent.trim()
      };
    });
  }

  function kecamatanTooltip(p) {
    var lines = ["<strong>" + escapeHtml(p.name) + "</strong>",
      escapeHtml(texts.coverage) + ": " + number(p.coverage) + "%",
      escapeHtml(texts.desaCovered) + ": " + number(p.desa_covered) + " / " + number(p.desa_total)];
    if (p.kim_active !== undefined) { lines.push(escapeHtml(texts.kimActive) + ": " + number(p.kim_active)); }
    lines.push(escapeHtml(texts.kimFormed) + ": " + number(p.kim_formed));
    return lines.join("<br>");
  }

  function desaTooltip(p) {
    var category = categories[p.category];
    return ["<strong>" + escapeHtml(p.name) + "</strong>",
      escapeHtml(texts.kecamatan) + " " + escapeHtml(p.kecamatan),
      category ? escapeHtml(category.label) : "",
      escapeHtml(texts.kimFormed) + ": " + number(p.kim_formed)].join("<br>");
  }

  var map = L.map(element, { zoomControl: !printView, zoomSnap: printView ? 0.25 : 0.5 });
  window.kimMap = map;
  map.attributionControl.setPrefix(false);
  ["outlines", "labels"].forEach(function (name, index) {
    var pane = map.createPane(name);
    pane.style.zIndex = String(450 + index * 10);
    pane.style.pointerEvents = "none";
  });

  if (config.tileUrl) {
    var tiles = L.tileLayer(config.tileUrl, {
      maxZoom: 18, attribution: "&copy; OpenStreetMap contributors"
    });
    var tilesLoaded = 0, tilesFailed = 0;
    tiles.on("tileload", function () { tilesLoaded += 1; });
    tiles.on("tileerror", function (event) {
      event.tile.classList.add("map-tile-failed");
      tilesFailed += 1;
      if (!tilesLoaded && tilesFailed >= 4 && map.hasLayer(tiles)) {
        map.removeLayer(tiles);
        element.setAttribute("data-tiles", "failed");
        var note = document.querySelector("[data-tiles-failed]");
        if (note) { note.hidden = false; }
      }
    });
    tiles.addTo(map);
  }

  var entries = [];  // what the search finds: {level, code, name, label, bounds, features, layer}

  function areaLayer(data, level, style) {
    return L.geoJSON(data, {
      style: style,
      attribution: escapeHtml(texts.attribution || ""),
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        var tooltip = document.createElement("div");
        tooltip.innerHTML = level === "desa" ? desaTooltip(p) : kecamatanTooltip(p);
        layer.bindTooltip(tooltip, { sticky: true });
        layer.on("click", function () { window.location.href = p.url; });
        layer.on("add", function () {
          var path = layer.getElement && layer.getElement();
          if (path) {
            path.setAttribute("data-code", p.code);
            path.setAttribute("data-level", level);
          }
        });
      }
    });
  }

  function outlineLayer(data, style) {
    return L.geoJSON(data, { pane: "outlines", interactive: false, style: style });
  }

  function labelLayer(items) {
    var group = L.layerGroup();
    items.forEach(function (item) {
      var span = document.createElement("span");
      span.textContent = item.name;
      L.marker(item.bounds.getCenter(), {
        icon: L.divIcon({ className: "map-label", html: span, iconSize: null }),
        pane: "labels", interactive: false, keyboard: false
      }).addTo(group);
    });
    return group;
  }

  function entriesOf(layer, level) {
    var found = [];
    layer.eachLayer(function (part) {
      var p = part.feature.properties;
      found.push({
        level: level, code: p.code, name: p.name, kecamatan: p.kecamatan || "",
        bounds: part.getBounds(), features: [part.feature], layer: part
      });
    });
    return found;
  }

  // Kecamatan without a boundary of their own (a desa-only import): found and labelled through
  // their desa, grouped by code.
  function kecamatanFromDesa(desaEntries) {
    var byCode = {};
    desaEntries.forEach(function (d) {
      var code = d.code.slice(0, 8);
      if (!byCode[code]) {
        byCode[code] = { level: "kecamatan", code: code, name: d.kecamatan, bounds: L.latLngBounds(d.bounds.getSouthWest(), d.bounds.getNorthEast()), features: [], layer: null };
      }
      byCode[code].bounds.extend(d.bounds);
      byCode[code].features = byCode[code].features.concat(d.features);
    });
    return Object.keys(byCode).sort().map(function (code) { return byCode[code]; });
  }

  function load(level) {
    var url = config.url + "&tingkat=" + level + (within ? "&kecamatan=" + encodeURIComponent(within) : "");
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    });
  }

  var wanted = {
    kecamatan: config.kecamatan === "1" ? load("kecamatan") : null,
    desa: config.desa === "1" ? load("desa") : null,
    kabupaten: config.kabupaten === "1" ? load("kabupaten") : null
  };

  Promise.all([wanted.kecamatan, wanted.desa, wanted.kabupaten]).then(function (loaded) {
    var kecamatanData = loaded[0], desaData = loaded[1], kabupatenData = loaded[2];
    var layers = {}, groups = {}, kecamatanEntries = [], desaEntries = [];
    var byBands = config.kecamatanStyle === "bands";
    if (kecamatanData && kecamatanData.features.length) {
      if (byBands) {
        layers.kecamatan = areaLayer(kecamatanData, "kecamatan", function (feature) {
          return { color: "#444", weight: 1, fillOpacity: 0.75, fillColor: bandColor(feature.properties.coverage) };
        });
        kecamatanEntries = entriesOf(layers.kecamatan, "kecamatan");
      }
      var noDesa = !(desaData && desaData.features.length);
      layers.kecamatanLines = outlineLayer(kecamatanData, {
        color: "#212529", weight: 2, fill: noDesa && !byBands, fillColor: "#cfe2ff", fillOpacity: 0.5
      });
      if (!byBands) { kecamatanEntries = entriesOf(layers.kecamatanLines, "kecamatan"); }
    }
    if (desaData && desaData.features.length) {
      layers.desa = areaLayer(desaData, "desa", function (feature) {
        var category = categories[feature.properties.category];
        return { color: "#555", weight: 0.6, fillOpacity: 0.8, fillColor: category ? category.color : "#999" };
      });
      desaEntries = entriesOf(layers.desa, "desa");
      if (!kecamatanEntries.length) { kecamatanEntries = kecamatanFromDesa(desaEntries); }
      var counts = {};
      desaData.features.forEach(function (f) { counts[f.properties.category] = (counts[f.properties.category] || 0) + 1; });
      Object.keys(categories).forEach(function (key) {
        var count = categories[key].row.querySelector("[data-count]");
        if (count) { count.textContent = "(" + number(counts[key] || 0) + ")"; }
      });
    }
    if (kabupatenData && kabupatenData.features.length) {
      layers.kabupaten = outlineLayer(kabupatenData, { color: "#000", weight: 3, fill: false }).addTo(map);
    }
    entries = kecamatanEntries.concat(desaEntries);

    // The views: kecamatan by coverage, or desa by category under the kecamatan outlines.
    if (layers.kecamatan) { groups.kecamatan = L.layerGroup([layers.kecamatan]); }
    if (layers.desa) {
      groups.desa = L.layerGroup([layers.desa].concat(layers.kecamatanLines ? [layers.kecamatanLines] : []));
    } else if (layers.kecamatanLines && !layers.kecamatan) {
      groups.kecamatan = L.layerGroup([layers.kecamatanLines]);
    }
    var labels = {
      kecamatan: labelLayer(within ? [] : kecamatanEntries),
      desa: labelLayer(desaEntries)
    };
    var asked = new URLSearchParams(window.location.search).get("lapisan");
    var view = null;

    function updateLabels() {
      var zoom = map.getZoom();
      var show = {
        kecamatan: !within && (printView || zoom >= 10) && (view === "kecamatan" || zoom < 12),
        desa: view === "desa" && zoom >= 12
      };
      Object.keys(labels).forEach(function (key) {
        if (show[key] && !map.hasLayer(labels[key])) { labels[key].addTo(map); }
        if (!show[key] && map.hasLayer(labels[key])) { map.removeLayer(labels[key]); }
      });
    }

    function showLegend() {
      if (!legends) { return; }
      legends.querySelectorAll("[data-legend]").forEach(function (legend) {
        legend.hidden = legend.dataset.legend !== view;
      });
    }

    function setView(name) {
      if (!groups[name] || name === view) { return; }
      Object.keys(groups).forEach(function (key) {
        if (key !== name && map.hasLayer(groups[key])) { map.removeLayer(groups[key]); }
      });
      if (!map.hasLayer(groups[name])) { groups[name].addTo(map); }
      view = name;
      element.setAttribute("data-view", name);
      showLegend();
      updateLabels();
      var printLink = document.querySelector("[data-print-link]");
      if (printLink) {
        var url = new URL(printLink.href, window.location.href);
        url.searchParams.set("lapisan", name);
        printLink.href = url.pathname + url.search;
      }
    }

    var first = groups[asked] ? asked : (groups.kecamatan && !within ? "kecamatan" : (groups.desa ? "desa" : "kecamatan"));
    setView(first);
    var names = {};
    names[texts.kecamatanLayer] = groups.kecamatan;
    names[texts.desaLayer] = groups.desa;
    if (groups.kecamatan && groups.desa && !printView) {
      L.control.layers(names, null, { collapsed: !wide }).addTo(map);
      map.on("baselayerchange", function (event) {
        setView(event.layer === groups.desa ? "desa" : "kecamatan");
      });
    }
    map.on("zoomend", updateLabels);

    // The legends go into the map on wide screens; below it on phones and in the print view.
    if (legends && wide && !printView) {
      var legendControl = L.control({ position: "bottomright" });
      legendControl.onAdd = function () {
        L.DomEvent.disableClickPropagation(legends);
        return legends;
      };
      legendControl.addTo(map);
    }

    var all = L.featureGroup([layers.kabupaten, layers.kecamatanLines, layers.kecamatan, layers.desa].filter(Boolean));
    var fitTo = layers.kabupaten && !within ? layers.kabupaten.getBounds() : all.getBounds();
    map.fitBounds(fitTo, { padding: printView ? [4, 4] : [8, 8] });
    setUpSearch(setView);
    // Printing lays the page out anew (A4, the map beside its legends): keep what was shown.
    var shown = null;
    function beforePrint() {
      shown = shown || (printView ? fitTo : map.getBounds());
      map.invalidateSize({ pan: false });
      map.fitBounds(shown, { animate: false });
    }
    function afterPrint() {
      map.invalidateSize({ pan: false });
      if (shown) { map.fitBounds(shown, { animate: false }); }
      shown = null;
    }
    window.addEventListener("beforeprint", beforePrint);
    window.addEventListener("afterprint", afterPrint);
    window.matchMedia("print").addEventListener("change", function (event) {
      if (event.matches) { beforePrint(); } else { afterPrint(); }
    });
    element.setAttribute("data-ready", "1");
  }).catch(function () {
    element.setAttribute("data-error", "1");
  });

  var printButton = document.querySelector("[data-print-button]");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }

  function normal(text) {
    return String(text).toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, " ").trim();
  }

  function labelOf(entry) {
    return entry.level === "desa"
      ? entry.name + ", " + texts.kecamatan + " " + entry.kecamatan + " (" + entry.code + ")"
      : texts.kecamatan + " " + entry.name + " (" + entry.code + ")";
  }

  // Exact label (picked from the list), then a code, then a whole name, then part of a name.
  function find(query) {
    var wantedText = normal(query);
    if (!wantedText) { return []; }
    var tries = [
      function (e) { return normal(labelOf(e)) === wantedText; },
      function (e) { return e.code === wantedText.replace(/[()\s]/g, ""); },
      function (e) { return normal(e.name) === wantedText.replace(/^(desa|kelurahan|kecamatan|kec\.?)\s+/, ""); },
      function (e) { return normal(e.name).indexOf(wantedText) !== -1 || e.code.indexOf(wantedText) === 0; }
    ];
    for (var i = 0; i < tries.length; i += 1) {
      var found = entries.filter(tries[i]);
      if (found.length) { return found; }
    }
    return [];
  }

  var highlight = null;

  function setUpSearch(setView) {
    var form = document.querySelector("[data-map-search]");
    if (!form || printView) { return; }
    var input = form.querySelector("input");
    var message = form.querySelector("[data-search-message]");
    var options = form.querySelector("datalist");
    entries.forEach(function (entry) {
      entry.label = labelOf(entry);
      var option = document.createElement("option");
      option.value = entry.label;
      options.appendChild(option);
    });

    function go(entry) {
      if (entry.level === "desa") { setView("desa"); }
      // Close enough to read the names around it, not so close that its neighbours are gone.
      map.fitBounds(entry.bounds, { maxZoom: entry.level === "desa" ? 14 : 12, padding: [40, 40] });
      if (highlight) { map.removeLayer(highlight); }
      highlight = L.geoJSON(entry.features, {
        pane: "outlines", interactive: false, style: { color: "#0d6efd", weight: 4, fill: false }
      }).addTo(map);
      element.setAttribute("data-found", entry.code);
      message.textContent = texts.found + " " + entry.label;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var found = find(input.value);
      message.textContent = "";
      if (found.length === 1) { go(found[0]); return; }
      if (!found.length) { message.textContent = texts.notFound; return; }
      message.appendChild(document.createTextNode(texts.several + " "));
      found.slice(0, 10).forEach(function (entry) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-link btn-sm p-0 me-2 align-baseline";
        button.textContent = entry.label;
        button.setAttribute("data-search-choice", entry.code);
        button.addEventListener("click", function () { go(entry); });
        message.appendChild(button);
      });
    });
    form.hidden = false;
  }
})();
