/* 离线走访 (issue 17), on every page: the phone's own store (IndexedDB), the outbox and its sending, and the
   rules that keep them to the person who downloaded them.

   - The store is IndexedDB, not localStorage: a day's households with photos waiting is megabytes.
     Stores: meta (the package's facts, its owner, the endpoints), households (one row each), outbox (one
     visit or change each, keyed by its own submission key).
   - Signing out clears it all (after a warning when visits are still waiting), and so does another user
     signing in on the same phone; what was downloaded expires after the server's number of days.
   - The outbox sends itself when the phone is back online (and on a tap), in the order it was saved, one at
     a time, to the same rules as the online form; the submission key makes a resend harmless.
   window.reliefOffline is what static/js/offline-app.js (the offline page) uses. */
(function () {
  "use strict";
  /* Words come from Django's JavaScript catalog (loaded before this file); without it (the catalog did not
     load) the Chinese msgid shows. */
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  var interpolate = window.interpolate || function (fmt, obj, named) {
    if (named) return fmt.replace(/%\(\w+\)s/g, function (m) { return String(obj[m.slice(2, -2)]); });
    return fmt.replace(/%s/g, function () { return String(obj.shift()); });
  };
  var DB_NAME = "relief-offline";
  var STORES = ["meta", "households", "outbox"];
  var dbPromise = null;

  function openDb() {
    if (!window.indexedDB) return Promise.reject(new Error("no IndexedDB"));
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta");
        if (!db.objectStoreNames.contains("households")) db.createObjectStore("households", {keyPath: "id"});
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", {keyPath: "key"});
      };
      request.onsuccess = function () {
        var db = request.result;
        db.onversionchange = function () { db.close(); dbPromise = null; };
        resolve(db);
      };
      request.onerror = function () { dbPromise = null; reject(request.error); };
    });
    return dbPromise;
  }

  /* Run fn(stores) in one transaction; resolves with what fn's last request gave once the transaction is done. */
  function run(names, mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(names, mode);
        var stores = {};
        names.forEach(function (n) { stores[n] = tx.objectStore(n); });
        var result;
        var request = fn(stores);
        if (request) request.onsuccess = function () { result = request.result; };
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function getMeta(name) { return run(["meta"], "readonly", function (s) { return s.meta.get(name); }); }
  function setMeta(name, value) { return run(["meta"], "readwrite", function (s) { s.meta.put(value, name); }); }
  function households() { return run(["households"], "readonly", function (s) { return s.households.getAll(); }); }
  function household(id) { return run(["households"], "readonly", function (s) { return s.households.get(Number(id)); }); }
  function putHousehold(row) { return run(["households"], "readwrite", function (s) { s.households.put(row); }); }
  function outbox() {
    return run(["outbox"], "readonly", function (s) { return s.outbox.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0; });
    });
  }
  function outboxItem(key) { return run(["outbox"], "readonly", function (s) { return s.outbox.get(key); }); }
  function outboxPut(item) {
    return run(["outbox"], "readwrite", function (s) { s.outbox.put(item); }).then(changed);
  }
  function outboxDelete(key) {
    return run(["outbox"], "readwrite", function (s) { s.outbox.delete(key); }).then(changed);
  }
  function changed() { document.dispatchEvent(new CustomEvent("relief-offline-changed")); }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* Everything this app keeps on the phone, gone: the store, the visit drafts, the service worker's caches. */
  function wipe() {
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var k = window.localStorage.key(i);
        if (k && k.indexOf("relief-") === 0) window.localStorage.removeItem(k);
      }
    } catch (e) { /* storage refused: nothing kept there */ }
    var caches = window.caches ? window.caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("relief-") === 0; })
        .map(function (n) { return window.caches.delete(n); }));
    }) : Promise.resolve();
    var store = run(STORES, "readwrite", function (s) { STORES.forEach(function (n) { s[n].clear(); }); })
      .catch(function () {});
    return Promise.all([caches, store]).then(changed);
  }

  /* What was downloaded is forgotten after the server's number of days; the outbox is not (nothing typed is
     dropped unasked): it waits for its owner to send or discard it. */
  function expireIfOld() {
    return getMeta("package").then(function (pkg) {
      if (!pkg || !pkg.expires_at || new Date(pkg.expires_at) > new Date()) return false;
      return run(["meta", "households"], "readwrite", function (s) {
        s.households.clear(); s.meta.delete("package");
      }).then(function () { changed(); return true; });
    });
  }

  function endpointsFrom(el) {
    var d = el.dataset;
    return {download: d.downloadUrl, sync: d.syncUrl, change: d.changeUrl, session: d.sessionUrl,
            shell: d.shellUrl, sw: d.swUrl};
  }

  function registerWorker(urls) {
    if (!("serviceWorker" in navigator) || !urls || !urls.sw) return Promise.resolve(null);
    return navigator.serviceWorker.register(urls.sw, {scope: "/"}).then(function (reg) {
      return navigator.serviceWorker.ready.then(function () { return reg; });
    }).catch(function () { return null; });
  }

  function pins() { return getMeta("pins").then(function (p) { return p || []; }); }
  function togglePin(id) {
    id = Number(id);
    return pins().then(function (list) {
      var i = list.indexOf(id);
      if (i >= 0) list.splice(i, 1); else list.push(id);
      /* Pins are the signed-in user's like the rest: another user signing in clears them. */
      var who = document.body && document.body.dataset.user;
      return getMeta("owner").then(function (owner) {
        return owner || !who ? null : setMeta("owner", who);
      }).then(function () { return setMeta("pins", list); }).then(function () { changed(); return i < 0; });
    });
  }

  /* 下载今日走访: one request; the package replaces the last one (the outbox stays). */
  function download(urls, user) {
    return pins().then(function (pinned) {
      var query = pinned.map(function (p) { return "pin=" + encodeURIComponent(p); }).join("&");
      return fetch(urls.download + (query ? "?" + query : ""), {credentials: "same-origin", cache: "no-store",
                                                                   headers: {"Accept": "application/json"}});
    }).then(function (response) {
      if (response.redirected || !response.ok) throw new Error(response.status === 403 ? "forbidden" : "login");
      return response.json();
    }).then(function (pkg) {
      if (user && String(pkg.user) !== String(user)) throw new Error("login");
      var rows = pkg.households;
      var facts = Object.assign({}, pkg);
      delete facts.households;
      facts.synced_at = new Date().toISOString();
      return run(["meta", "households"], "readwrite", function (s) {
        s.households.clear();
        rows.forEach(function (row) { s.households.put(row); });
        s.meta.put(facts, "package");
        s.meta.put(String(pkg.user), "owner");
        s.meta.put(pkg.user_name, "owner_name");
        s.meta.put(urls, "urls");
      }).then(function () {
        changed();
        return registerWorker(urls).then(function (reg) {
          var worker = reg && (reg.active || reg.waiting || reg.installing);
          if (worker) worker.postMessage({type: "keep-shell"});
          return facts;
        });
      });
    });
  }

  /* The outbox, in order. Each answer decides: stored or already stored → gone from the phone; refused or in
     conflict → kept with the server's reason; no network, or no session → stop and keep everything. */
  var sending = null;
  function send() {
    if (sending) return sending;
    sending = Promise.all([getMeta("urls"), getMeta("owner"), outbox()]).then(function (r) {
      var urls = r[0], owner = r[1], items = r[2].filter(function (i) { return i.status === "pending"; });
      var result = {sent: 0, refused: 0, conflicts: 0, stopped: ""};
      if (!items.length || !urls) return result;
      if (!navigator.onLine) { result.stopped = "offline"; return result; }
      return fetch(urls.session, {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (response.redirected || !response.ok) throw new Error("login");
          return response.json();
        }).then(function (session) {
          /* Visits are sent only in their author's session. */
          if (String(session.user) !== String(owner)) throw new Error("login");
          var chain = Promise.resolve();
          items.forEach(function (item) {
            chain = chain.then(function () {
              if (result.stopped) return;
              return sendOne(urls, session.csrf, item).then(function (outcome) {
                if (outcome === "sent") result.sent++;
                else if (outcome === "refused") result.refused++;
                else if (outcome === "conflict") result.conflicts++;
                else result.stopped = outcome;
              });
            });
          });
          return chain.then(function () { return result; });
        }).catch(function (error) {
          result.stopped = error && error.message === "login" ? "login" : "offline";
          return result;
        });
    }).then(function (result) {
      sending = null;
      return getMeta("last_send").then(function () {
        return setMeta("last_send", {at: new Date().toISOString(), result: result});
      }).then(function () { changed(); return result; });
    }, function (error) { sending = null; throw error; });
    return sending;
  }

  function formOf(item) {
    var data = new FormData();
    data.append("household", String(item.household_id));
    if (item.kind === "change") {
      data.append("version", String(item.version));
      Object.keys(item.fields).forEach(function (name) { data.append(name, item.fields[name]); });
      return data;
    }
    data.append("submission_key", item.key);
    Object.keys(item.fields).forEach(function (name) {
      var value = item.fields[name];
      if (Array.isArray(value)) value.forEach(function (v) { data.append(name, v); });
      else if (value === true) data.append(name, "on");
      else if (value !== false && value !== null && value !== undefined) data.append(name, value);
    });
    (item.photos || []).forEach(function (photo) { data.append("photos", photo.blob, photo.name); });
    return data;
  }

  function sendOne(urls, csrf, item) {
    var url = item.kind === "change" ? urls.change : urls.sync;
    return fetch(url, {method: "POST", body: formOf(item), credentials: "same-origin",
                       headers: {"X-CSRFToken": csrf, "Accept": "application/json"}})
      .then(function (response) {
        if (response.redirected) return "login";
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!json) return response.status === 403 ? "login" : "error";
        return response.json().then(function (answer) {
          if (answer.status === "stored" || answer.status === "duplicate") {
            return outboxDelete(item.key).then(function () {
              return item.kind === "change" ? applyChange(item) : null;
            }).then(function () { return "sent"; });
          }
          if (answer.status === "refused" || answer.status === "conflict") {
            item.status = answer.status;
            item.message = answer.message;
            item.errors = answer.errors || [];
            item.current = answer.current || null;
            item.answered_at = new Date().toISOString();
            return outboxPut(item).then(function () { return answer.status; });
          }
          return "error";
        });
      }, function () { return "offline"; });
  }

  /* A change the server took: the kept copy of the household shows it, at the server's next version. */
  function applyChange(item) {
    return household(item.household_id).then(function (row) {
      if (!row) return;
      Object.keys(item.fields).forEach(function (n) { row[n] = item.fields[n]; });
      row.version = Number(item.version) + 1;
      return putHousehold(row);
    });
  }

  /* A photo as the server will take it: within its side and size limits, re-encoded as JPEG on the phone so
     that a 12-megapixel picture goes through a weak connection (the server re-encodes it once more). */
  function downscale(file, limits) {
    var maxSide = (limits && limits.max_side) || 2560;
    var maxBytes = (limits && limits.max_bytes) || 8 * 1024 * 1024;
    if (!window.createImageBitmap) return Promise.resolve(file);
    return window.createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
      var scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      function encode(quality) {
        return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); }).then(function (blob) {
          if (blob && blob.size > maxBytes && quality > 0.4) return encode(quality - 0.15);
          return blob;
        });
      }
      return encode(0.85);
    }).catch(function () { return file; /* not decodable here: the server says what is wrong with it */ });
  }

  function sizeText(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }
  function timeText(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  window.reliefOffline = {
    getMeta: getMeta, setMeta: setMeta, households: households, household: household, putHousehold: putHousehold,
    outbox: outbox, outboxItem: outboxItem, outboxPut: outboxPut, outboxDelete: outboxDelete, newKey: newKey,
    wipe: wipe, expireIfOld: expireIfOld, download: download, send: send, downscale: downscale,
    registerWorker: registerWorker, endpointsFrom: endpointsFrom, pins: pins, togglePin: togglePin,
    sizeText: sizeText, timeText: timeText
  };

  // ------------------------------------------------------------------ on every page of the app
  var body = document.body;
  if (!body || !window.indexedDB) return;
  var user = body.dataset.user || "";
  var onShell = body.hasAttribute("data-offline-app");

  function counts(items) {
    var c = {waiting: 0, refused: 0};
    items.forEach(function (i) { if (i.status === "pending") c.waiting++; else c.refused++; });
    return c;
  }

  /* 待上传 N 条, wherever the page shows it. */
  function showOutbox() {
    return Promise.all([outbox(), getMeta("last_send")]).then(function (r) {
      var items = r[0], c = counts(items), last = r[1];
      document.querySelectorAll("[data-outbox-count]").forEach(function (el) { el.textContent = String(items.length); });
      document.querySelectorAll("[data-outbox]").forEach(function (el) {
        el.hidden = !items.length;
        var text = el.querySelector("[data-outbox-text]");
        if (!text) return;
        var parts = [interpolate(gettext("待上传 %(n)s 条"), {n: c.waiting}, true)];
        if (c.refused) parts.push(interpolate(gettext("%(n)s 条未通过审核，需修改或删除"), {n: c.refused}, true));
        if (last && last.result && last.result.stopped === "login") parts.push(gettext("请重新登录后上传"));
        text.textContent = parts.join(gettext("；"));
      });
    }).catch(function () {});
  }

  function showCard(card) {
    var info = card.querySelector("[data-offline-info]");
    return getMeta("package").then(function (pkg) {
      if (!pkg) { info.textContent = gettext("本机尚未下载离线走访数据。"); return; }
      var text = interpolate(gettext("上次下载：%(when)s · %(n)s 户 · %(size)s · 保留至 %(until)s"),
        {when: timeText(pkg.synced_at), n: pkg.count, size: sizeText(pkg.bytes), until: timeText(pkg.expires_at)}, true);
      if (pkg.truncated) text += interpolate(gettext("（工作清单共 %(total)s 户，超出上限的未下载）"), {total: pkg.total}, true);
      info.textContent = text;
    });
  }

  function warnAnonymous() {
    /* Signed out with visits still waiting (a session that ended in the field): say whose they are before
       someone else signs in, which would clear them. */
    return Promise.all([outbox(), getMeta("owner_name")]).then(function (r) {
      if (!r[0].length) return;
      var main = document.querySelector("main");
      if (!main) return;
      var note = document.createElement("p");
      note.className = "messages offline-warning";
      note.setAttribute("data-testid", "outbox-warning");
      note.textContent = interpolate(gettext("本机有 %(n)s 条走访记录尚未上传（%(user)s）。请该用户登录后上传；用其他账号登录将清除这些记录。"),
        {n: r[0].length, user: r[1] || ""}, true);
      main.insertBefore(note, main.firstChild);
    });
  }

  function guardLogout() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches || !form.matches('form[action$="/logout/"]') || form.dataset.offlineCleared) return;
      event.preventDefault();
      outbox().catch(function () { return []; }).then(function (items) {
        if (items.length && !window.confirm(interpolate(
            gettext("本机还有 %(n)s 条走访记录没有上传，退出登录会把它们从本机删除，无法恢复。确定退出吗？"), {n: items.length}, true))) return;
        var unregister = navigator.serviceWorker && navigator.serviceWorker.getRegistrations ?
          navigator.serviceWorker.getRegistrations().then(function (regs) {
            return Promise.all(regs.map(function (reg) { return reg.unregister(); }));
          }).catch(function () {}) : Promise.resolve();
        Promise.all([wipe(), unregister]).then(function () {
          form.dataset.offlineCleared = "1";
          form.submit();
        });
      });
    }, true);
  }

  function start() {
    var card = document.querySelector("[data-offline-card]");
    var ready = Promise.resolve();
    if (user) {
      /* Another user signed in on this phone: what the last one kept is not theirs to see. */
      ready = getMeta("owner").then(function (owner) {
        if (owner && owner !== user) return wipe();
      });
    }
    ready.then(expireIfOld).then(function () {
      if (!user && !onShell) return warnAnonymous();
      showOutbox();
      if (card) {
        var urls = endpointsFrom(card);
        registerWorker(urls);
        showCard(card);
        card.querySelector("[data-offline-download]").addEventListener("click", function (event) {
          var button = event.currentTarget;
          button.disabled = true;
          var info = card.querySelector("[data-offline-info]");
          info.textContent = gettext("正在下载…");
          download(urls, user).then(function () { return showCard(card); }, function (error) {
            info.textContent = error && error.message === "login" ? gettext("下载失败：请重新登录后再试。") :
              gettext("下载失败：网络不可用或服务器无响应，请稍后再试。");
          }).then(function () { button.disabled = false; });
        });
      }
      if (onShell && navigator.onLine) return send();  /* send() asks the server whose session this is */
      if (user) return getMeta("owner").then(function (owner) {
        if (owner === user && navigator.onLine) return send();
      });
    }).catch(function () {});
    document.addEventListener("click", function (event) {
      if (event.target.closest("[data-outbox-send]")) send();
    });
    /* 离线走访时带上此户 on a household page: kept on the phone, sent with the next download. */
    document.querySelectorAll("[data-offline-pin]").forEach(function (button) {
      function show() {
        return pins().then(function (list) {
          var on = list.indexOf(Number(button.dataset.offlinePin)) >= 0;
          button.textContent = on ? button.dataset.pinOn : button.dataset.pinOff;
          button.setAttribute("aria-pressed", on ? "true" : "false");
          button.hidden = false;
        });
      }
      button.addEventListener("click", function () { togglePin(button.dataset.offlinePin).then(show); });
      ready.then(show).catch(function () {});
    });
    document.addEventListener("relief-offline-changed", showOutbox);
    window.addEventListener("online", function () { send(); });
    if (user) guardLogout();
  }

  start();
})();
