/* The idle sign-out warning (relief/signin.py). The server ends a session after its idle time and after its
   absolute time; this page asks it how long is left (asking is not activity), shows a countdown before the
   end, and 继续 tells the server the user is still there. Another tab's activity counts too: the page asks
   again before it signs out. What is typed into a visit form is in the phone's draft already (visits.js). */
(function () {
  "use strict";
  // The words come from the JavaScript catalog (/jsi18n/, loaded first); without it, the Chinese msgid.
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\(\w+\)s/g, function (m) { return String(obj[m.slice(2, -2)]); });
  };
  var body = document.body;
  var statusUrl = body && body.dataset.sessionStatus;
  var keepaliveUrl = body && body.dataset.sessionKeepalive;
  var dialog = document.getElementById("session-warning");
  if (!statusUrl || !keepaliveUrl || !dialog || !window.fetch) { return; }
  var timer = null;
  var ticker = null;
  var deadline = 0;

  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function text(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    if (m) {
      return interpolate(gettext("%(m)s 分 %(s)s 秒"), {m: m, s: (s < 10 ? "0" : "") + s}, true);
    }
    return interpolate(gettext("%(s)s 秒"), {s: s}, true);
  }
  function hide() {
    dialog.hidden = true;
    if (ticker) { clearInterval(ticker); ticker = null; }
  }
  function page() { return window.location.pathname + window.location.search; }
  function end(url) {
    // The server has ended the session (or does on the next request) and names the login page to go to.
    if (url) { window.location.assign(url); } else { window.location.reload(); }
  }
  function read(response) {
    if (response.ok) { return response.json(); }
    return response.json().then(function (data) { end(data.redirect); return null; }, function () { end(); return null; });
  }
  function show(left, absolute) {
    dialog.querySelector("[data-when=idle]").hidden = absolute;
    dialog.querySelector("[data-when=absolute]").hidden = !absolute;
    dialog.querySelector("[data-session-continue]").hidden = absolute;
    dialog.hidden = false;
    deadline = Date.now() + left * 1000;
    var counters = dialog.querySelectorAll("[data-countdown]");
    function tick() {
      var rest = Math.max(Math.round((deadline - Date.now()) / 1000), 0);
      Array.prototype.forEach.call(counters, function (el) { el.textContent = text(rest); });
      if (rest <= 0) { clearInterval(ticker); ticker = null; check(); }
    }
    if (ticker) { clearInterval(ticker); }
    ticker = setInterval(tick, 1000);
    tick();
    if (!absolute) { dialog.querySelector("[data-session-continue]").focus(); }
  }
  function plan(data) {
    if (timer) { clearTimeout(timer); timer = null; }
    if (!data || typeof data.idle !== "number") { return; }
    var absolute = data.absolute < data.idle;
    var left = Math.min(data.idle, data.absolute);
    if (left <= 0) { end(); return; }
    var warn = data.warn || 120;
    if (left > warn) {
      hide();
      timer = setTimeout(check, (left - warn) * 1000);
    } else {
      show(left, absolute);
    }
  }
  function check() {
    fetch(statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json", "X-Relief-Page": page()}})
      .then(read)
      .then(plan)
      .catch(function () { timer = setTimeout(check, 30000); });  // offline: ask again later
  }
  dialog.querySelector("[data-session-continue]").addEventListener("click", function () {
    fetch(keepaliveUrl, {method: "POST", credentials: "same-origin",
                         headers: {"X-CSRFToken": csrf(), "Accept": "application/json", "X-Relief-Page": page()}})
      .then(read)
      .then(plan)
      .catch(function () { hide(); timer = setTimeout(check, 30000); });
  });
  check();
}());
