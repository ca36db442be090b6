/*
 * Local fallback for vendor libraries loaded from the CDN ({% vendor_asset %} in reports).
 *
 * Included as a parser-blocking <script> right after each CDN tag, so by the time it runs the
 * CDN script before it has run (or failed, e.g. unreachable or SRI mismatch) and every
 * stylesheet above it has loaded or failed.
 *
 * - data-global / data-local on this tag: if window[global] is still undefined, the CDN script
 *   did not run; document.write the local copy so it loads synchronously, before any page
 *   script further down that needs it.
 * - On every inclusion: each link[rel=stylesheet][data-local] that failed to load (no sheet,
 *   or an empty one) gets a link to its local copy right after it (once, marked with
 *   data-fallback-done).
 *
 * No dependencies, no inline code: works under a CSP without 'unsafe-inline'.
 */
(function () {
  "use strict";

  function escapeAttr(value) {
    return String(value)
      .replace(/&/g, "&amp;")
      .replace(/"/g, "&quot;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;");
  }

  function scriptFallback(script) {
    if (!script || !script.dataset) {
      return;
    }
    var name = script.dataset.global;
    var local = script.dataset.local;
    if (!name || !local || typeof window[name] !== "undefined") {
      return;
    }
    // Only a parser-inserted script blocks the parser; createElement would load it async.
    document.write('<script src="' + escapeAttr(local) + '"><\/script>');
  }

  function stylesheetFailed(link) {
    // An SRI failure (and Firefox on any failure) leaves `sheet` null. Chromium gives other
    // failures an empty sheet: with no rules after a 404, and with unreadable rules after a
    // network or CORS error. Our CDN links are crossorigin="anonymous" and the CDN sends CORS
    // headers, so the rules of a sheet that really loaded can always be read.
    if (!link.sheet) {
      return true;
    }
    try {
      return link.sheet.cssRules.length === 0;
    } catch (e) {
      return true;
    }
  }

  function stylesheetFallback() {
    var links = document.querySelectorAll("link[rel=stylesheet][data-local]");
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      if (link.hasAttribute("data-fallback-done") || !stylesheetFailed(link)) {
        continue;
      }
      link.setAttribute("data-fallback-done", "");
      var local = document.createElement("link");
      local.rel = "stylesheet";
      local.href = link.getAttribute("data-local");
      // Keep rendering blocked until the local copy is in, where the browser supports it.
      local.setAttribute("blocking", "render");
      link.parentNode.insertBefore(local, link.nextSibling);
    }
  }

  scriptFallback(document.currentScript);
  stylesheetFallback();
})();
