// elevate policy editor: pickers that search the synced directory, and the
// live preview of who becomes eligible. The forms work without it: the
// lists are textareas (one entry per line) and "Preview" asks the server.
(function () {
  "use strict";

  var form = document.getElementById("rule-form");
  if (!form) return;
  var n = 0;

  // A picker: a combobox that searches the directory and adds the chosen
  // entry as a line of the list's textarea (arrows, Enter, Escape; click).
  document.querySelectorAll(".picker").forEach(function (picker) {
    var area = picker.querySelector("textarea");
    var kind = picker.getAttribute("data-kind");
    var url = picker.getAttribute("data-search");
    var id = "pick-" + (++n);
    var input = document.createElement("input");
    input.type = "text";
    input.className = "picker-search";
    input.id = id;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    input.setAttribute("aria-label", "Search the directory to add to " + picker.getAttribute("data-label"));
    input.setAttribute("placeholder", "Search to add…");
    input.setAttribute("autocomplete", "off");
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", picker.getAttribute("data-label") + " in the directory");
    list.hidden = true;
    area.insertAdjacentElement("afterend", list);
    area.insertAdjacentElement("afterend", input);

    var items = [], active = -1, timer = null, seq = 0;
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function mark(i) {
      active = i;
      list.querySelectorAll("[role=option]").forEach(function (li, j) {
        li.setAttribute("aria-selected", j === i ? "true" : "false");
        if (j === i) {
          input.setAttribute("aria-activedescendant", li.id);
          li.scrollIntoView({ block: "nearest" });
        }
      });
    }
    function add(value) {
      var lines = area.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
      if (lines.indexOf(value) < 0) lines.push(value);
      area.value = lines.join("\n");
      area.dispatchEvent(new Event("input", { bubbles: true }));
      input.value = "";
      close();
      input.focus();
    }
    function show(data) {
      items = data.items || [];
      list.innerHTML = "";
      if (!items.length) {
        var none = document.createElement("li");
        none.setAttribute("role", "option");
        none.setAttribute("aria-disabled", "true");
        none.id = id + "-none";
        none.textContent = "Nothing in the directory matches";
        list.appendChild(none);
      }
      items.forEach(function (it, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = id + "-opt-" + i;
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-value", it.value);
        li.textContent = it.label;
        if (it.detail) {
          var d = document.createElement("span");
          d.className = "hint";
          d.textContent = it.detail;
          li.appendChild(d);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); add(it.value); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }
    function search() {
      var mine = ++seq;
      fetch(url + "?kind=" + encodeURIComponent(kind) + "&q=" + encodeURIComponent(input.value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (d) { if (mine === seq) show(d); })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () {
      // What was highlighted belongs to the previous search: Enter waits
      // for this one's answer.
      mark(-1);
      input.removeAttribute("aria-activedescendant");
      items = [];
      clearTimeout(timer);
      timer = setTimeout(search, 120);
    });
    input.addEventListener("focus", function () { if (!input.value) search(); });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    // Enter in the search never submits the form (some input paths send
    // the key's character apart from its keydown).
    input.addEventListener("keypress", function (e) { if (e.key === "Enter") e.preventDefault(); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (list.hidden) { search(); return; }
        if (!items.length) return;
        var next = e.key === "ArrowDown" ? active + 1 : active - 1;
        mark((next + items.length) % items.length);
      } else if (e.key === "Enter") {
        e.preventDefault(); // Enter picks; it never submits the form from here
        if (!list.hidden && active >= 0) add(items[active].value);
        else if (!list.hidden && items.length === 1) add(items[0].value);
      } else if (e.key === "Escape") {
        if (!list.hidden) { e.preventDefault(); close(); }
      }
    });
  });

  // Live preview: as the rule changes, the server computes who the draft
  // with it makes eligible (nothing is stored).
  var target = document.getElementById("preview");
  var previewURL = form.getAttribute("data-preview");
  if (!target || !previewURL) return;
  var ptimer = null, pseq = 0;
  function preview() {
    var mine = ++pseq;
    fetch(previewURL, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(new FormData(form)).toString()
    })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        if (mine !== pseq) return;
        target.innerHTML = html;
        target.setAttribute("data-updated", String(mine));
      })
      .catch(function () { /* the Preview button still works */ });
  }
  function changed(e) {
    if (e.target.classList && e.target.classList.contains("picker-search")) return;
    clearTimeout(ptimer);
    ptimer = setTimeout(preview, 250);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
})();
