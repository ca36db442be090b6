/* KIM form: when the kecamatan changes, load its desa into the desa select (JSON endpoint
   villages:desa_options). Where the form asks for the kabupaten/kota first (a province or the
   whole country), a change of kabupaten loads its kecamatan (villages:kecamatan_options) and
   empties the desa. Without JavaScript the form still works: submitting with a new kabupaten
   or kecamatan re-renders the choices that belong to it. */
(function () {
  "use strict";
  var kabupaten = document.getElementById("id_kabupaten");
  var kecamatan = document.getElementById("id_kecamatan");
  var desa = document.getElementById("id_desa");
  if (!kecamatan || !desa) { return; }

  // Keep only the placeholder ("Pilih ...") of a select.
  function clear(select) {
    var placeholder = select.options.length ? select.options[0].text : "";
    select.innerHTML = "";
    select.add(new Option(placeholder, ""));
  }

  // Fill ``select`` with the options of ``parent``'s value; mark it data-loaded when done.
  function load(select, parent, parameter) {
    clear(select);
    select.removeAttribute("data-loaded");
    if (!parent.value) { return; }
    var url = select.dataset.optionsUrl + "?" + parameter + "=" + encodeURIComponent(parent.value);
    var asked = parent.value;
    select.disabled = true;
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (parent.value !== asked) { return; }  // a later choice is loading
        // A desa that already has an active KIM says so in its text (from the server, in the
        // page's language) and carries data-active-kim.
        data.options.forEach(function (option) {
          var item = new Option(option.name, option.code);
          if (option.has_active_kim) { item.setAttribute("data-active-kim", ""); }
          select.add(item);
        });
        select.disabled = false;
        select.setAttribute("data-loaded", asked);
      });
  }

  kecamatan.addEventListener("change", function () { load(desa, kecamatan, "kecamatan"); });
  if (kabupaten) {
    kabupaten.addEventListener("change", function () {
      clear(desa);
      load(kecamatan, kabupaten, "kabupaten");
    });
    // A kabupaten chosen before this script ran still gets its kecamatan.
    if (kabupaten.value && kecamatan.options.length <= 1) { load(kecamatan, kabupaten, "kabupaten"); }
  }
  // A kecamatan chosen before this script ran (slow page, restored form) still gets its desa.
  if (kecamatan.value && desa.options.length <= 1) { load(desa, kecamatan, "kecamatan"); }
})();
