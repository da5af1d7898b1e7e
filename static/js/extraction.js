// Extraction autosave: every change posts one field (its data-path) with the version this page last saw.
// Unsaved typing is kept in localStorage until the server confirms it, so a reload, a crash or a closed tab
// never loses it: on the next visit it is put back and saved. Two tabs: the server refuses a stale version
// with a clear message (409) and nothing is overwritten.
(function () {
  "use strict";

  const sent = {};  // path -> the value (JSON) its latest autosave carried
  const form = () => document.getElementById("x-form");
  const storeKey = (f) => `reviewapp:x:${f.dataset.extraction}`;
  const load = (f) => { try { return JSON.parse(localStorage.getItem(storeKey(f)) || "{}"); } catch (e) { return {}; } };
  const store = (f, drafts) => {
    if (Object.keys(drafts).length) localStorage.setItem(storeKey(f), JSON.stringify(drafts));
    else localStorage.removeItem(storeKey(f));
  };

  function valueOf(f, path) {
    const inputs = Array.from(f.querySelectorAll(`[name="${CSS.escape(path)}"]`));
    if (!inputs.length) return null;
    if (inputs[0].type === "checkbox") return inputs.filter((i) => i.checked).map((i) => i.value);
    const unit = f.querySelector(`[name="${CSS.escape(path + "__unit")}"]`);
    return unit ? {value: inputs[0].value, unit: unit.value} : inputs[0].value;
  }

  function setValue(f, path, value) {
    const inputs = Array.from(f.querySelectorAll(`[name="${CSS.escape(path)}"]`));
    if (!inputs.length) return false;
    if (inputs[0].type === "checkbox") inputs.forEach((i) => { i.checked = value.includes(i.value); });
    else if (value && typeof value === "object") {
      inputs[0].value = value.value;
      const unit = f.querySelector(`[name="${CSS.escape(path + "__unit")}"]`);
      if (unit) unit.value = value.unit;
    } else inputs[0].value = value;
    return true;
  }

  function remember(event) {
    const f = form();
    const path = event.target && event.target.dataset && event.target.dataset.path;
    if (!f || !path || !f.contains(event.target)) return;
    const drafts = load(f);
    drafts[path] = valueOf(f, path);
    store(f, drafts);
  }
  document.addEventListener("input", remember, true);
  // Enter in a field must not submit the form as a page load: autosave already has the value.
  document.addEventListener("submit", (event) => { if (event.target.id === "x-form") event.preventDefault(); });
  document.addEventListener("change", remember, true);

  // Add the changed field's path to the autosave request; anything else in the form does not autosave.
  document.addEventListener("htmx:configRequest", (event) => {
    const f = form();
    if (!f || event.detail.elt !== f) return;
    const trigger = event.detail.triggeringEvent;
    const path = trigger && trigger.target && trigger.target.dataset ? trigger.target.dataset.path : null;
    if (!path) { event.preventDefault(); return; }
    event.detail.parameters.path = path;
    sent[path] = JSON.stringify(valueOf(f, path));
    event.detail.parameters.version = document.getElementById("x-version").value;
  });

  // 409 (stale version) and 422 (bad value) answers carry a message to show in place.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 409 || status === 422) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const f = form();
    if (!f || event.detail.elt !== f) return;
    const path = event.detail.requestConfig && event.detail.requestConfig.parameters.path;
    const field = path && f.querySelector(`[data-path="${CSS.escape(path)}"]`);
    const ok = event.detail.xhr.status === 200;
    if (field) field.classList.toggle("invalid", !ok);
    if (ok && path) {
      const drafts = load(f);
      // Forget the draft only if nothing was typed after this request left.
      if (drafts[path] === undefined || JSON.stringify(drafts[path]) === sent[path]) delete drafts[path];
      store(f, drafts);
    }
  });

  window.addEventListener("beforeunload", (event) => {
    const f = form();
    if (f && Object.keys(load(f)).length) { event.preventDefault(); event.returnValue = ""; }
  });

  // Put back what was typed but never confirmed saved, and save it now (one field after the other).
  document.addEventListener("DOMContentLoaded", () => {
    const f = form();
    if (!f || !f.hasAttribute("hx-post")) return;
    const drafts = load(f);
    let restored = 0;
    for (const [path, value] of Object.entries(drafts)) {
      const current = JSON.stringify(valueOf(f, path));
      if (current === JSON.stringify(value)) { delete drafts[path]; continue; }
      if (setValue(f, path, value)) {
        restored += 1;
        const field = f.querySelector(`[data-path="${CSS.escape(path)}"]`);
        setTimeout(() => field.dispatchEvent(new Event("change", {bubbles: true})), 50 * restored);
      } else delete drafts[path];
    }
    store(f, drafts);
    if (restored) document.getElementById("restored").hidden = false;
  });
})();
