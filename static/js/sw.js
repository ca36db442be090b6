/* Service worker of KIM Tracker, served from the site root (/sw.js, kimtracker.pwa) so that it
   controls every page. Network first: a page or file is taken from the server whenever the
   server answers in time; without a connection (or after SLOW_MS) the copy kept on the device
   is served. The device keeps the app's files and what offline.js fetches from
   villages:offline_precache (the entry forms of the officer's KIM, the desa of the officer's
   kecamatan, the queue page), refreshed on each visit; no other page stays on the device. Entries are never sent from here: offline.js keeps them in IndexedDB and sends
   them when the connection returns. Cross-origin requests (map tiles, the CDN) pass by. */
"use strict";

var CACHE = "kim-tracker-v1";
// Never kept: the admin, the account pages (log-in, password) and downloads.
var NEVER = [/^\/admin\//, /^\/akun\//, /^\/i18n\//];
// The page shown for a page never kept (filled in by kimtracker.pwa).
var OFFLINE_PAGE = "__OFFLINE_PAGE__";
var STATIC_URL = "__STATIC_URL__";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name !== CACHE; })
        .map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// A kept page is served from the device when the server takes longer than this to answer.
var SLOW_MS = 6000;

// ignoreVary: a page varies by cookie and language, and the copies are this user's own
// (offline.js empties the cache at sign-out).
function kept(request) {
  return caches.match(request, { ignoreVary: true });
}

/* The server's answer. The copy on the device is refreshed for the app's files and for what
   offline.js chose to keep (villages:offline_precache); other pages, with people's names and
   numbers, are not kept on the device. */
function fromNetwork(request, url) {
  var response = fetch(request);
  var stored = response.then(function (answer) {
    if (!worthKeeping(answer)) { return; }
    var copy = answer.clone();
    var isFile = url.pathname.indexOf(STATIC_URL) === 0;
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request, { ignoreVary: true }).then(function (old) {
        if (!old && !isFile) { return; }
        return cache.delete(request, { ignoreVary: true }).then(function () {
          return cache.put(request, copy);
        });
      });
    });
  }).catch(function () { /* offline: nothing to keep */ });
  return { response: response, stored: stored };
}

// Offline, a page never kept shows the list of entries waiting, which says what works offline.
function fallback(request, error) {
  if (request.mode !== "navigate") { throw error; }
  return caches.match(OFFLINE_PAGE, { ignoreVary: true }).then(function (page) {
    if (page) { return page; }
    throw error;
  });
}

function keepable(url) {
  if (url.origin !== self.location.origin) { return false; }
  return !NEVER.some(function (pattern) { return pattern.test(url.pathname); });
}

function worthKeeping(response) {
  if (!response || !response.ok || response.redirected || response.type !== "basic") {
    return false;
  }
  var disposition = response.headers.get("Content-Disposition") || "";
  return disposition.indexOf("attachment") === -1;
}

// ---- An entry form posted while the connection drops -------------------------------------
// offline.js keeps the entries made offline; a post sent while the device thought it was online
// and lost on the way is kept here, in the same IndexedDB store (its user is filled in by
// offline.js on the next page), and the officer sees the queue page instead of an error.
// The entry forms' addresses (villages/urls.py: kim_create, kim_activity, kim_status).
var ENTRY_FORM = /\/kim\/(baru|\d+\/kegiatan|\d+\/status)\/$/;

function putEntry(entry) {
  return new Promise(function (resolve, reject) {
    var open = indexedDB.open("kim-tracker-offline", 1);
    open.onupgradeneeded = function () { open.result.createObjectStore("entries", { keyPath: "key" }); };
    open.onerror = function () { reject(open.error); };
    open.onsuccess = function () {
      var transaction = open.result.transaction("entries", "readwrite");
      transaction.objectStore("entries").put(entry);
      transaction.oncomplete = function () { resolve(); };
      transaction.onerror = function () { reject(transaction.error); };
    };
  });
}

function keepOnFailure(request) {
  var copy = request.clone();
  return fetch(request).catch(function (error) {
    return copy.formData().then(function (data) {
      var key = data.get("client_key");
      if (!key) { throw error; }  // not an entry form
      var fields = [];
      data.forEach(function (value, name) {
        if (name !== "csrfmiddlewaretoken" && typeof value === "string") { fields.push([name, value]); }
      });
      var path = new URL(request.url).pathname;
      var kind = /\/kegiatan\/$/.test(path) ? "activity" : /\/status\/$/.test(path) ? "status" : "kim";
      return putEntry({
        key: key,
        kind: kind,
        user: "",
        url: path,
        title: data.get("name") || data.get("description") || data.get("note") || path,
        savedAt: new Date().toISOString(),
        fields: fields,
        status: "pending",
        errors: {}
      }).then(function () {
        return caches.match(OFFLINE_PAGE, { ignoreVary: true });
      }).then(function (page) {
        if (!page) { throw error; }
        return page;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method === "POST" && request.mode === "navigate" && ENTRY_FORM.test(request.url)) {
    event.respondWith(keepOnFailure(request));
    return;
  }
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (!keepable(url)) { return; }
  var network = fromNetwork(request, url);
  event.waitUntil(network.stored);
  event.respondWith(kept(request).then(function (copy) {
    if (!copy) {
      return network.response.catch(function (error) { return fallback(request, error); });
    }
    // A kept copy is served when the server fails, or is slower than SLOW_MS (weak signal).
    return new Promise(function (resolve) {
      var timer = setTimeout(function () { resolve(copy); }, SLOW_MS);
      network.response.then(function (response) {
        clearTimeout(timer);
        resolve(response);
      }, function () {
        clearTimeout(timer);
        resolve(copy);
      });
    });
  }));
});
