// The ecs-batch status page: plain DOM, no framework, nothing from another host (see the CSP in
// functions/api/page.ts). Every value from the API is put in the page as text (textContent, attributes),
// never parsed as HTML. The token lives in this tab's sessionStorage only and travels as a bearer header.
'use strict';

const TOKEN_KEY = 'ecs-batch.token';
const IN_FLIGHT = ['SUBMITTING', 'PENDING'];
const STATUSES = ['SUBMITTING', 'PENDING', 'RUNNING', 'PARTIAL', 'FAILED', 'TIMED_OUT', 'CANCELLED'];
const main = document.getElementById('main');

// ---------- small helpers ----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
}

const ms = (iso) => (iso ? Date.parse(iso) : undefined);

function duration(msec) {
  if (msec === undefined || !Number.isFinite(msec)) return '';
  const s = msec / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${Math.round(s / 86400)} d`;
}

const ago = (iso) => (iso ? `${duration(Math.max(0, Date.now() - ms(iso)))} ago` : '');

function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const time = (iso) => (iso ? h('time', { datetime: iso, title: iso }, when(iso)) : '—');
const badge = (status) => h('span', { class: `badge b-${status}` }, status.replace('_', ' '));
const mono = (text) => (text ? h('code', {}, text) : '—');

function counts(c) {
  const parts = Object.entries(c || {}).map(([state, n]) => `${n} ${state}`);
  return parts.length ? parts.join(' · ') : 'none yet';
}

// ---------- the API ----------

class SignedOut extends Error {}

/** Aborted when the view changes, so an old long-poll never redraws a new screen. */
let view = new AbortController();

async function api(path, { method = 'GET', body } = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new SignedOut();
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: view.signal,
    cache: 'no-store',
    credentials: 'omit',
  });
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new SignedOut('That token was not accepted. Paste a valid API token.');
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    // not JSON: the message below says what came back
  }
  if (!res.ok) {
    const e = new Error((data && data.error && data.error.message) || `the API answered ${res.status}`);
    e.status = res.status;
    e.fields = (data && data.error && data.error.details && data.error.details.fields) || [];
    throw e;
  }
  return data;
}

/** Runs a view's work; a 401 goes back to the sign-in, an abort (view changed) is silent. */
async function guard(work, onError) {
  try {
    await work();
  } catch (e) {
    if (e instanceof SignedOut) return signIn(e.message);
    if (e && e.name === 'AbortError') return;
    onError(e);
  }
}

const pause = (msec) => new Promise((ok) => setTimeout(ok, msec));

// ---------- screens ----------

function show(...nodes) {
  main.replaceChildren(...nodes);
}

function stateBox(kind, title, text, action) {
  return h('section', { class: `state-box ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('h2', {}, title), text ? h('p', {}, text) : null, action || null);
}

function signIn(message) {
  view.abort();
  view = new AbortController();
  document.getElementById('sign-out').hidden = true;
  document.title = 'Sign in · ecs-batch';
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true });
  const form = h(
    'form',
    {
      class: 'card signin',
      onsubmit: (ev) => {
        ev.preventDefault();
        const t = input.value.trim();
        if (!t) return;
        sessionStorage.setItem(TOKEN_KEY, t);
        if (location.hash !== '#/') location.hash = '#/';
        else route();
      },
    },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Paste an API token. It stays in this browser tab only and is sent as a bearer header, never in a URL.'),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    h('label', { for: 'token' }, 'API token'),
    input,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  show(form);
  input.focus();
}

// ----- the list -----

const list = { status: '', cursors: [null] };

function listScreen() {
  document.title = 'Batches · ecs-batch';
  const select = h(
    'select',
    {
      id: 'status',
      onchange: () => {
        list.status = select.value;
        list.cursors = [null];
        listScreen();
        document.getElementById('status').focus(); // the screen was redrawn: keep the keyboard where it was
      },
    },
    h('option', { value: '' }, 'All statuses'),
    STATUSES.map((s) => h('option', { value: s, selected: s === list.status }, s.replace('_', ' '))),
  );
  const live = h('span', { class: 'live', 'aria-live': 'polite' });
  const body = h('div', { 'aria-busy': 'true' }, h('p', { class: 'state' }, 'Loading batches…'));
  show(
    h('div', { class: 'bar' }, h('h1', {}, 'Batches'), h('div', { class: 'tools' }, h('label', { for: 'status' }, 'Status'), select, h('button', { type: 'button', id: 'refresh', onclick: () => (listScreen(), document.getElementById('refresh').focus()) }, 'Refresh'), live)),
    body,
  );
  const signal = view.signal;
  guard(
    async () => {
      for (;;) {
        const page = list.cursors.length - 1;
        const q = new URLSearchParams({ limit: '20' });
        if (list.status) q.set('status', list.status);
        if (list.cursors[page]) q.set('cursor', list.cursors[page]);
        const data = await api(`/batches?${q}`);
        if (signal.aborted) return;
        body.replaceChildren(listBody(data));
        body.removeAttribute('aria-busy');
        // Refresh with the long-poll while something on the first page is in flight: wait on the newest such
        // batch (the API answers when its status changes), then read the page again.
        const waiting = page === 0 && data.batches.find((b) => IN_FLIGHT.includes(b.status));
        if (!waiting) {
          live.textContent = '';
          return;
        }
        live.textContent = 'Updating live';
        try {
          await api(`/batches/${encodeURIComponent(waiting.id)}?wait=20`);
        } catch (e) {
          if (e instanceof SignedOut || e.name === 'AbortError') throw e;
          await pause(5000); // e.g. a 503: look again a little later
        }
        if (signal.aborted) return;
      }
    },
    (e) => body.replaceChildren(stateBox('error', 'Could not load the batches', e.message, h('button', { type: 'button', onclick: listScreen }, 'Try again'))),
  );
}

function listBody(data) {
  const rows = data.batches;
  if (rows.length === 0) {
    return list.status
      ? stateBox('empty', `No ${list.status.replace('_', ' ')} batches`, 'Choose another status, or all statuses.')
      : stateBox('empty', 'No batches yet', 'Batches appear here when the API, a chat command or a schedule creates them: POST /batches with {"profile": "…", "amount": N}.');
  }
  const owners = rows.some((b) => b.owner);
  const cell = (label, ...content) => h('td', { 'data-label': label }, h('span', {}, ...content));
  const table = h(
    'table',
    { class: 'batches' },
    h('caption', { class: 'sr-only' }, 'Batches, newest first'),
    h('thead', {}, h('tr', {}, ['Batch', 'Status', 'Profile', owners ? 'Owner' : null, 'Instances', 'Age'].filter(Boolean).map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      rows.map((b) =>
        h(
          'tr',
          {},
          cell('Batch', h('a', { href: `#/b/${encodeURIComponent(b.id)}` }, b.id)),
          cell('Status', badge(b.status)),
          cell('Profile', b.profile || 'raw spec'),
          owners ? cell('Owner', b.owner || '—') : null,
          cell('Instances', h('span', { class: 'num' }, String(b.amount)), h('span', { class: 'muted' }, ` · ${counts(b.counts)}`)),
          cell('Age', h('span', { title: b.createdAt }, ago(b.createdAt))),
        ),
      ),
    ),
  );
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  if (list.cursors.length > 1) {
    pager.append(
      h('button', {
        type: 'button',
        onclick: () => {
          list.cursors = [null];
          listScreen();
          main.focus(); // the screen was redrawn: the next Tab starts at its top
        },
      }, 'Back to newest'),
    );
  }
  if (data.cursor) {
    pager.append(
      h('button', {
        type: 'button',
        onclick: () => {
          list.cursors.push(data.cursor);
          listScreen();
          main.focus();
        },
      }, 'Older batches'),
    );
  }
  return h('div', {}, table, pager);
}

// ----- one batch -----

function batchScreen(id) {
  document.title = `${id} · ecs-batch`;
  const body = h('div', { 'aria-busy': 'true' }, h('p', { class: 'state' }, 'Loading the batch…'));
  show(h('p', {}, h('a', { href: '#/' }, '← All batches')), body);
  const signal = view.signal;
  let first = true;
  guard(
    async () => {
      for (;;) {
        // While it is in flight, ask with a short long-poll so the timeline follows each instance's boot.
        const b = await api(`/batches/${encodeURIComponent(id)}${first ? '' : '?wait=5'}`);
        if (signal.aborted) return;
        const focused = document.activeElement && document.activeElement.id;
        body.replaceChildren(batchBody(b));
        body.removeAttribute('aria-busy');
        if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
        if (first) main.focus();
        first = false;
        const owed = (b.cancel && b.cancel.release && !b.cancel.released) || (b.release && !b.release.releasedAt);
        if (!IN_FLIGHT.includes(b.status) && !owed) return;
        if (owed) await pause(5000); // a release the sweeper retries: the status will not change
      }
    },
    (e) =>
      body.replaceChildren(
        e.status === 404
          ? stateBox('error', 'No such batch', `There is no batch ${id} that this token may see.`, h('a', { href: '#/' }, 'Back to all batches'))
          : stateBox('error', 'Could not load the batch', e.message, h('button', { type: 'button', onclick: () => batchScreen(id) }, 'Try again')),
      ),
  );
}

function fate(i) {
  if (i.state === 'Released') return 'released';
  if (i.state === 'Lost') return 'lost: ECS no longer knows it';
  if (i.state === 'Reclaimed') return 'spot instance reclaimed';
  return '';
}

/** Instances that may still exist in ECS (what a release would delete, an extension would move). */
const alive = (b) => b.instances.filter((i) => i.state !== 'Lost' && i.state !== 'Released');

/** The API's error, with the fields it names (a 400 says which field and why). */
function problem(e) {
  return e.fields && e.fields.length ? `${e.message}: ${e.fields.map((f) => f.message).join('; ')}` : e.message;
}

function batchBody(b) {
  const facts = [
    ['Status', badge(b.status)],
    ['Profile', b.profile || 'raw spec'],
    b.owner ? ['Owner', b.owner] : null,
    ['Region', b.region],
    ['Instances', `${b.amount} asked · ${counts(b.counts)}`],
    ['Created', h('span', {}, time(b.createdAt), ' ', h('span', { class: 'muted' }, `(${ago(b.createdAt)})`))],
    ['Deadline', time(b.deadlineAt)],
    ['Ended', time(b.endedAt)],
    ['Auto-release', b.releaseAt ? time(b.releaseAt) : 'none: the instances run until released'],
    ['Idempotency key', mono(b.idempotencyKey)],
    ['Callback', b.callback ? `${b.callback.state} · ${b.callback.attempts} attempt(s) · ${b.callback.origin}` : 'none'],
    ['Chat reply', b.chatReply ? `${b.chatReply.kind}: ${b.chatReply.state} · ${b.chatReply.attempts} attempt(s)` : 'none'],
    b.release ? ['Released', b.release.releasedAt ? h('span', {}, time(b.release.releasedAt), ` · asked by ${b.release.by}`) : `asked by ${b.release.by} at ${when(b.release.requestedAt)}; the sweeper is finishing it`] : null,
    b.cancel ? ['Cancelled', h('span', {}, time(b.cancel.requestedAt), b.cancel.release ? (b.cancel.released ? ' · instances released' : ' · release pending (retried by the sweeper)') : ' · instances kept')] : null,
  ].filter(Boolean);
  return h(
    'div',
    {},
    h('div', { class: 'bar' }, h('h1', {}, h('span', { class: 'sr-only' }, 'Batch '), h('code', {}, b.id)), actions(b)),
    b.error ? h('p', { class: 'error', role: 'alert' }, h('strong', {}, b.error.code), ': ', b.error.message) : null,
    h('dl', { class: 'facts' }, facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))),
    h('section', {}, h('h2', {}, 'Way to Running'), h('p', { class: 'muted' }, 'Each instance from the batch’s submission to Running (time since submission).'), timeline(b)),
    h('section', {}, h('h2', {}, 'Instances'), instancesTable(b)),
    h('section', {}, h('h2', {}, 'Chunks'), chunksTable(b)),
    b.failedOfferings.length ? h('section', {}, h('h2', {}, 'Offerings without capacity'), failedTable(b)) : null,
  );
}

function actions(b) {
  const box = h('div', { class: 'tools' });
  const id = encodeURIComponent(b.id);
  const left = alive(b).length;
  const submitting = b.status === 'SUBMITTING';
  const wait = submitting ? 'It is still being submitted; try again in a few seconds.' : null;
  if (IN_FLIGHT.includes(b.status)) {
    box.append(
      h('button', {
        type: 'button',
        id: 'cancel',
        class: 'danger',
        disabled: submitting,
        title: wait,
        onclick: () => {
          const release = h('input', { type: 'checkbox', id: 'confirm-release' });
          confirmThen(
            'Cancel this batch?',
            [
              h('p', {}, 'It stops being tracked; no callback or chat reply reports it Running.'),
              h('p', {}, h('label', { class: 'check' }, release, ` Also release (delete) its ${left} instance(s) now`)),
            ],
            'Cancel batch',
            () => api(`/batches/${id}/cancel`, { method: 'POST', body: { release: release.checked } }),
          );
        },
      }, 'Cancel…'),
    );
  }
  const releasing = (b.release && !b.release.releasedAt) || (b.cancel && b.cancel.release && !b.cancel.released);
  if (!IN_FLIGHT.includes(b.status) && left > 0 && !releasing) {
    box.append(
      h('button', {
        type: 'button',
        id: 'release',
        class: 'danger',
        onclick: () =>
          confirmThen(
            `Release ${left} instance(s)?`,
            [h('p', {}, 'ECS deletes them now. This cannot be undone; the batch keeps its status and records each instance as Released.')],
            'Release instances',
            () => api(`/batches/${id}/release`, { method: 'POST' }),
          ),
      }, 'Release…'),
    );
  }
  if (left > 0 && !releasing) {
    box.append(
      h('button', {
        type: 'button',
        id: 'extend',
        disabled: submitting,
        title: wait,
        onclick: () => {
          const after = h(
            'select',
            { id: 'extend-after' },
            [['PT1H', '1 hour'], ['PT4H', '4 hours'], ['PT9H', '9 hours'], ['P1D', '1 day'], ['P3D', '3 days'], ['P7D', '1 week']].map(([v, t]) => h('option', { value: v }, `${t} from now`)),
          );
          const at = h('input', { type: 'datetime-local', id: 'extend-at' });
          confirmThen(
            'Change the automatic release time?',
            [
              h('p', {}, `ECS releases the ${left} instance(s) by itself at this time (30 minutes to 3 years ahead). Now: `, b.releaseAt ? when(b.releaseAt) : 'none', '.'),
              h('p', { class: 'field' }, h('label', { for: 'extend-after' }, 'Release'), after),
              h('p', { class: 'field' }, h('label', { for: 'extend-at' }, 'or at (your local time)'), at),
            ],
            'Set release time',
            () => api(`/batches/${id}/release-at`, { method: 'POST', body: at.value ? { releaseAt: new Date(at.value).toISOString() } : { releaseAfter: after.value } }),
            { danger: false },
          );
        },
      }, b.releaseAt ? 'Extend…' : 'Set auto-release…'),
    );
  }
  return box;
}

/** A real dialog (focus moves into it, Escape closes it); the action runs only on the explicit button. */
function confirmThen(title, body, verb, action, { danger = true } = {}) {
  const dialog = document.getElementById('confirm');
  const yes = document.getElementById('confirm-yes');
  const no = document.getElementById('confirm-no');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-body').replaceChildren(...body);
  yes.textContent = verb;
  yes.className = danger ? 'danger' : 'primary';
  const opener = document.activeElement;
  const done = () => {
    yes.onclick = null;
    no.onclick = null;
    if (dialog.open) dialog.close();
    if (opener && opener.isConnected) opener.focus();
  };
  no.onclick = done;
  dialog.onclose = () => {
    yes.onclick = null;
    no.onclick = null;
  };
  yes.onclick = async () => {
    yes.disabled = true;
    try {
      await action();
      done();
      route(); // read the batch again, as stored
    } catch (e) {
      if (e instanceof SignedOut) {
        done();
        return signIn(e.message);
      }
      document.getElementById('confirm-body').append(h('p', { class: 'error', role: 'alert' }, problem(e)));
    } finally {
      yes.disabled = false;
    }
  };
  dialog.showModal();
  no.focus();
}

function table(caption, heads, rows) {
  if (rows.length === 0) return h('p', { class: 'state' }, `No ${caption.toLowerCase()} yet.`);
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      {},
      h('caption', { class: 'sr-only' }, caption),
      h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, n) => h('td', { 'data-label': heads[n] }, h('span', {}, c)))))),
    ),
  );
}

function instancesTable(b) {
  const t0 = ms(b.createdAt);
  return table(
    'Instances',
    ['Instance', 'State', 'Zone', 'Type', 'Private IP', 'Public IP', 'To Running', 'What happened'],
    b.instances.map((i) => [
      mono(i.instanceId),
      h('span', { class: `state-name s-${i.state}` }, i.state),
      i.zoneId || '—',
      i.instanceType || '—',
      mono(i.privateIp),
      mono(i.publicIp),
      i.runningAt ? duration(ms(i.runningAt) - t0) : '—',
      fate(i) || '—',
    ]),
  );
}

function chunksTable(b) {
  return table(
    'Chunks',
    ['Chunk', 'Amount', 'Offering', 'State', 'ClientToken', 'Error'],
    b.chunks.map((c) => [String(c.index), String(c.amount), `${c.instanceType || '?'} in ${c.zoneId || '?'}`, c.state, mono(c.clientToken), c.error ? `${c.error.code}: ${c.error.message}` : '—']),
  );
}

function failedTable(b) {
  return table('Offerings without capacity', ['Instance type', 'Zone', 'vSwitch', 'ECS code', 'When'], b.failedOfferings.map((f) => [f.instanceType || '—', f.zoneId || '—', mono(f.vSwitchId), mono(f.code), time(f.at)]));
}

// ----- the timeline -----

let redrawTimeline = () => undefined;
window.addEventListener('resize', () => redrawTimeline());

const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];

/**
 * One bar per instance from the batch's submission to Running (or to its end, or to now while it boots):
 * a thin line while RunInstances had not answered for it yet, then the bar in the colour of its state
 * now, with a tick where it was first seen Starting. Lost and reclaimed instances and failed chunks are
 * marked with a cross. Drawn to the width it has, so the text stays readable on a phone.
 */
function timeline(b) {
  const holder = h('div', { class: 'timeline' });
  const plot = h('div');
  const failed = b.chunks.filter((c) => c.state === 'failed');
  if (b.instances.length === 0 && failed.length === 0) {
    holder.append(h('p', { class: 'state' }, b.status === 'SUBMITTING' ? 'Waiting for ECS to answer RunInstances…' : 'No instances were created.'));
    return holder;
  }
  holder.append(plot, legend());
  const draw = () => plot.isConnected && plot.replaceChildren(chart(b, failed, Math.max(260, plot.clientWidth || 800)));
  // Drawn once the holder is in the page (its width is known then), and again when the window changes.
  requestAnimationFrame(draw);
  redrawTimeline = draw;
  return holder;
}

function chart(b, failed, width) {
  const t0 = ms(b.createdAt);
  const now = Date.now();
  const open = IN_FLIGHT.includes(b.status);
  const endOf = (i) => ms(i.runningAt) ?? ms(i.endedAt) ?? (open ? now : ms(b.endedAt) ?? now);
  const tMax = Math.max(t0 + 1000, ...b.instances.map(endOf), ...b.failedOfferings.map((f) => ms(f.at)));
  const span = tMax - t0;
  const many = b.instances.length + failed.length > 60;
  const narrow = width < 560;
  const labelW = many || narrow ? 0 : 200;
  const rowH = many ? 6 : narrow ? 34 : 24;
  const barH = many ? 4 : 12;
  const top = 8;
  const plotW = width - labelW - 70; // room on the right for the time to Running
  const x = (t) => labelW + Math.max(0, Math.min(1, (t - t0) / span)) * plotW;
  const rows = [];
  b.instances.forEach((i, n) => {
    const y = top + n * rowH + (narrow && !many ? 16 : 0);
    const created = ms(i.createdAt);
    const started = ms(i.startedAt);
    const end = endOf(i);
    const gone = i.state === 'Lost' || i.state === 'Reclaimed';
    const released = i.state === 'Released' && !i.runningAt && i.endedAt;
    const label = `${i.instanceId}: ${i.state}${i.runningAt ? `, Running after ${duration(ms(i.runningAt) - t0)}` : ''}${gone ? `, ${i.state.toLowerCase()} after ${duration(end - t0)}` : ''}${released ? `, released after ${duration(end - t0)}` : ''}`;
    const g = svg('g', { class: `row s-${i.state}${released ? ' released' : ''}`, 'data-instance': i.instanceId }, svg('title', {}, label));
    if (!many) g.append(svg('text', { x: narrow ? 0 : 0, y: narrow ? y - 3 : y + barH - 2, class: 'label' }, narrow ? `${i.instanceId} · ${i.zoneId || ''}` : i.instanceId));
    const from = created ?? t0;
    if (created && created > t0) g.append(svg('line', { x1: x(t0), x2: x(created), y1: y + barH / 2, y2: y + barH / 2, class: 'wait' }));
    g.append(svg('rect', { x: x(from), y, width: Math.max(2, x(end) - x(from)), height: barH, rx: many ? 0 : 2, class: 'bar' }));
    if (!many && started && started > from && started < end) g.append(svg('line', { x1: x(started), x2: x(started), y1: y - 2, y2: y + barH + 2, class: 'tick' }));
    if (gone) g.append(cross(x(end), y + barH / 2, many ? 3 : 6));
    if (!many && i.runningAt) g.append(svg('text', { x: x(end) + 6, y: y + barH - 2, class: 'dur' }, duration(ms(i.runningAt) - t0)));
    if (!many && gone) g.append(svg('text', { x: x(end) + 10, y: y + barH - 2, class: 'dur gone' }, i.state.toLowerCase()));
    if (released) g.append(svg('line', { x1: x(end), x2: x(end), y1: y - 3, y2: y + barH + 3, class: 'end' }));
    if (!many && released) g.append(svg('text', { x: x(end) + 6, y: y + barH - 2, class: 'dur' }, 'released'));
    rows.push(g);
  });
  failed.forEach((c, n) => {
    const y = top + (b.instances.length + n) * rowH + (narrow && !many ? 16 : 0);
    const g = svg('g', { class: 'row failed' }, svg('title', {}, `chunk ${c.index} (${c.amount}): failed${c.error ? `, ${c.error.code}` : ''}`));
    if (!many) g.append(svg('text', { x: 0, y: narrow ? y - 3 : y + barH - 2, class: 'label' }, `chunk ${c.index} × ${c.amount}`));
    g.append(cross(labelW + 8, y + barH / 2, many ? 3 : 6));
    if (!many) g.append(svg('text', { x: labelW + 20, y: y + barH - 2, class: 'dur gone' }, `failed${c.error ? `: ${c.error.code}` : ''}`));
    rows.push(g);
  });
  const count = b.instances.length + failed.length;
  const plotBottom = top + count * rowH + (narrow && !many ? 16 : 0);
  const height = plotBottom + 28;
  const step = STEPS.find((s) => span / 1000 / s <= (narrow ? 4 : 8)) ?? 86400;
  const axis = [svg('line', { x1: labelW, x2: labelW + plotW, y1: plotBottom + 4, y2: plotBottom + 4, class: 'axis' })];
  for (let s = 0; s * 1000 <= span; s += step) {
    const tx = x(t0 + s * 1000);
    axis.push(svg('line', { x1: tx, x2: tx, y1: top, y2: plotBottom + 8, class: 'grid' }), svg('text', { x: tx, y: plotBottom + 22, class: s === 0 ? 'tick-label first' : 'tick-label' }, s === 0 ? '0 s' : duration(s * 1000)));
  }
  return svg(
    'svg',
    { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'timeline-title', class: 'chart' },
    svg('title', { id: 'timeline-title' }, `Timeline: ${b.instances.length} instance(s) from submission to Running${failed.length ? `, ${failed.length} failed chunk(s)` : ''}`),
    axis,
    rows,
  );
}

function cross(cx, cy, r) {
  return svg('path', { d: `M${cx - r} ${cy - r}L${cx + r} ${cy + r}M${cx - r} ${cy + r}L${cx + r} ${cy - r}`, class: 'cross' });
}

function legend() {
  const item = (cls, text) => h('li', {}, h('span', { class: `swatch ${cls}`, 'aria-hidden': 'true' }), text);
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    item('s-Pending', 'Pending'),
    item('s-Starting', 'Starting'),
    item('s-Running', 'Running'),
    item('s-Stopped', 'Stopped / Stopping'),
    item('s-Lost', 'Lost (✕)'),
    item('s-Reclaimed', 'Reclaimed (✕)'),
    item('s-Released', 'Released'),
    h('li', {}, h('span', { class: 'swatch wait', 'aria-hidden': 'true' }), 'before RunInstances answered'),
    h('li', {}, h('span', { class: 'swatch tick', 'aria-hidden': 'true' }), 'seen Starting'),
    h('li', {}, h('span', { class: 'swatch end', 'aria-hidden': 'true' }), 'released before Running'),
  );
}

// ---------- routing ----------

function route() {
  view.abort();
  view = new AbortController();
  if (!sessionStorage.getItem(TOKEN_KEY)) return signIn();
  document.getElementById('sign-out').hidden = false;
  const m = /^#\/b\/([^/?#]+)$/.exec(location.hash);
  if (m) return batchScreen(decodeURIComponent(m[1]));
  return listScreen();
}

document.getElementById('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  signIn('Signed out.');
});
window.addEventListener('hashchange', route);
route();
