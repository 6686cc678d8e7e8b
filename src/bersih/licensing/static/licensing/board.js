/* The hall's display board: live updates from the server-sent event stream, a chime and the call
 * spoken in Indonesian ("Nomor antrian A 12, silakan ke loket 3").
 *
 * Without this file the page reloads itself (a <noscript> refresh) and still shows the numbers.
 * EventSource reconnects by itself when a connection ends, sending the last event id it saw; if the
 * server refuses a connection outright, this file opens a new one after a pause, from the last id.
 */
(function () {
  "use strict";

  var board = document.getElementById("board");
  if (!board || !window.EventSource) {
    return;
  }
  var streamUrl = board.getAttribute("data-stream");
  var lastId = board.getAttribute("data-last") || "0";
  var sayTemplate = board.getAttribute("data-say");
  var speechLang = board.getAttribute("data-lang") || "id-ID";
  var statusLine = document.getElementById("board-status");
  var announce = document.getElementById("board-announce");
  var soundButton = document.getElementById("board-sound");
  var CALLS = { call: true, recall: true, override: true, transfer: true };
  var LEAVES = { finish: true, no_show: true, sent_back: true };

  // --- Sound: a two-tone chime from an oscillator (no audio file), then the spoken call. ----------
  var audio = null;
  function audioContext() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) {
      audio = new Context();
    }
    return audio;
  }
  function soundBlocked() {
    var ctx = audioContext();
    return ctx && ctx.state === "suspended";
  }
  function offerSound() {
    if (soundButton && soundBlocked()) {
      soundButton.hidden = false;
    }
  }
  if (soundButton) {
    soundButton.addEventListener("click", function () {
      var ctx = audioContext();
      if (ctx) {
        ctx.resume();
      }
      if (window.speechSynthesis) {
        window.speechSynthesis.speak(new SpeechSynthesisUtterance(""));
      }
      soundButton.hidden = true;
    });
  }
  function chime() {
    var ctx = audioContext();
    if (!ctx || ctx.state !== "running") {
      return 0;
    }
    var start = ctx.currentTime + 0.05;
    [[660, 0], [880, 0.35]].forEach(function (tone) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, start + tone[1]);
      gain.gain.exponentialRampToValueAtTime(0.4, start + tone[1] + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + tone[1] + 0.6);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(start + tone[1]);
      osc.stop(start + tone[1] + 0.65);
    });
    return 1000;
  }
  function voice() {
    var voices = window.speechSynthesis ? window.speechSynthesis.getVoices() : [];
    var prefix = speechLang.slice(0, 2);
    for (var i = 0; i < voices.length; i += 1) {
      if (voices[i].lang && voices[i].lang.replace("_", "-").indexOf(prefix) === 0) {
        return voices[i];
      }
    }
    return null;
  }
  function phrase(label, counter) {
    return sayTemplate.replace("{label}", label).replace("{counter}", counter);
  }
  function speak(text) {
    if (!window.speechSynthesis) {
      return;
    }
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = speechLang;
    utterance.rate = 0.9;
    var chosen = voice();
    if (chosen) {
      utterance.voice = chosen;
    }
    window.speechSynthesis.speak(utterance);
  }
  // Calls arriving together are announced one after another.
  var queue = [];
  var busy = false;
  function announceNext() {
    if (busy || !queue.length) {
      return;
    }
    busy = true;
    var item = queue.shift();
    var pause = chime();
    window.setTimeout(function () {
      speak(phrase(item.spoken, item.counter));
      window.setTimeout(function () {
        busy = false;
        announceNext();
      }, 3500);
    }, pause);
  }

  // --- Drawing --------------------------------------------------------------------------------
  function counterItem(number) {
    return board.querySelector('[data-counter="' + number + '"]');
  }
  function showServing(number, label) {
    var item = counterItem(number);
    if (!item) {
      return;
    }
    item.querySelector('[data-role="serving"]').textContent = label || "—";
    item.classList.toggle("board-counter--busy", Boolean(label));
  }
  function flash(number) {
    var item = counterItem(number);
    if (item) {
      item.classList.remove("board-counter--flash");
      void item.offsetWidth; // restart the animation
      item.classList.add("board-counter--flash");
    }
  }
  function drawState(state) {
    state.counters.forEach(function (counter) {
      showServing(counter.number, counter.serving);
    });
    state.stages.forEach(function (stage) {
      var item = board.querySelector('[data-stage="' + stage.stage + '"]');
      if (!item) {
        return;
      }
      var numbers = item.querySelector('[data-role="next"]');
      numbers.textContent = "";
      (stage.next.length ? stage.next : [null]).forEach(function (label) {
        var span = document.createElement("span");
        span.className = label ? "board-stage__number" : "board-stage__empty";
        span.textContent = label || "—";
        numbers.appendChild(span);
      });
      item.querySelector('[data-role="waiting"]').textContent = String(stage.waiting);
    });
  }
  function onEvent(item) {
    if (CALLS[item.kind] && item.counter) {
      showServing(item.counter, item.label);
      if (item.speak) {
        announce.textContent = phrase(item.label, item.counter);
        flash(item.counter);
        queue.push(item);
        announceNext();
      }
    } else if (LEAVES[item.kind] && item.counter) {
      var shown = counterItem(item.counter);
      if (shown && shown.querySelector('[data-role="serving"]').textContent === item.label) {
        showServing(item.counter, "");
      }
    }
  }

  // --- The stream -------------------------------------------------------------------------------
  function setStatus(text) {
    if (statusLine) {
      statusLine.textContent = text;
      statusLine.hidden = !text;
    }
  }
  function connect() {
    var source = new EventSource(streamUrl + "?last=" + encodeURIComponent(lastId));
    source.addEventListener("open", function () {
      setStatus("");
      board.setAttribute("data-connected", "true");
    });
    source.addEventListener("board", function (message) {
      lastId = message.lastEventId || lastId;
      onEvent(JSON.parse(message.data));
    });
    source.addEventListener("state", function (message) {
      drawState(JSON.parse(message.data));
    });
    source.addEventListener("error", function () {
      board.setAttribute("data-connected", "false");
      setStatus(board.getAttribute("data-reconnecting"));
      if (source.readyState === EventSource.CLOSED) {
        // Refused outright (a server error): EventSource gives up, so we try again ourselves.
        window.setTimeout(connect, 10000);
      }
    });
  }
  offerSound();
  connect();
})();
