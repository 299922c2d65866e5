import { TEMPLATE_VARS_PREFIX } from './schema.js';

/** What follows the prefix: upper-case words of letters and digits joined by single underscores. */
const VAR_SUFFIX = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
/** A value is one line of text: it lands in a subject or a sentence. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/**
 * The operator values for the email templates, from EMAIL_TEMPLATE_VARS_*: `…_PRODUCT_NAME=Acme`
 * becomes `{ product_name: 'Acme' }` (`{{vars.product_name}}`). Whether the templates declare each
 * one is checked where they are loaded; here only the variable's own form, one problem line each.
 */
export function readTemplateVars(env: NodeJS.ProcessEnv): { vars: Record<string, string>; problems: string[] } {
  const vars: Record<string, string> = {};
  const problems: string[] = [];
  for (const name of Object.keys(env)
    .filter((key) => key.startsWith(TEMPLATE_VARS_PREFIX))
    .sort()) {
    const value = env[name] as string;
    const suffix = name.slice(TEMPLATE_VARS_PREFIX.length);
    if (!VAR_SUFFIX.test(suffix))
      problems.push(
        `${name}: expected ${TEMPLATE_VARS_PREFIX} then upper-case letters, digits and single underscores, e.g. ${TEMPLATE_VARS_PREFIX}PRODUCT_NAME`,
      );
    else if (CONTROL.test(value)) problems.push(`${name}: must not contain line breaks or control characters`);
    else vars[suffix.toLowerCase()] = value;
  }
  return { vars, problems };
}
