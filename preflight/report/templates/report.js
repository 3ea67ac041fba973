// Filters for the findings: severity, check, split. Without JavaScript the form stays hidden
// and every finding is listed; nothing else on the page depends on this script.
(function () {
  "use strict";
  // a script error anywhere on the page is recorded on <body>, where tests and people see it
  window.addEventListener("error", function (e) {
    document.body.setAttribute("data-js-error", String(e.message || "error"));
  });
  document.body.setAttribute("data-js", "ran");
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;
  var checks = Array.prototype.slice.call(document.querySelectorAll("details.check"));
  var shown = document.getElementById("shown");
  var empty = document.getElementById("empty-filter");

  function selected() {
    var sev = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[name=sev]"), function (el) {
      sev[el.value] = el.checked;
    });
    var code = form.elements.code ? form.elements.code.value : "";
    var split = form.elements.split ? form.elements.split.value : "";
    return { sev: sev, code: code, split: split };
  }

  function apply() {
    var f = selected();
    var visibleChecks = 0;
    var visibleFindings = 0;
    var total = 0;
    checks.forEach(function (check) {
      var items = Array.prototype.slice.call(check.querySelectorAll("li.finding"));
      var any = false;
      items.forEach(function (li) {
        total += 1;
        var splits = (li.getAttribute("data-splits") || "").split(" ").filter(Boolean);
        var ok = f.sev[li.getAttribute("data-sev")] !== false &&
          (!f.code || li.getAttribute("data-code") === f.code) &&
          (!f.split || splits.indexOf(f.split) >= 0);
        li.hidden = !ok;
        if (ok) { any = true; visibleFindings += 1; }
      });
      Array.prototype.forEach.call(check.querySelectorAll(".thumb"), function (t) {
        var s = t.getAttribute("data-split");
        t.hidden = !!(f.split && s && s !== f.split);
      });
      check.hidden = !any;
      if (any) { visibleChecks += 1; }
      if (any && f.code) { check.open = true; }
    });
    if (shown) {
      shown.textContent = visibleFindings === total ? "" :
        "showing " + visibleFindings + " of " + total + " listed findings";
    }
    if (empty) { empty.hidden = visibleChecks > 0; }
  }

  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
})();
