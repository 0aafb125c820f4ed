// The indicator dashboard: reads GET /api/v1/indicators with this page's query string and draws
// each indicator against its target. Text is set with textContent only (no HTML from data).
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 240;

  function percent(ratio) {
    return ratio === null || ratio === undefined ? "–" : (ratio * 100).toFixed(2) + "%";
  }

  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function bar(ratio, target) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "bar");
    svg.setAttribute("width", String(WIDTH));
    svg.setAttribute("height", "18");
    svg.setAttribute("role", "img");
    var back = document.createElementNS(SVG, "rect");
    back.setAttribute("width", String(WIDTH));
    back.setAttribute("height", "18");
    back.setAttribute("fill", "#e4ecf4");
    svg.appendChild(back);
    var fill = document.createElementNS(SVG, "rect");
    var value = ratio === null ? 0 : Math.max(0, Math.min(1, ratio));
    fill.setAttribute("class", "ratio-bar");
    fill.setAttribute("width", (value * WIDTH).toFixed(1));
    fill.setAttribute("height", "18");
    fill.setAttribute("fill", target !== null && ratio !== null && ratio < target ? "#e07a5f" : "#3d8b5f");
    svg.appendChild(fill);
    if (target !== null) {
      var mark = document.createElementNS(SVG, "line");
      var x = (Math.max(0, Math.min(1, target)) * WIDTH).toFixed(1);
      mark.setAttribute("class", "target-mark");
      mark.setAttribute("x1", x);
      mark.setAttribute("x2", x);
      mark.setAttribute("y1", "0");
      mark.setAttribute("y2", "18");
      mark.setAttribute("stroke", "#b42318");
      mark.setAttribute("stroke-width", "2");
      svg.appendChild(mark);
    }
    return svg;
  }

  function render(report) {
    document.getElementById("period").textContent =
      "Kỳ: " + report.from + " – " + report.to + " · chỉ tiêu cấp " + report.level + ", năm " + report.year;
    var body = document.querySelector("#indicators tbody");
    body.textContent = "";
    var late = null;
    report.items.forEach(function (item) {
      var row = document.createElement("tr");
      row.setAttribute("data-key", item.key);
      cell(row, item.label);
      cell(row, item.numerator + " / " + item.denominator, "num fraction");
      var ratio = cell(row, percent(item.ratio), "num ratio");
      if (item.target !== null && item.ratio !== null) ratio.classList.add(item.ratio >= item.target ? "met" : "missed");
      cell(row, percent(item.target), "num target");
      var chart = document.createElement("td");
      chart.appendChild(bar(item.ratio, item.target));
      row.appendChild(chart);
      cell(row, item.points === null ? "–" : item.points + " / " + item.max_points, "num points");
      body.appendChild(row);
      if (item.key === "on_time_share") late = item.denominator - item.numerator;
    });
    document.getElementById("late-count").textContent = late === null ? "–" : String(late);
    var unused = document.querySelector("#unused tbody");
    unused.textContent = "";
    report.unused_online_services.forEach(function (u) {
      var row = document.createElement("tr");
      row.setAttribute("data-procedure", u.procedure_code);
      cell(row, u.agency_code);
      cell(row, u.procedure_code);
      cell(row, u.procedure_name);
      cell(row, u.online_level === "full" ? "Toàn trình" : "Một phần");
      unused.appendChild(row);
    });
  }

  function load(search) {
    var status = document.getElementById("status");
    status.textContent = "Đang tải…";
    fetch("/api/v1/indicators" + search, { headers: { accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.detail || response.statusText);
          return body;
        });
      })
      .then(function (report) {
        render(report);
        status.textContent = "Cập nhật lúc " + new Date().toLocaleString("vi-VN");
        document.body.setAttribute("data-loaded", "true");
      })
      .catch(function (error) {
        status.textContent = "Không tải được chỉ số: " + error.message;
        document.body.setAttribute("data-loaded", "error");
      });
  }

  var form = document.getElementById("filters");
  var params = new URLSearchParams(window.location.search);
  Array.prototype.forEach.call(form.elements, function (input) {
    if (input.name && params.has(input.name)) input.value = params.get(input.name);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (input) {
      if (input.name && input.value) query.set(input.name, input.value);
    });
    var search = query.toString() ? "?" + query.toString() : "";
    window.history.replaceState(null, "", "/dashboard" + search);
    load(search);
  });
  load(window.location.search);
})();
