/* Service worker of KIM Tracker, served from the site root (/sw.js, kimtracker.pwa) so that it
   controls every page. Network first: a page or file is taken from the server whenever the
   server answers, and a copy is kept; without a connection the kept copy is served. What the
   device keeps on purpose (the entry forms of the officer's KIM, the desa of the officer's
   kecamatan, the app's files) is fetched by offline.js from villages:offline_precache into the
   same cache. Entries are never sent from here: offline.js keeps them in IndexedDB and sends
   them when the connection returns. Cross-origin requests (map tiles, the CDN) pass by. */
"use strict";

var CACHE = "kim-tracker-v1";
// Never kept: the admin, the account pages (log-in, password) and downloads.
var NEVER = [/^\/admin\//, /^\/akun\//, /^\/i18n\//];
// The page shown for a page never kept (filled in by kimtracker.pwa).
var OFFLINE_PAGE = "__OFFLINE_PAGE__";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name !== CACHE; })
        .map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

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
  event.respondWith(
    fetch(request).then(function (response) {
      if (worthKeeping(response)) {
        var copy = response.clone();
        event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.put(request, copy); }));
      }
      return response;
    }).catch(function (error) {
      // ignoreVary: a page varies by cookie and language, and the copies are this user's own
      // (offline.js empties the cache at sign-out).
      return caches.match(request, { ignoreVary: true }).then(function (kept) {
        if (kept) { return kept; }
        if (request.mode === "navigate") {
          // A page never kept: the list of entries waiting, which explains what works offline.
          return caches.match(OFFLINE_PAGE, { ignoreVary: true }).then(function (page) {
            if (page) { return page; }
            throw error;
          });
        }
        throw error;
      });
    })
  );
});
