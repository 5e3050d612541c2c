"use strict";
(function () {
  var table = document.getElementById("account-table");
  var body = table.tBodies[0];
  function cellValue(row, column, kind) {
    var cell = row.cells[column];
    var text = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (kind === "number") { var n = parseFloat(text); return isNaN(n) ? -1 : n; }
    return text.toLowerCase();
  }
  Array.prototype.forEach.call(table.tHead.querySelectorAll("button"), function (button) {
    button.addEventListener("click", function () {
      var column = parseInt(button.getAttribute("data-column"), 10);
      var kind = button.getAttribute("data-kind");
      var header = button.parentNode;
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.querySelectorAll("th"), function (th) { th.setAttribute("aria-sort", "none"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = cellValue(a, column, kind), y = cellValue(b, column, kind);
        var order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
