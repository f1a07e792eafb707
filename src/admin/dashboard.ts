/**
 * Serves the decisions dashboard (`GET /` on the admin port): plain HTML, CSS and JavaScript from
 * `dashboard/` next to this module (no build step, no CDN), and uPlot, the charting library, from
 * the installed package under `/vendor/uplot/`.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** The folder of the dashboard's files (copied next to the built module by `npm run build`). */
export const DASHBOARD_DIR = join(import.meta.dirname, "dashboard");

/** Registers the dashboard's static routes (loaded when the instance is ready). */
export function registerDashboard(app: FastifyInstance): void {
  const uplotDir = dirname(createRequire(import.meta.url).resolve("uplot/dist/uPlot.iife.min.js"));
  app.register(fastifyStatic, {
    root: DASHBOARD_DIR,
    prefix: "/",
    index: "index.html",
    wildcard: false,
    cacheControl: false,
  });
  app.register(fastifyStatic, {
    root: uplotDir,
    prefix: "/vendor/uplot/",
    decorateReply: false,
    allowedPath: (path) => path === "/uPlot.iife.min.js" || path === "/uPlot.min.css",
  });
}
