// Sorting and filtering of roadmap tables. Plain DOM, no library, works offline.
(function () {
  "use strict";

  function cellValue(row, index, kind) {
    var cell = row.cells[index];
    if (!cell) return kind === "number" ? -Infinity : "";
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (kind === "number") {
      var n = parseFloat(raw);
      return isNaN(n) ? -Infinity : n;
    }
    return raw.toLowerCase();
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      var kind = th.getAttribute("data-sort");
      if (!kind) return;
      th.tabIndex = 0;
      th.setAttribute("role", "button");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, kind), y = cellValue(b, index, kind);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }

  function makeFilterable(box) {
    // The box names one or more tables (space-separated ids); every row of each is filtered.
    var tables = box.getAttribute("data-rm-filters").split(/\s+/).filter(Boolean)
      .map(function (id) { return document.getElementById(id); }).filter(Boolean);
    if (!tables.length) return;
    box.hidden = false;  // a page may hide its filters until this script can run them
    var text = box.querySelector('[data-rm-filter="text"]');
    var status = box.querySelector('[data-rm-filter="status"]');
    var alignment = box.querySelector('[data-rm-filter="alignment"]');
    var since = box.querySelector('[data-rm-filter="since"]');
    var count = box.querySelector("[data-rm-count]");
    function apply() {
      var words = text ? (text.value || "").toLowerCase().split(/\s+/).filter(Boolean) : [];
      var wanted = status ? status.value : "";
      var kind = alignment ? alignment.value : "";
      var from = since ? since.value : "";  // YYYY-MM-DD compares correctly as text
      var shown = 0, total = 0;
      var filtered = !!(words.length || wanted || kind || from);
      tables.forEach(function (table) {
        var here = 0, rows = table.tBodies[0].rows;
        Array.prototype.forEach.call(rows, function (row) {
          var haystack = row.textContent.toLowerCase();
          var updated = row.getAttribute("data-updated");
          var ok = (!wanted || row.getAttribute("data-status") === wanted) &&
            (!kind || row.getAttribute("data-alignment") === kind) &&
            (!from || (updated !== null && updated !== "" && updated >= from)) &&
            words.every(function (w) { return haystack.indexOf(w) !== -1; });
          row.hidden = !ok;
          total += 1;
          if (ok) { shown += 1; here += 1; }
        });
        // A group's count in its heading (data-rm-shown="TABLE-ID") says how many of its rows are shown.
        document.querySelectorAll('[data-rm-shown="' + table.id + '"]').forEach(function (number) {
          number.textContent = filtered ? here + " of " + rows.length : String(rows.length);
        });
      });
      if (count) count.textContent = shown + " of " + total + " shown";
    }
    if (text) text.addEventListener("input", apply);
    if (status) status.addEventListener("change", apply);
    if (alignment) alignment.addEventListener("change", apply);
    if (since) since.addEventListener("change", apply);
    apply();
  }

  // The timeline: cards of the stories that ask something of one project (?project=nova links to it).
  function makeTimelineFilter(box) {
    var select = box.querySelector("select[data-rm-timeline-filter]");
    var count = box.querySelector("[data-rm-timeline-count]");
    if (!select) return;
    box.hidden = false;
    function apply() {
      var wanted = select.value, shown = 0, total = 0;
      document.querySelectorAll("section.rm-timeline-column").forEach(function (column) {
        var here = 0;
        column.querySelectorAll("li.rm-timeline-card").forEach(function (card) {
          var projects = (card.getAttribute("data-projects") || "").split(/\s+/);
          var ok = !wanted || projects.indexOf(wanted) !== -1;
          card.hidden = !ok;
          total += 1;
          if (ok) { shown += 1; here += 1; }
        });
        var number = column.querySelector("[data-rm-timeline-shown]");
        if (number) number.textContent = String(here);
        var empty = column.querySelector("[data-rm-timeline-empty]");
        if (empty) empty.hidden = here !== 0;
      });
      if (count) count.textContent = shown + " of " + total + " stories shown";
      var address = new URL(window.location.href);
      if (wanted) address.searchParams.set("project", wanted); else address.searchParams.delete("project");
      window.history.replaceState(null, "", address.toString());
    }
    var asked = new URLSearchParams(window.location.search).get("project");
    if (asked && Array.prototype.some.call(select.options, function (o) { return o.value === asked; })) select.value = asked;
    select.addEventListener("change", apply);
    apply();
  }

  // A filter named in the address (?status=accepted from the home page's tiles) is applied on load.
  function applyQuery(box) {
    var query = new URLSearchParams(window.location.search);
    ["status", "alignment"].forEach(function (name) {
      var control = box.querySelector('[data-rm-filter="' + name + '"]');
      var value = query.get(name);
      if (control && value && Array.prototype.some.call(control.options, function (o) { return o.value === value; })) {
        control.value = value;
        control.dispatchEvent(new Event("change"));
      }
    });
  }

  // The theme's search box is a dialog without a name; screen readers announce it by this one.
  function nameSearchDialog() {
    var dialog = document.querySelector(".md-search[role='dialog']");
    if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "Search the roadmap");
  }

  // A link to a folded group (#group-closed on a project page) opens it, so the reader lands on its rows.
  function openLinkedGroup() {
    var target = window.location.hash ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
    if (target && target.tagName === "DETAILS") target.open = true;
  }
  window.addEventListener("hashchange", openLinkedGroup);

  function init() {
    nameSearchDialog();
    openLinkedGroup();
    document.querySelectorAll("table.rm-sortable").forEach(makeSortable);
    document.querySelectorAll("[data-rm-filters]").forEach(function (box) { makeFilterable(box); applyQuery(box); });
    document.querySelectorAll("[data-rm-timeline-filters]").forEach(makeTimelineFilter);
  }

  // `interlock print --paper a4|letter` asks for a paper size in the address.
  var paper = /[?&]paper=(a4|letter)\b/i.exec(window.location.search);
  if (paper) {
    var style = document.createElement("style");
    style.textContent = "@page { size: " + (paper[1].toLowerCase() === "a4" ? "A4" : "letter") + "; }";
    document.head.appendChild(style);
  }

  // Folded blocks print open: paper has no click.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.setAttribute("open", "");
      d.setAttribute("data-rm-opened-for-print", "");
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-rm-opened-for-print]").forEach(function (d) {
      d.removeAttribute("open");
      d.removeAttribute("data-rm-opened-for-print");
    });
  });

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(init);  // Material's instant navigation replaces pages without reloading
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
