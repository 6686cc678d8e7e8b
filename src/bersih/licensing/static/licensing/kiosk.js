/* The kiosk: the "print here" button prints the slip (the print view), and the ticket page goes back to
 * the start by itself after a while so the next applicant does not see the previous one's number. */
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });

  var back = document.querySelector("[data-kiosk-return]");
  if (back) {
    var seconds = parseInt(back.getAttribute("data-kiosk-return"), 10) || 60;
    window.setTimeout(function () {
      window.location.assign(back.getAttribute("href"));
    }, seconds * 1000);
  }
})();
