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
      var unit = document.getElementById("d-unit");
      if (option && option.dataset.defaultUnit && unit && !unit.value) unit.value = option.dataset.defaultUnit;
    }
  });
  document.addEventListener("DOMContentLoaded", filterStreets);
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
    if (pick) {
      var names = pick.dataset.pick === "category" ? ["category"] : ["lead_unit"];
      names.forEach(function (name) {
        var field = document.querySelector("form select[name='" + name + "']");
        if (field) { field.value = pick.dataset.value; field.dispatchEvent(new Event("change", { bubbles: true })); }
      });
    }
  });
})();
