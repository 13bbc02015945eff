// The routes every service has before authentication (API.md: Discovery and operations), as operations of its
// document: the document itself, the interactive reference and its script, and the metrics.
import { z } from 'zod';
import { DOCS_SCRIPT_PATH } from './serve.ts';
import type { ApiOperation } from './document.ts';

const TAG = 'Discovery and operations';

export const DISCOVERY_TAG = {
  name: TAG,
  description: 'No token needed: this document, the interactive reference, health and metrics.',
};

const openApiDocument = z
  .looseObject({ openapi: z.literal('3.1.0'), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
  .meta({ description: 'This document (OpenAPI 3.1).' });

/** The operations of `apiDocsRoutes` and, when the service has metrics, of GET /metrics. */
export const discoveryOperations = (options: { metrics: boolean }): ApiOperation[] => [
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This API, as an OpenAPI 3.1 document',
    description: 'Generated from the zod schemas that validate requests and describe answers.',
    tags: [TAG],
    auth: 'none',
    responses: { 200: { description: 'The document.', schema: openApiDocument } },
    problems: [],
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'getDocs',
    summary: 'The interactive reference (this page)',
    description: 'Every endpoint, field and problem, and a client to try them with a token.',
    tags: [TAG],
    auth: 'none',
    responses: { 200: { description: 'An HTML page.', alternatives: { 'text/html': z.string() } } },
    problems: [],
  },
  {
    method: 'get',
    path: DOCS_SCRIPT_PATH,
    operationId: 'getDocsScript',
    summary: 'The script of the interactive reference',
    description: 'Served by the service itself, so the reference needs no CDN.',
    tags: [TAG],
    auth: 'none',
    responses: { 200: { description: 'JavaScript.', alternatives: { 'text/javascript': z.string() } } },
    problems: [],
  },
  ...(options.metrics
    ? [
        {
          method: 'get',
          path: '/metrics',
          operationId: 'getMetrics',
          summary: 'Metrics for Prometheus',
          description:
            'Requests by route template and status, latency histograms, problem codes, and what the service adds (store appends; projection position, lag and failures). Only on LEDGER_HOST.',
          tags: [TAG],
          auth: 'none',
          responses: { 200: { description: 'Prometheus text format.', alternatives: { 'text/plain': z.string() } } },
          problems: [],
        } satisfies ApiOperation,
      ]
    : []),
];
