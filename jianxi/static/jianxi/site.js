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
