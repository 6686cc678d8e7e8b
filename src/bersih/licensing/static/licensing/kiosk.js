/* The kiosk: the "print here" button prints the slip (the print view); the ticket page goes back to
 * the start by itself after a while so the next applicant does not see the previous one's number; and
 * a form left untouched (data-kiosk-idle="SECONDS") is cleared by reloading the start page, so an
 * abandoned NIK is not left on the screen (the reload also keeps the kiosk's staff session alive). */
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });

  // A double tap must not send the form twice (the second would be refused as a second application).
  document.querySelectorAll("form.kiosk-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("[type=submit]").forEach(function (button) {
        window.setTimeout(function () {
          button.disabled = true;
        }, 0);
      });
    });
  });

  var idle = document.querySelector("[data-kiosk-idle]");
  if (idle) {
    var limit = (parseInt(idle.getAttribute("data-kiosk-idle"), 10) || 120) * 1000;
    var timer = null;
    var restart = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        window.location.assign(idle.getAttribute("data-kiosk-start"));
      }, limit);
    };
    ["pointerdown", "keydown", "input"].forEach(function (name) {
      document.addEventListener(name, restart, true);
    });
    restart();
  }

  var back = document.querySelector("[data-kiosk-return]");
  if (back) {
    var seconds = parseInt(back.getAttribute("data-kiosk-return"), 10) || 60;
    window.setTimeout(function () {
      window.location.assign(back.getAttribute("href"));
    }, seconds * 1000);
  }
})();
