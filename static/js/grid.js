// The day and week grids: where each cell sits comes in data-grid-* attributes (the Content-Security-Policy allows
// no inline style attributes) and goes into the CSS custom properties that staff.css places the cells with.
(function () {
  "use strict";
  var properties = {
    gridCol: "--col",
    gridRow: "--row",
    gridSpan: "--span",
    gridRooms: "--rooms",
    gridRows: "--rows",
    gridDays: "--days"
  };
  var selector = "[data-grid-col], [data-grid-row], [data-grid-rooms], [data-grid-days]";
  document.querySelectorAll(selector).forEach(function (element) {
    Object.keys(properties).forEach(function (key) {
      var value = element.dataset[key];
      if (value !== undefined) element.style.setProperty(properties[key], value);
    });
  });
})();
