// page.mjs — the demo page's frame: its tabs (the website checker, the
// coroutine demos, the example programs; the URL hash names the one shown,
// #checker, #demos or #examples), the English / 中文 switch, and which
// carrier the page's connections take, and why (carrier.mjs).
import { chooseCarrier } from './carrier.mjs';
import { language, onLanguageChange, setLanguage, t, translatePage } from './i18n.mjs';

const tabs = [...document.querySelectorAll('[role="tab"]')];

// Shows the tab whose panel is `panelId` (the first tab if none is).
function selectTab(panelId) {
  const tab = tabs.find((x) => x.getAttribute('aria-controls') === panelId) ?? tabs[0];
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute('aria-controls')).hidden = !selected;
  }
}

function panelOfHash() {
  return `panel-${location.hash.slice(1) || 'checker'}`;
}

const carrier = chooseCarrier();

function showCarrier() {
  const p = document.getElementById('carrier');
  p.dataset.carrier = carrier.kind;
  p.textContent = t(carrier.kind === 'relay' ? 'carrierRelay' : 'carrierFetch');
}

function showLanguage(lang) {
  for (const button of document.querySelectorAll('[data-lang]'))
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
}

for (const tab of tabs) {
  tab.addEventListener('click', () => {
    history.replaceState(null, '', `#${tab.getAttribute('aria-controls').slice('panel-'.length)}`);
    selectTab(tab.getAttribute('aria-controls'));
  });
  // Arrow keys move between tabs, as the WAI-ARIA tabs pattern says.
  tab.addEventListener('keydown', (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    next.click();
    next.focus();
  });
}
window.addEventListener('hashchange', () => selectTab(panelOfHash()));
for (const button of document.querySelectorAll('[data-lang]'))
  button.addEventListener('click', () => setLanguage(button.dataset.lang));
onLanguageChange(showLanguage);
onLanguageChange(showCarrier);

selectTab(panelOfHash());
translatePage();
showLanguage(language());
showCarrier();
