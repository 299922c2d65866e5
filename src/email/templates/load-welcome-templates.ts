import { WELCOME_SET } from '../../pipeline/event-routes.js';
import { loadTemplateCatalog, type TemplateCatalogOptions } from './load-template-catalog.js';
import type { RenderedEmail, TemplateRecipient, TemplateSet } from './template-set.js';

export type WelcomeTemplatesOptions = TemplateCatalogOptions;
export type WelcomeTemplates = TemplateSet;
export type WelcomeRecipient = TemplateRecipient;
export type RenderedWelcome = RenderedEmail;

/**
 * The welcome set of a templates folder, every set of it checked (see loadTemplateCatalog): what the
 * tools that send one welcome email (send-test, preview of one locale, benches) load.
 */
export function loadWelcomeTemplates(options: WelcomeTemplatesOptions): WelcomeTemplates {
  return loadTemplateCatalog(options).set(WELCOME_SET);
}
