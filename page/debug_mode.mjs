// debug_mode.mjs — corio's debug mode on the demo page: on when the page's
// address has ?debug; the "debug mode" checkboxes of the Demos and Examples
// tabs turn it on and off and keep ?debug in the address in step, so a
// reload keeps the choice. With it on, corio's "corio: ..." reports (slow
// steps, errors nobody read, the deadlock report) reach the output panes.
import { onLanguageChange, t } from './i18n.mjs';

const listeners = new Set();

/** Whether debug mode is on (?debug in the address). */
export function debugOn() {
  return new URLSearchParams(location.search).has('debug');
}

/** Turns debug mode on or off; listeners (onDebugChange) are told. */
export function setDebug(on) {
  const url = new URL(location.href);
  if (on) url.searchParams.set('debug', '');
  else url.searchParams.delete('debug');
  history.replaceState(history.state, '', url);
  for (const fn of listeners) fn(on);
}

export function onDebugChange(fn) {
  listeners.add(fn);
}

/** A labelled checkbox bound to debug mode, to place in a tab. */
export function debugToggle(id) {
  const label = document.createElement('label');
  label.className = 'debug-toggle';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.id = id;
  box.checked = debugOn();
  const text = document.createElement('span');
  const draw = () => (text.textContent = t('debugMode'));
  draw();
  onLanguageChange(draw);
  box.addEventListener('change', () => setDebug(box.checked));
  onDebugChange((on) => (box.checked = on));
  label.append(box, text);
  return label;
}
