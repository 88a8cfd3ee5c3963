/* The citizen pages: the streets of the chosen district, "use my location", and
   picking a dispatch suggestion into the form. No inline scripts (CSP). */
(function () {
  "use strict";
  function filterStreets() {
    var district = document.getElementById("id_district");
    var street = document.querySelector("[data-street-select]");
    if (!district || !street) return;
    street.querySelectorAll("optgroup").forEach(function (group) {
      var show = !district.value || group.dataset.district === district.value;
      group.hidden = !show;
      group.disabled = !show;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "id_district") filterStreets();
    if (event.target.id === "d-category") {
      var option = event.target.selectedOptions[0];
      if (option && option.dataset.defaultUnit) setLeadUnit(option.dataset.defaultUnit, option.dataset.defaultUnitName, false);
    }
  });
  document.addEventListener("DOMContentLoaded", filterStreets);
  // The dispatch form's lead unit is a unit picker (org/widgets/unit_picker.html): its
  // hidden id and the name shown. A category's default fills it only when it is empty
  // (nothing picked, nothing typed).
  function setLeadUnit(id, name, replace) {
    var search = document.getElementById("d-unit");
    var picker = search && search.closest("[data-unit-picker]");
    var held = picker && picker.querySelector("[data-unit-id]");
    if (!held || ((held.value || search.value.trim()) && !replace)) return;  // typed: kept
    held.value = id;
    search.value = name || "";
  }
  document.addEventListener("click", function (event) {
    var locate = event.target.closest("[data-locate]");
    if (locate && navigator.geolocation) {
      var status = document.querySelector("[data-locate-status]");
      if (status) status.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("id_latitude").value = position.coords.latitude.toFixed(6);
        document.getElementById("id_longitude").value = position.coords.longitude.toFixed(6);
        if (status) status.textContent = "✓ " + position.coords.latitude.toFixed(4) + ", " + position.coords.longitude.toFixed(4);
      }, function () { if (status) status.textContent = "✗"; }, { timeout: 10000 });
    }
    var pick = event.target.closest("[data-pick]");
    if (pick && pick.dataset.pick === "category") {
      var field = document.querySelector("form select[name='category']");
      if (field) { field.value = pick.dataset.value; field.dispatchEvent(new Event("change", { bubbles: true })); }
    }
    if (pick && pick.dataset.pick === "lead_unit") setLeadUnit(pick.dataset.value, pick.textContent.trim(), true);
  });
})();
