// The report's findings live as JSON in #report-data; this script shows
// them a page at a time, filters them and opens related records. It makes
// no request: everything it needs is in the page.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var PAGE = 50;
  var SEV = { error: "错误", warning: "警告" };
  var CARD = { red: "红牌", yellow: "黄牌" };
  var $ = function (id) { return document.getElementById(id); };
  function h(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function unitName(u) { return D.units[u] != null ? D.units[u] : u; }
  // Red cards, yellow cards, errors, warnings, then the waived.
  function rank(f) {
    return f.sup ? 4 : f.card === "red" ? 0 : f.card === "yellow" ? 1 : f.sev === "error" ? 2 : 3;
  }
  function cardBadge(f) {
    return f.card ? '<span class="badge card-' + f.card + '">' + CARD[f.card] + "</span>" : "";
  }

  // Cards first, then errors, then warnings, then waived; by unit within each.
  var all = D.findings.map(function (f, i) { f.i = i; return f; });
  function fileName(i) { return D.files[i] || ""; }
  all.sort(function (a, b) {
    return rank(a) - rank(b) || unitName(a.unit).localeCompare(unitName(b.unit), "zh") || a.i - b.i;
  });
  all.forEach(function (f) {
    var r = D.rules[f.rule] || {};
    f.hay = [f.rule, r.title, f.id, f.kind, f.msg, f.help, unitName(f.unit), fileName(f.file)].join("\n").toLowerCase();
  });

  var state = { unit: "*", rule: "*", sev: "*", text: "", page: 0 };
  var shown = all;

  function matches(f) {
    if (state.unit !== "*" && f.unit !== state.unit) return false;
    if (state.rule !== "*" && f.rule !== state.rule) return false;
    if (state.sev === "suppressed" ? !f.sup : state.sev !== "*" && (f.sev !== state.sev || f.sup)) return false;
    return !state.text || f.hay.indexOf(state.text) >= 0;
  }

  function excerpt(ex) {
    if (!ex || !ex.length) return "";
    return '<pre class="excerpt">' + ex.map(function (l) {
      return '<span class="ln">' + l[0] + "</span>" + h(l[1]) + (l[2] ? "<mark>" + h(l[2]) + "</mark>" : "") + h(l[3]);
    }).join("\n") + "</pre>";
  }

  function supNote(s) {
    if (!s) return "";
    if (s.type === "baseline") return '<p class="supnote">基线中已有的问题，不计入本次结果。</p>';
    return '<p class="supnote">已豁免：' + h(s.reason) + "（批准人：" + h(s.by) + "，有效期至 " + h(s.expires) + "）</p>";
  }

  function card(f) {
    var r = D.rules[f.rule] || {};
    var badge = f.sup ? '<span class="badge sup">' + (f.sup.type === "baseline" ? "基线" : "已豁免") + "</span>" : "";
    var rel = f.rel.map(function (x, k) {
      var label = h(x.note) + " — " + h(fileName(x.file)) + ":" + x.line;
      return x.rec >= 0 ? '<a class="rel" href="#rec-' + x.rec + "-L" + x.line + '" data-finding-rel="' + f.i + ":" + k + '" data-line="' + x.line + '">' + label + "</a>" : label;
    }).join("<br>");
    return '<article class="finding sev-' + f.sev + (f.sup ? " suppressed" : "") + '" id="f-' + f.i +
      '" data-unit="' + h(f.unit) + '" data-rule="' + h(f.rule) + '" data-sev="' + f.sev + '" data-record="' + h(f.id) + '">' +
      '<header>' + cardBadge(f) + '<span class="badge ' + f.sev + '">' + SEV[f.sev] + "</span>" + badge + '<code class="rule">' + h(f.rule) +
      '</code><span class="title">' + h(r.title) + '</span><span class="where">' + h(unitName(f.unit)) + " · " + h(f.kind) + " <b>" + h(f.id) +
      "</b> · " + h(fileName(f.file)) + ":" + f.line + ":" + f.col + "</span></header>" +
      '<p class="msg">' + h(f.msg) + "</p>" + excerpt(f.ex) + supNote(f.sup) +
      '<dl class="facts">' + (r.cite ? "<dt>依据</dt><dd>" + h(r.cite) + "</dd>" : "") +
      (f.help ? "<dt>整改</dt><dd>" + h(f.help) + "</dd>" : "") + (rel ? "<dt>相关</dt><dd>" + rel + "</dd>" : "") + "</dl></article>";
  }

  function render(everything) {
    shown = all.filter(matches);
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    var from = everything ? 0 : state.page * PAGE;
    var to = everything ? shown.length : Math.min(shown.length, from + PAGE);
    var list = $("finding-list");
    list.innerHTML = shown.slice(from, to).map(card).join("");
    list.setAttribute("data-total", shown.length);
    $("f-count").textContent = shown.length ? "共 " + shown.length + " 项" + (pages > 1 && !everything ? "，第 " + (from + 1) + "–" + to + " 项" : "") : "没有符合条件的问题";
    var pager = $("pager");
    pager.innerHTML = "";
    if (pages > 1 && !everything) {
      var add = function (label, p, current) {
        var b = document.createElement("button");
        b.type = "button"; b.textContent = label;
        if (current) b.setAttribute("aria-current", "page");
        b.addEventListener("click", function () { state.page = p; render(); $("findings").scrollIntoView(); });
        pager.appendChild(b);
      };
      if (state.page > 0) add("上一页", state.page - 1);
      for (var p = 0; p < pages; p++) {
        if (p < 2 || p >= pages - 2 || Math.abs(p - state.page) <= 2) add(String(p + 1), p, p === state.page);
        else if (pager.lastChild && pager.lastChild.textContent !== "…") { var s = document.createElement("span"); s.textContent = "…"; pager.appendChild(s); }
      }
      if (state.page < pages - 1) add("下一页", state.page + 1);
    }
  }

  function setFilter(key, value) {
    state[key] = value; state.page = 0;
    var el = $("f-" + key);
    if (el && el.value !== value) el.value = value;
    render();
  }

  ["unit", "rule", "sev"].forEach(function (k) {
    $("f-" + k).addEventListener("change", function (e) { setFilter(k, e.target.value); });
  });
  $("f-text").addEventListener("input", function (e) { state.text = e.target.value.trim().toLowerCase(); state.page = 0; render(); });
  $("f-reset").addEventListener("click", function () {
    state = { unit: "*", rule: "*", sev: "*", text: "", page: 0 };
    ["unit", "rule", "sev"].forEach(function (k) { $("f-" + k).value = "*"; });
    $("f-text").value = "";
    render();
  });
  Array.prototype.forEach.call(document.querySelectorAll(".unit-link"), function (a) {
    a.addEventListener("click", function () { setFilter("unit", a.getAttribute("data-unit")); });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".tile[data-sev]"), function (a) {
    a.addEventListener("click", function () { setFilter("sev", a.getAttribute("data-sev")); });
  });

  // 违规预警: the first active findings, red and yellow cards first.
  var alerts = all.filter(function (f) { return !f.sup; });
  $("alert-list").innerHTML = alerts.slice(0, 15).map(function (f) {
    var r = D.rules[f.rule] || {};
    var badge = f.card ? cardBadge(f) : '<span class="badge ' + f.sev + '">' + SEV[f.sev] + "</span>";
    return '<li data-sev="' + f.sev + '"' + (f.card ? ' data-card="' + f.card + '"' : "") + ">" + badge + '<code>' + h(f.rule) +
      '</code><span class="unitname">' + h(unitName(f.unit)) + '</span><a href="#f-' + f.i + '" data-finding="' + f.i + '">' +
      h(r.title) + "：" + h(f.msg) + "</a></li>";
  }).join("");
  if (alerts.length > 15) {
    var more = $("alert-more");
    more.hidden = false;
    more.textContent = "查看全部 " + alerts.length + " 项问题 →";
  }
  // An alert opens its finding: show the page that holds it.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-finding]");
    if (!a) return;
    e.preventDefault();
    $("f-reset").click();
    var i = +a.getAttribute("data-finding");
    var at = shown.findIndex(function (f) { return f.i === i; });
    state.page = Math.floor(Math.max(0, at) / PAGE);
    render();
    var el = $("f-" + i);
    if (el) el.scrollIntoView({ block: "center" });
  });

  // A related location opens its record, with the lines it points at.
  var relExcerpt = null;
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-finding-rel]");
    if (!a) return;
    var p = a.getAttribute("data-finding-rel").split(":");
    var x = (D.findings[+p[0]] || { rel: [] }).rel[+p[1]];
    relExcerpt = x ? { hash: a.getAttribute("href"), ex: x.ex } : null;
  }, true);
  function openRecord() {
    var m = /^#rec-(\d+)(?:-L(\d+))?$/.exec(location.hash);
    var view = $("record-view");
    if (!m) { view.hidden = true; return; }
    var r = D.records[m[1]];
    if (!r) { view.hidden = true; return; }
    var line = +(m[2] || 0);
    var text = D.public ? '<p class="empty">公示版不含记录原文。</p>' :
      relExcerpt && relExcerpt.hash === location.hash ? excerpt(relExcerpt.ex) : "";
    var own = all.filter(function (f) { return f.rec === +m[1]; });
    view.innerHTML = '<button type="button" class="close" id="record-close">关闭</button><h3>' + h(r.kind) + " " + h(r.id) + "</h3>" +
      '<p class="lead">' + h(unitName(r.unit)) + " · " + h(fileName(r.file)) + ":" + r.line + "–" + r.end + (line ? "，第 " + line + " 行" : "") + "</p>" + text +
      (own.length ? "<p>本记录的问题：" + own.map(function (f) { return '<a href="#f-' + f.i + '" data-finding="' + f.i + '">' + h(f.rule) + "</a>"; }).join("、") + "</p>" : "<p class=\"empty\">本记录无问题。</p>");
    view.setAttribute("data-record", r.id);
    view.setAttribute("data-kind", r.kind);
    view.setAttribute("data-file", fileName(r.file));
    view.setAttribute("data-start", r.line);
    view.setAttribute("data-end", r.end);
    view.hidden = false;
    $("record-close").addEventListener("click", function () { history.replaceState(null, "", "#findings"); view.hidden = true; });
  }
  window.addEventListener("hashchange", openRecord);

  $("error-list").innerHTML = D.errors.map(function (e) {
    return '<li><span class="badge ' + e.level + '">' + SEV[e.level] + "</span> " + h(e.msg) +
      ' <span class="loc">' + h(e.file) + (e.line ? ":" + e.line + ":" + e.col : "") + "</span>" +
      (e.help ? '<div class="help">整改：' + h(e.help) + "</div>" : "") + "</li>";
  }).join("");

  // Printing shows every finding that passes the filters.
  window.addEventListener("beforeprint", function () { render(true); });
  window.addEventListener("afterprint", function () { render(); });
  render();
  openRecord();
})();
