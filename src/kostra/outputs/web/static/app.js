/* kostra's pages: draws the charts and sorts the tables marked sortable.
 *
 * Served as a file, so the pages need no inline script: the content security policy
 * allows scripts from the site only, no inline scripts and no eval. Each chart is a
 * <div data-spec="ID"> whose Vega-Lite spec is the JSON data block <script
 * type="application/json" id="ID">; the number format is the block "nb-locale".
 * vega-embed's `ast: true` evaluates Vega's expressions with its CSP-safe interpreter
 * (vega-interpreter) instead of compiling them with Function(); `defaultStyle: false`
 * and the tooltip's `disableDefaultStyle` keep them from injecting <style> elements
 * (app.css styles the tooltip instead). */
(function () {
  "use strict";

  function data(id) {
    var block = document.getElementById(id);
    return block ? JSON.parse(block.textContent) : null;
  }

  function drawCharts() {
    var charts = document.querySelectorAll("[data-spec]");
    if (!charts.length || typeof window.vegaEmbed !== "function") {
      return;
    }
    var locale = data("nb-locale");
    charts.forEach(function (element) {
      var options = {
        actions: false,
        renderer: "svg",
        ast: true,
        defaultStyle: false,
        tooltip: { disableDefaultStyle: true },
      };
      if (locale) {
        options.formatLocale = locale;
      }
      window.vegaEmbed(element, data(element.dataset.spec), options).catch(function (error) {
        element.textContent = "Figuren kunne ikke tegnes (" + error.message + ").";
      });
    });
  }

  function sortable(table) {
    var body = table.tBodies[0];
    table.querySelectorAll("th button[data-column]").forEach(function (button) {
      button.addEventListener("click", function () {
        var column = Number(button.dataset.column);
        var first = body.rows[0] && body.rows[0].cells[column];
        var numeric = Boolean(first && "value" in first.dataset); // numbers sort by data-value
        var ascending = button.dataset.order !== "asc";
        var rows = Array.from(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column], y = b.cells[column];
          if (numeric) {
            var p = parseFloat(x.dataset.value || "NaN"), q = parseFloat(y.dataset.value || "NaN");
            if (isNaN(p) || isNaN(q)) {
              return isNaN(p) - isNaN(q); // missing values last, either way
            }
            return ascending ? p - q : q - p;
          }
          return ascending
            ? x.textContent.localeCompare(y.textContent, "nb")
            : y.textContent.localeCompare(x.textContent, "nb");
        });
        button.dataset.order = ascending ? "asc" : "desc";
        rows.forEach(function (row) {
          body.appendChild(row);
        });
      });
    });
  }

  drawCharts();
  document.querySelectorAll("table.sortable").forEach(sortable);
})();
