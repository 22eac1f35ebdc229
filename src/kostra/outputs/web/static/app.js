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
      // The element is role="img" with a label naming the table that has the numbers (the
      // text alternative); Vega replaces both with its own ("Vega visualization"), so they
      // are put back, and the drawing itself is hidden from screen readers.
      var role = element.getAttribute("role"), label = element.getAttribute("aria-label");
      window.vegaEmbed(element, data(element.dataset.spec), options).then(function () {
        var svg = element.querySelector("svg");
        if (role === "img") {
          element.setAttribute("role", role);
          element.setAttribute("aria-label", label || "");
          element.removeAttribute("aria-roledescription");
          if (svg) {
            svg.setAttribute("aria-hidden", "true");
          }
        }
        element.dataset.drawn = "true";
      }).catch(function (error) {
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

/* == Compare: the searchable multi-select (compare.py, sector.html.j2) ==================
 * A <select multiple class="multi"> works as it is without JavaScript. Here it becomes a
 * search field (name, number or an earlier name, from the options' data-earlier) with a
 * list of matches (a combobox: arrow keys, Enter, Escape) and the chosen ones as buttons
 * that remove them. The select stays the form's field: choosing sets its options. */
(function () {
  "use strict";
  var LIMIT = 5; // query.MAX_PEERS
  var SHOWN = 8;

  function fold(text) {
    return text.toLocaleLowerCase("nb");
  }

  function picker(select) {
    var label = document.querySelector("label[for='" + select.id + "']");
    var box = document.createElement("div");
    box.className = "multi-picker";
    var chips = document.createElement("ul");
    chips.className = "chips";
    chips.setAttribute("aria-label", "Valgt");
    var input = document.createElement("input");
    input.type = "search";
    input.id = select.id + "-search";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", select.id + "-matches");
    if (select.getAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    var list = document.createElement("ul");
    list.id = select.id + "-matches";
    list.className = "matches";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "note";
    status.setAttribute("role", "status");
    box.appendChild(chips);
    box.appendChild(input);
    box.appendChild(list);
    box.appendChild(status);
    select.parentNode.insertBefore(box, select);
    select.hidden = true;
    if (label) {
      label.htmlFor = input.id;
      label.textContent = label.textContent.replace(/;? ?hold Ctrl for flere/, "");
    }
    var options = Array.from(select.options);
    var active = -1;

    function chosen() {
      return options.filter(function (o) { return o.selected; });
    }

    function drawChips() {
      chips.textContent = "";
      chosen().forEach(function (option) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "chip";
        button.textContent = option.textContent.split(" – ")[0] + " ×";
        button.setAttribute("aria-label", "Fjern " + option.textContent.split(" (")[0]);
        button.addEventListener("click", function () {
          option.selected = false;
          drawChips();
          input.focus();
        });
        item.appendChild(button);
        chips.appendChild(item);
      });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(option) {
      if (chosen().length >= LIMIT) {
        status.textContent = "Høyst " + LIMIT + " kommuner om gangen; fjern én først.";
        return;
      }
      option.selected = true;
      status.textContent = option.textContent.split(" (")[0] + " lagt til.";
      input.value = "";
      close();
      drawChips();
    }

    function matches(text) {
      var wanted = fold(text.trim());
      if (!wanted) {
        return [];
      }
      return options.filter(function (o) {
        if (o.selected) {
          return false;
        }
        var names = [o.textContent].concat((o.dataset.earlier || "").split(", "));
        return o.value.indexOf(wanted) === 0 || names.some(function (n) {
          return n && fold(n).indexOf(wanted) !== -1;
        });
      }).slice(0, SHOWN);
    }

    function mark(index) {
      var items = list.querySelectorAll("li");
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
      }
    }

    function drawMatches() {
      var found = matches(input.value);
      list.textContent = "";
      found.forEach(function (option, i) {
        var item = document.createElement("li");
        item.id = select.id + "-match-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var earlier = option.dataset.earlier;
        item.textContent = option.textContent + (earlier ? " – tidligere " + earlier : "");
        item.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the field
          choose(option);
        });
        list.appendChild(item);
      });
      list.hidden = !found.length;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
      active = -1;
      status.textContent = input.value.trim() && !found.length ? "Ingen kommune passer." : "";
      return found;
    }

    input.addEventListener("input", drawMatches);
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      var count = list.querySelectorAll("li").length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        if (list.hidden) { drawMatches(); }
        mark((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        mark((active - 1 + count) % count);
      } else if (event.key === "Enter" && !list.hidden) {
        var found = matches(input.value);
        if (found.length) {
          event.preventDefault(); // Enter picks a match; with no list open it sends the form
          choose(found[active >= 0 ? active : 0]);
        }
      } else if (event.key === "Escape") {
        close();
      }
    });
    drawChips();
  }

  document.querySelectorAll("select.multi[multiple]").forEach(picker);
})();
/* == end of compare == */
