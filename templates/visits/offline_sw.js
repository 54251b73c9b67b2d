/* The service worker of 离线走访 (issue 17), rendered by visits.views_offline.offline_sw.

   What it keeps: the app's own static files below and the offline page, which holds no personal data. Nothing
   else is ever cached: every page is asked of the network first, and only when the network is away does a
   navigation to the worklist, a household page or the visit form get the offline page, which draws them from
   the app's IndexedDB store (cleared on sign-out). The admin, ledgers, exports and every other response pass
   through untouched. Version: __VERSION__ */
"use strict";
var VERSION = "__VERSION__";
var STATIC_CACHE = "relief-static-" + VERSION;
var SHELL_CACHE = "relief-shell";
var STATIC_FILES = [{% for url in static_files %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
var SHELL_URL = "{{ shell_url|escapejs }}";
/* The scripts' words (Django's JavaScript catalog), one address per language: kept with the static files. */
var CATALOG_URLS = [{% for url in catalog_urls %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

function keepShell() {
  return fetch(SHELL_URL, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
    if (!response.ok || response.redirected) return;
    return caches.open(SHELL_CACHE).then(function (cache) { return cache.put(SHELL_URL, response); });
  }).catch(function () { /* offline or not allowed: keep what is there */ });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC_CACHE).then(function (cache) {
    return cache.addAll(STATIC_FILES.concat(CATALOG_URLS));
  }).then(keepShell).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("relief-static-") === 0 && name !== STATIC_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "keep-shell") event.waitUntil(keepShell());
  /* Signed out, or another user: nothing of the last one stays, not even the offline page. */
  if (data.type === "wipe") event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("relief-") === 0; })
      .map(function (n) { return caches.delete(n); }));
  }));
});

function offlinePage() {
  return caches.open(SHELL_CACHE).then(function (cache) { return cache.match(SHELL_URL); }).then(function (page) {
    return page || new Response(
      "<!DOCTYPE html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
      "<title>{{ offline_title|escapejs }}</title><p>{{ offline_text|escapejs }}</p>",
      {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var key = STATIC_FILES.indexOf(url.pathname) >= 0 ? url.pathname :
    CATALOG_URLS.indexOf(url.pathname + url.search) >= 0 ? url.pathname + url.search : null;
  if (key) {
    /* The network first (a developer's edit shows at once), the kept copy when it is away. */
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(STATIC_CACHE).then(function (cache) { cache.put(key, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(key).then(function (kept) { return kept || Response.error(); });
    }));
    return;
  }
  if (request.mode === "navigate") {
    /* The offline page reads the address and draws the worklist, the household or the visit form; for any
       other page it says that the page needs the network. */
    event.respondWith(fetch(request).catch(offlinePage));
  }
});
