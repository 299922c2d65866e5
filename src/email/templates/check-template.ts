import type Handlebars from 'handlebars';

// `hbs.AST` is the global namespace of Handlebars' own type definitions, loaded by the import above.
type Program = ReturnType<typeof Handlebars.parse>;
type Node = hbs.AST.Node;

/** What one template may use, besides plain text. */
export interface TemplateScope {
  /** Variables it may name: `name`, `vars.product_name`… */
  readonly variables: ReadonlySet<string>;
  /** Partials it may include (`{{> layout}}`). */
  readonly partials: ReadonlySet<string>;
  /** An HTML part: every value goes through the engine's escaping, so `{{{…}}}` is refused. */
  readonly html: boolean;
  /** A partial itself: it may place the block it wraps (`{{> @partial-block}}`). */
  readonly isPartial: boolean;
}

/** A problem at a line of a template; the loader adds the file. */
export interface TemplateProblem {
  readonly line: number;
  readonly message: string;
}

/** The only helpers a template may use: conditions. No loops, no context changes, so every name is checked here. */
const CONDITIONS = new Set(['if', 'unless']);

/**
 * Everything a template names that the service would not give it, found before any email is
 * rendered: unknown variables, helpers, partials and unescaped HTML output. Strict mode would only
 * find these when an email reaches them; here they stop the service at start, with their line.
 */
export function checkTemplate(ast: Program, scope: TemplateScope): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const at = (node: Node, message: string) => problems.push({ line: node.loc.start.line, message });
  const known = () => [...scope.variables].sort().join(', ');

  const variable = (node: Node): void => {
    if (node.type !== 'PathExpression') return void at(node, 'expected a variable name here');
    const path = node as hbs.AST.PathExpression;
    const name = path.parts.join('.');
    if (path.data || path.depth > 0 || !scope.variables.has(name)) at(node, `unknown variable "${path.original}" (known: ${known()})`);
  };

  const noArguments = (node: { params: unknown[]; hash?: hbs.AST.Hash } & Node, what: string): boolean => {
    if (node.params.length === 0 && (node.hash?.pairs.length ?? 0) === 0) return true;
    at(node, `${what} takes no arguments here`);
    return false;
  };

  const visit = (program: Program | undefined): void => {
    for (const node of program?.body ?? []) statement(node);
  };

  const statement = (node: Node): void => {
    switch (node.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement': {
        const m = node as hbs.AST.MustacheStatement;
        const label = m.path.type === 'PathExpression' ? (m.path as hbs.AST.PathExpression).original : 'a value';
        if (!noArguments(m, `"${label}" (helpers are not available)`)) return;
        variable(m.path);
        if (scope.html && !m.escaped) at(node, `{{{${label}}}} writes the value unescaped into HTML: use {{${label}}}`);
        return;
      }
      case 'BlockStatement': {
        const b = node as hbs.AST.BlockStatement;
        const [condition, ...extra] = b.params;
        if (!CONDITIONS.has(b.path.original) || !condition || extra.length > 0 || b.hash?.pairs.length || b.program.blockParams?.length) {
          return void at(node, `{{#${b.path.original}}} is not available: only {{#if variable}} and {{#unless variable}} blocks`);
        }
        variable(condition);
        visit(b.program);
        visit(b.inverse);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement': {
        const p = node as hbs.AST.PartialBlockStatement;
        const name = p.name.type === 'PathExpression' ? (p.name as hbs.AST.PathExpression).original : '';
        const allowed = scope.partials.has(name) || (scope.isPartial && name === '@partial-block');
        if (!allowed) at(node, `unknown partial "${name || 'a computed name'}" (known: ${[...scope.partials].sort().join(', ') || 'none'})`);
        else if (noArguments(p, `the partial "${name}"`)) visit(p.program);
        return;
      }
      default:
        // Decorators ({{* …}}, {{#* inline}}) and anything a later Handlebars adds.
        at(node, `${node.type} is not available in email templates`);
    }
  };

  visit(ast);
  return problems;
}

/** The line of a Handlebars parse or compile error, and its message on one line without the source excerpt. */
export function describeEngineError(err: unknown): TemplateProblem {
  const e = err as { message?: string; lineNumber?: unknown };
  const message = String(e.message ?? err);
  const line = typeof e.lineNumber === 'number' ? e.lineNumber : Number(/on line (\d+)/.exec(message)?.[1] ?? /- (\d+):\d+$/.exec(message)?.[1] ?? 1);
  const lines = message.split('\n');
  // "Parse error on line 3:", the line's text, a "----^" pointer, then "Expecting …, got 'EOF'".
  const detail = lines.length >= 4 ? `${lines[0]?.replace(/ on line \d+:$/, '')}: ${lines.slice(3).join(' ')}` : message.replace(/ - \d+:\d+$/, '');
  const hint = /got 'EOF'/.test(detail) ? ' (a {{#block}} without its {{/block}}?)' : '';
  return { line, message: `does not compile: ${detail}${hint}` };
}
