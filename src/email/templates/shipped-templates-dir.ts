import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The templates the service ships: `templates/` beside package.json. Found by walking up from this
 * module, because it runs from src/ (tsx), from dist/src/ (npm start) and from the image's
 * /app/dist/src/, and the image keeps package.json and templates/ at /app (deploy/Dockerfile).
 */
export function shippedTemplatesDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}: cannot find the shipped templates`);
    dir = parent;
  }
  return path.join(dir, 'templates');
}
