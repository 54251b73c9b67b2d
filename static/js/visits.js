/* The visit form keeps what is typed on the phone until the server has the visit; the visit page, once
   the visit is saved, forgets that draft. */
(function () {
  "use strict";
  var done = document.querySelector("[data-forget-draft]");
  if (done) {
    try { window.localStorage.removeItem(done.dataset.forgetDraft); } catch (e) {}
  }
  if (!document.getElementById("visit-form")) return;
  /* Keep what is typed on this phone until the server has the visit: a dropped connection or a
     validation error loses nothing, and a resubmit carries the same submission key. */
  var form = document.getElementById("visit-form");
  var key = form.dataset.draftKey;
  var store;
  try { store = window.localStorage; store.getItem(key); } catch (e) { store = null; }
  function fields() { return Array.prototype.filter.call(form.elements, function (el) {
    return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "file" && el.type !== "submit"; }); }
  function save() {
    if (!store) return;
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") { (data[el.name] = data[el.name] || []); if (el.checked) data[el.name].push(el.value); }
      else if (el.type === "radio") { if (el.checked) data[el.name] = el.value; else if (!(el.name in data)) data[el.name] = ""; }
      else data[el.name] = el.value;
    });
    try { store.setItem(key, JSON.stringify(data)); } catch (e) {}
  }
  function restore(data) {
    fields().forEach(function (el) {
      if (!(el.name in data)) return;
      var value = data[el.name];
      if (el.type === "checkbox") el.checked = Array.isArray(value) && value.indexOf(el.value) >= 0;
      else if (el.type === "radio") el.checked = value === el.value;
      else el.value = value;
    });
  }
  var saved = store && store.getItem(key);
  if (saved && !form.dataset.hasErrors) {
    try { restore(JSON.parse(saved)); document.getElementById("draft-note").hidden = false; } catch (e) {}
  }
  save();
  /* Not seen: nobody was asked, so the willingness question is hidden (the server ignores it too); seen: there
     is no reason for not seeing them to give (unless the server asked for one). */
  var seen = document.getElementById("id_person_seen");
  var willingness = form.querySelector('[data-field="willingness"]');
  var notSeenReason = form.querySelector('[data-field="not_seen_reason"]');
  function toggleSeen() {
    if (!seen) return;
    if (willingness) willingness.hidden = !seen.checked;
    if (notSeenReason) notSeenReason.hidden = seen.checked && !notSeenReason.classList.contains("has-error");
  }
  if (seen) seen.addEventListener("change", toggleSeen);
  toggleSeen();
  /* 情况已调查清楚 only once the person is seen and every living-condition check is answered (the server refuses
     it otherwise): off and unticked until then, so nobody ticks it and learns why only after sending. */
  var clear = document.getElementById("id_situation_clear");
  var needed = clear ? (clear.dataset.needsChecks || "").split(",").filter(Boolean) : [];
  function answered(name) {
    return Array.prototype.some.call(form.querySelectorAll('input[name="' + name + '"]'), function (el) {
      return el.checked && el.value; });
  }
  function toggleClear() {
    if (!clear) return;
    var ready = (!seen || seen.checked) && needed.every(answered);
    clear.disabled = !ready;
    if (!ready) clear.checked = false;
  }
  form.addEventListener("change", toggleClear);
  toggleClear();
  /* A refused form: bring the summary of what to fix into view and give it the focus. */
  var summary = document.getElementById("error-summary");
  if (summary) { summary.scrollIntoView(); summary.focus(); }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  document.getElementById("draft-clear").addEventListener("click", function () {
    if (store) store.removeItem(key);
    window.location.reload();
  });
  form.addEventListener("submit", function () {
    save();
    var button = document.getElementById("visit-submit");
    button.disabled = true;
    button.textContent = button.dataset.busyLabel;
    /* If the network fails the page stays; let the caseworker try again. */
    setTimeout(function () { button.disabled = false; button.textContent = button.dataset.retryLabel; }, 15000);
  });
})();
