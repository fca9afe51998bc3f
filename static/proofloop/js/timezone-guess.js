/* Sign-up: pre-select the browser's time zone when the list has it and the person has not
   chosen one yet (the field starts at UTC; without JavaScript it stays there). */
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { return; }
  document.querySelectorAll("select[data-guess-timezone]").forEach(function (select) {
    if (!zone || select.value !== "UTC" || select.closest(".field--error")) return;
    if (select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) select.value = zone;
  });
})();
