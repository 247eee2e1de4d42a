import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';

/** Where the client's build lands (client/dist), from waiting-room/src or waiting-room/dist alike. */
export const CLIENT_BUILD_DIR = path.resolve(__dirname, '..', '..', '..', 'client', 'dist');

/**
 * Serves the built client: `/` is the shopper page and `/admin` the operator console, both the
 * same single page. Hashed assets are cached for a year; the page itself is revalidated, so a
 * new build reaches shoppers on their next load. Without a build, the API still runs.
 */
export function mountClient(app: Express, buildDir: string = CLIENT_BUILD_DIR): boolean {
  const page = path.join(buildDir, 'index.html');
  if (!existsSync(page)) return false;
  app.use('/assets', express.static(path.join(buildDir, 'assets'), { immutable: true, maxAge: '1y' }));
  for (const route of ['/', '/admin']) {
    app.get(route, (_req, res) => {
      res.set('Cache-Control', 'no-cache').sendFile(page);
    });
  }
  app.use(express.static(buildDir, { index: false, maxAge: '1h' }));
  return true;
}
