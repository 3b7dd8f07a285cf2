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

  // Today's "now" line moves with the clock, a row per ROW_MINUTES, its label in the clinic's time; it goes once the
  // grid's last row has passed. The server drew it where it was when the page was made.
  var now = document.getElementById("now-line");
  if (now) {
    var from = Number(now.dataset.nowFrom);
    var rows = Number(now.dataset.nowRows);
    var rowMs = Number(now.dataset.nowMinutes) * 60000;
    var label = now.querySelector(".now-label");
    var clock = new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: now.dataset.nowZone
    });
    var place = function () {
      var row = Math.floor((Date.now() - from) / rowMs) + 1;
      if (row < 1 || row > rows) { now.hidden = true; return; }
      now.dataset.gridRow = row + 1;  // after the rooms' header row
      now.style.setProperty("--row", row + 1);
      label.textContent = "Now " + clock.format(new Date());
    };
    setInterval(place, 20000);
  }

  // The day grid's free times are one tab stop per room (a roving tabindex): a day has hundreds, and Tab should
  // go from booking to booking, then to each room's free times. Up and Down (Home, End) move between a room's free
  // times; Left and Right move to the nearest free time in the next room.
  var byRoom = {};
  document.querySelectorAll(".schedule-grid .free-slot").forEach(function (cell) {
    var room = cell.dataset.gridCol;
    if (!byRoom[room]) byRoom[room] = [];
    byRoom[room].push(cell);
    cell.tabIndex = byRoom[room].length === 1 ? 0 : -1;
  });
  var rooms = Object.keys(byRoom).sort(function (a, b) { return a - b; });
  if (!rooms.length) return;

  function nearest(cells, row) {
    var best = cells[0];
    cells.forEach(function (cell) {
      if (Math.abs(cell.dataset.gridRow - row) < Math.abs(best.dataset.gridRow - row)) best = cell;
    });
    return best;
  }

  function moveTo(cells, next) {
    cells.forEach(function (cell) { cell.tabIndex = cell === next ? 0 : -1; });
    next.focus();
  }

  document.querySelector(".schedule-grid").addEventListener("keydown", function (event) {
    var cell = event.target;
    if (!cell.classList.contains("free-slot")) return;
    var cells = byRoom[cell.dataset.gridCol];
    var index = cells.indexOf(cell);
    var target = cells;
    var next;
    if (event.key === "ArrowDown") next = cells[index + 1];
    else if (event.key === "ArrowUp") next = cells[index - 1];
    else if (event.key === "Home") next = cells[0];
    else if (event.key === "End") next = cells[cells.length - 1];
    else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      target = byRoom[rooms[rooms.indexOf(cell.dataset.gridCol) + (event.key === "ArrowRight" ? 1 : -1)]];
      next = target && nearest(target, cell.dataset.gridRow);
    } else return;
    event.preventDefault();
    if (next) moveTo(target, next);
  });
})();
