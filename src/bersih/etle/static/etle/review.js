// Keyboard shortcuts on the review page (optional: every form works without them).
// a: approve, r: go to the rejection reason, n: next case. Ignored while typing in a field.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName))) return;
    var key = event.key;
    if (key === "a") {
      var approve = document.querySelector("[data-review-approve]");
      if (approve) { event.preventDefault(); approve.click(); }
    } else if (key === "r") {
      var reason = document.querySelector("#reject select");
      if (reason) { event.preventDefault(); reason.focus(); }
    } else if (key === "n") {
      var next = document.querySelector("[data-review-next]");
      if (next) { event.preventDefault(); window.location.assign(next.href); }
    }
  });
})();
