// The inspector page. It receives a ready-made view model (client/src/inspector/model.ts) and builds
// the DOM with textContent only — never innerHTML — so nothing a program prints can become markup.
/* global acquireVsCodeApi, document, window */
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const app = document.getElementById('app');

  /** el('td', { class: 'x', 'data-reg': 'r0' }, 'text', childNode, …) */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null) node.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  function section(id, title, ...body) {
    return el('section', { id, class: 'card' }, el('h2', {}, title), ...body);
  }

  function table(columns, rows, rowAttrs) {
    const head = el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', { scope: 'col' }, c))));
    const body = el(
      'tbody',
      {},
      ...rows.map((cells, i) => el('tr', rowAttrs ? rowAttrs(i) : {}, ...cells.map((c, j) => el('td', { class: 'c' + j }, c)))),
    );
    return el('table', {}, head, body);
  }

  function summary(view, source) {
    const r0 = el(
      'div',
      { id: 'r0', class: 'r0' },
      el('span', { class: 'label' }, 'r0 = '),
      el('span', { class: 'dec' }, view.r0.dec),
      view.r0.signed ? el('span', { class: 'signed' }, ' (' + view.r0.signed + ')') : null,
      el('span', { class: 'hex' }, ' ' + view.r0.hex),
      view.r0.meaning ? el('span', { class: 'meaning' }, view.r0.meaning) : null,
    );
    const facts = el(
      'div',
      { class: 'facts' },
      el('span', { id: 'status', class: view.ok ? 'badge ok' : 'badge fault' }, view.ok ? 'exited' : 'fault'),
      el('span', { id: 'insn-count' }, view.insnCount + ' instructions'),
      view.progType ? el('span', { class: 'prog-type' }, view.progType) : null,
      source ? el('span', { class: 'source' }, source) : null,
    );
    return el('header', { class: 'summary' }, r0, facts);
  }

  function errorBox(error) {
    return el(
      'div',
      { id: 'error', class: 'error', role: 'alert' },
      el('strong', {}, 'Fault'),
      error.where ? el('span', { class: 'where' }, ' at ' + error.where) : null,
      el('div', { class: 'message' }, error.message),
    );
  }

  function registers(regs) {
    const rows = regs.map((r) => [r.name, r.hex, r.signed ? r.dec + ' (' + r.signed + ')' : r.dec, r.type || '']);
    return section('registers', 'Registers', table(['reg', 'hex', 'decimal', 'verifier type'], rows, (i) => ({ 'data-reg': regs[i].name })));
  }

  function frames(list) {
    return section(
      'stack',
      'Stack',
      ...list.map((f) =>
        el(
          'div',
          { class: 'frame' },
          el('h3', {}, f.title),
          f.rows.length
            ? table(['offset', 'bytes', 'ascii', 'note'], f.rows.map((r) => [r.offset, r.hex, r.ascii, r.annotation || '']))
            : el('p', { class: 'empty' }, 'nothing written'),
        ),
      ),
    );
  }

  function maps(list) {
    return section(
      'maps',
      'Maps',
      ...list.map((m) =>
        el(
          'div',
          { class: 'map', 'data-map': m.name },
          el('h3', {}, m.name, el('span', { class: 'subtitle' }, ' ' + m.subtitle)),
          m.rows.length ? table(m.columns, m.rows) : el('p', { class: 'empty' }, 'empty'),
          m.truncated ? el('p', { class: 'note' }, m.truncated) : null,
        ),
      ),
    );
  }

  function histograms(list) {
    return section(
      'histograms',
      'Histograms',
      ...list.map((h) =>
        el(
          'div',
          { class: 'histogram', 'data-map': h.title },
          el('h3', {}, h.title),
          el(
            'div',
            { class: 'bars', role: 'table' },
            ...h.bars.map((b) => {
              const bar = el('span', { class: 'bar' });
              // CSSOM assignment, not a style attribute: allowed under the page's CSP.
              bar.style.width = Math.max(0, Math.min(100, Number(b.width) || 0)) + '%';
              return el(
                'div',
                { class: 'bucket', role: 'row' },
                el('span', { class: 'bucket-label', role: 'cell' }, b.label),
                el('span', { class: 'bar-track', role: 'cell' }, bar),
                el('span', { class: 'bucket-count', role: 'cell' }, b.count),
              );
            }),
          ),
        ),
      ),
    );
  }

  function output(lines) {
    return section('output', 'Output', el('pre', { class: 'output' }, lines.join('\n')));
  }

  function render(msg) {
    const view = msg && msg.view;
    app.replaceChildren();
    if (!view) {
      app.appendChild(el('p', { class: 'empty' }, 'Run a program (eBPF: Run) to see its registers, stack and maps here.'));
      return;
    }
    app.appendChild(summary(view, msg.source));
    if (view.error) app.appendChild(errorBox(view.error));
    if (view.output.length) app.appendChild(output(view.output));
    if (view.histograms.length) app.appendChild(histograms(view.histograms));
    if (view.maps.length) app.appendChild(maps(view.maps));
    if (view.registers.length) app.appendChild(registers(view.registers));
    if (view.frames.length) app.appendChild(frames(view.frames));
    app.setAttribute('data-rendered', String(Date.now()));
  }

  window.addEventListener('message', (event) => {
    const msg = event.data;
    if (!msg || msg.type !== 'update') return;
    vscode.setState(msg);
    render(msg);
  });

  const saved = vscode.getState();
  if (saved) render(saved);
  vscode.postMessage({ type: 'ready' });
})();
