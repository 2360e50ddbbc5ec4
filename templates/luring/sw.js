/* PKH Graduasi service worker (version {{ version }}).

   - The shell (CSS, scripts, icons, the offline page) is kept when the worker installs.
   - A page is fetched from the network first; a copy is kept only when the server marked it
     keepable (X-Luring: simpan, given only to a pendamping for their own pages). A refused or
     vanished page drops its copy.
   - Offline, a kept page is shown, or the offline page when none was kept.
   - Forms are never answered from here: the page's script (js/luring.js) queues them.
   - Messages: "siapkan" fetches and keeps the pendamping's pages; "bersihkan" forgets them
     (at sign-out and on the sign-in page).
   - A new release's worker keeps the previous shell until the pages are kept again, so a kept
     page never lacks its CSS or its queue script. */
"use strict";

var VERSION = "{{ version }}";
var SHELL_CACHE = "pkh-shell-" + VERSION;
var PAGE_CACHE = "pkh-halaman";
var SHELL = {{ shell|safe }};
var OFFLINE_PAGE = SHELL[SHELL.length - 1];
var KEEP_HEADER = "X-Luring";
var PARALLEL = 3;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE).then(function (cache) {
      return cache.addAll(SHELL);
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

function oldShells() {
  return caches.keys().then(function (names) {
    return names.filter(function (name) {
      return name.indexOf("pkh-shell-") === 0 && name !== SHELL_CACHE;
    });
  });
}

function dropOldShells() {
  return oldShells().then(function (names) {
    return Promise.all(names.map(function (name) { return caches.delete(name); }));
  });
}

self.addEventListener("activate", function (event) {
  /* The kept pages still name the previous release's files, so its shell stays until the
     pages are kept again: the pages are told, and the next "siapkan" drops it. */
  event.waitUntil(
    self.clients.claim().then(oldShells).then(function (names) {
      return names.length ? tell({ jenis: "diperbarui" }) : undefined;
    })
  );
});

function sameOrigin(url) {
  return new URL(url).origin === self.location.origin;
}

function keepOrDrop(request, response) {
  /* Keep a copy of a keepable page; forget the copy of one that is now refused or gone. */
  return caches.open(PAGE_CACHE).then(function (cache) {
    if (response.status === 200 && response.headers.get(KEEP_HEADER) === "simpan") {
      return cache.put(request.url, response.clone());
    }
    if (response.status === 403 || response.status === 404) {
      return cache.delete(request.url);
    }
    return undefined;
  });
}

function page(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    event.waitUntil(keepOrDrop(request, response));
    return response;
  }).catch(function () {
    return caches.open(PAGE_CACHE).then(function (cache) {
      return cache.match(request.url);
    }).then(function (kept) {
      return kept || caches.match(OFFLINE_PAGE);
    });
  });
}

function asset(request) {
  return caches.match(request).then(function (kept) {
    return kept || fetch(request);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || !sameOrigin(request.url)) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (new URL(request.url).pathname.indexOf("/static/") === 0) {
    event.respondWith(asset(request));
  }
});

function tell(message) {
  return self.clients.matchAll({ type: "window" }).then(function (clients) {
    clients.forEach(function (client) {
      client.postMessage(message);
    });
  });
}

function prepare(listUrl) {
  /* Fetch the list of the pendamping's pages, then each page, a few at a time. */
  return fetch(listUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok || response.redirected) {
        throw new Error("daftar " + response.status);
      }
      return response.json();
    })
    .then(function (body) {
      var urls = body.halaman;
      var done = 0;
      var kept = 0;
      var next = 0;
      function worker() {
        if (next >= urls.length) {
          return Promise.resolve();
        }
        var url = urls[next++];
        var request = new Request(url, { credentials: "same-origin" });
        return fetch(request).then(function (response) {
          if (response.headers.get(KEEP_HEADER) === "simpan") {
            kept += 1;
          }
          return keepOrDrop(request, response);
        }).catch(function () {
          return undefined;
        }).then(function () {
          done += 1;
          if (done % 10 === 0 || done === urls.length) {
            tell({ jenis: "siapkan", selesai: done, jumlah: urls.length });
          }
          return worker();
        });
      }
      var workers = [];
      for (var i = 0; i < PARALLEL; i += 1) {
        workers.push(worker());
      }
      return Promise.all(workers).then(dropOldShells).then(function () {
        return tell({ jenis: "siap", disimpan: kept, jumlah: urls.length });
      });
    })
    .catch(function () {
      return tell({ jenis: "gagal-siapkan" });
    });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.jenis === "siapkan" && typeof data.daftar === "string") {
    event.waitUntil(prepare(data.daftar));
  } else if (data.jenis === "bersihkan") {
    event.waitUntil(Promise.all([caches.delete(PAGE_CACHE), dropOldShells()]).then(function () {
      return tell({ jenis: "dibersihkan" });
    }));
  }
});
