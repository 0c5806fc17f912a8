/* The front map: a date slider and playback through the days on which a place changed hands,
   swapping in the server-rendered map (/map/frame/) without reloading the page.
   Progressive enhancement only: without this file the date field, the filters and the
   previous/next links do the same with whole-page loads. */
(function () {
  "use strict";

  var form = document.getElementById("fm-controls");
  var slot = document.getElementById("fm-frame");
  if (!form || !slot || !window.fetch || !window.URLSearchParams) { return; }

  var DAY_MS = 86400000;
  var PLAY_DELAY_MS = 1200;
  var frameUrl = form.getAttribute("data-frame-url");
  var pageUrl = form.getAttribute("action");
  var dateInput = form.querySelector("input[name=at]");

  function toDays(iso) { return Math.round(Date.parse(iso + "T00:00:00Z") / DAY_MS); }
  function toIso(days) { return new Date(days * DAY_MS).toISOString().slice(0, 10); }
  function frame() { return slot.querySelector(".fm-frame"); }

  var at = dateInput.value;
  var first = form.getAttribute("data-first") || at;
  var last = form.getAttribute("data-last") || at;

  var player = document.createElement("div");
  player.className = "fm-player";
  var play = document.createElement("button");
  play.type = "button";
  play.className = "fm-play";
  play.setAttribute("aria-pressed", "false");
  play.textContent = "Play the changes";
  var slider = document.createElement("input");
  slider.type = "range";
  slider.className = "fm-slider";
  slider.min = String(Math.min(toDays(first), toDays(at)));
  slider.max = String(Math.max(toDays(last), toDays(at)));
  slider.step = "1";
  slider.value = String(toDays(at));
  slider.setAttribute("aria-label", "Date (from " + first + " to " + last + ")");
  var shown = document.createElement("output");
  shown.setAttribute("aria-live", "off");
  shown.textContent = at;
  player.appendChild(play);
  player.appendChild(slider);
  player.appendChild(shown);
  form.appendChild(player);

  var controller = null;
  var asked = 0;

  function query(day) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== "") { params.set(key, value); }
    });
    params.set("at", day);
    return params.toString();
  }

  function load(day) {
    var q = query(day);
    var mine = ++asked;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    slot.setAttribute("aria-busy", "true");
    return fetch(frameUrl + "?" + q, {
      headers: { "Accept": "text/html" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error("the map answered " + response.status); }
      return response.text();
    }).then(function (html) {
      if (mine !== asked) { return; }
      slot.innerHTML = html;
      slot.removeAttribute("aria-busy");
      at = day;
      dateInput.value = day;
      slider.value = String(toDays(day));
      shown.textContent = day;
      window.history.replaceState(null, "", pageUrl + "?" + q);
    }).catch(function (err) {
      if (err && err.name === "AbortError") { return; }
      slot.removeAttribute("aria-busy");
      stop();
      // Fall back to an ordinary page load, which shows any error in full.
      window.location.href = pageUrl + "?" + q;
    });
  }

  var debounce = null;
  slider.addEventListener("input", function () {
    var day = toIso(Number(slider.value));
    shown.textContent = day;
    window.clearTimeout(debounce);
    debounce = window.setTimeout(function () { load(day); }, 150);
  });

  dateInput.addEventListener("change", function () {
    if (/^\d{4}-\d{2}-\d{2}$/.test(dateInput.value)) { load(dateInput.value); }
  });

  slot.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.fm-step") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    event.preventDefault();
    stop();
    load(link.getAttribute("data-at"));
  });

  var timer = null;
  function stop() {
    window.clearTimeout(timer);
    timer = null;
    play.setAttribute("aria-pressed", "false");
    play.textContent = "Play the changes";
  }
  function step() {
    var current = frame();
    var next = current ? current.getAttribute("data-next") : "";
    if (!next) { stop(); return; }
    load(next).then(function () {
      if (timer !== null) { timer = window.setTimeout(step, PLAY_DELAY_MS); }
    });
  }
  play.addEventListener("click", function () {
    if (timer !== null) { stop(); return; }
    play.setAttribute("aria-pressed", "true");
    play.textContent = "Pause";
    var current = frame();
    if (current && !current.getAttribute("data-next")) {
      // At or after the last change: play again from the start of the data.
      timer = 0;
      load(first).then(function () {
        if (timer !== null) { timer = window.setTimeout(step, PLAY_DELAY_MS); }
      });
      return;
    }
    timer = window.setTimeout(step, 0);
  });
}());
