import type { WelcomeSite } from '../email/render-welcome-email.js';
import { loadTemplateCatalog, type TemplateCatalog } from '../email/templates/load-template-catalog.js';
import { fromDomain } from '../platform/config/config.js';
import type { Config } from '../platform/config/schema.js';
import type { Metrics } from '../platform/metrics.js';

/**
 * The templates and the sender every email is rendered with. Called before any client is built: a
 * bad template is a ConfigError (exit 2), never a DLQ flood.
 */
export function emailSite(config: Config, metrics: Metrics): { readonly catalog: TemplateCatalog; readonly site: WelcomeSite } {
  const catalog = loadTemplateCatalog({ dir: config.email.templatesDir, defaultLocale: config.email.defaultLocale, vars: config.email.templateVars, metrics });
  for (const template of catalog.sets.keys()) metrics.sent.inc({ template }, 0);
  // Handed to renderEmail as it is (through the dispatcher's ComposeAhead), templates included.
  const site: WelcomeSite = { from: config.email.from, domain: fromDomain(config.email.from), catalog, envelopeFrom: config.email.envelopeFrom || undefined };
  return { catalog, site };
}
