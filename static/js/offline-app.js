/* 离线走访: the offline page (templates/visits/offline.html) draws the worklist, a household, the visit form and
   the outbox from the phone's store (static/js/offline.js). The service worker shows this page for /visits/,
   /households/<id>/ and /visits/household/<id>/new/ when the network is away; inside it, views are addressed
   by the hash (#h=<id>, #new=<id>, #edit=<key>, #outbox), so moving between them needs no network at all. */
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
  var off = window.reliefOffline;
  var body = document.body;
  if (!off || !body || !body.hasAttribute("data-offline-app")) return;
  var view = document.getElementById("offline-view");
  var statusBox = document.getElementById("offline-status");
  var pkg = null;
  var REASONS = {overdue: gettext("已逾期"), pinned: gettext("已标记带上"), due: gettext("本月应走访"), not_seen: gettext("上次未见到本人"),
                 open_case: gettext("见到本人但仍需跟进")};

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "hidden") node.hidden = !!attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function card(title, children, testid) {
    return el("section", {"class": "card", "data-testid": testid || ""}, [title ? el("h2", {text: title}) : null].concat(children));
  }

  function route() {
    var hash = window.location.hash.replace(/^#/, "");
    var m;
    if ((m = /^h=(\d+)$/.exec(hash))) return {name: "household", id: Number(m[1])};
    if ((m = /^new=(\d+)$/.exec(hash))) return {name: "form", id: Number(m[1])};
    if ((m = /^edit=([\w-]+)$/.exec(hash))) return {name: "edit", key: m[1]};
    if (hash === "outbox") return {name: "outbox"};
    if (hash === "worklist") return {name: "worklist"};
    var path = window.location.pathname;
    if ((m = /^\/households\/(\d+)\/$/.exec(path))) return {name: "household", id: Number(m[1])};
    if ((m = /^\/visits\/household\/(\d+)\/new\/$/.exec(path))) return {name: "form", id: Number(m[1])};
    if (path === body.dataset.shellUrl || path === body.dataset.worklistUrl) return {name: "worklist"};
    return {name: "unavailable"};
  }

  function showStatus() {
    statusBox.textContent = "";
    var online = navigator.onLine;
    var parts = [online ? gettext("已联网") : gettext("离线（无网络）")];
    if (pkg) parts.push(interpolate(gettext("数据下载于 %(when)s（%(user)s，%(n)s 户，%(size)s）"),
                        {when: off.timeText(pkg.synced_at), user: pkg.user_name, n: pkg.count, size: off.sizeText(pkg.bytes)}, true));
    statusBox.appendChild(el("p", {"class": "muted", text: parts.join(" · ")}));
  }

  var drawing = 0;
  function render() {
    var mine = ++drawing;  /* only the latest of overlapping redraws draws */
    return Promise.all([off.getMeta("package"), off.outbox()]).then(function (r) {
      if (mine !== drawing) return;
      pkg = r[0];
      var items = r[1];
      showStatus();
      view.textContent = "";
      var where = route();
      if (where.name === "outbox") return renderOutbox(items);
      if (where.name === "edit") return off.outboxItem(where.key).then(function (item) {
        if (!item) { window.location.hash = "outbox"; return; }
        return off.household(item.household_id).then(function (h) { renderForm(h, item); });
      });
      if (!pkg) {
        view.appendChild(card(gettext("离线走访"), [el("p", {text: gettext("本机没有可用的离线走访数据（尚未下载，或已过期、已退出登录）。请联网后在“走访任务”页点击“下载今日走访”。")}),
          el("p", {}, [el("a", {"class": "button", href: body.dataset.worklistUrl, text: gettext("走访任务")})])]));
        if (items.length) view.appendChild(el("p", {}, [el("a", {href: "#outbox", text: interpolate(gettext("查看待上传的 %(n)s 条记录"), {n: items.length}, true)})]));
        return;
      }
      if (where.name === "unavailable") {
        view.appendChild(card("", [el("p", {text: gettext("此页面需要联网才能打开。离线时可以查看走访任务和已下载的家庭，登记走访。")}),
                                   el("p", {}, [el("a", {"class": "button", href: "#worklist", text: gettext("离线走访任务")})])]));
        return;
      }
      if (where.name === "worklist") return off.households().then(function (rows) { renderWorklist(rows, items); });
      return off.household(where.id).then(function (h) {
        if (!h) {
          view.appendChild(card("", [el("p", {text: gettext("这户家庭不在本机下载的离线走访数据中，需联网后查看。")}),
                                     el("p", {}, [el("a", {href: "#worklist", text: gettext("返回离线走访任务")})])]));
          return;
        }
        if (where.name === "household") renderHousehold(h, items.filter(function (i) { return i.household_id === h.id; }));
        else renderForm(h, null);
      });
    });
  }

  // ---------------------------------------------------------------- worklist
  function renderWorklist(rows, items) {
    view.appendChild(el("h1", {text: gettext("离线走访任务")}));
    var waiting = {};
    items.forEach(function (i) { waiting[i.household_id] = (waiting[i.household_id] || 0) + 1; });
    ["overdue", "pinned", "due", "not_seen", "open_case"].forEach(function (reason) {
      var list = rows.filter(function (h) { return h.reasons[0] === reason; });
      if (!list.length) return;
      list.sort(function (a, b) { return (a.due_on || "") < (b.due_on || "") ? -1 : 1; });
      var ul = el("ul", {"class": "worklist"});
      list.forEach(function (h) {
        var due = h.due_on ? (h.overdue_days ? interpolate(gettext("应走访 %(date)s（逾期 %(days)s 天）"), {date: h.due_on, days: h.overdue_days}, true) : interpolate(gettext("应走访 %(date)s"), {date: h.due_on}, true)) : "";
        ul.appendChild(el("li", {"data-household": String(h.id)}, [
          el("a", {"class": "button visit-button", href: "#new=" + h.id, text: gettext("登记走访")}),
          el("a", {href: "#h=" + h.id, "data-testid": "household-link"}, [el("strong", {text: h.head || gettext("（未登记户主）")})]),
          " · " + h.address,
          el("div", {"class": "muted", text: [h.village, h.cadence, due, interpolate(gettext("上次走访 %(date)s"), {date: h.last_visit_on || gettext("无")}, true)].filter(Boolean).join(" · ")},
             waiting[h.id] ? [" ", el("span", {"class": "tag amber", text: interpolate(gettext("待上传 %(n)s 条"), {n: waiting[h.id]}, true)})] : [])
        ]));
      });
      view.appendChild(card(interpolate(gettext("%(title)s（%(n)s）"), {title: REASONS[reason], n: list.length}, true), [ul], "offline-" + reason.replace("_", "-")));
    });
    if (pkg.truncated) view.appendChild(el("p", {"class": "muted", text: interpolate(gettext("工作清单共 %(total)s 户，本机只下载了最紧要的 %(n)s 户（大小上限）。"), {total: pkg.total, n: pkg.count}, true)}));
  }

  // ---------------------------------------------------------------- household
  function facts(pairs) {
    var dl = el("dl", {"class": "facts"});
    pairs.forEach(function (p) { if (p[1] !== "" && p[1] !== null && p[1] !== undefined) { dl.appendChild(el("dt", {text: p[0]})); dl.appendChild(el("dd", {text: String(p[1])})); } });
    return dl;
  }

  function renderHousehold(h, items) {
    view.appendChild(el("p", {"class": "muted"}, [el("a", {href: "#worklist", text: gettext("← 离线走访任务")})]));
    view.appendChild(el("h1", {text: (h.head || gettext("（未登记户主）")) + " · " + h.village, "data-testid": "offline-household"}));
    view.appendChild(card("", [facts([[gettext("居住地址"), h.address], [gettext("联系电话"), h.phone || gettext("未登记")], [gettext("走访频次"), h.cadence],
                                      [gettext("应走访"), h.due_on], [gettext("上次走访"), h.last_visit_on || gettext("无")],
                                      [gettext("列入原因"), h.reasons.map(function (r) { return REASONS[r]; }).join(gettext("、"))]]),
      el("p", {}, [el("a", {"class": "button", href: "#new=" + h.id, "data-testid": "offline-log-visit", text: gettext("登记走访")})])]));
    if (items.length) {
      var ul = el("ul", {});
      items.forEach(function (i) { ul.appendChild(el("li", {}, [outboxLabel(i)])); });
      view.appendChild(card(gettext("本户待上传"), [ul, el("p", {}, [el("a", {href: "#outbox", text: gettext("查看待上传")})])], "household-outbox"));
    }
    view.appendChild(card(gettext("仍需跟进"), [listOf(h.open.concat(h.needs || []), gettext("无"))], "offline-open"));
    var table = el("table", {}, [el("thead", {}, [el("tr", {}, [gettext("姓名"), gettext("关系"), gettext("性别"), gettext("年龄"), gettext("身份证号"), gettext("健康/残疾"), gettext("状态")].map(function (t) { return el("th", {text: t}); }))])]);
    var tbody = el("tbody");
    h.members.forEach(function (m) {
      tbody.appendChild(el("tr", {}, [m.name, m.relation, m.sex, String(m.age), m.id_number,
        [m.health, m.disability, m.self_care].filter(Boolean).join(gettext("；")), m.status].map(function (t) { return el("td", {text: t}); })));
    });
    table.appendChild(tbody);
    view.appendChild(card(gettext("家庭成员"), [el("div", {"class": "table-wrap"}, [table])], "offline-members"));
    var visits = el("ul", {});
    h.visits.forEach(function (v) {
      visits.appendChild(el("li", {text: v.visited_on + " " + v.method + " · " + (v.person_seen ? gettext("见到本人") : gettext("未见到本人")) +
        (v.needs.length ? interpolate(gettext(" · 需求：%(needs)s"), {needs: v.needs.join(gettext("、"))}, true) : "") + (v.measures ? interpolate(gettext(" · 对策：%(measures)s"), {measures: v.measures}, true) : "")}));
    });
    view.appendChild(card(gettext("最近走访"), [h.visits.length ? visits : el("p", {"class": "muted", text: gettext("暂无走访记录。")})]));
    view.appendChild(phoneCard(h));
  }

  function listOf(lines, empty) {
    if (!lines.length) return el("p", {"class": "muted", text: empty});
    return el("ul", {}, lines.map(function (t) { return el("li", {text: t}); }));
  }

  /* A phone number changed offline goes with the version it was read at: the server refuses it when someone
     changed the household since, and the phone shows that instead of overwriting. */
  function phoneCard(h) {
    var input = el("input", {type: "tel", id: "offline-phone", value: h.phone || "", maxlength: "30"});
    var button = el("button", {type: "button", "class": "button secondary", text: gettext("保存到本机，联网后提交")});
    button.addEventListener("click", function () {
      off.outboxPut({key: off.newKey(), kind: "change", household_id: h.id, label: (h.head || "") + gettext(" · 联系电话"),
                     version: h.version, fields: {phone: input.value.trim()}, status: "pending",
                     created_at: new Date().toISOString()}).then(afterSave);
    });
    return card(gettext("修改联系电话"), [el("label", {"for": "offline-phone", text: gettext("联系电话")}), input, el("p", {}, [button])]);
  }

  // ---------------------------------------------------------------- the visit form
  function field(name, spec, control) {
    var wrap = el("div", {"class": "field", "data-field": name, id: "field-" + name});
    if (control.type === "checkbox" && !control.multiple) wrap.appendChild(el("label", {}, [control, " " + spec.label]));
    else { wrap.appendChild(el("label", {"for": control.id || "", text: spec.label})); wrap.appendChild(control); }
    if (spec.help) wrap.appendChild(el("div", {"class": "muted", text: spec.help}));
    return wrap;
  }
  function select(name, choices, value) {
    var s = el("select", {name: name, id: "id_" + name});
    choices.forEach(function (c) { var o = el("option", {value: c[0], text: c[1]}); if (c[0] === value) o.selected = true; s.appendChild(o); });
    return s;
  }
  function choiceGroup(name, choices, values, type) {
    var ul = el("ul", {id: "id_" + name});
    choices.forEach(function (c, i) {
      var input = el("input", {type: type, name: name, value: c[0], id: "id_" + name + "_" + i});
      if (values.indexOf(c[0]) >= 0) input.checked = true;
      ul.appendChild(el("li", {}, [el("label", {}, [input, " " + c[1]])]));
    });
    return ul;
  }
  function text(name, value, multiline) {
    return multiline ? el("textarea", {name: name, id: "id_" + name, rows: "2"}, [value || ""])
      : el("input", {type: name.indexOf("_on") > 0 ? "date" : "text", name: name, id: "id_" + name, value: value || ""});
  }

  function renderForm(h, item) {
    var f = pkg.form.fields, v = item ? item.fields : {visited_on: pkg.today ? localToday() : "", method: "home",
      kind: "routine", person_seen: true, willingness: "not_asked", ability: "na", needs: [], visitors: []};
    view.appendChild(el("p", {"class": "muted"}, [el("a", {href: h ? "#h=" + h.id : "#outbox", text: gettext("← 返回")})]));
    view.appendChild(el("h1", {text: item ? gettext("修改待上传的走访") : gettext("登记走访（离线）")}));
    view.appendChild(el("p", {"data-testid": "visit-household"}, [el("strong", {text: h ? (h.head || "") : item.label}), h ? " " + h.village + " · " + h.address : ""]));
    if (item && item.errors && item.errors.length) view.appendChild(errorsBox(item));
    var form = el("form", {id: "offline-visit-form", novalidate: ""});
    var photoCount = item && item.photos ? item.photos.length : 0;
    var seen = el("input", {type: "checkbox", name: "person_seen", id: "id_person_seen"});
    seen.checked = v.person_seen !== false;
    var visitorChoices = h ? h.visitors.map(function (u) { return [String(u[0]), u[1]]; }) : [];
    var one = el("fieldset", {"class": "card"}, [el("legend", {text: gettext("走访情况")}),
      field("visited_on", f.visited_on, text("visited_on", v.visited_on)),
      field("kind", f.kind, select("kind", f.kind.choices, v.kind)),
      field("method", f.method, select("method", f.method.choices, v.method)),
      field("visitors", f.visitors, choiceGroup("visitors", visitorChoices, v.visitors || [], "checkbox")),
      field("volunteers", f.volunteers, text("volunteers", v.volunteers)),
      field("person_seen", f.person_seen, seen),
      field("not_seen_reason", f.not_seen_reason, text("not_seen_reason", v.not_seen_reason))]);
    var checks = el("fieldset", {"class": "card"}, [el("legend", {text: gettext("现实生活状况（逐项了解）")})]);
    pkg.form.checks.forEach(function (name) {
      checks.appendChild(el("div", {"class": "field check-row", id: "field-" + name}, [el("label", {text: f[name].label}),
        el("div", {"class": "radios"}, [choiceGroup(name, f[name].choices, [v[name] || ""], "radio")])]));
    });
    checks.appendChild(field("situation", f.situation, text("situation", v.situation, true)));
    var willing = field("willingness", f.willingness, choiceGroup("willingness", f.willingness.choices, [v.willingness || ""], "radio"));
    var needs = el("fieldset", {"class": "card"}, [el("legend", {text: gettext("需求与救助意愿")}),
      field("needs", f.needs, choiceGroup("needs", f.needs.choices, v.needs || [], "checkbox")),
      field("needs_text", f.needs_text, text("needs_text", v.needs_text, true)), willing,
      field("ability", f.ability, select("ability", f.ability.choices, v.ability)),
      field("help_offered", f.help_offered, text("help_offered", v.help_offered, true))]);
    var clear = el("input", {type: "checkbox", name: "situation_clear", id: "id_situation_clear"});
    clear.checked = !!v.situation_clear;
    var photos = el("input", {type: "file", name: "photos", id: "id_photos", multiple: "", accept: pkg.form.photos.accept, capture: "environment"});
    var work = el("fieldset", {"class": "card"}, [el("legend", {text: gettext("工作与对策")}),
      field("actions_taken", f.actions_taken, text("actions_taken", v.actions_taken, true)),
      field("measures", f.measures, text("measures", v.measures, true)),
      field("situation_clear", f.situation_clear, clear),
      field("next_follow_up_on", f.next_follow_up_on, text("next_follow_up_on", v.next_follow_up_on)),
      field("photos", {label: f.photos.label, help: interpolate(gettext("最多 %(n)s 张，本机先压缩再保存。"), {n: pkg.form.photos.max_count}, true) +
                                                    (photoCount ? interpolate(gettext("已保存 %(n)s 张；重新选择将替换。"), {n: photoCount}, true) : "")}, photos)]);
    var rules = card(gettext("三个不放过"), [listOf(pkg.form.rules, "")]);
    var save = el("button", {type: "submit", id: "offline-visit-save", text: gettext("保存到本机（待上传）")});
    form.appendChild(one); form.appendChild(checks); form.appendChild(needs); form.appendChild(work);
    form.appendChild(el("div", {"class": "actions"}, [save]));
    view.appendChild(form);
    view.appendChild(rules);
    function toggle() { willing.hidden = !seen.checked; }
    seen.addEventListener("change", toggle); toggle();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save.disabled = true;
      var data = new FormData(form), fields = {};
      ["visited_on", "kind", "method", "volunteers", "not_seen_reason", "situation", "needs_text", "ability",
       "help_offered", "actions_taken", "measures", "next_follow_up_on", "willingness"].concat(pkg.form.checks).forEach(function (n) {
        fields[n] = data.get(n) || "";
      });
      fields.visitors = data.getAll("visitors");
      fields.needs = data.getAll("needs");
      fields.person_seen = seen.checked;
      fields.situation_clear = clear.checked;
      var files = Array.prototype.slice.call(photos.files || [], 0, pkg.form.photos.max_count);
      Promise.all(files.map(function (file) { return off.downscale(file, pkg.form.photos); })).then(function (blobs) {
        var kept = blobs.length ? blobs.map(function (b, i) { return {blob: b, name: "photo-" + (i + 1) + ".jpg", size: b.size}; })
          : (item && item.photos) || [];
        var record = {key: item ? item.key : off.newKey(), kind: "visit", household_id: h ? h.id : item.household_id,
                      label: (h ? (h.head || "") + " · " + h.address : item.label), fields: fields, photos: kept,
                      status: "pending", created_at: item ? item.created_at : new Date().toISOString()};
        return off.outboxPut(record);
      }).then(afterSave, function () { save.disabled = false; window.alert(gettext("保存失败：本机存储空间不足或不可用。")); });
    });
  }

  function localToday() {
    var d = new Date();
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate());
  }

  function afterSave() {
    window.location.hash = "outbox";
    render();
    if (navigator.onLine) off.send().then(render);
  }

  // ---------------------------------------------------------------- outbox
  function outboxLabel(item) {
    var kind = item.kind === "change" ? gettext("修改") : interpolate(gettext("走访 %(date)s"), {date: item.fields.visited_on || ""}, true);
    var state = {pending: gettext("待上传"), refused: gettext("未通过，需修改或删除"), conflict: gettext("与他人的修改冲突")}[item.status] || item.status;
    return el("span", {}, [kind + " · " + item.label + " ", el("span", {"class": "tag " + (item.status === "pending" ? "amber" : "red"), text: state})]);
  }
  function errorsBox(item) {
    var lines = (item.errors || []).map(function (e) { return (e.label ? e.label + "：" : "") + e.message; });
    var title = item.message || gettext("服务器未接受这条记录");
    /* A refusal that is one reason (the household moved) says it once. */
    if (lines.length === 1 && lines[0] === title) return el("div", {"class": "card error-summary", role: "alert", "data-testid": "refusal"}, [
      el("h2", {text: gettext("服务器未接受这条记录")}), el("p", {text: title})]);
    return el("div", {"class": "card error-summary", role: "alert", "data-testid": "refusal"}, [
      el("h2", {text: title}), listOf(lines, "")]);
  }

  function renderOutbox(items) {
    view.appendChild(el("h1", {text: interpolate(gettext("待上传（%(n)s 条）"), {n: items.length}, true)}));
    if (!items.length) {
      view.appendChild(el("p", {"class": "muted", text: gettext("没有待上传的记录。"), "data-testid": "outbox-empty"}));
      view.appendChild(el("p", {}, [el("a", {href: "#worklist", text: gettext("返回离线走访任务")})]));
      return;
    }
    var ul = el("ul", {"class": "worklist", "data-testid": "outbox-list"});
    items.forEach(function (item) {
      var li = el("li", {"data-outbox-item": item.key, "data-status": item.status}, [outboxLabel(item)]);
      if (item.kind === "visit" && item.photos && item.photos.length) li.appendChild(el("div", {"class": "muted", text: interpolate(gettext("照片 %(n)s 张"), {n: item.photos.length}, true)}));
      if (item.status === "refused") {
        li.appendChild(errorsBox(item));
        li.appendChild(actionButton(gettext("修改"), function () { window.location.hash = "edit=" + item.key; }));
      }
      if (item.status === "conflict") {
        li.appendChild(el("p", {"class": "form-error", text: item.message}));
        if (item.current) li.appendChild(el("p", {text: interpolate(gettext("服务器上现在的联系电话：%(current)s；您的修改：%(mine)s"), {current: item.current.phone || gettext("未登记"), mine: item.fields.phone}, true)}));
        li.appendChild(actionButton(gettext("核对后仍按我的修改提交"), function () {
          item.version = item.current.version; item.status = "pending"; item.errors = []; item.message = "";
          off.outboxPut(item).then(afterSave);
        }));
      }
      li.appendChild(actionButton(gettext("删除"), function () {
        if (window.confirm(gettext("删除后这条记录将无法恢复，确定删除吗？"))) off.outboxDelete(item.key).then(render);
      }, true));
      ul.appendChild(li);
    });
    view.appendChild(card("", [ul]));
  }
  function actionButton(label, handler, secondary) {
    var b = el("button", {type: "button", "class": "button" + (secondary ? " secondary" : ""), text: label});
    b.addEventListener("click", handler);
    return b;
  }

  window.addEventListener("hashchange", render);
  window.addEventListener("online", function () { showStatus(); off.send().then(render); });
  window.addEventListener("offline", showStatus);
  document.addEventListener("relief-offline-changed", function () {
    if (route().name === "outbox") render();
  });
  off.registerWorker(off.endpointsFrom(body));
  render();
})();
