// The live desk: renders the picture the server sends, then applies its patches (see desk/coalesce.py).
"use strict";
(function () {
  const ORDERS_KEPT = 50;
  const SHORT = {
    start_trading: "trade", stop_trading: "stop", shutdown_trading: "shut down",
    start_streaming: "stream", stop_streaming: "stop stream",
  };
  const POINTS_KEPT = 600;
  const state = { symbols: {}, traders: {}, totals: {}, orders: new Map(), balances: [], engines: [], streams: [], chart: {} };
  const controls = JSON.parse(document.getElementById("desk-controls").textContent);
  let selected = null;
  let retries = 0;
  let socket = null;
  const decoder = new TextDecoder();

  const $ = (selector) => document.querySelector(selector);
  const text = (value) => (value === null || value === undefined || value === "" ? "—" : String(value));
  const orderKey = (row) => row.symbol + ":" + row.order_id;

  function cell(row, value, className) {
    const td = row.insertCell();
    td.textContent = text(value);
    if (className) td.className = className;
    return td;
  }

  function apply(frame) {
    if (frame.kind === "picture") {
      state.symbols = {};
      state.traders = {};
      state.orders = new Map();
      state.chart = {};
    }
    for (const [symbol, fields] of Object.entries(frame.symbols || {})) {
      if (fields === null) delete state.symbols[symbol];
      else state.symbols[symbol] = Object.assign(state.symbols[symbol] || {}, fields);  // the fields that changed
    }
    for (const [symbol, traders] of Object.entries(frame.traders || {})) {
      if (traders === null) delete state.traders[symbol];
      else state.traders[symbol] = traders;
    }
    for (const name of ["totals", "balances", "engines", "streams"]) {
      if (name in frame) state[name] = frame[name];
    }
    for (const row of frame.orders || []) {
      state.orders.delete(orderKey(row));
      state.orders.set(orderKey(row), row);
    }
    while (state.orders.size > ORDERS_KEPT) state.orders.delete(state.orders.keys().next().value);
    for (const [symbol, points] of Object.entries(frame.chart || {})) {
      const kept = (state.chart[symbol] = (state.chart[symbol] || []).concat(points));
      if (kept.length > POINTS_KEPT) kept.splice(0, kept.length - POINTS_KEPT);
    }
    if (!selected || !(selected in state.symbols)) select(Object.keys(state.symbols)[0] || null);
    render();
  }

  function render() {
    renderList("#engines", state.engines, (e) =>
      `${e.engine_id} · ${e.venue} · seen ${e.seen_at}` + (e.messages_lost ? ` · lost ${e.messages_lost}` : ""), "none alive");
    renderList("#streams", state.streams, (s) =>
      `${s.connected ? "connected" : "disconnected"} · reconnects ${s.reconnects} · ${s.source}` +
      (s.last_error ? ` · last error: ${s.last_error}` : "") + ` · updated ${s.updated_at}`, "not streaming");
    renderTotals();
    renderSymbols();
    renderTraders();
    renderBalances();
    renderOrders();
    drawChart();
  }

  function renderList(selector, items, describe, empty) {
    const list = $(selector);
    list.replaceChildren();
    for (const item of items.length ? items : [null]) {
      const li = document.createElement("li");
      li.textContent = item ? describe(item) : empty;
      if (!item) li.className = "muted";
      list.append(li);
    }
  }

  function renderTotals() {
    const body = $("#totals tbody");
    body.replaceChildren();
    for (const [quote, t] of Object.entries(state.totals)) {
      const row = body.insertRow();
      row.dataset.quote = quote;
      cell(row, quote);
      cell(row, t.realized, "realized " + sign(t.realized));
      cell(row, t.unrealized, "unrealized " + sign(t.unrealized));
      cell(row, t.fees, "fees");
      cell(row, t.total, "total " + sign(t.total));
      cell(row, t.cycles, "cycles");
      cell(row, t.open_orders, "open-orders");
      cell(row, t.open_notional, "open-notional");
    }
  }

  function sign(value) {
    if (value === null || value === undefined) return "";
    return value.startsWith("-") ? "loss" : Number(value) > 0 ? "gain" : "";
  }

  function renderSymbols() {
    const body = $("#symbols tbody");
    body.replaceChildren();
    for (const s of Object.values(state.symbols)) {
      if (!s.pnl) continue;  // only changes of a row not seen whole yet: the publisher's picture follows
      const row = body.insertRow();
      row.dataset.symbol = s.symbol;
      if (s.symbol === selected) row.className = "selected";
      row.addEventListener("click", (event) => {
        if (event.target.tagName === "BUTTON") return;
        select(s.symbol);
        render();
      });
      cell(row, s.symbol, "symbol");
      cell(row, s.trading, "trading status-" + s.trading).title = s.trading_error || "";
      cell(row, s.running === null ? "?" : s.running ? "running" : "stopped", "running");
      cell(row, s.streaming, "streaming status-" + s.streaming);
      cell(row, s.storing.join(", ") || "off", "storing");
      cell(row, s.owner, "owner");
      cell(row, s.price, "price");
      cell(row, s.price_at ? s.price_at.slice(11) : "", "price-time").title = s.price_at || "";
      cell(row, s.pnl.realized, "realized " + sign(s.pnl.realized));
      cell(row, s.pnl.unrealized, "unrealized " + sign(s.pnl.unrealized));
      cell(row, s.pnl.fees, "fees");
      cell(row, s.pnl.total, "total " + sign(s.pnl.total));
      cell(row, s.pnl.cycles, "cycles");
      cell(row, s.pnl.holding, "holding");
      cell(row, s.open_orders, "open-orders");
      const streamed = s.stream.last_event ? `${s.stream.events}, ${s.stream.last_event.slice(11)}` : s.stream.events;
      cell(row, streamed, "events").title =
        `last event ${text(s.stream.last_event)}, gaps ${s.stream.gaps}, last trade id ${text(s.stream.last_trade_id)}`;
      const buttons = row.insertCell();
      buttons.className = "controls";
      for (const name of applicable(s)) {
        if (!controls[name]) continue;
        const button = document.createElement("button");
        button.type = "button";
        button.name = name;
        button.textContent = SHORT[name];
        button.title = name.replace("_", " ") + " " + s.symbol;
        button.addEventListener("click", () => send(name, s.symbol));
        buttons.append(button);
      }
      if (s.trading_error) {
        const why = body.insertRow();
        why.className = "error-row";
        const td = cell(why, "stopped on its own: " + s.trading_error);
        td.colSpan = 17;
      }
    }
  }

  // The controls that make sense in the symbol's state (the form below the table offers them all).
  function applicable(s) {
    const trading = s.trading === "off" ? ["start_trading"] :
      s.trading === "on" ? ["stop_trading", "shutdown_trading"] : ["stop_trading"];
    return trading.concat(s.streaming === "on" ? ["stop_streaming"] : ["start_streaming"]);
  }

  function select(symbol) {
    selected = symbol;
  }

  function renderTraders() {
    $("#chart-symbol").textContent = selected || "";
    const body = $("#traders tbody");
    body.replaceChildren();
    for (const trader of state.traders[selected] || []) {
      for (const order of trader.orders) {
        const row = body.insertRow();
        row.dataset.orderId = order.order_id;
        cell(row, trader.trader, "trader");
        cell(row, order.order_id);
        cell(row, order.side, order.side.toLowerCase());
        cell(row, order.price, "price");
        cell(row, order.quantity, "quantity");
        cell(row, order.notional, "notional");
        cell(row, order.status, "status");
      }
    }
  }

  function renderBalances() {
    const body = $("#balances tbody");
    body.replaceChildren();
    for (const b of state.balances) {
      const row = body.insertRow();
      row.dataset.asset = b.asset;
      cell(row, b.asset);
      cell(row, b.free, "free");
      cell(row, b.locked, "locked");
    }
  }

  function renderOrders() {
    const body = $("#orders tbody");
    body.replaceChildren();
    for (const o of Array.from(state.orders.values()).reverse()) {
      const row = body.insertRow();
      row.dataset.orderId = o.order_id;
      cell(row, o.updated, "updated");
      cell(row, o.symbol, "symbol");
      cell(row, o.order_id);
      cell(row, o.trader, "trader");
      cell(row, o.side, "side " + o.side.toLowerCase());
      cell(row, o.price, "price");
      cell(row, o.quantity, "quantity");
      cell(row, o.executed, "executed");
      cell(row, o.notional, "notional");
      cell(row, o.status, "status");
    }
  }

  function drawChart() {
    const canvas = $("#chart");
    const context = canvas.getContext("2d");
    const width = canvas.width, height = canvas.height, pad = 48;
    context.clearRect(0, 0, width, height);
    const points = (state.chart[selected] || []).map(([time, price]) => [time, Number(price)]);
    const orders = Array.from(state.orders.values()).filter((o) => o.symbol === selected);
    const prices = points.map((p) => p[1]).concat(orders.map((o) => Number(o.price)));
    const times = points.map((p) => p[0]).concat(orders.map((o) => o.time));
    canvas.dataset.points = String(points.length);
    canvas.dataset.markers = String(orders.length);
    context.fillStyle = "#667";
    context.font = "12px sans-serif";
    if (!prices.length) {
      context.fillText(selected ? "waiting for trades of " + selected : "no symbol yet", pad, height / 2);
      return;
    }
    let low = Math.min(...prices), high = Math.max(...prices);
    if (high === low) { high += high * 0.001 || 1; low -= low * 0.001 || 1; }
    const start = Math.min(...times), end = Math.max(...times) === start ? start + 1 : Math.max(...times);
    const x = (t) => pad + ((t - start) / (end - start)) * (width - 2 * pad);
    const y = (p) => height - pad / 2 - ((p - low) / (high - low)) * (height - pad);
    context.fillText(String(high), 2, y(high) + 4);
    context.fillText(String(low), 2, y(low) + 4);
    context.strokeStyle = "#2a5db0";
    context.lineWidth = 1.5;
    context.beginPath();
    points.forEach(([t, p], i) => (i ? context.lineTo(x(t), y(p)) : context.moveTo(x(t), y(p))));
    context.stroke();
    for (const o of orders) {
      const open = o.status === "NEW" || o.status === "PARTIALLY_FILLED";
      const color = o.side === "BUY" ? "#1a7f37" : "#c62828";
      const px = x(open ? o.time : o.update_time), py = y(Number(o.price));
      if (open) {
        context.setLineDash([4, 4]);
        context.strokeStyle = color;
        context.beginPath(); context.moveTo(px, py); context.lineTo(width - pad, py); context.stroke();
        context.setLineDash([]);
      }
      const up = o.side === "BUY" ? 1 : -1;
      context.beginPath();
      context.moveTo(px, py - 7 * up); context.lineTo(px - 6, py + 5 * up); context.lineTo(px + 6, py + 5 * up);
      context.closePath();
      context.fillStyle = color; context.strokeStyle = color;
      if (open) context.stroke(); else context.fill();
    }
  }

  async function send(name, symbol) {
    const form = $("#control-form");
    const body = new FormData();
    body.set("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    body.set("control", name);
    body.set("symbol", symbol);
    const result = $("#control-result");
    result.textContent = `${name.replace("_", " ")} ${symbol}…`;
    try {
      const response = await fetch(form.action, {
        method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      const answer = response.headers.get("Content-Type")?.includes("json") ? await response.json() : null;
      result.textContent = answer ? answer.message : `refused (${response.status})`;
      result.className = "control-result " + (answer && answer.ok ? "ok" : "error");
    } catch (error) {
      result.textContent = "the control did not reach the server: " + error;
      result.className = "control-result error";
    }
  }

  $("#control-form").addEventListener("submit", (event) => {
    const symbol = $("#control-symbol").value.trim();
    if (!event.submitter || !symbol) return;
    event.preventDefault();
    send(event.submitter.value, symbol);
  });

  function connect() {
    const indicator = $("#connection");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/desk/`);
    socket.binaryType = "arraybuffer";  // frames are JSON sent as bytes, as the server encoded them once
    socket.onopen = () => {
      retries = 0;
      indicator.dataset.state = "live";
      indicator.textContent = "live";
    };
    socket.onmessage = (event) => {
      apply(JSON.parse(typeof event.data === "string" ? event.data : decoder.decode(event.data)));
      document.body.dataset.frames = String(Number(document.body.dataset.frames || 0) + 1);
    };
    socket.onclose = () => {
      indicator.dataset.state = "disconnected";
      indicator.textContent = "disconnected: reconnecting…";
      retries += 1;
      setTimeout(connect, Math.min(10000, 500 * 2 ** Math.min(retries, 5)));
    };
  }

  apply({ kind: "picture", ...JSON.parse(document.getElementById("desk-picture").textContent) });
  connect();
})();
