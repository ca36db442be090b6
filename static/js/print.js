/* Print buttons ([data-print]) and pages opened to be printed ([data-autoprint], e.g. one
   kecamatan's follow-up list): the strict Content-Security-Policy allows no inline onclick. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  if (document.querySelector("[data-autoprint]")) {
    window.addEventListener("load", function () { window.print(); });
  }
})();
