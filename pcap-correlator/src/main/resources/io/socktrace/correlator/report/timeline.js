/* Draws the lanes of the socktrace timeline from the JSON HtmlTimeline embeds. Inlined into the
 * page; plain DOM, no libraries, so the page works offline and from a file. Times are nanoseconds
 * after the first thing on the page, on the capture's clock. */
(function () {
  'use strict';

  var D;
  // the SVG namespace, taken from an element the HTML parser made, so the page names no URL at all
  var NS = document.getElementById('overview-svg').namespaceURI;

  var GUTTER = 62, RIGHT = 12, PKT_ROW = 26, CALL_ROW = 18, AXIS = 18, BIN_PX = 3;
  var FIN = 1, SYN = 2, RST = 4, ACK = 16;
  var FROM_PEER = 1 << 8, DURING = 1 << 9, RETRANS = 1 << 10, ZW = 1 << 11, ADVERTISES_WINDOW = 1 << 12;
  var EVENT_COLOURS = {
    Connect: '#3b82f6', Accept: '#0d9488', Receive: '#16a34a', Send: '#d97706', Close: '#6b7280',
    Shutdown: '#9333ea', Reset: '#dc2626', SocketOption: '#94a3b8', CloseWaitLeak: '#b91c1c', Leak: '#b91c1c',
    TcpInfo: '#0284c7'
  };
  // packet kinds, most telling first: a bin of packets shows each kind it holds, in this order on top
  var KINDS = [
    { key: 'ack', name: 'pure ACK', colour: '#a3acb9', height: 8 },
    { key: 'data', name: 'data', colour: '#334155', height: 15 },
    { key: 'retrans', name: 'retransmission', colour: '#a21caf', height: 17 },
    { key: 'zw', name: 'zero window', colour: '#ea580c', height: 17, marker: 'diamond' },
    { key: 'fin', name: 'FIN', colour: '#2563eb', height: 19, marker: 'square' },
    { key: 'syn', name: 'SYN', colour: '#16a34a', height: 19, marker: 'circle' },
    { key: 'rst', name: 'RST', colour: '#dc2626', height: 21, marker: 'triangle' }
  ];

  var mode = 'fit';
  var shared = null;
  var lanes = [];

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) {
      if (Object.prototype.hasOwnProperty.call(attrs, k)) {
        e.setAttribute(k, attrs[k]);
      }
    }
    if (parent) {
      parent.appendChild(e);
    }
    return e;
  }

  function title(parent, text) {
    // textContent, never markup: messages and addresses from the recording stay text
    var t = document.createElementNS(NS, 'title');
    t.textContent = text;
    parent.insertBefore(t, parent.firstChild);
  }

  function text(parent, x, y, s, cls, anchor) {
    var t = el('text', { x: x, y: y }, parent);
    if (cls) {
      t.setAttribute('class', cls);
    }
    if (anchor) {
      t.setAttribute('text-anchor', anchor);
    }
    t.textContent = s;
    return t;
  }

  function duration(ns) {
    var a = Math.abs(ns);
    if (a < 1e3) return ns + ' ns';
    if (a < 1e6) return (ns / 1e3).toPrecision(3) + ' µs';
    if (a < 1e9) return (ns / 1e6).toPrecision(4) + ' ms';
    return (ns / 1e9).toFixed(3) + ' s';
  }

  function pad(n, width) {
    var s = String(n);
    while (s.length < width) s = '0' + s;
    return s;
  }

  /** Wall-clock time (UTC) of a page time, to the nanosecond. */
  function clock(t) {
    var day = 86400e9;
    var tod = ((D.startTimeOfDay + t) % day + day) % day;
    var s = Math.floor(tod / 1e9);
    var ns = tod - s * 1e9;
    return pad(Math.floor(s / 3600), 2) + ':' + pad(Math.floor(s / 60) % 60, 2) + ':' + pad(s % 60, 2) + '.' + pad(ns, 9);
  }

  function bytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1048576).toFixed(1) + ' MiB';
  }

  function flagText(bits) {
    var names = [];
    if (bits & SYN) names.push('SYN');
    if (bits & FIN) names.push('FIN');
    if (bits & RST) names.push('RST');
    if (bits & 8) names.push('PSH');
    if (bits & ACK) names.push('ACK');
    if (bits & 32) names.push('URG');
    return names.join(', ');
  }

  function kindOf(p) {
    var b = p[1];
    if (b & RST) return 6;
    if (b & SYN) return 5;
    if (b & FIN) return 4;
    if (b & ZW) return 3;
    if (b & RETRANS) return 2;
    return p[4] > 0 ? 1 : 0;
  }

  function callText(call) {
    var s = call[2] + (call[3] ? ' ' + call[3] : '');
    if (call[1] > 0) s += ' (' + duration(call[1]) + ')';
    return s;
  }

  function packetText(L, p) {
    var b = p[1];
    var peer = (b & FROM_PEER) !== 0;
    var dir = peer ? 1 : 0;
    var s = clock(p[0]) + '  ' + (peer ? 'peer → JVM' : 'JVM → peer') + '  [' + flagText(b) + ']';
    s += '  seq ' + p[2];
    if (L.isn[dir] >= 0) s += ' (raw ' + ((L.isn[dir] + p[2]) % 4294967296) + ')';
    if (b & ACK) s += '  ack ' + p[3];
    s += '  len ' + p[4] + '  win ' + p[5];
    var scale = L.scale[dir];
    if (scale > 0 && !(b & SYN)) s += ' (×' + Math.pow(2, scale) + ' = ' + bytes(p[5] * Math.pow(2, scale)) + ')';
    if (b & ZW) s += '  ZERO WINDOW';
    if (b & RETRANS) s += '  RETRANSMISSION';
    if (p[6] >= 0) s += '  — ' + (b & DURING ? 'during ' : 'after ') + callText(L.calls[p[6]]);
    else s += '  — before any recorded call';
    return s;
  }

  function callTitle(L, call) {
    var s = call[2] + (call[3] ? ' ' + call[3] : '') + (call[6] ? '  (failed)' : '');
    s += '\nstart ' + clock(call[0]) + ' UTC on the capture\'s clock (the JVM\'s clock + ' + duration(D.clockOffset) + ')';
    if (call[1] > 0) s += '\nduration ' + duration(call[1]) + ', until ' + clock(call[0] + call[1]);
    if (call[4] > 0) s += '\nbytes ' + call[4] + ' (' + bytes(call[4]) + ')';
    if (call[5]) s += '\nexception: ' + call[5];
    return s;
  }

  /** Rows for the calls, assigned once in time (not pixels) so a lane keeps its height when zoomed. */
  function assignRows(L) {
    var order = L.calls.map(function (c, i) { return i; });
    order.sort(function (a, b) { return L.calls[a][0] - L.calls[b][0] || a - b; });
    var ends = [];
    L.row = [];
    order.forEach(function (i) {
      var c = L.calls[i];
      var r = 0;
      while (r < ends.length && ends[r] > c[0]) r++;
      ends[r] = c[0] + c[1];
      L.row[i] = r;
    });
    L.rows = Math.max(1, ends.length);
  }

  function fitWindow(L) {
    var span = L.last - L.first;
    var margin = Math.max(span * 0.04, 200);
    return [L.first - margin, L.last + margin];
  }

  function windowOf(L) {
    if (mode === 'shared') return shared;
    return L.view || fitWindow(L);
  }

  function setWindow(L, w) {
    if (w[1] - w[0] < 20) {
      var mid = (w[0] + w[1]) / 2;
      w = [mid - 10, mid + 10];
    }
    if (mode === 'shared' || !L) {
      shared = w;
      renderAll();
    } else {
      L.view = w;
      render(L);
    }
  }

  /** Ticks every 1, 2 or 5 times a power of ten, about one per 110 px. */
  function ticks(w, width, origin) {
    var span = w[1] - w[0];
    var rough = span / Math.max(2, width / 110);
    var p = Math.pow(10, Math.floor(Math.log10(rough)));
    var step = [1, 2, 5, 10].map(function (m) { return m * p; }).filter(function (s) { return s >= rough; })[0];
    // multiples of the step counted from the origin, so the labels are round numbers
    var first = origin + Math.ceil((w[0] - origin) / step) * step;
    var out = [];
    for (var t = first; t <= w[1] && out.length < 200; t += step) out.push(t);
    return { step: step, values: out };
  }

  /** Labels relative to the origin, in one unit per axis, with as many decimals as the step needs. */
  function tickLabel(v, step, biggest) {
    var units = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']];
    var u = units[3];
    for (var i = 0; i < units.length; i++) {
      if (biggest >= units[i][0]) { u = units[i]; break; }
    }
    if (Math.abs(v) < step / 1000) v = 0;
    var decimals = Math.max(0, Math.min(9, Math.ceil(Math.log10(u[0] / step) - 1e-9)));
    return (v > 0 ? '+' : v < 0 ? '−' : '') + (Math.abs(v) / u[0]).toFixed(decimals) + ' ' + u[1];
  }

  function drawAxis(svg, w, x, width, y, height, origin) {
    var g = el('g', { 'class': 'axis' }, svg);
    var tk = ticks(w, width - GUTTER - RIGHT, origin);
    var biggest = Math.max(Math.abs(w[0] - origin), Math.abs(w[1] - origin));
    tk.values.forEach(function (t) {
      var px = x(t);
      el('line', { x1: px, x2: px, y1: 0, y2: y, 'class': 'grid' }, g);
      el('line', { x1: px, x2: px, y1: y, y2: y + 4, stroke: '#9ca3af' }, g);
      var label = tickLabel(t - origin, tk.step, biggest);
      var half = label.length * 2.9;
      // labels at the ends move inwards rather than run off the chart
      if (px + half > width - 2) text(g, width - 2, y + 14, label, null, 'end');
      else text(g, Math.max(px, GUTTER), y + 14, label, null, px - half < GUTTER ? 'start' : 'middle');
    });
    el('line', { x1: GUTTER, x2: width - RIGHT, y1: y, y2: y, stroke: '#9ca3af' }, g);
    text(g, 4, y + 14, 't₀ +', 'origin');
    svg.insertBefore(g, svg.firstChild);
  }

  function marker(g, kind, x, tip, up, colour) {
    var d = up ? -1 : 1;
    if (kind.marker === 'circle') {
      el('circle', { cx: x, cy: tip, r: 3.5, fill: colour }, g);
    } else if (kind.marker === 'square') {
      el('rect', { x: x - 3.5, y: tip - 3.5, width: 7, height: 7, fill: colour }, g);
    } else if (kind.marker === 'triangle') {
      el('path', { d: 'M' + (x - 4.5) + ' ' + (tip - 3 * d) + 'L' + (x + 4.5) + ' ' + (tip - 3 * d) + 'L' + x + ' ' + (tip + 5 * d) + 'Z',
        fill: colour }, g);
    } else if (kind.marker === 'diamond') {
      el('path', { d: 'M' + x + ' ' + (tip - 4) + 'L' + (x + 4) + ' ' + tip + 'L' + x + ' ' + (tip + 4) + 'L' + (x - 4) + ' ' + tip + 'Z',
        fill: colour }, g);
    }
  }

  function render(L) {
    var svg = L.svg;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var width = Math.max(400, Math.round(L.track.getBoundingClientRect().width) || 1200);
    var w = windowOf(L);
    var plot = width - GUTTER - RIGHT;
    var x = function (t) { return GUTTER + (t - w[0]) / (w[1] - w[0]) * plot; };
    var topBase = PKT_ROW;
    var callTop = topBase + 4;
    var bottomBase = callTop + L.rows * CALL_ROW + 4;
    var axisY = bottomBase + PKT_ROW;
    var height = axisY + AXIS;
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    var origin = mode === 'shared' ? D.start : L.first;
    L.originLabel.textContent = 't₀ ' + clock(origin) + ' UTC' + (mode === 'shared' ? ' (capture start)' : '');

    var clip = function (a, b) { return [Math.max(GUTTER, a), Math.min(width - RIGHT, b)]; };
    var life = clip(x(L.first), x(L.last));
    if (life[1] > life[0]) {
      el('rect', { x: life[0], y: 0, width: Math.max(1, life[1] - life[0]), height: axisY, 'class': 'life' }, svg);
    }
    // stretches where one side advertised a zero window, from its first zero to its next open window
    [0, 1].forEach(function (dir) {
      var since = null;
      L.packets.forEach(function (p) {
        // which segments advertise a window is the correlator's rule (PacketFacts), sent as a bit
        if (((p[1] & FROM_PEER) !== 0) !== (dir === 1) || !(p[1] & ADVERTISES_WINDOW)) return;
        if (p[1] & ZW) { if (since === null) since = p[0]; }
        else if (since !== null) { zwBand(since, p[0]); since = null; }
      });
      if (since !== null) zwBand(since, L.last);
      function zwBand(a, b) {
        var s = clip(x(a), x(b));
        if (s[1] < s[0]) return;
        var r = el('rect', { x: s[0], y: dir === 0 ? 0 : bottomBase, width: Math.max(2, s[1] - s[0]), height: PKT_ROW, 'class': 'zw' }, svg);
        title(r, (dir === 0 ? 'this JVM' : 'the peer') + ' advertised a zero window for ' + duration(b - a) + ' from ' + clock(a));
      }
    });
    if (L.omitted > 0) {
      var gap = clip(x(L.omittedFrom), x(L.omittedTo));
      if (gap[1] >= gap[0]) {
        var gr = el('rect', { x: gap[0], y: 1, width: Math.max(2, gap[1] - gap[0]), height: axisY - 2, 'class': 'gap' }, svg);
        title(gr, L.omitted + ' of ' + L.packetsTotal + ' packets left out between ' + clock(L.omittedFrom) + ' and ' + clock(L.omittedTo)
          + ' (the first, the last, and SYN/FIN/RST/zero-window ones are kept)');
        text(svg, gap[0] + 3, axisY - 4, L.omitted + ' packets left out', 'gap-label');
      }
    }
    el('line', { x1: GUTTER, x2: width - RIGHT, y1: topBase, y2: topBase, 'class': 'base' }, svg);
    el('line', { x1: GUTTER, x2: width - RIGHT, y1: bottomBase, y2: bottomBase, 'class': 'base' }, svg);
    text(svg, 4, topBase - 8, 'JVM sent', 'gutter');
    text(svg, 4, callTop + 12, 'Java calls', 'gutter');
    text(svg, 4, bottomBase + 16, 'peer sent', 'gutter');
    if (!L.flow) text(svg, GUTTER + 6, topBase - 8, 'no packets of this connection in the capture', 'gutter');

    drawCalls(L, svg, x, w, width, callTop);
    drawPackets(L, svg, x, w, width, topBase, bottomBase);
    drawAxis(svg, w, x, width, axisY, height, origin);
    L.geometry = { x0: GUTTER, x1: width - RIGHT, w: w, height: axisY };
  }

  function drawCalls(L, svg, x, w, width, callTop) {
    var layer = el('g', { 'class': 'calls' }, svg);
    // neighbours in the same row bound how far a label may run to either side of its bar
    var next = [], prev = [];
    var byRow = {};
    L.calls.forEach(function (c, i) { (byRow[L.row[i]] = byRow[L.row[i]] || []).push(i); });
    Object.keys(byRow).forEach(function (r) {
      var list = byRow[r].sort(function (a, b) { return L.calls[a][0] - L.calls[b][0]; });
      for (var k = 0; k < list.length; k++) {
        next[list[k]] = k + 1 < list.length ? L.calls[list[k + 1]][0] : Infinity;
        prev[list[k]] = k > 0 ? L.calls[list[k - 1]][0] + L.calls[list[k - 1]][1] : -Infinity;
      }
    });
    var CHAR = 6.3;
    var taken = {}; // per row, the right end of what is already drawn (bars and their labels)
    L.calls.forEach(function (c, i) {
      var a = x(c[0]), b = x(c[0] + c[1]);
      if (b < GUTTER - 8 || a > width - RIGHT + 8) return;
      var y = callTop + L.row[i] * CALL_ROW;
      var colour = EVENT_COLOURS[c[2]] || '#64748b';
      var g = el('g', { 'class': 'call' + (c[6] ? ' failed' : ''), 'data-event': c[2], 'data-outcome': c[3] || '' }, layer);
      title(g, callTitle(L, c));
      var left, right;
      if (c[1] === 0) {
        // an instant (Reset, SocketOption, Shutdown, leak reports): a diamond
        var size = c[2] === 'SocketOption' ? 3.5 : 6;
        var cy = y + 8;
        el('path', { d: 'M' + a + ' ' + (cy - size) + 'L' + (a + size) + ' ' + cy + 'L' + a + ' ' + (cy + size) + 'L' + (a - size) + ' ' + cy + 'Z',
          fill: colour, stroke: c[6] ? '#7f1d1d' : 'none' }, g);
        el('rect', { x: a - 5, y: y, width: 10, height: 16, fill: 'transparent' }, g);
        left = a - size;
        right = a + size;
      } else {
        left = Math.max(a, GUTTER - 2);
        right = Math.min(Math.max(b, a + 2), width - RIGHT + 2);
        el('rect', { x: left, y: y + 1, width: Math.max(2, right - left), height: 14, rx: 2, fill: colour, 'fill-opacity': 0.78,
          stroke: c[6] ? '#dc2626' : 'none', 'stroke-width': c[6] ? 2.5 : 0 }, g);
      }
      var name = c[2] + (c[3] ? ' ' + c[3] : '');
      var full = name + (c[1] > 0 ? ' ' + duration(c[1]) : '') + (c[4] > 0 ? ' ' + bytes(c[4]) : '');
      var nextPx = Math.min(width - RIGHT, next[i] === Infinity ? Infinity : x(next[i]));
      var prevPx = Math.max(GUTTER, prev[i] === -Infinity ? -Infinity : x(prev[i]), taken[L.row[i]] || -Infinity);
      var inside = c[1] > 0 ? right - left - 8 : -1;
      var after = nextPx - right - 8;
      var before = left - prevPx - 8;
      // the longest text that fits, inside the bar first, then after it, then before it
      var places = [];
      [full, name, c[2]].forEach(function (label) {
        var need = label.length * CHAR;
        if (need <= inside) places.push({ label: label, x: left + 4, anchor: null, inside: true });
        else if (need <= after) places.push({ label: label, x: right + 4, anchor: null });
        else if (need <= before) places.push({ label: label, x: left - 4, anchor: 'end' });
      });
      if (places.length) {
        var pl = places[0];
        var t = text(g, pl.x, y + 12, pl.label, 'call-label' + (c[6] ? ' bad' : ''), pl.anchor);
        if (pl.inside) t.setAttribute('style', 'fill:#fff');
        right = pl.anchor ? right : Math.max(right, pl.x + pl.label.length * CHAR);
      }
      taken[L.row[i]] = Math.max(taken[L.row[i]] || -Infinity, right);
    });
  }

  function drawPackets(L, svg, x, w, width, topBase, bottomBase) {
    var layer = el('g', { 'class': 'packets' }, svg);
    var bins = {};
    var order = [];
    L.packets.forEach(function (p, i) {
      var px = x(p[0]);
      if (px < GUTTER - 2 || px > width - RIGHT + 2) return;
      var key = ((p[1] & FROM_PEER) ? 'p' : 'u') + Math.round(px / BIN_PX);
      if (!bins[key]) { bins[key] = []; order.push(key); }
      bins[key].push(i);
    });
    var drawn = 0;
    order.forEach(function (key) {
      var list = bins[key];
      var up = key.charAt(0) === 'u';
      var base = up ? topBase : bottomBase;
      var d = up ? -1 : 1;
      var px = Math.round(list.reduce(function (s, i) { return s + x(L.packets[i][0]); }, 0) / list.length * 2) / 2;
      var g = el('g', { 'class': 'pkt', 'data-n': list.length }, layer);
      drawn += list.length;
      var kinds = {};
      list.forEach(function (i) { kinds[kindOf(L.packets[i])] = true; });
      el('rect', { x: px - 3, y: up ? base - PKT_ROW : base, width: 6, height: PKT_ROW, 'class': 'hit' }, g);
      for (var k = 0; k < KINDS.length; k++) {
        if (!kinds[k]) continue;
        var kind = KINDS[k];
        var tip = base + d * kind.height;
        el('line', { x1: px, x2: px, y1: base, y2: tip, stroke: kind.colour, 'stroke-width': k >= 3 ? 2 : 1.5 }, g);
        marker(g, kind, px, tip, up, kind.colour);
      }
      var lines = list.slice(0, 12).map(function (i) { return packetText(L, L.packets[i]); });
      if (list.length > 12) lines.push('… and ' + (list.length - 12) + ' more: drag across them to zoom in');
      title(g, (list.length > 1 ? list.length + ' packets\n' : '') + lines.join('\n'));
    });
    L.drawnPackets = drawn;
    L.section.setAttribute('data-packets-drawn', drawn);
  }

  // ---- overview -------------------------------------------------------------------------

  var overview = { svg: null };

  function renderOverview() {
    var svg = overview.svg;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var width = Math.max(400, Math.round(svg.parentNode.getBoundingClientRect().width) || 1200);
    var n = lanes.length;
    var rh = Math.max(3, Math.min(9, Math.floor(300 / Math.max(1, n))));
    var height = n * rh + 4 + AXIS;
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    var margin = Math.max((D.end - D.start) * 0.01, 1000);
    var w = [D.start - margin, D.end + margin];
    var plot = width - GUTTER - RIGHT;
    var x = function (t) { return GUTTER + (t - w[0]) / (w[1] - w[0]) * plot; };
    lanes.forEach(function (L, i) {
      var y = 2 + i * rh;
      var g = el('g', { 'class': 'row', 'data-lane': i }, svg);
      title(g, L.label + (L.codes.length ? '  ' + L.codes.join(', ') : '') + '\nfrom ' + clock(L.first) + ', lives ' + duration(L.last - L.first));
      el('rect', { x: 0, y: y, width: GUTTER + plot, height: rh, 'class': 'bg', fill: 'transparent' }, g);
      if (rh >= 8) text(g, GUTTER - 6, y + rh - 1, '#' + L.id, 'overview-id', 'end');
      var a = x(L.first), b = Math.max(x(L.last), a + 2);
      el('rect', { x: a, y: y + (rh > 4 ? 1 : 0), width: b - a, height: rh > 4 ? rh - 2 : rh,
        fill: L.codes.length ? '#dc2626' : '#64748b', 'fill-opacity': L.hidden ? 0.2 : 0.85 }, g);
    });
    if (mode === 'shared' && shared[1] - shared[0] < (w[1] - w[0]) * 0.98) {
      var s0 = Math.max(GUTTER, x(shared[0])), s1 = Math.min(width - RIGHT, x(shared[1]));
      el('rect', { x: s0, y: 0, width: Math.max(2, s1 - s0), height: n * rh + 4, 'class': 'brush', 'fill-opacity': 0.5 }, svg);
    }
    drawAxis(svg, w, x, width, n * rh + 4, height, D.start);
    overview.geometry = { x0: GUTTER, x1: width - RIGHT, w: w, height: n * rh + 4, rh: rh };
  }

  // ---- interaction ----------------------------------------------------------------------

  function timeAt(geometry, px) {
    var f = (px - geometry.x0) / (geometry.x1 - geometry.x0);
    return geometry.w[0] + f * (geometry.w[1] - geometry.w[0]);
  }

  function localX(svg, ev) {
    var r = svg.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  }

  /** Drag to choose a stretch of time; a press without a drag is a click. */
  function brush(svg, geometry, onRange, onClick) {
    var start = null, rect = null;
    svg.addEventListener('pointerdown', function (ev) {
      if (ev.button !== 0) return;
      var p = localX(svg, ev);
      start = p;
      start.gutter = p.x < geometry().x0; // in the labels: a click, never a range
      svg.setPointerCapture(ev.pointerId);
    });
    svg.addEventListener('pointermove', function (ev) {
      if (!start || start.gutter) return;
      var p = localX(svg, ev);
      if (!rect) rect = el('rect', { 'class': 'brush', y: 0, height: geometry().height }, svg);
      rect.setAttribute('x', Math.min(start.x, p.x));
      rect.setAttribute('width', Math.abs(p.x - start.x));
    });
    svg.addEventListener('pointerup', function (ev) {
      if (!start) return;
      var p = localX(svg, ev);
      var g = geometry();
      var a = start.x, b = p.x, gutter = start.gutter;
      start = null;
      if (rect && rect.parentNode) rect.parentNode.removeChild(rect);
      rect = null;
      if (!gutter && Math.abs(b - a) >= 5) {
        onRange([timeAt(g, Math.min(a, b)), timeAt(g, Math.max(a, b))]);
      } else if (onClick) {
        onClick(p);
      }
    });
  }

  function renderAll() {
    lanes.forEach(function (L) { if (!L.hidden) render(L); });
    renderOverview();
  }

  function applyFilter() {
    var q = document.getElementById('filter').value.trim().toLowerCase();
    var only = document.getElementById('only-findings').checked;
    lanes.forEach(function (L) {
      var hide = (only && !L.codes.length) || (q && L.section.textContent.toLowerCase().indexOf(q) < 0);
      var was = L.hidden;
      L.hidden = !!hide;
      L.section.classList.toggle('hidden', L.hidden);
      if (was && !L.hidden) render(L);
    });
    renderOverview();
  }

  function legend() {
    var box = document.getElementById('legend');
    function sample(label, draw) {
      var span = document.createElement('span');
      var svg = el('svg', { width: 16, height: 16, viewBox: '0 0 16 16' }, span);
      draw(svg);
      span.appendChild(document.createTextNode(label));
      box.appendChild(span);
    }
    KINDS.slice().reverse().forEach(function (kind) {
      sample(kind.name, function (svg) {
        el('line', { x1: 8, x2: 8, y1: 16, y2: 16 - Math.min(12, kind.height * 0.6), stroke: kind.colour, 'stroke-width': 2 }, svg);
        if (kind.marker) marker(svg, kind, 8, 5, true, kind.colour);
      });
    });
    ['Connect', 'Accept', 'Receive', 'Send', 'Close'].forEach(function (ev) {
      sample(ev, function (svg) { el('rect', { x: 1, y: 4, width: 14, height: 9, rx: 2, fill: EVENT_COLOURS[ev], 'fill-opacity': 0.78 }, svg); });
    });
    sample('failed call', function (svg) {
      el('rect', { x: 2, y: 4, width: 12, height: 9, rx: 2, fill: '#3b82f6', 'fill-opacity': 0.78, stroke: '#dc2626', 'stroke-width': 2.5 }, svg);
    });
    sample('Reset / instant', function (svg) { el('path', { d: 'M8 2L14 8L8 14L2 8Z', fill: EVENT_COLOURS.Reset }, svg); });
    sample('zero window stretch', function (svg) { el('rect', { x: 0, y: 3, width: 16, height: 10, fill: '#fb923c55' }, svg); });
    var note = document.createElement('span');
    note.textContent = 'ticks above a lane: packets this JVM sent; below: the peer\'s';
    box.appendChild(note);
  }

  function main() {
    D = JSON.parse(document.getElementById('timeline-data').textContent);
    shared = [D.start, D.end];
    var sections = document.querySelectorAll('section.lane');
    D.lanes.forEach(function (L, i) {
      L.section = sections[i];
      L.track = L.section.querySelector('.track');
      L.svg = L.section.querySelector('svg.chart');
      L.hidden = false;
      var origin = document.createElement('span');
      origin.className = 'meta origin';
      L.section.querySelector('h3 .buttons').insertAdjacentElement('beforebegin', origin);
      L.originLabel = origin;
      assignRows(L);
      lanes.push(L);
      brush(L.svg, function () { return L.geometry; }, function (range) { setWindow(L, range); });
      L.svg.addEventListener('dblclick', function () {
        if (mode === 'shared') setWindow(null, [D.start, D.end]);
        else { L.view = null; render(L); }
      });
      L.section.querySelector('button.fit').addEventListener('click', function () {
        if (mode === 'shared') setWindow(null, fitWindow(L));
        else { L.view = null; render(L); }
      });
      L.section.querySelector('button.out').addEventListener('click', function () {
        var w = windowOf(L), mid = (w[0] + w[1]) / 2, half = (w[1] - w[0]) * 2;
        setWindow(L, [mid - half, mid + half]);
      });
    });
    overview.svg = document.getElementById('overview-svg');
    brush(overview.svg, function () { return overview.geometry; }, function (range) {
      mode = 'shared';
      document.querySelector('input[name=scale][value=shared]').checked = true;
      setWindow(null, range);
    }, function (p) {
      var i = Math.floor((p.y - 2) / overview.geometry.rh);
      var L = lanes[i];
      if (!L) return;
      if (L.hidden) { L.hidden = false; L.section.classList.remove('hidden'); render(L); }
      L.section.scrollIntoView({ block: 'center' });
      L.section.classList.add('flash');
      setTimeout(function () { L.section.classList.remove('flash'); }, 1200);
    });
    Array.prototype.forEach.call(document.querySelectorAll('input[name=scale]'), function (r) {
      r.addEventListener('change', function () { mode = r.value; renderAll(); });
    });
    document.getElementById('reset').addEventListener('click', function () {
      lanes.forEach(function (L) { L.view = null; });
      shared = [D.start, D.end];
      renderAll();
    });
    document.getElementById('filter').addEventListener('input', applyFilter);
    document.getElementById('only-findings').addEventListener('change', applyFilter);
    var pending = null;
    window.addEventListener('resize', function () {
      clearTimeout(pending);
      pending = setTimeout(renderAll, 150);
    });
    legend();
    renderAll();
    document.body.setAttribute('data-rendered', lanes.length);
  }

  function fail(message) {
    var box = document.getElementById('error');
    box.hidden = false;
    box.textContent = 'The timeline could not be drawn: ' + message;
    document.body.setAttribute('data-render-error', message);
  }

  window.addEventListener('error', function (ev) { fail(ev.message); });
  try {
    main();
  } catch (e) {
    fail(String(e && e.stack || e));
  }
})();
