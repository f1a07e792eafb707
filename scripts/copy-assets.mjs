/**
 * `npm run build` step after `tsc`: copies the data files that modules under `src/` read next to
 * themselves (the lexicons, `*.yaml`, the admin dashboard's static files under
 * `src/admin/dashboard/`, and worker threads' plain JavaScript entry files, `*.worker.mjs`) to the
 * same place under `dist/src/`, which `tsc` does not.
 * Plain JavaScript so it runs without a build (the Docker build stage copies it for that).
 */
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const from = join(root, "src");
const to = join(root, "dist", "src");
let copied = 0;
for (const file of readdirSync(from, { recursive: true, encoding: "utf8" })) {
  const dashboard =
    file.startsWith(join("admin", "dashboard") + "/") && /\.(html|css|js)$/.test(file);
  if (!file.endsWith(".yaml") && !file.endsWith(".worker.mjs") && !dashboard) continue;
  mkdirSync(dirname(join(to, file)), { recursive: true });
  copyFileSync(join(from, file), join(to, file));
  copied++;
}
if (copied === 0) throw new Error(`no data files under ${from}`);
