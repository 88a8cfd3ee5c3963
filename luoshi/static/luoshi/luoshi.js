/* Luoshi's one init script: CSRF for htmx, swapping refusals, small page helpers. */
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });
  if (window.htmx) {
    // A stale form (409) or a form with errors (422) comes back with the fresh state
    // and its message: show it instead of dropping it.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "40[39]|422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
  }
  document.addEventListener("click", function (event) {
    // "Select all" checkbox of a list with bulk actions.
    var all = event.target.closest("[data-check-all]");
    if (all) {
      var boxes = document.querySelectorAll('input[name="' + all.dataset.checkAll + '"]');
      boxes.forEach(function (box) { box.checked = all.checked; });
    }
    // A unit picked in a search-as-you-type picker: its id into the form, its name shown;
    // the change event lets the filter form reload the list as a select's change would.
    var pick = event.target.closest("[data-pick-unit]");
    if (pick) {
      var picker = pick.closest("[data-unit-picker]");
      var search = picker.querySelector("[data-unit-search]");
      pick.closest(".unit-options").remove();
      if (picker.dataset.unitPicker === "many") {
        // Several units (co-units): each pick a ticked box; the text is free for the next.
        addChosenUnit(picker, pick.dataset.pickUnit, pick.dataset.unitName);
        search.value = "";
        search.focus();
      } else {
        var id = picker.querySelector("[data-unit-id]");
        search.value = pick.dataset.unitName;
        id.value = pick.dataset.pickUnit;
        id.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
    var toggle = event.target.closest("[data-toggle-nav]");
    if (toggle) {
      var nav = document.getElementById(toggle.getAttribute("aria-controls"));
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
      nav.classList.toggle("is-open", !open);
    }
  });
  function addChosenUnit(picker, pk, name) {
    var chosen = picker.querySelector("[data-unit-chosen]");
    if (chosen.querySelector('input[value="' + pk + '"]')) return;
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = picker.dataset.unitField;
    box.value = pk;
    box.checked = true;
    var label = document.createElement("label");
    label.append(box, " " + name);
    var item = document.createElement("li");
    item.append(label);
    chosen.append(item);
  }
  function openActionFromHash() {
    // The desk links to "#act-<verb>": open that action's form and put the cursor in it.
    if (location.hash.indexOf("#act-") !== 0) return;
    var details = document.getElementById(location.hash.slice(1));
    if (!details || details.tagName !== "DETAILS") return;
    details.open = true;
    var first = details.querySelector("input:not([type=hidden]), select, textarea, button");
    if (first) first.focus();
  }
  document.addEventListener("DOMContentLoaded", openActionFromHash);
  window.addEventListener("hashchange", openActionFromHash);
  document.addEventListener("change", function (event) {
    // The picker's typed text is not a filter: keep its change from reloading the list.
    if (event.target.matches("[data-unit-search]")) event.stopPropagation();
  }, true);
  document.addEventListener("input", function (event) {
    // Emptying a unit picker's text drops its unit from the filter.
    var search = event.target.closest("[data-unit-search]");
    if (search && !search.value.trim()) {
      var id = search.closest("[data-unit-picker]").querySelector("[data-unit-id]");
      if (id && id.value) {
        id.value = "";
        id.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });
  document.addEventListener("keydown", function (event) {
    // Enter in a unit picker picks the first unit found (as a click would), never submits
    // the picker's own no-JavaScript search form, which would leave the page.
    var search = event.target.closest("[data-unit-search]");
    if (!search || event.key !== "Enter") return;
    event.preventDefault();
    var picker = search.closest("[data-unit-picker]");
    var first = picker.querySelector(".unit-options [data-pick-unit]");
    if (first) first.click();
  });
  document.addEventListener("htmx:historyRestore", function () {
    // Back to a list restores the page as it was drawn before the last pick, with the
    // picked id already in it: a list filter's unit follows the address, not the snapshot.
    var params = new URLSearchParams(location.search);
    document.querySelectorAll('form[method="get"] [data-unit-picker] [data-unit-id]').forEach(function (id) {
      var wanted = params.get(id.name) || "";
      if (id.value === wanted) return;
      id.value = wanted;
      if (!wanted) id.closest("[data-unit-picker]").querySelector("[data-unit-search]").value = "";
    });
  });
  document.addEventListener("change", function (event) {
    // Language and filter selects submit their form without a separate button.
    if (event.target.matches("[data-autosubmit]")) {
      event.target.form.requestSubmit();
    }
  });
})();
