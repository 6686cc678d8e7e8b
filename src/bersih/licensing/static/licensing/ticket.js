/* The applicant's phone page: refreshes the place in the line every few seconds without reloading
 * (the page works without this file: a link refreshes it). When the number is called the phone
 * vibrates, where it can. */
(function () {
  "use strict";

  var page = document.getElementById("ticket-phone");
  if (!page || !window.fetch) {
    return;
  }
  var url = page.getAttribute("data-status");
  var seconds = Math.max(5, parseInt(page.getAttribute("data-refresh"), 10) || 30) / 2;
  var headline = page.querySelector('[data-role="headline"]');

  function set(role, text) {
    var node = page.querySelector('[data-role="' + role + '"]');
    if (node) {
      node.textContent = text;
    }
  }
  function show(role, visible) {
    var node = page.querySelector('[data-role="' + role + '"]');
    if (node) {
      node.hidden = !visible;
    }
  }
  function draw(data) {
    if (data.state === "called" && headline.getAttribute("data-state") !== "called" && navigator.vibrate) {
      navigator.vibrate([300, 150, 300]);
    }
    headline.setAttribute("data-state", data.state);
    set("headline", data.headline);
    set("stage", data.stage_label);
    show("places-row", data.places_ahead !== null);
    set("places", data.places_ahead === null ? "" : String(data.places_ahead));
    show("wait-row", data.wait_minutes !== null);
    set("wait", data.wait);
    return data.open;
  }
  function refresh() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (answer) {
        return answer.ok ? answer.json() : null;
      })
      .then(function (data) {
        if (!data || draw(data)) {
          window.setTimeout(refresh, seconds * 1000);
        }
      })
      .catch(function () {
        window.setTimeout(refresh, seconds * 2000);
      });
  }
  window.setTimeout(refresh, seconds * 1000);
})();
