/* Entry without a connection, on every page of a signed-in user (templates/base.html).

   - Registers the service worker (/sw.js: pages and files from the network, kept copies when
     offline) and, at most every three hours, keeps the pages the officer needs offline
     (villages:offline_precache: the entry forms, the desa of the officer's kecamatan).
   - The entry forms (form[data-offline-form]: register a KIM, record an activity, record a
     status change) are sent with fetch, asking for JSON. Without a connection, or when the
     request fails on the way, the entry is kept in IndexedDB with its key (client_key, made
     here; the service worker keeps a plain post that fails on the way), and sent when the
     connection returns; the server stores the key, so an entry sent
     twice is written once. A refusal (the name taken meanwhile, the kecamatan no longer the
     officer's) stays kept, marked refused, until the officer reopens and fixes it, or removes
     it: nothing is dropped without the officer.
   - The badge (a[data-offline-badge]) shows "N menunggu dikirim"; the queue page
     (div[data-offline-queue]) lists the kept entries.
   Texts come from data attributes of the badge and the queue page (translated by Django). */
(function () {
  "use strict";
  var script = document.currentScript;
  var user = script.dataset.user || "";
  var badge = document.querySelector("[data-offline-badge]");
  var texts = badge ? badge.dataset : {};
  var DB_NAME = "kim-tracker-offline";
  var STORE = "entries";
  var CACHE = "kim-tracker-v1";  // the service worker's (static/js/sw.js)
  var PRECACHE_EVERY = 3 * 60 * 60 * 1000;
  var RETRY_EVERY = 30 * 1000;
  var REOPEN = "#antrean=";

  // ---- IndexedDB: one store of entries, by key -------------------------------------------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "key" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }
  function withStore(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { resolve(result && result.result); };
        transaction.onerror = function () { reject(transaction.error); };
      });
    });
  }
  function allEntries() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (rows) {
      // An entry the service worker kept (a post that failed on the way) has no user yet: it
      // was made in this browser's session, so it is this user's.
      (rows || []).forEach(function (entry) {
        if (!entry.user) {
          entry.user = user;
          withStore("readwrite", function (store) { store.put(entry); });
        }
      });
      return (rows || []).filter(function (entry) { return entry.user === user; })
        .sort(function (a, b) { return a.savedAt < b.savedAt ? -1 : 1; });
    });
  }
  function getEntry(key) {
    return withStore("readonly", function (store) { return store.get(key); });
  }
  function putEntry(entry) {
    return withStore("readwrite", function (store) { store.put(entry); }).then(changed);
  }
  function removeEntry(key) {
    return withStore("readwrite", function (store) { store.delete(key); }).then(changed);
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // ---- Sending ---------------------------------------------------------------------------
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* Send one entry. Resolves to {ok, url, message} when stored, {refused, errors, labels} when
     the server refused it, {login} when the session ended, {retry} when the server could not
     answer now; rejects when the request did not get through (no connection). */
  function send(entry) {
    var body = new URLSearchParams();
    entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    return fetch(entry.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") !== -1) {
        return response.json().then(function (data) {
          return data.ok ? data : { refused: true, errors: data.errors || {}, labels: data.labels || {} };
        });
      }
      if (response.redirected && response.url.indexOf("/akun/") !== -1) { return { login: true }; }
      if (response.status >= 500 || response.status === 0) { return { retry: true }; }
      return {
        refused: true,
        labels: {},
        errors: { __all__: [response.status + " " + (response.statusText || "")] }
      };
    });
  }

  var flushing = false;
  /* Send every waiting entry of this user, one after another; stop at the first that cannot get
     through (still offline) or when the session has ended. */
  function flush() {
    if (flushing || !navigator.onLine) { return Promise.resolve(); }
    flushing = true;
    return allEntries().then(function (entries) {
      var waiting = entries.filter(function (entry) { return entry.status === "pending"; });
      return waiting.reduce(function (previous, entry) {
        return previous.then(function (go) {
          if (!go) { return false; }
          return send(entry).then(function (result) {
            if (result.ok) { return removeEntry(entry.key).then(function () { return true; }); }
            if (result.refused) {
              entry.status = "refused";
              entry.errors = result.errors;
              entry.labels = result.labels;
              return putEntry(entry).then(function () { return true; });
            }
            if (result.login) { entry.note = "login"; return putEntry(entry).then(function () { return false; }); }
            return false;
          }, function () { return false; });
        });
      }, Promise.resolve(true));
    }).then(function () { flushing = false; }, function () { flushing = false; });
  }

  // ---- The badge and the queue page -----------------------------------------------------
  function changed() {
    return allEntries().then(function (entries) {
      showBadge(entries);
      showQueue(entries);
    });
  }

  function showBadge(entries) {
    if (!badge) { return; }
    var waiting = entries.filter(function (e) { return e.status !== "refused"; }).length;
    var refused = entries.length - waiting;
    var parts = [];
    if (!navigator.onLine) { parts.push(texts.offline); }
    if (waiting) { parts.push(waiting + " " + texts.waiting); }
    if (refused) { parts.push(refused + " " + texts.refused); }
    badge.textContent = parts.join(" · ");
    badge.hidden = !parts.length;
    badge.classList.toggle("btn-danger", refused > 0);
    badge.classList.toggle("btn-warning", refused === 0);
  }

  var queue = document.querySelector("[data-offline-queue]");
  function showQueue(entries) {
    if (!queue) { return; }
    var list = queue.querySelector("[data-offline-queue-list]");
    var words = queue.dataset;
    list.innerHTML = "";
    queue.querySelector("[data-offline-queue-empty]").hidden = entries.length > 0;
    queue.querySelector("[data-offline-send]").hidden = !entries.some(function (e) { return e.status === "pending"; });
    entries.forEach(function (entry) {
      var item = document.createElement("li");
      item.className = "list-group-item";
      item.setAttribute("data-offline-entry", entry.key);
      item.setAttribute("data-status", entry.status);
      var head = document.createElement("div");
      head.className = "d-flex flex-wrap justify-content-between gap-2";
      var title = document.createElement("strong");
      title.textContent = (words["kind" + entry.kind.charAt(0).toUpperCase() + entry.kind.slice(1)] || entry.kind) + ": " + entry.title;
      var state = document.createElement("span");
      state.className = "badge " + (entry.status === "refused" ? "text-bg-danger" : "text-bg-warning");
      state.textContent = entry.status === "refused" ? words.refused : words.pending;
      head.append(title, state);
      var when = document.createElement("div");
      when.className = "small text-body-secondary";
      when.textContent = words.saved + " " + new Date(entry.savedAt).toLocaleString(document.documentElement.lang || undefined);
      item.append(head, when);
      if (entry.note === "login") {
        var login = document.createElement("div");
        login.className = "small text-danger";
        login.textContent = words.login;
        item.append(login);
      }
      if (entry.status === "refused") {
        var problems = document.createElement("ul");
        problems.className = "small text-danger mb-2";
        errorLines(entry.errors, entry.labels).forEach(function (line) {
          var li = document.createElement("li");
          li.textContent = line;
          problems.append(li);
        });
        item.append(problems);
      }
      var actions = document.createElement("div");
      actions.className = "d-flex flex-wrap gap-2 mt-1";
      var fix = document.createElement("a");
      fix.className = "btn btn-sm btn-outline-primary";
      fix.href = entry.url + REOPEN + entry.key;
      fix.textContent = words.fix;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-outline-danger";
      remove.textContent = words.remove;
      remove.addEventListener("click", function () {
        if (window.confirm(words.confirmRemove)) { removeEntry(entry.key); }
      });
      actions.append(fix, remove);
      item.append(actions);
      list.append(item);
    });
  }
  if (queue) {
    queue.querySelector("[data-offline-send]").addEventListener("click", function () { flush(); });
  }

  function errorLines(errors, labels) {
    var lines = [];
    Object.keys(errors || {}).forEach(function (field) {
      (errors[field] || []).forEach(function (message) {
        var label = labels && labels[field];
        lines.push(label ? label + ": " + message : message);
      });
    });
    return lines;
  }

  // ---- The entry forms ------------------------------------------------------------------
  function fieldsOf(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") { pairs.push([name, value]); }
    });
    return pairs;
  }

  function titleOf(form, kind) {
    if (kind === "kim") {
      var name = form.elements.name ? form.elements.name.value : "";
      var desa = form.elements.desa;
      var place = desa && desa.selectedIndex > 0 ? desa.options[desa.selectedIndex].text : "";
      return place ? name + " (" + place + ")" : name;
    }
    var heading = document.querySelector("main h1");
    var description = form.elements.description ? form.elements.description.value : "";
    var text = heading ? heading.textContent.trim() : "";
    return description ? text + ": " + description : text;
  }

  function notice(form, text, kind) {
    var old = form.querySelector("[data-offline-notice]");
    if (old) { old.remove(); }
    if (!text) { return; }
    var box = document.createElement("div");
    box.className = "alert alert-" + kind;
    box.setAttribute("data-offline-notice", "");
    box.setAttribute("role", kind === "danger" ? "alert" : "status");
    box.textContent = text;
    form.prepend(box);
    return box;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-offline-error]").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".is-invalid").forEach(function (node) { node.classList.remove("is-invalid"); });
  }

  function showErrors(form, errors, labels) {
    clearErrors(form);
    var general = [];
    Object.keys(errors || {}).forEach(function (field) {
      var input = form.elements[field];
      if (!input && field === "confirm_second") { input = addConfirm(form, labels[field]); }
      if (!input || !input.classList) {
        (errors[field] || []).forEach(function (message) {
          general.push(labels[field] ? labels[field] + ": " + message : message);
        });
        return;
      }
      input.classList.add("is-invalid");
      var feedback = document.createElement("div");
      feedback.className = "invalid-feedback d-block";
      feedback.setAttribute("data-offline-error", "");
      feedback.textContent = errors[field].join(" ");
      (input.type === "checkbox" && input.parentNode ? input.parentNode : input).after(feedback);
    });
    var box = notice(form, texts.fix, "danger");
    general.forEach(function (line) {
      var p = document.createElement("div");
      p.textContent = line;
      box.append(p);
    });
  }

  // The "second KIM in this desa" checkbox, shown by the server only when needed.
  function addConfirm(form, label) {
    var wrap = document.createElement("div");
    wrap.className = "form-check mb-3";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.className = "form-check-input";
    box.name = "confirm_second";
    box.id = "id_confirm_second_offline";
    var text = document.createElement("label");
    text.className = "form-check-label";
    text.htmlFor = box.id;
    text.textContent = label || "";
    wrap.append(box, text);
    var desa = form.elements.desa;
    (desa ? desa.closest(".mb-3") || desa : form.querySelector("button[type=submit]")).after(wrap);
    return box;
  }

  function setValue(form, name, value) {
    var input = form.elements[name];
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.append(input);
    }
    if (input.type === "checkbox") { input.checked = Boolean(value); } else { input.value = value; }
    return input;
  }

  /* Fill the form with a kept entry. The desa select gets its options from kim-form.js once
     the kecamatan is set (from the service worker's copy when offline). */
  function fill(form, entry) {
    var desaValue = null;
    entry.fields.forEach(function (pair) {
      if (pair[0] === "desa" && form.elements.kecamatan) { desaValue = pair[1]; return; }
      var input = setValue(form, pair[0], pair[1]);
      if (pair[0] === "kecamatan" || pair[0] === "kabupaten") {
        input.dispatchEvent(new Event("change"));
      }
    });
    if (desaValue === null) { return Promise.resolve(); }
    var desa = form.elements.desa;
    return new Promise(function (resolve) {
      var tries = 0;
      (function wait() {
        if (desa.getAttribute("data-loaded") || tries > 100) {
          desa.value = desaValue;
          resolve();
          return;
        }
        tries += 1;
        setTimeout(wait, 100);
      })();
    });
  }

  function keep(form, entry, message) {
    entry.status = "pending";
    entry.errors = {};
    entry.note = "";
    return putEntry(entry).then(function () {
      notice(form, message, "info");
      if (!form.dataset.queueKey) {
        form.reset();
        form.elements.client_key.value = newKey();
      }
    });
  }

  /* A new entry goes as a plain form post while the device is online (the server's page, as
     without this script; should the post fail on the way, the service worker keeps it). Offline,
     it is kept here. A kept entry reopened to be fixed is sent with fetch, so that its place in
     the queue follows the answer. */
  function submitted(event) {
    var form = event.currentTarget;
    if (form.dataset.plainSubmit) { return; }
    if (navigator.onLine && !form.dataset.queueKey) { return; }
    event.preventDefault();
    var kind = form.dataset.offlineForm;
    var key = form.dataset.queueKey || form.elements.client_key.value || newKey();
    form.elements.client_key.value = key;
    var entry = {
      key: key,
      kind: kind,
      user: user,
      url: location.pathname,
      title: titleOf(form, kind),
      savedAt: new Date().toISOString(),
      fields: fieldsOf(form)
    };
    if (!navigator.onLine) {
      // The server cannot check it now: at least the browser's own checks (required fields,
      // dates in range) before it waits on the device.
      if (!form.checkValidity()) { form.reportValidity(); return; }
      keep(form, entry, texts.kept);
      return;
    }
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    send(entry).then(function (result) {
      if (button) { button.disabled = false; }
      if (result.ok) {
        var done = form.dataset.queueKey ? removeEntry(key) : Promise.resolve();
        return done.then(function () { location.assign(result.url); });
      }
      if (result.refused && form.dataset.queueKey) {
        entry.status = "refused";
        entry.errors = result.errors;
        entry.labels = result.labels;
        return putEntry(entry).then(function () { showErrors(form, result.errors, result.labels); });
      }
      if (result.refused || result.login) {
        // The server's own page shows a fresh entry's refusal (or the log-in) best; the key
        // goes with it, so nothing can be written twice.
        form.dataset.plainSubmit = "1";
        HTMLFormElement.prototype.submit.call(form);
        return;
      }
      return keep(form, entry, texts.kept);
    }, function () {
      if (button) { button.disabled = false; }
      return keep(form, entry, texts.kept);
    });
  }

  document.querySelectorAll("form[data-offline-form]").forEach(function (form) {
    if (!form.elements.client_key) { return; }
    form.addEventListener("submit", submitted);
    if (location.hash.indexOf(REOPEN) === 0) {
      var key = decodeURIComponent(location.hash.slice(REOPEN.length));
      getEntry(key).then(function (entry) {
        if (!entry) { form.elements.client_key.value = newKey(); return; }
        form.dataset.queueKey = key;
        return fill(form, entry).then(function () {
          form.elements.client_key.value = key;
          if (entry.status === "refused") { showErrors(form, entry.errors, entry.labels || {}); }
        });
      });
    } else {
      // A page kept by the service worker carries the key of the day it was kept: each entry
      // needs its own.
      form.elements.client_key.value = newKey();
    }
  });

  // ---- Signing out: what was kept for this user goes with the session ----------------------
  document.querySelectorAll("form[action$='/akun/keluar/']").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.cleared || !window.caches) { return; }
      event.preventDefault();
      localStorage.removeItem("kim-precached");
      caches.delete(CACHE).then(function () {
        form.dataset.cleared = "1";
        HTMLFormElement.prototype.submit.call(form);
      });
    });
  });

  // ---- Keeping the pages for offline use ------------------------------------------------
  function precache() {
    if (!window.caches || !navigator.onLine || !script.dataset.precache) { return; }
    var stamp = JSON.parse(localStorage.getItem("kim-precached") || "{}");
    if (stamp.user === user && Date.now() - stamp.at < PRECACHE_EVERY) {
      document.documentElement.setAttribute("data-offline-ready", "");
      return;
    }
    fetch(script.dataset.precache, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        return caches.open(CACHE).then(function (cache) {
          var urls = data.urls.slice();
          function next() {
            var url = urls.shift();
            if (!url) { return Promise.resolve(); }
            return fetch(url, { credentials: "same-origin" }).then(function (response) {
              if (response.ok && !response.redirected) { return cache.put(url, response); }
            }).then(next, next);
          }
          return Promise.all([next(), next(), next()]);
        });
      })
      .then(function () {
        localStorage.setItem("kim-precached", JSON.stringify({ user: user, at: Date.now() }));
        document.documentElement.setAttribute("data-offline-ready", "");
      }, function () { /* offline again: next page load tries again */ });
  }

  if ("serviceWorker" in navigator && script.dataset.serviceWorker) {
    navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: "/" }).then(precache, precache);
  } else {
    precache();
  }
  window.addEventListener("online", function () { changed(); flush(); });
  window.addEventListener("offline", changed);
  setInterval(function () { if (navigator.onLine) { flush(); } }, RETRY_EVERY);
  changed().then(flush);
})();
