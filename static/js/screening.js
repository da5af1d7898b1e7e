// Keyboard-first screening: a key press clicks (or focuses) the visible element whose data-key lists that key.
// Pages declare their keys in the HTML (data-key="i", data-key="k arrowleft", data-key-action="focus"), so the
// server decides what is possible and the legend and the bindings cannot drift apart.
(function () {
  "use strict";

  function isTyping(target) {
    const tag = target && target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(target.type)) ||
      (target && target.isContentEditable);
  }

  function boundElement(name) {
    for (const element of document.querySelectorAll("[data-key]")) {
      if (element.dataset.key.split(/\s+/).includes(name) && !element.disabled && element.offsetParent !== null) {
        return element;
      }
    }
    return null;
  }

  function toggleLegend() {
    const legend = document.getElementById("key-legend");
    if (legend) legend.hidden = !legend.hidden;
  }

  let busy = false;  // one vote at a time: a held-down key must not vote on the next record too
  document.addEventListener("htmx:beforeRequest", () => { busy = true; });
  document.addEventListener("htmx:afterRequest", () => { busy = false; });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && isTyping(event.target)) {
      event.target.blur();
      return;
    }
    if (isTyping(event.target)) return;
    if (event.key === "?") {
      toggleLegend();
      event.preventDefault();
      return;
    }
    const element = boundElement(event.key.toLowerCase());
    if (!element || busy || event.repeat) return;
    event.preventDefault();
    if (element.dataset.keyAction === "focus") {
      element.focus();
    } else {
      element.click();
    }
  });

  // The server answers a refused vote (e.g. a full-text exclusion without a reason) with 422 and the panel
  // showing why: swap it in like a normal answer.
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
