/* KIM form: when the kecamatan changes, load its desa into the desa select (JSON endpoint
   villages:desa_options). Without JavaScript the form still works: submitting with a new
   kecamatan re-renders the desa of that kecamatan. */
(function () {
  "use strict";
  var kecamatan = document.getElementById("id_kecamatan");
  var desa = document.getElementById("id_desa");
  if (!kecamatan || !desa) { return; }

  function loadDesa() {
    var placeholder = desa.options.length ? desa.options[0].text : "";
    desa.innerHTML = "";
    desa.add(new Option(placeholder, ""));
    if (!kecamatan.value) { return; }
    var url = desa.dataset.optionsUrl + "?kecamatan=" + encodeURIComponent(kecamatan.value);
    desa.disabled = true;
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        data.options.forEach(function (option) { desa.add(new Option(option.name, option.code)); });
        desa.disabled = false;
        desa.setAttribute("data-loaded", kecamatan.value);
      });
  }

  kecamatan.addEventListener("change", loadDesa);
  // A kecamatan chosen before this script ran (slow page, restored form) still gets its desa.
  if (kecamatan.value && desa.options.length <= 1) { loadDesa(); }
})();
