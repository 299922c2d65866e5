/**
 * Scripts written right to left (ISO 15924): a locale whose likely script is one of these gets
 * `dir="rtl"`. From the script, not a list of languages, so `ar/`, `he/` or `ur/` added by an
 * operator are right to left with no change here.
 */
const RTL_SCRIPTS = new Set(['Adlm', 'Arab', 'Hebr', 'Mand', 'Mend', 'Nkoo', 'Rohg', 'Samr', 'Syrc', 'Thaa', 'Yezi']);

/** Distinct `user.locale` values remembered with their answer; canonicalising a tag costs about 5 µs. */
const MEMO_LIMIT = 1024;

/** A BCP 47 tag in canonical form (`pt_br` → `pt-BR`, `iw` → `he`), or undefined when it is not one. */
export function canonicalLocale(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag.replace(/_/g, '-'))[0];
  } catch {
    return undefined;
  }
}

/** `rtl` for a locale written right to left (fa, ar, he…), else `ltr`. */
export function textDirection(locale: string): 'ltr' | 'rtl' {
  try {
    return RTL_SCRIPTS.has(new Intl.Locale(locale).maximize().script ?? '') ? 'rtl' : 'ltr';
  } catch {
    return 'ltr';
  }
}

/**
 * Chooses one of `available` (canonical tags) for the event's `user.locale`: the exact tag, else the
 * tag with subtags taken off the end (RFC 4647 lookup: `zh-Hant-TW` → `zh-Hant` → `zh`, `de-AT` →
 * `de`), else `fallback`. Case and `_` are ignored. The answer is always one of `available` or
 * `fallback`, so it is fit for a metric label.
 */
export function createLocaleNegotiator(available: readonly string[], fallback: string): (requested: string | undefined) => string {
  const byLowerCase = new Map(available.map((locale) => [locale.toLowerCase(), locale]));
  const memo = new Map<string, string>();
  const lookup = (requested: string): string => {
    const subtags = (canonicalLocale(requested) ?? requested.replace(/_/g, '-')).toLowerCase().split('-');
    while (subtags.length > 0) {
      const found = byLowerCase.get(subtags.join('-'));
      if (found) return found;
      subtags.pop();
      // A singleton (`x` of `-x-private`, `u` of `-u-ca-…`) never ends a tag.
      if (subtags.at(-1)?.length === 1) subtags.pop();
    }
    return fallback;
  };
  return (requested) => {
    if (requested === undefined || requested === '') return fallback;
    let chosen = memo.get(requested);
    if (chosen === undefined) {
      chosen = lookup(requested);
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(requested, chosen);
    }
    return chosen;
  };
}
