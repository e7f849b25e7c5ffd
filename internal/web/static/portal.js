// elevate portal: small progressive enhancements. Every page works without it.
(function () {
  "use strict";

  // Countdowns: <time data-ends="RFC3339"> says the time left the way the
  // server does: "ends in 42 min", "ends in 1h 30m", seconds in the last minute.
  function fmt(ms) {
    if (ms <= 0) return "ending";
    var s = Math.ceil(ms / 1000), mins = Math.ceil(s / 60);
    if (s < 60) return "ends in " + s + "s";
    if (mins < 60) return "ends in " + mins + " min";
    var h = Math.floor(Math.round(s / 60) / 60), m = Math.round(s / 60) % 60;
    if (h >= 24) { var d = Math.floor(h / 24); h = h % 24; return "ends in " + d + "d" + (h ? " " + h + "h" : ""); }
    return "ends in " + h + "h" + (m ? " " + m + "m" : "");
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-ends]").forEach(function (el) {
      el.textContent = fmt(Date.parse(el.getAttribute("data-ends")) - now);
    });
  }
  tick();
  setInterval(tick, 1000);

  // The CLI sign-in hand-off posts its form to the CLI at once.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (f) { f.submit(); });

  // Live status: pages waiting for a change reload themselves.
  var live = document.body.getAttribute("data-live");
  if (live) {
    setTimeout(function () { location.reload(); }, parseInt(live, 10) * 1000);
  }

  // The count beside Approvals: how many requests wait for my decision.
  var count = document.querySelector("[data-approvals-count]");
  if (count) {
    fetch("/approvals/count", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (d) {
        if (d.waiting > 0) {
          count.textContent = d.waiting;
          count.setAttribute("aria-label", d.waiting + " waiting for you");
          count.hidden = false;
        }
      })
      .catch(function () { /* the Approvals page still lists them */ });
  }

  // Account search: filter as you type, on the server (thousands of accounts).
  var q = document.querySelector("input[data-live-search]");
  var out = document.getElementById("account-results");
  if (q && out) {
    var timer = null, seq = 0;
    q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++seq;
        var base = q.getAttribute("data-live-search");
        fetch(base + (base.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q.value), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
          .then(function (html) { if (mine === seq) out.innerHTML = html; })
          .catch(function () { /* the Search button still works */ });
      }, 120);
    });
  }
})();

// The browser's time zone, for the server to say times in (unless the user
// chose one on the profile page): kept in a cookie; the page reloads once
// when the zone it was rendered in is not the browser's.
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) return;
  var m = document.cookie.match(/(?:^|; )elevate_browser_tz=([^;]*)/);
  if (m && decodeURIComponent(m[1]) === zone) return;
  document.cookie = "elevate_browser_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
  var rendered = document.body.getAttribute("data-zone");
  var chosen = document.body.getAttribute("data-zone-chosen") === "true";
  if (rendered && rendered !== zone && !chosen && !sessionStorage.getItem("elevate_tz_reloaded")) {
    sessionStorage.setItem("elevate_tz_reloaded", "1");
    location.reload();
  }
})();
