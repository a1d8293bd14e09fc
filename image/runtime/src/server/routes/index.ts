import type { Route } from '../route.js';
import { contentRoute } from './content.js';
import { healthRoute } from './health.js';
import { jsonVersionRoute } from './json-version.js';
import { metricsRoute } from './metrics.js';
import { pdfRoute } from './pdf.js';
import { screenshotRoute } from './screenshot.js';

/** Every HTTP route of the service (the CDP WebSocket is handled on upgrade). */
export const ROUTES: readonly Route[] = [screenshotRoute, pdfRoute, contentRoute, healthRoute, metricsRoute, jsonVersionRoute] as readonly Route[];
