import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The dashboard is a static site: `dist/` is served by packages/local (offline) or S3/CloudFront.
// Relative asset paths, so it works from any base path; config.json sits next to index.html.
export default defineConfig({
  base: "./",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, target: "es2022" },
  server: { port: 5173 },
});
