import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';

export interface StaticAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The files of Swagger UI the page needs, read once at start. Nothing else is served. */
export function loadSwaggerUiAssets(): ReadonlyMap<string, StaticAsset> {
  const dir = getAbsoluteFSPath();
  const assets: Array<[string, string]> = [
    ['swagger-ui.css', 'text/css; charset=utf-8'],
    ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
    ['favicon-32x32.png', 'image/png'],
  ];
  const files = new Map<string, StaticAsset>(
    assets.map(([name, contentType]) => [name, { contentType, body: readFileSync(join(dir, name)) }]),
  );
  files.set('init.js', { contentType: 'text/javascript; charset=utf-8', body: Buffer.from(INIT_JS) });
  return files;
}

// Relative URLs, so the page also works behind a proxy that serves the API under a prefix.
// The script is a file, not inline, so the Content-Security-Policy can forbid inline scripts.
const INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true });
});
`;

export const SWAGGER_UI_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>OC Numbers API</title>
  <link rel="icon" type="image/png" href="docs/favicon-32x32.png">
  <link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
`;
