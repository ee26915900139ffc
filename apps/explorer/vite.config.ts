import { defineConfig } from "vite";

// React without @vitejs/plugin-react: esbuild's automatic JSX runtime is all the page needs.
export default defineConfig({
  root: __dirname,
  esbuild: { jsx: "automatic" },
  build: { outDir: "dist", emptyOutDir: true },
  server: { proxy: { "/api": "http://127.0.0.1:8600" } },
});
