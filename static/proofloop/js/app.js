/* Proofloop: small progressive enhancements. Every page works without them. */
(function () {
  "use strict";

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
