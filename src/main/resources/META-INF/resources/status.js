// The status page: reads what the REST API already serves and redraws itself every few seconds.
// No framework and no build step: every value from the service goes into the page as text, never as HTML
// (object keys and thing names come from users).
'use strict';

(function () {
  const params = new URLSearchParams(location.search);
  // ?refresh=SECONDS (at least 0.5): how often the page asks the service again
  const REFRESH_MS = Math.max(500, 1000 * (Number(params.get('refresh')) || 5));
  const ROLLOUTS = 20;
  const CHECKS = 20;
  const KNOWN_COUNTS = ['targets', 'updated', 'skipped', 'failed', 'throttledRetries'];
  // Statuses of rollouts that went through every target, so that their count is the whole target set.
  const LISTED_ALL = ['SUCCEEDED', 'PARTIAL'];
  // Statuses this page knows how to colour; any other one (added by a later version) is shown as it comes.
  const STATUS_CLASSES = {
    RUNNING: 'running', PAUSED: 'warn', SUCCEEDED: 'ok', PARTIAL: 'warn', FAILED: 'bad', ABORTED: 'bad', CANCELLED: 'muted',
    SUPERSEDED: 'muted'
  };

  let checks = [];

  // ---------------------------------------------------------------- small DOM helpers

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null) continue;
      if (name === 'class') node.className = value;
      else if (name.startsWith('data-')) node.setAttribute(name, String(value));
      else node[name] = value;
    }
    for (const child of children) {
      if (child === undefined || child === null) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function replaceRows(tbody, rows) {
    tbody.replaceChildren(...rows);
  }

  function show(id, visible) {
    document.getElementById(id).hidden = !visible;
  }

  function showError(id, error) {
    const box = document.getElementById(id);
    box.hidden = !error;
    box.textContent = error ? String(error.message || error) : '';
  }

  // ---------------------------------------------------------------- formatting

  function duration(ms) {
    const s = Math.round(Math.abs(ms) / 1000);
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + String(s % 60).padStart(2, '0') + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + String(Math.floor(s / 60) % 60).padStart(2, '0') + 'm';
    return Math.floor(s / 86400) + 'd ' + Math.floor(s / 3600) % 24 + 'h';
  }

  function time(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleString();
  }

  function number(value) {
    return typeof value === 'number' ? value.toLocaleString() : '–';
  }

  // ---------------------------------------------------------------- HTTP

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const body = await response.json().catch(() => null);
    if (!response.ok && !(body && url.startsWith('q/health'))) {
      throw new Error(url + ': ' + ((body && body.message) || response.status + ' ' + response.statusText));
    }
    return body;
  }

  async function getText(url) {
    const response = await fetch(url, { cache: 'no-store' });
    if (!response.ok) throw new Error(url + ': ' + response.status);
    return response.text();
  }

  // ---------------------------------------------------------------- rollouts

  /**
   * How many targets a running (or stopped) rollout would have. Targets are listed page by page as the
   * rollout goes, so its record knows only the things listed so far; the last rollout to the same targets (same
   * "target" text) on this page that went through all of them (SUCCEEDED or PARTIAL, not one stopped
   * half way) gives the likely total.
   */
  function expectedTargets(rollout, olderRollouts) {
    if (LISTED_ALL.includes(rollout.status)) return null; // its own count is the whole set
    const previous = olderRollouts.find(other => LISTED_ALL.includes(other.status) && other.target === rollout.target
      && other.counts && other.counts.targets > 0);
    return previous ? previous.counts.targets : null;
  }

  /** The bar: updated, skipped and failed as shares of the targets (for a running or stopped rollout, the expected ones when known). */
  function progressBar(rollout, expected) {
    const counts = rollout.counts || {};
    const targets = counts.targets || 0;
    const done = (counts.updated || 0) + (counts.skipped || 0) + (counts.failed || 0);
    const estimated = expected !== null && expected > targets;
    const scale = Math.max(estimated ? expected : targets, done, 1);
    const of = estimated ? '~' + number(expected) + ' expected targets'
      : number(targets) + (rollout.status === 'RUNNING' ? ' targets listed so far' : ' targets');
    const bar = el('div', {
      class: 'bar' + (rollout.status === 'RUNNING' ? ' live' : LISTED_ALL.includes(rollout.status) ? '' : ' stopped'),
      title: estimated ? 'about ' + number(expected) + ' targets, as many as the last rollout to ' + rollout.target + ' had'
        : 'targets are listed page by page while a rollout runs',
      'data-targets': targets, 'data-expected': estimated ? expected : null, 'data-updated': counts.updated || 0,
      'data-skipped': counts.skipped || 0, 'data-failed': counts.failed || 0
    });
    for (const part of ['updated', 'skipped', 'failed']) {
      const share = 100 * (counts[part] || 0) / scale;
      if (share > 0) bar.append(el('span', { class: 'part ' + part, style: 'width:' + share + '%' }));
    }
    const legend = el('div', { class: 'counts' },
      el('span', { class: 'updated-count' }, number(counts.updated) + ' updated'),
      ' · ' + number(counts.skipped) + ' skipped · ',
      el('span', { class: counts.failed ? 'bad-text' : '' }, number(counts.failed) + ' failed'),
      ' of ' + of);
    // fields a later version adds to the counts (applied, waves...) are shown as they come
    for (const [name, value] of Object.entries(counts)) {
      if (!KNOWN_COUNTS.includes(name) && typeof value === 'number') legend.append(' · ' + number(value) + ' ' + name);
    }
    if (counts.throttledRetries) legend.append(' · ' + number(counts.throttledRetries) + ' throttled retries');
    return el('div', { class: 'progress' }, bar, legend);
  }

  function statusCell(rollout) {
    const status = String(rollout.status || 'UNKNOWN');
    const cell = el('td', { class: 'status' },
      el('span', { class: 'badge ' + (STATUS_CLASSES[status] || 'other'), 'data-status': status }, status));
    if (rollout.reason) cell.append(el('div', { class: 'reason' }, rollout.reason));
    if (rollout.supersededBy) {
      cell.append(el('div', { class: 'reason' }, 'superseded by ',
        el('a', { href: 'rollouts/' + encodeURIComponent(rollout.supersededBy) }, rollout.supersededBy)));
    }
    return cell;
  }

  function rolloutRow(rollout, expected) {
    const ended = rollout.endedAt ? new Date(rollout.endedAt) : new Date();
    const took = rollout.startedAt ? duration(ended - new Date(rollout.startedAt)) : '';
    const object = el('td', { class: 'object' },
      el('div', { class: 'key' }, 's3://' + (rollout.bucket || '?') + '/' + (rollout.key || '?')),
      el('div', { class: 'muted small' }, [rollout.target, rollout.hash && 'sha256 ' + rollout.hash.slice(0, 12) + '…']
        .filter(Boolean).join(' · ')));
    const actions = el('td', { class: 'actions' },
      el('a', { href: 'rollouts/' + encodeURIComponent(rollout.id), title: 'the rollout record as JSON' }, 'JSON'));
    if (rollout.status === 'PAUSED') {
      actions.append(' ', el('button', { type: 'button', class: 'resume', onclick: () => resume(rollout) }, 'Resume'));
    }
    if (rollout.status === 'RUNNING' || rollout.status === 'PAUSED') {
      actions.append(' ', el('button', { type: 'button', class: 'cancel', onclick: () => cancel(rollout) }, 'Cancel'));
    }
    return el('tr', { 'data-id': rollout.id },
      object, statusCell(rollout), el('td', {}, progressBar(rollout, expected)),
      el('td', { class: 'small' }, time(rollout.startedAt), el('div', { class: 'muted' },
        rollout.endedAt ? 'took ' + took : 'running for ' + took)),
      actions);
  }

  async function refreshRollouts() {
    try {
      const page = await getJson('rollouts?limit=' + ROLLOUTS);
      const items = (page && page.items) || [];
      replaceRows(document.querySelector('#rollouts tbody'),
        items.map((rollout, i) => rolloutRow(rollout, expectedTargets(rollout, items.slice(i + 1)))));
      show('rollouts-empty', items.length === 0);
      showError('rollouts-error', null);
    } catch (e) {
      showError('rollouts-error', e);
    }
  }

  // ---------------------------------------------------------------- cancelling, resuming (token only when the service asks)

  function token() {
    return sessionStorage.getItem('shadowcast-token');
  }

  function cancel(rollout) {
    if (!confirm('Cancel the rollout of s3://' + rollout.bucket + '/' + rollout.key + '?')) return;
    change('Cancel', 'DELETE', 'rollouts/' + encodeURIComponent(rollout.id));
  }

  function resume(rollout) {
    if (!confirm('Resume the rollout of s3://' + rollout.bucket + '/' + rollout.key + '?')) return;
    change('Resume', 'POST', 'rollouts/' + encodeURIComponent(rollout.id) + '/resume');
  }

  async function change(action, method, url) {
    const headers = { Accept: 'application/json' };
    if (token()) headers.Authorization = 'Bearer ' + token();
    let response;
    try {
      response = await fetch(url, { method, headers });
    } catch (e) {
      showError('action-error', action + ': the service did not answer (' + e.message + ')');
      return;
    }
    if (response.status === 401) {
      show('token-section', true);
      document.getElementById('token').focus();
      showError('action-error', action + ' needs the service\'s bearer token: enter it below, then try again.');
      return;
    }
    const body = await response.json().catch(() => null);
    // kept until the next action: the refresh below clears only the list's own errors
    showError('action-error', response.ok ? null : action + ': ' + ((body && body.message) || response.status));
    refresh();
  }

  // ---------------------------------------------------------------- checks

  function checkRows() {
    const now = Date.now();
    return checks.map(check => {
      const left = new Date(check.dueAt) - now;
      return el('tr', { 'data-thing': check.thingName },
        el('td', { class: 'key' }, check.thingName),
        el('td', { class: 'small' }, time(check.disconnectedAt)),
        el('td', { class: 'small due', 'data-due': check.dueAt }, time(check.dueAt)),
        el('td', { class: left < 0 ? 'bad-text' : '' }, left < 0 ? 'overdue ' + duration(left) : 'in ' + duration(left)),
        el('td', { class: 'muted small' }, [check.source, check.reason].filter(Boolean).join(' · ')));
    });
  }

  async function refreshChecks() {
    try {
      const page = await getJson('checks?limit=' + CHECKS);
      checks = (page && page.checks) || [];
      replaceRows(document.querySelector('#checks tbody'), checkRows());
      show('checks-empty', checks.length === 0);
      showError('checks-error', null);
    } catch (e) {
      showError('checks-error', e);
    }
  }

  // ---------------------------------------------------------------- health and metrics

  async function refreshHealth() {
    const badge = document.getElementById('health');
    const list = document.getElementById('health-checks');
    try {
      const health = await getJson('q/health/ready');
      const status = (health && health.status) || 'UNKNOWN';
      badge.textContent = 'ready: ' + status;
      badge.className = 'badge ' + (status === 'UP' ? 'ok' : 'bad');
      const lines = [];
      for (const check of (health && health.checks) || []) {
        for (const [resource, state] of Object.entries(check.data || {})) {
          lines.push(el('li', { class: String(state).startsWith('DOWN') ? 'bad-text' : '' }, resource + ': ' + state));
        }
        if (!check.data) lines.push(el('li', {}, check.name + ': ' + check.status));
      }
      list.replaceChildren(...lines);
    } catch (e) {
      badge.textContent = 'unreachable';
      badge.className = 'badge bad';
      list.replaceChildren(el('li', { class: 'bad-text' }, String(e.message || e)));
    }
  }

  /** Prometheus text format: the samples of the named metrics, as {labels, value}. */
  function samples(text, names) {
    const found = {};
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
      if (!match || !names.includes(match[1])) continue;
      const labels = {};
      for (const label of (match[2] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[label[1]] = label[2];
      }
      (found[match[1]] = found[match[1]] || []).push({ labels, value: Number(match[3]) });
    }
    return found;
  }

  function sum(list, filter) {
    return (list || []).filter(s => !filter || filter(s.labels)).reduce((total, s) => total + s.value, 0);
  }

  async function refreshMetrics() {
    const figures = document.getElementById('figures');
    try {
      const m = samples(await getText('q/metrics'), [
        'shadowcast_rollout_rate', 'shadowcast_rollout_throttled_retries_total', 'shadowcast_rollout_updates_total',
        'shadowcast_presence_due_checks', 'shadowcast_presence_oldest_due_age_seconds',
        'shadowcast_presence_checks_total', 'shadowcast_sqs_in_flight', 'shadowcast_sqs_messages_total']);
      const rate = m.shadowcast_rollout_rate;
      document.getElementById('rate').textContent = rate
        ? 'write rate ' + Math.round(sum(rate)).toLocaleString() + '/s' : 'write rate – (no rollout yet)';
      const rows = [
        ['adaptive write rate', rate ? Math.round(sum(rate)).toLocaleString() + ' updates/s' : 'set at the first rollout'],
        ['shadow updates since start', number(sum(m.shadowcast_rollout_updates_total))],
        ['throttled retries since start', number(sum(m.shadowcast_rollout_throttled_retries_total))],
        ['checks due at the last poll', number(sum(m.shadowcast_presence_due_checks))],
        ['oldest due check waiting', duration(1000 * sum(m.shadowcast_presence_oldest_due_age_seconds))],
        ['alerts sent since start', number(sum(m.shadowcast_presence_checks_total, l => l.outcome === 'notified'))],
        ['messages in flight', number(sum(m.shadowcast_sqs_in_flight))],
        ['messages rejected to the DLQ', number(sum(m.shadowcast_sqs_messages_total, l => l.outcome === 'rejected'))]
      ];
      figures.replaceChildren(...rows.flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, value)]));
    } catch (e) {
      figures.replaceChildren(el('dt', { class: 'bad-text' }, 'metrics'), el('dd', {}, String(e.message || e)));
    }
  }

  // ---------------------------------------------------------------- the loop

  // Each part asks on its own, so that a slow answer (readiness waits for AWS) never holds up the others;
  // a part still waiting for its last answer skips a turn instead of piling requests up.
  const PARTS = [refreshRollouts, refreshChecks, refreshHealth, refreshMetrics].map(load => ({ load, busy: false }));

  function refresh() {
    for (const part of PARTS) {
      if (part.busy) continue;
      part.busy = true;
      part.load().finally(() => {
        part.busy = false;
        document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
      });
    }
  }

  document.getElementById('token-form').addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem('shadowcast-token', document.getElementById('token').value.trim());
    document.getElementById('token').value = '';
    show('token-section', false);
    showError('action-error', null);
  });

  // A hidden tab stops asking; it catches up as soon as it is shown again.
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  // the time left of each check counts down between refreshes
  setInterval(() => replaceRows(document.querySelector('#checks tbody'), checkRows()), 1000);
  refresh();
})();
