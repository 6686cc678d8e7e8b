/* Bersih — progressive enhancements only; every page works without this file.
 *
 * - <form data-confirm="Question?"> asks before sending (the server checks again anyway).
 * - <form data-submit-on-change> (the language switch) sends itself when its choice changes, so its
 *   button, there for browsers without JavaScript, is taken away.
 * - <button data-copy="TEXT"> copies TEXT (a tracking number) to the clipboard and says so.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button || !navigator.clipboard) {
      return;
    }
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var done = button.getAttribute("data-copied");
      if (done) {
        button.textContent = done;
      }
    });
  });

  document.querySelectorAll("form[data-submit-on-change]").forEach(function (form) {
    form.querySelectorAll("[type=submit]").forEach(function (button) {
      button.remove();
    });
    form.addEventListener("change", function () {
      form.submit();
    });
  });

  // Copy buttons are only useful with a clipboard: reveal them when one exists.
  if (navigator.clipboard) {
    document.querySelectorAll("button[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
})();
