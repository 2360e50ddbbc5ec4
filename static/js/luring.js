/* Offline field mode, on every page.

   - Registers the service worker (/sw.js), which keeps the pendamping's own pages.
   - A form marked data-antrian (visit, commitment grid, P2K2 roll-call) submitted without
     signal is kept in this phone's IndexedDB with its idempotency key, and sent when the
     signal returns: on load, on the "online" event, every minute while something waits, and
     with the "Kirim sekarang" button. The server stores a key once, so sending twice is safe.
   - The answer decides: saved (removed from the queue), conflict (both sides are shown and
     the pendamping chooses), refused (the reasons are shown; kept until discarded), sign-in
     needed (kept until the same user signs in again).
   - Signing out, or any sign-in page, forgets the kept pages. The queue stays: it is work not
     yet delivered, and only the user who made it can send or discard it.
   Texts come from the status bar's data-* attributes, so they are translated with the page. */
(function () {
  "use strict";

  var DB_NAME = "pkh-luring";
  var STORE = "antrian";
  var LAST_SYNC = "pkh-luring-terakhir";
  var LAST_USER = "pkh-luring-pengguna";
  var PREPARED = "pkh-luring-disiapkan";
  var FLASH = "pkh-luring-pesan";
  var PREPARE_EVERY_MS = 12 * 60 * 60 * 1000;
  var RETRY_EVERY_MS = 60 * 1000;
  var SUBMIT_TIMEOUT_MS = 30 * 1000;

  var body = document.body;
  var bar = document.getElementById("antrian");
  var text = bar ? bar.dataset : {};
  var signedIn = body.dataset.pengguna || "";
  var signInPage = body.dataset.anonim === "1";
  var user = signedIn || (signInPage ? "" : localStorage.getItem(LAST_USER) || "");
  var sending = false;
  var retryTimer = 0;
  var inFlight = null;
  var sendAgain = false;
  var shownList = "";

  if (signedIn) {
    localStorage.setItem(LAST_USER, signedIn);
  }

  /* --- small helpers --------------------------------------------------------------------- */

  function say(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_m, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) {
      return (x + 0x100).toString(16).slice(1);
    }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" +
      h.slice(16, 20) + "-" + h.slice(20);
  }

  function clock(iso) {
    var d = new Date(iso);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getDate()) + "-" + two(d.getMonth() + 1) + "-" + d.getFullYear() + " " +
      two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  /* --- the queue (IndexedDB) --------------------------------------------------------------- */

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var store = request.result.createObjectStore(STORE, { keyPath: "key" });
        store.createIndex("pengguna", "pengguna");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function mine() {
    if (!user) { return Promise.resolve([]); }
    return withStore("readonly", function (store) {
      return store.index("pengguna").getAll(user);
    }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.dibuat < b.dibuat ? -1 : 1; });
    });
  }

  function put(item) {
    return withStore("readwrite", function (store) { return store.put(item); });
  }

  function remove(key) {
    return withStore("readwrite", function (store) { return store.delete(key); });
  }

  /* --- forms: kept offline -------------------------------------------------------------------- */

  function freshKeys() {
    /* A kept page would otherwise give every visit logged from it the same key. */
    document.querySelectorAll("form[data-antrian] input[name=idempotency_key]").forEach(
      function (input) { input.value = newKey(); }
    );
  }

  function today() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  }

  function freshDates() {
    /* A page kept yesterday would offer yesterday as "today": move its default and its limit. */
    var kept = body.dataset.hari;
    var now = today();
    if (!kept || kept >= now) { return; }
    document.querySelectorAll("form[data-antrian] input[type=date]").forEach(function (input) {
      if (input.max === kept) { input.max = now; }
      if (input.value === kept) { input.value = now; }
    });
  }

  function fieldsOf(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File && !value.name && !value.size) {
        return; /* an empty file input */
      }
      fields.push([name, value]);
    });
    return fields;
  }

  function itemOf(form) {
    var keyInput = form.querySelector("input[name=idempotency_key]");
    if (!keyInput.value) { keyInput.value = newKey(); }
    return {
      key: keyInput.value,
      pengguna: user,
      alamat: form.getAttribute("action") || window.location.pathname + window.location.search,
      judul: form.dataset.antrian,
      kembali: form.dataset.kembali,
      isian: fieldsOf(form),
      status: "menunggu",
      dibuat: new Date().toISOString()
    };
  }

  function leaveFor(item, message) {
    if (message) { sessionStorage.setItem(FLASH, message); }
    window.location.assign(item.kembali || window.location.href);
  }

  function submitted(form) {
    /* Kept first, so nothing is lost whatever the signal does; then sent at once when online.
       Refused or conflicting, it leaves the queue and the form is sent the ordinary way, so
       the server's page shows the reasons in place (it writes nothing either time). */
    var item = itemOf(form);
    var keptText = say(text.disimpan, { judul: item.judul });
    return put(item).then(function () {
      if (!navigator.onLine) { return leaveFor(item, keptText); }
      show();
      return sendOne(item, SUBMIT_TIMEOUT_MS).then(function (outcome) {
        if (outcome.hasil === "tersimpan") {
          return leaveFor({ kembali: outcome.kembali || item.kembali }, "");
        }
        if (outcome.hasil === "konflik" || outcome.hasil === "ditolak") {
          return remove(item.key).then(function () {
            form.dataset.langsung = "1";
            form.submit();
          });
        }
        return leaveFor(item, outcome.hasil === "perlu-masuk" ? text.perluMasuk : keptText);
      });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-antrian]") || !user ||
        form.dataset.langsung === "1" || !window.indexedDB) {
      return;
    }
    event.preventDefault();
    submitted(form).catch(function () {
      form.dataset.langsung = "1"; /* the phone could not keep it: send it the ordinary way */
      form.submit();
    });
  });

  /* --- sending ------------------------------------------------------------------------------ */

  function formOf(item) {
    var data = new FormData();
    item.isian.forEach(function (pair) {
      if (pair[0] !== "csrfmiddlewaretoken") {
        data.append(pair[0], pair[1]);
      }
    });
    data.append("csrfmiddlewaretoken", csrfToken());
    return data;
  }

  function sendOne(item, timeoutMs) {
    /* Send one item and record the answer on it. Resolves to {hasil, kembali}: "tersimpan"
       (removed from the queue), "konflik", "ditolak", "perlu-masuk" or "gagal" (no signal,
       a stale form token, or a server error: try again later). */
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort && timeoutMs ? window.setTimeout(function () { abort.abort(); }, timeoutMs) : 0;
    return fetch(item.alamat, {
      method: "POST",
      body: formOf(item),
      credentials: "same-origin",
      redirect: "manual",
      signal: abort ? abort.signal : undefined,
      headers: { "X-Antrian": "1", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      if (response.type === "opaqueredirect") {
        return mark(item, "perlu-masuk", { pesan: text.perluMasuk });
      }
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      if (!json) {
        return unreadable(item, response.status);
      }
      return response.json().then(function (answer) {
        localStorage.setItem(LAST_SYNC, new Date().toISOString());
        if (answer.status === "tersimpan") {
          return remove(item.key).then(function () {
            return { hasil: "tersimpan", kembali: answer.kembali };
          });
        }
        return mark(item, answer.status === "konflik" ? "konflik" : "ditolak", {
          pesan: answer.pesan, beda: answer.beda || [], versi: answer.versi || {},
          galat: answer.galat || []
        });
      });
    }, function () {
      return { hasil: "gagal" };
    }).then(function (outcome) {
      window.clearTimeout(timer);
      return outcome;
    });
  }

  function mark(item, status, details) {
    item.status = status;
    Object.keys(details).forEach(function (name) { item[name] = details[name]; });
    return put(item).then(function () { return { hasil: status }; });
  }

  function unreadable(item, status) {
    if (status === 404) {
      return mark(item, "ditolak", { pesan: text.hilang });
    }
    if (status === 403 && item.status !== "menunggu-token") {
      /* Perhaps a stale form token: tried again after the next page load, then refused. */
      return mark(item, "menunggu-token", { pesan: text.muatUlang }).then(function () {
        return { hasil: "gagal" };
      });
    }
    if (status === 403) {
      return mark(item, "ditolak", { pesan: text.tidakBerhak });
    }
    return Promise.resolve({ hasil: "gagal" }); /* the server is unwell: try later */
  }

  function sendable(item) {
    return item.status === "menunggu" || item.status === "perlu-masuk" ||
      item.status === "menunggu-token";
  }

  function sendAll() {
    if (!signedIn || !navigator.onLine) {
      return Promise.resolve();
    }
    return mine().then(function (items) {
      var queue = items.filter(sendable);
      function next() {
        if (!queue.length) { return undefined; }
        return sendOne(queue.shift(), 0).then(function (outcome) {
          var goOn = outcome.hasil === "tersimpan" || outcome.hasil === "konflik" ||
            outcome.hasil === "ditolak";
          return goOn ? next() : undefined;
        });
      }
      return next();
    });
  }

  function send() {
    /* One pass at a time in this page, and another after it when asked meanwhile; across
       tabs, one sender at a time (sending twice would still store once). From the moment a
       pass is asked for until it ends, waiting for another tab included, the bar says
       "Mengirim…" and the button rests. */
    if (inFlight) {
      sendAgain = true;
      return inFlight;
    }
    if (!signedIn || !navigator.onLine) {
      return show();
    }
    sending = true;
    show();
    var pass = navigator.locks && navigator.locks.request
      ? navigator.locks.request("pkh-antrian", sendAll) : sendAll();
    inFlight = pass.catch(function () {
      return undefined;
    }).then(function () {
      inFlight = null;
      if (sendAgain) {
        sendAgain = false;
        return send();
      }
      sending = false;
      return show();
    });
    return inFlight;
  }

  /* --- the status bar ----------------------------------------------------------------------- */

  function choices(item) {
    var box = element("div", "antrian-pilih");
    if (item.status === "konflik") {
      var keepMine = element("button", "", text.pakaiSaya);
      keepMine.type = "button";
      keepMine.dataset.aksi = "saya";
      keepMine.dataset.kunci = item.key;
      box.appendChild(keepMine);
    }
    var drop = element("button", "", item.status === "konflik" ? text.pakaiServer : text.buang);
    drop.type = "button";
    drop.dataset.aksi = "buang";
    drop.dataset.kunci = item.key;
    box.appendChild(drop);
    return box;
  }

  function differences(item) {
    var table = element("table", "antrian-beda");
    var head = table.createTHead().insertRow();
    [text.kolomData, text.kolomServer, text.kolomAnda].forEach(function (label) {
      head.appendChild(element("th", "", label));
    });
    var rows = table.createTBody();
    (item.beda || []).forEach(function (d) {
      var row = rows.insertRow();
      row.appendChild(element("th", "", d.label));
      row.appendChild(element("td", "", d.server));
      row.appendChild(element("td", "", d.anda));
    });
    return table;
  }

  function entry(item) {
    var li = element("li", "antrian-item antrian-" + item.status);
    li.dataset.kunci = item.key;
    li.appendChild(element("strong", "", item.judul));
    li.appendChild(element("span", "muted", " · " + clock(item.dibuat)));
    if (item.pesan) {
      li.appendChild(element("p", "", item.pesan));
    }
    if (item.status === "konflik") {
      li.appendChild(differences(item));
    }
    (item.galat || []).slice(1).forEach(function (reason) {
      li.appendChild(element("p", "", reason));
    });
    if (item.status === "konflik" || item.status === "ditolak") {
      li.appendChild(choices(item));
    }
    return li;
  }

  function show() {
    if (!bar) { return Promise.resolve(); }
    return mine().then(function (items) {
      var waiting = items.filter(sendable).length;
      var problems = items.filter(function (i) { return !sendable(i); });
      var last = localStorage.getItem(LAST_SYNC);
      bar.querySelector(".antrian-luring").hidden = navigator.onLine;
      var decide = items.filter(function (i) {
        return i.status === "konflik" || i.status === "ditolak";
      }).length;
      bar.querySelector(".antrian-jumlah").textContent = sending ? text.mengirim
        : waiting ? say(text.menunggu, { n: waiting })
          : decide ? say(text.putuskan, { n: decide }) : text.kosong;
      bar.querySelector(".antrian-terakhir").textContent = last
        ? say(text.terakhir, { waktu: clock(last) })
        : text.belumPernah;
      bar.querySelector(".antrian-kirim").disabled = sending || !waiting;
      var listed = items.filter(function (i) { return i.status !== "menunggu"; });
      var signature = JSON.stringify(listed.map(function (i) { return [i.key, i.status, i.pesan]; }));
      if (signature !== shownList) { /* rebuilt only when it changed: no button moves under a finger */
        var list = bar.querySelector(".antrian-daftar");
        list.textContent = "";
        listed.forEach(function (item) { list.appendChild(entry(item)); });
        shownList = signature;
      }
      bar.dataset.sibuk = sending ? "1" : "0";
      bar.dataset.jumlahMenunggu = String(waiting);
      bar.dataset.jumlahMasalah = String(problems.length);
      bar.hidden = !(body.dataset.peran === "pendamping" || items.length || !navigator.onLine);
      window.clearTimeout(retryTimer);
      if (waiting && navigator.onLine && !sending && signedIn) {
        retryTimer = window.setTimeout(send, RETRY_EVERY_MS);
      }
    }).catch(function () {
      return undefined;
    });
  }

  function choose(event) {
    var button = event.target.closest("button[data-aksi]");
    if (!button) { return; }
    mine().then(function (items) {
      var item = items.filter(function (i) { return i.key === button.dataset.kunci; })[0];
      if (!item) { return undefined; }
      if (button.dataset.aksi === "buang") {
        return remove(item.key);
      }
      /* Keep mine: resend carrying the server's current versions. */
      item.isian = item.isian.map(function (pair) {
        return Object.prototype.hasOwnProperty.call(item.versi, pair[0])
          ? [pair[0], item.versi[pair[0]]] : pair;
      });
      item.status = "menunggu";
      item.pesan = "";
      item.beda = [];
      return put(item);
    }).then(function () {
      return show();
    }).then(function () {
      return send();
    });
  }

  /* --- kept pages: prepare and forget --------------------------------------------------------- */

  function worker(message) {
    if (!("serviceWorker" in navigator)) { return Promise.resolve(); }
    return navigator.serviceWorker.getRegistration("/").then(function (registration) {
      var active = registration && (registration.active || registration.waiting ||
        registration.installing);
      if (active) { active.postMessage(message); }
    });
  }

  function prepare(force) {
    /* Automatically from the caseload page; anywhere when asked (a new release). */
    var onCaseload = Boolean(document.getElementById("siapkan-luring"));
    var list = body.dataset.luringDaftar;
    if (!list || !navigator.onLine || !signedIn || (!onCaseload && !force)) { return; }
    var stamp = localStorage.getItem(PREPARED + ":" + user);
    if (!force && stamp && Date.now() - Date.parse(stamp) < PREPARE_EVERY_MS) { return; }
    worker({ jenis: "siapkan", daftar: list });
  }

  function prepared(message) {
    if (message.jenis === "diperbarui") {
      prepare(true); /* a new release: keep the pages again, naming its files */
      return;
    }
    var status = document.getElementById("siapkan-status");
    var button = document.getElementById("siapkan-luring");
    if (message.jenis === "siap") {
      localStorage.setItem(PREPARED + ":" + user, new Date().toISOString());
    }
    if (!status || !button) { return; }
    if (message.jenis === "siapkan") {
      status.textContent = say(button.dataset.kemajuan, { n: message.selesai, total: message.jumlah });
    } else if (message.jenis === "siap") {
      status.textContent = say(button.dataset.siap, { n: message.disimpan, waktu: clock(new Date().toISOString()) });
      status.dataset.siap = "1";
    } else if (message.jenis === "gagal-siapkan") {
      status.textContent = button.dataset.gagal;
    }
  }

  function forget() {
    localStorage.removeItem(PREPARED + ":" + user);
    var cleared = window.caches ? caches.delete("pkh-halaman") : Promise.resolve();
    return Promise.all([cleared, worker({ jenis: "bersihkan" })]).catch(function () {
      return undefined;
    });
  }

  function signOutForgets() {
    var form = document.querySelector("form.keluar");
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      if (form.dataset.bersih === "1") { return; }
      event.preventDefault();
      forget().then(function () {
        form.dataset.bersih = "1";
        form.submit();
      });
    });
  }

  /* --- start ---------------------------------------------------------------------------------- */

  freshKeys();
  freshDates();
  signOutForgets();
  if (signInPage) {
    forget();
  }
  if ("serviceWorker" in navigator && !signInPage) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      return undefined;
    });
    navigator.serviceWorker.addEventListener("message", function (event) {
      prepared(event.data || {});
    });
  }
  var flash = sessionStorage.getItem(FLASH);
  if (flash && bar) {
    sessionStorage.removeItem(FLASH);
    bar.querySelector(".antrian-pesan").textContent = flash;
    bar.querySelector(".antrian-pesan").hidden = false;
  }
  if (bar) {
    bar.querySelector(".antrian-kirim").addEventListener("click", send);
    bar.querySelector(".antrian-daftar").addEventListener("click", choose);
  }
  var prepareButton = document.getElementById("siapkan-luring");
  if (prepareButton) {
    prepareButton.addEventListener("click", function () { prepare(true); });
  }
  window.addEventListener("online", function () {
    if (body.dataset.luringCadangan === "1") {
      window.location.reload(); /* the page asked for, now that it can come */
      return;
    }
    show();
    send();
    prepare(false);
  });
  window.addEventListener("offline", show);
  show().then(function () {
    send();
    prepare(false);
  });
})();
