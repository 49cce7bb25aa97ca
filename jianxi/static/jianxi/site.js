/* Jianxi's one script. Pages carry no inline script or handler (the Content-Security-Policy
   allows scripts from this site only, docs/operations.md); behaviour is declared in the markup
   with data attributes and wired here, once, by event delegation:

   <form data-confirm="确定…？">                 asks before submitting; Cancel keeps the page
   <button type="button" data-action="print">   prints the page
   <select data-navigate>                        goes to the chosen option's value (a URL)

   Without JavaScript the forms still submit (unconfirmed) and the page still prints from the
   browser's menu. */
"use strict";

document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form instanceof HTMLFormElement ? form.getAttribute("data-confirm") : null;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-action=print]") : null;
  if (target) {
    event.preventDefault();
    window.print();
  }
});

document.addEventListener("change", function (event) {
  var select = event.target;
  if (select instanceof HTMLSelectElement && select.hasAttribute("data-navigate") && select.value) {
    window.location.assign(select.value);
  }
});

/* Phone-size lists: every list table (.table-wrap outside the dashboard's figure blocks) gets
   .cards-sm, and each body cell the heading of its column as data-label, which the stylesheet
   shows before the value when the table turns into cards below 600 px. Runs once per page. */
(function labelTables() {
  function run() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.closest(".dash-block")) {
        // A figure table that may scroll sideways: reachable by keyboard, named by its block's title.
        var title = wrap.closest(".dash-block").querySelector("h3");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        if (title) { wrap.setAttribute("aria-label", title.textContent.trim()); }
        return;
      }
      var table = wrap.querySelector("table");
      var head = table ? table.querySelector("thead tr") : null;
      if (!head) { return; }
      var labels = [];
      Array.prototype.forEach.call(head.children, function (th) {
        var span = parseInt(th.getAttribute("colspan") || "1", 10);
        for (var i = 0; i < span; i += 1) { labels.push(th.textContent.trim()); }
      });
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var index = 0;
        Array.prototype.forEach.call(tr.children, function (cell) {
          var span = parseInt(cell.getAttribute("colspan") || "1", 10);
          if (span === 1 && labels[index] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", labels[index]);
          }
          index += span;
        });
      });
      wrap.classList.add("cards-sm");
      if (wrap.scrollWidth > wrap.clientWidth) { wrap.setAttribute("tabindex", "0"); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
