// Booking form: show the patient section that was chosen (existing or new), and refresh the free times as the
// room, radiologist, date or duration change. Without this script both sections show, and the "Show free times"
// button lists the times; the form still works.
(function () {
  "use strict";
  var form = document.getElementById("booking-form");
  if (!form) return;
  document.documentElement.classList.add("js");

  var list = document.getElementById("free-times-list");
  var url = form.getAttribute("data-free-times-url");
  var asked = 0;
  function refreshFreeTimes() {
    var query = new URLSearchParams();
    ["room", "radiologist", "start_date", "expected_duration"].forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && field.value) query.set(name, field.value);
    });
    var mine = ++asked;
    fetch(url + "?" + query.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && mine === asked) list.innerHTML = html;  // only the latest answer is shown
      })
      .catch(function () { /* the button still lists the times */ });
  }
  if (list && url) {
    ["room", "radiologist", "start_date", "expected_duration"].forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field) field.addEventListener("change", refreshFreeTimes);
    });
  }

  var radios = form.querySelectorAll('input[name="patient_source"]');
  if (!radios.length) return;
  function update() {
    var chosen = form.querySelector('input[name="patient_source"]:checked');
    var value = chosen ? chosen.value : "existing";
    form.querySelectorAll("[data-patient-source]").forEach(function (section) {
      section.hidden = section.getAttribute("data-patient-source") !== value;
    });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
})();
