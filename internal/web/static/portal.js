// elevate portal: small progressive enhancements. Every page works without it.
(function () {
  "use strict";

  // Countdowns: <time data-ends="RFC3339"> shows the time left.
  function fmt(ms) {
    if (ms <= 0) return "ending";
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    s = s % 60;
    return (h ? h + "h " : "") + (h || m ? m + "m " : "") + s + "s left";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-ends]").forEach(function (el) {
      el.textContent = fmt(Date.parse(el.getAttribute("data-ends")) - now);
    });
  }
  tick();
  setInterval(tick, 1000);

  // Live status: pages waiting for a change reload themselves.
  var live = document.body.getAttribute("data-live");
  if (live) {
    setTimeout(function () { location.reload(); }, parseInt(live, 10) * 1000);
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
        fetch(q.getAttribute("data-live-search") + "?q=" + encodeURIComponent(q.value), { credentials: "same-origin" })
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
