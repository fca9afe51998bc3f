/* Proofloop: small progressive enhancements. Every page works without them. */
(function () {
  "use strict";

  // The htmx policy. Pages show text users typed; should any of it ever reach the page as
  // markup, an hx-post in it must not act with the reader's rights. So htmx sends a request only
  // for an element whose data-htmx-ours equals the page's htmx-marker (a value derived from the
  // session, which stored markup cannot know), and only those requests get the CSRF token — as a
  // header, never through hx-headers that every element inherits. Both values are read from
  // <head> once, before htmx processes the page (this script runs before DOMContentLoaded).
  function headMeta(name) {
    var meta = document.head.querySelector('meta[name="' + name + '"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }
  var htmxMarker = headMeta("htmx-marker");
  var csrfToken = headMeta("csrf-token");

  function ours(element) {
    return Boolean(htmxMarker) && element instanceof Element &&
      element.getAttribute("data-htmx-ours") === htmxMarker;
  }
  function refuseForeign(event) {
    if (!ours(event.detail && event.detail.elt)) event.preventDefault();
  }
  // htmx:confirm comes before every request (unless hx-confirm already asked), configRequest
  // and beforeRequest before each one is sent: refusing at each step leaves no way around.
  // Capture phase, so that no listener on the element can stop the event before it gets here.
  document.addEventListener("htmx:confirm", refuseForeign, true);
  document.addEventListener("htmx:configRequest", function (event) {
    refuseForeign(event);
    if (!event.defaultPrevented) event.detail.headers["X-CSRFToken"] = csrfToken;
  }, true);
  document.addEventListener("htmx:beforeRequest", refuseForeign, true);

  // Menus are <details data-menu>: one open at a time; close on outside click and on Escape.
  function closeMenus(except) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details[data-menu]"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details[data-menu][open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });

  document.addEventListener("click", function (event) {
    // Dismiss a flash message.
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) dismiss.parentElement.remove();

    // Copy a value (a new API token) to the clipboard.
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var field = document.querySelector(copy.getAttribute("data-copy"));
      field.select();
      if (navigator.clipboard) {
        navigator.clipboard.writeText(field.value).then(function () { copy.textContent = "Copied"; });
      }
    }

    // Evidence forms: add a link row from the formset's empty form, or clear one.
    var add = event.target.closest("[data-link-add]");
    if (add) {
      var box = add.closest("[data-links]");
      var total = box.querySelector('input[name$="-TOTAL_FORMS"]');
      var html = box.querySelector("template[data-link-template]").innerHTML
        .replace(/__prefix__/g, total.value);
      box.querySelector("[data-link-rows]").insertAdjacentHTML("beforeend", html);
      total.value = String(Number(total.value) + 1);
      var rows = box.querySelectorAll("[data-link-row]");
      rows[rows.length - 1].querySelector("select").focus();
    }
    var remove = event.target.closest("[data-link-remove]");
    if (remove) {
      // A row without a hypothesis is ignored on save: clear it and hide it.
      var row = remove.closest("[data-link-row]");
      row.querySelector('select[name$="-hypothesis"]').value = "";
      row.hidden = true;
    }
  });
})();
