// The safety questions' error summary (GOV.UK's pattern): the one script on the patient's page, loaded only when the
// form came back with errors. Everything works without it: the form posts to #safety-errors, so the browser scrolls to
// the summary and focuses it; it is read out (role="alert"); its links are plain links to each question's first
// answer. With it, focus moves to the summary however the page was reached, and a link focuses the answer while
// scrolling its question (the legend above it) into view, not just the radio button.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var input = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!input) {
      return;
    }
    event.preventDefault();
    var question = input.closest("fieldset, .question") || input;
    question.scrollIntoView();
    input.focus({ preventScroll: true });
  });
})();
