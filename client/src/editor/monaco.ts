// Monaco with its web workers bundled by Vite (no "could not create web worker" fallbacks).
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker?worker';
import JsonWorker from 'monaco-editor/esm/vs/language/json/json.worker?worker';
import CssWorker from 'monaco-editor/esm/vs/language/css/css.worker?worker';
import HtmlWorker from 'monaco-editor/esm/vs/language/html/html.worker?worker';
import TsWorker from 'monaco-editor/esm/vs/language/typescript/ts.worker?worker';
import { listen, type Disposable } from '../platform/lifecycle.js';

self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string): Worker {
    switch (label) {
      case 'json':
        return new JsonWorker();
      case 'css':
      case 'scss':
      case 'less':
        return new CssWorker();
      case 'html':
      case 'handlebars':
      case 'razor':
        return new HtmlWorker();
      case 'typescript':
      case 'javascript':
        return new TsWorker();
      default:
        return new EditorWorker();
    }
  },
};

/**
 * Monaco rejects in-flight worker requests with a 'Canceled' error when a model is disposed (closing a
 * tab while diagnostics run); that is expected cancellation, not a failure, so it is not reported.
 * Installed by the editor stage for as long as the page's editors live.
 */
export function ignoreMonacoCancellation(): Disposable {
  return listen<PromiseRejectionEvent>(window, 'unhandledrejection', (e) => {
    const reason = e.reason as { name?: string; message?: string } | undefined;
    if (reason?.name === 'Canceled' && reason.message === 'Canceled') e.preventDefault();
  });
}

export { monaco };

/** The model URI for a workspace file: Monaco picks the language from its name (extension or file name). */
export const uriFor = (workspaceId: string, path: string): monaco.Uri =>
  monaco.Uri.from({ scheme: 'file', path: `/${workspaceId}/${path}` });

/** The language Monaco associates with a file name (e.g. Dockerfile, .tsx), or plaintext. */
export function languageFor(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  for (const lang of monaco.languages.getLanguages()) {
    if (lang.filenames?.some((f) => f.toLowerCase() === name)) return lang.id;
  }
  for (const lang of monaco.languages.getLanguages()) {
    if (lang.extensions?.some((ext) => name.endsWith(ext.toLowerCase()))) return lang.id;
  }
  return 'plaintext';
}
