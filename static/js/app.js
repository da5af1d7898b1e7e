// Small progressive enhancements shared by every page; pages work without them.
document.addEventListener("htmx:responseError", (event) => {
  const box = document.querySelector("#htmx-error") || document.body.appendChild(Object.assign(document.createElement("div"), {id: "htmx-error", className: "messages"}));
  box.innerHTML = "";
  const item = document.createElement("li");
  item.className = "msg-error";
  item.textContent = `The server answered ${event.detail.xhr.status}: ${event.detail.xhr.responseText.slice(0, 300)}`;
  box.appendChild(item);
});

// <form data-confirm="Question?">: ask before submitting (no inline handlers: the CSP allows none).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// <a data-back>: step back in history when there is a page to go back to (else follow its href).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
