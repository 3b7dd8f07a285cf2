// Booking form: show the patient section that was chosen (existing or new). Without this script both show,
// and the form still works.
(function () {
  "use strict";
  var form = document.getElementById("booking-form");
  if (!form) return;
  document.documentElement.classList.add("js");
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
