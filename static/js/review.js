/* Review queue: keyboard shortcuts, in-place accept/reject and name lookups.
   Progressive enhancement only: every form here also works as a plain POST without this file. */
(function () {
  "use strict";

  var items = function () { return Array.prototype.slice.call(document.querySelectorAll(".rv-list .rv-item")); };
  var current = -1;

  function focusItem(index) {
    var list = items();
    if (!list.length) { current = -1; return; }
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (el, i) { el.classList.toggle("rv-current", i === current); });
    list[current].focus({ preventScroll: true });
    list[current].scrollIntoView({ block: "nearest" });
  }

  function currentItem() {
    var list = items();
    if (current < 0 && list.length) { focusItem(0); }
    return list[current] || null;
  }

  function flash(el, text, bad) {
    var note = el.querySelector(".rv-note-inline");
    if (!note) {
      note = document.createElement("div");
      note.className = "rv-note-inline";
      note.setAttribute("role", "status");
      el.appendChild(note);
    }
    note.className = "rv-note-inline" + (bad ? " rv-error" : "");
    note.textContent = text;
  }

  function sendForm(form) {
    var item = form.closest(".rv-item");
    var body = new FormData(form);
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (resp) {
      return resp.json().then(function (data) { return { status: resp.status, data: data }; });
    }).then(function (res) {
      if (res.data.ok) {
        var idx = items().indexOf(item);
        var gone = item.parentNode.tagName === "LI" ? item.parentNode : item;
        gone.parentNode.removeChild(gone);
        var count = document.querySelector(".rv-head .rv-count");
        if (count) { count.textContent = Math.max(0, parseInt(count.textContent, 10) - 1); }
        focusItem(idx);
      } else if (res.data.conflict) {
        flash(item, res.data.message + " ", true);
        var link = document.createElement("a");
        link.href = res.data.url; link.textContent = "See their change";
        item.querySelector(".rv-note-inline").appendChild(link);
      } else {
        flash(item, res.data.message || "That did not work.", true);
      }
    }).catch(function () { form.submit(); });
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches(".rv-list form[data-action]")) { return; }
    ev.preventDefault();
    sendForm(form);
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || tag === "button" || tag === "a") {
      if (ev.key === "Escape") { ev.target.blur(); var it = ev.target.closest(".rv-item"); if (it) { it.focus(); } }
      // Letters still work from a focused button or link; Enter and space keep their usual meaning there.
      if (tag === "input" || tag === "textarea" || tag === "select" || ev.key === "Enter" || ev.key === " ") { return; }
    }
    var inQueue = items().length > 0;
    var scope = inQueue ? currentItem() : document.querySelector(".rv-detail");
    var form;
    switch (ev.key) {
      case "j": case "n":
        if (inQueue) { focusItem(current + 1); ev.preventDefault(); }
        break;
      case "k": case "p":
        if (inQueue) { focusItem(current - 1); ev.preventDefault(); }
        break;
      case "a":
        form = scope && scope.querySelector("form[data-action=accept]");
        if (form) { ev.preventDefault(); if (inQueue) { sendForm(form); } else { form.submit(); } }
        break;
      case "r":
        form = scope && scope.querySelector("form[data-action=reject] input[name=reason]");
        if (form) { ev.preventDefault(); form.focus(); }
        break;
      case "x":
        form = scope && scope.querySelector("input[type=checkbox][name=selected]");
        if (form) { ev.preventDefault(); form.checked = !form.checked; }
        break;
      case "o": case "Enter":
        form = inQueue && scope && scope.querySelector("a[data-open]");
        if (form) { ev.preventDefault(); window.location.href = form.href; }
        break;
      case "/":
        form = document.querySelector(".rv-filters input[name=place]");
        if (form) { ev.preventDefault(); form.focus(); }
        break;
    }
  });

  document.addEventListener("click", function (ev) {
    var item = ev.target.closest && ev.target.closest(".rv-list .rv-item");
    if (item) { current = items().indexOf(item); items().forEach(function (el) { el.classList.toggle("rv-current", el === item); }); }
  });

  var all = document.querySelector("[data-select-all]");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll(".rv-list input[name=selected]").forEach(function (box) { box.checked = all.checked; });
    });
  }

  document.querySelectorAll(".rv-filters select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Datalists of places and actors by any spelling, fed by /review/lookup/*.
  var urls = {};
  var holder = document.querySelector("[data-lookup-places]");
  if (holder) { urls["place-options"] = holder.dataset.lookupPlaces; urls["actor-options"] = holder.dataset.lookupActors; }
  var timer = null;
  document.querySelectorAll("input[list]").forEach(function (input) {
    var listId = input.getAttribute("list");
    var url = input.dataset.lookup || urls[listId];
    var datalist = document.getElementById(listId);
    if (!url || !datalist) { return; }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2 || /#\d+$/.test(q)) { return; }
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            datalist.innerHTML = "";
            data.results.forEach(function (m) {
              var opt = document.createElement("option");
              opt.value = m.value;
              opt.label = m.detail;
              datalist.appendChild(opt);
            });
          });
      }, 150);
    });
  });

  if (items().length && !document.activeElement.closest(".rv-filters")) { focusItem(0); }
})();
