// The indicator dashboard: reads GET /api/v1/indicators, /indicators/by-month and
// /indicators/by-agency with this page's query string and draws each indicator against its target,
// over the months and per agency. Text is set with textContent only (no HTML from data).
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
      "Kỳ: " + report.from + " – " + report.to + " · chỉ tiêu cấp " + (LEVELS[report.level] || report.level).toLowerCase() + ", năm " + report.year;
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
    document.getElementById("overdue-count").textContent = String(report.open_dossiers.overdue);
    document.getElementById("within-count").textContent = String(report.open_dossiers.within_deadline);
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

  var LEVELS = { province: "Tỉnh", district: "Huyện", commune: "Xã" };
  var CHART = { width: 300, height: 120, left: 34, right: 8, top: 8, bottom: 20 };

  function svgElement(name, attributes) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) {
      element.setAttribute(key, String(attributes[key]));
    });
    return element;
  }

  // One indicator over the months: a line through the months that have a ratio, the target as a
  // dashed line, a point per month with its figures in a tooltip.
  function seriesChart(key, label, months) {
    var figure = document.createElement("figure");
    figure.className = "series";
    figure.setAttribute("data-key", key);
    var caption = document.createElement("figcaption");
    caption.textContent = label;
    figure.appendChild(caption);
    var svg = svgElement("svg", { width: CHART.width, height: CHART.height, role: "img" });
    var plotWidth = CHART.width - CHART.left - CHART.right;
    var plotHeight = CHART.height - CHART.top - CHART.bottom;
    var x = function (i) {
      return CHART.left + (months.length > 1 ? (i * plotWidth) / (months.length - 1) : plotWidth / 2);
    };
    var y = function (ratio) {
      return CHART.top + (1 - Math.max(0, Math.min(1, ratio))) * plotHeight;
    };
    [0, 0.5, 1].forEach(function (tick) {
      svg.appendChild(svgElement("line", { x1: CHART.left, x2: CHART.width - CHART.right, y1: y(tick), y2: y(tick), stroke: "#e4ecf4" }));
      var text = svgElement("text", { x: 2, y: y(tick) + 3 });
      text.textContent = tick * 100 + "%";
      svg.appendChild(text);
    });
    [[0, "start"], [months.length - 1, "end"]].forEach(function (label) {
      if (label[0] < 0 || (label[0] === 0 && label[1] === "end")) return;
      var text = svgElement("text", { x: x(label[0]), y: CHART.height - 4, "text-anchor": label[1] });
      text.textContent = months[label[0]].from.slice(0, 7);
      svg.appendChild(text);
    });
    var targets = [];
    var points = [];
    months.forEach(function (month, i) {
      var item = month.items.filter(function (it) { return it.key === key; })[0];
      if (!item) return;
      if (item.target !== null) targets.push([x(i), y(item.target)]);
      if (item.ratio === null) return;
      points.push([x(i), y(item.ratio)]);
      var dot = svgElement("circle", { cx: x(i), cy: y(item.ratio), r: 3, fill: item.target !== null && item.ratio < item.target ? "#e07a5f" : "#3d8b5f" });
      dot.setAttribute("class", "series-point");
      dot.setAttribute("data-month", month.from);
      dot.setAttribute("data-ratio", String(item.ratio));
      var tip = svgElement("title", {});
      tip.textContent = month.from + " – " + month.to + ": " + percent(item.ratio) + " (" + item.numerator + " / " + item.denominator + ")";
      dot.appendChild(tip);
      svg.appendChild(dot);
    });
    if (targets.length > 0) {
      var target = svgElement("polyline", { points: targets.map(function (p) { return p.join(","); }).join(" "), fill: "none", stroke: "#b42318", "stroke-dasharray": "4 3" });
      target.setAttribute("class", "series-target");
      svg.insertBefore(target, svg.firstChild.nextSibling);
    }
    if (points.length > 1) {
      var line = svgElement("polyline", { points: points.map(function (p) { return p.join(","); }).join(" "), fill: "none", stroke: "#3d8b5f", "stroke-width": 2 });
      svg.insertBefore(line, svg.querySelector("circle"));
    }
    figure.appendChild(svg);
    return figure;
  }

  function renderSeries(series) {
    var holder = document.getElementById("series");
    holder.textContent = "";
    if (series.months.length === 0) return;
    series.months[0].items.forEach(function (item) {
      holder.appendChild(seriesChart(item.key, item.label, series.months));
    });
  }

  function renderAgencies(byAgency) {
    var head = document.getElementById("agency-head");
    while (head.children.length > 2) head.removeChild(head.lastChild);
    var body = document.querySelector("#agencies tbody");
    body.textContent = "";
    if (byAgency.agencies.length === 0) return;
    byAgency.agencies[0].items.forEach(function (item) {
      var th = document.createElement("th");
      th.textContent = item.label;
      head.appendChild(th);
    });
    ["Quá hạn", "Trong hạn"].forEach(function (text) {
      var th = document.createElement("th");
      th.textContent = text;
      head.appendChild(th);
    });
    byAgency.agencies.forEach(function (agency) {
      var row = document.createElement("tr");
      row.setAttribute("data-agency", agency.agency_code);
      cell(row, agency.agency_name + " (" + agency.agency_code + ")");
      cell(row, LEVELS[agency.level] || agency.level);
      agency.items.forEach(function (item) {
        var td = cell(row, percent(item.ratio), "num ratio");
        td.setAttribute("data-key", item.key);
        td.title = item.numerator + " / " + item.denominator + (item.target === null ? "" : " · chỉ tiêu " + percent(item.target));
        if (item.target !== null && item.ratio !== null) td.classList.add(item.ratio >= item.target ? "met" : "missed");
      });
      cell(row, String(agency.open_dossiers.overdue), "num overdue");
      cell(row, String(agency.open_dossiers.within_deadline), "num within");
      body.appendChild(row);
    });
  }

  function getJson(path) {
    return fetch(path, { headers: { accept: "application/json" } }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.detail || response.statusText);
        return body;
      });
    });
  }

  function load(search) {
    var status = document.getElementById("status");
    status.textContent = "Đang tải…";
    Promise.all([
      getJson("/api/v1/indicators" + search),
      getJson("/api/v1/indicators/by-month" + search),
      getJson("/api/v1/indicators/by-agency" + search),
    ])
      .then(function (answers) {
        render(answers[0]);
        renderSeries(answers[1]);
        renderAgencies(answers[2]);
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
