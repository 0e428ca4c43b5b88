// i18n.mjs — the page's language (English or Chinese): t() looks a string up
// (strings.mjs), translatePage() fills every element marked data-i18n,
// data-i18n-html or data-i18n-attr, and setLanguage() switches, remembers the
// choice and tells the listeners, which re-render their own texts.
import { STRINGS } from './strings.mjs';

export const LANGUAGES = ['en', 'zh'];
const HTML_LANG = { en: 'en', zh: 'zh-CN' };
const STORAGE_KEY = 'corio.lang';

const listeners = new Set();
let current = initialLanguage();

// ?lang= first, then the last choice, then the browser's languages.
function initialLanguage() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (LANGUAGES.includes(asked)) return asked;
  let stored = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    /* storage may be off */
  }
  if (LANGUAGES.includes(stored)) return stored;
  return (navigator.languages ?? [navigator.language]).some((l) => /^zh\b/i.test(l)) ? 'zh' : 'en';
}

export function language() {
  return current;
}

/** The string `key` in the current language, with {name}s from `params`. */
export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key];
  if (text === undefined) throw new Error(`no string "${key}"`);
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/**
 * Fills the marked elements under `root`: data-i18n="key" sets the text,
 * data-i18n-html="key" the markup, data-i18n-attr="attr:key attr:key" attributes.
 */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-html]')) el.innerHTML = t(el.dataset.i18nHtml);
  for (const el of root.querySelectorAll('[data-i18n-attr]'))
    for (const pair of el.dataset.i18nAttr.split(/\s+/)) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  document.documentElement.lang = HTML_LANG[current];
  document.title = t('title');
}

/** Calls fn() after each language switch; returns a function that stops it. */
export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Switches to `lang` ('en' or 'zh'), re-translates the page and remembers it. */
export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) throw new RangeError(`unknown language "${lang}"`);
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    /* storage may be off */
  }
  translatePage();
  for (const fn of listeners) fn(lang);
}

/** Formats a duration in ms for display: "850 ms", "1.25 s" (or Chinese units). */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1000) return t('milliseconds', { n: Math.round(ms) });
  return t('seconds', { n: (ms / 1000).toFixed(2) });
}
